// A stand-in for the ESP32's WiFi radio, which cannot exist on the machines the tests run on:
// it records what the gateway asks of it and lets the test decide what the radio reports.
//
// `outcome` decides what a connect() brings: 'manual' (nothing until the test calls succeed() or
// fail()), 'ok' / 'fail' (an address / a 'disconnected' event on the next turn of the event loop,
// for tests over real HTTP). Like Espruino's Wifi, disconnect() reports 'disconnected' when it
// ends a link or an attempt, and an address comes both as the connect callback and as a
// 'connected' event.
import { Wifi, WifiNetwork } from '../../src/hal/types';
import type { WifiOptions } from '../../src/services/wifi-manager';
import * as captive from '../../src/services/captive-dns';
import * as mdnsReply from '../../src/services/mdns-reply';
import * as steps from '../../src/services/wifi-steps';

/** The WiFi manager's code it fetches when needed, as the Node side hands it in (the device defines it per use). */
export const WIFI_CODE: WifiOptions = { loadSteps: () => steps, loadCaptive: () => captive, loadMdnsReply: () => mdnsReply };

export class FakeWifi implements Wifi {
  /** Every call, in order: "connect home secret", "startAP OpenEVSE_1a2b openevse", "stopAP", ... */
  calls: string[] = [];
  outcome: 'manual' | 'ok' | 'fail' = 'manual';
  /** What the next scan finds (null: the scan never answers). */
  networks: WifiNetwork[] | null = [
    { rssi: -71, ssid: 'neighbour', bssid: '11:22:33:44:55:66', channel: 6, secure: 3 },
    { rssi: -48, ssid: 'home', bssid: 'aa:bb:cc:dd:ee:ff', channel: 11, secure: 4 },
    { rssi: -80, ssid: 'cafe', bssid: '66:55:44:33:22:11', channel: 1, secure: 0 },
  ];
  /** The access point's settings while it is up. */
  ap: { ssid: string; pass: string } | null = null;
  /** The network being joined or joined. */
  station: { ssid: string; pass: string } | null = null;
  ip = '';
  hostname = '';
  signal = -55;
  private pending: ((err: string | null) => void) | null = null;
  private listener: ((event: string, detail?: string) => void) | null = null;

  connect(ssid: string, pass: string, cb: (err: string | null) => void): void {
    this.calls.push('connect ' + ssid + ' ' + pass);
    this.station = { ssid, pass };
    this.ip = '';
    this.pending = cb;
    if (this.outcome === 'ok') setTimeout(() => this.succeed(), 0);
    else if (this.outcome === 'fail') setTimeout(() => this.fail('AUTH_FAIL'), 0);
  }
  disconnect(): void {
    this.calls.push('disconnect');
    const was = this.station;
    this.station = null;
    this.ip = '';
    this.pending = null;
    if (was) this.emit('disconnected', 'ASSOC_LEAVE');
  }
  startAP(ssid: string, pass: string, cb: (err: string | null) => void): void {
    this.calls.push('startAP ' + ssid + ' ' + pass);
    this.ap = { ssid, pass };
    cb(null);
  }
  stopAP(): void {
    this.calls.push('stopAP');
    this.ap = null;
  }
  scan(cb: (list: WifiNetwork[]) => void): void {
    this.calls.push('scan');
    const list = this.networks;
    if (list) setTimeout(() => cb(list.map((n) => ({ ...n }))), 0);
  }
  stationIp(): string {
    return this.ip;
  }
  apIp(): string {
    return '192.168.4.1';
  }
  rssi(): number {
    return this.ip ? this.signal : 0;
  }
  setHostname(name: string): void {
    this.calls.push('setHostname ' + name);
    this.hostname = name;
  }
  onEvent(cb: (event: string, detail?: string) => void): void {
    this.listener = cb;
  }

  /** The attempt under way gets an address. */
  succeed(ip = '192.168.1.50'): void {
    if (!this.station) throw new Error('FakeWifi.succeed: no connect() under way');
    this.ip = ip;
    const cb = this.pending;
    this.pending = null;
    if (cb) cb(null);
    this.emit('connected');
  }
  /** The attempt under way fails (wrong password, no such network). */
  fail(reason = 'NO_AP_FOUND'): void {
    this.station = null;
    this.pending = null;
    this.emit('disconnected', reason);
  }
  /** The joined network goes away. */
  dropLink(reason = 'BEACON_TIMEOUT'): void {
    this.station = null;
    this.ip = '';
    this.emit('disconnected', reason);
  }
  /** Calls since the last take(), and forgets them. */
  take(): string[] {
    const c = this.calls;
    this.calls = [];
    return c;
  }

  private emit(event: string, detail?: string): void {
    if (this.listener) this.listener(event, detail);
  }
}
