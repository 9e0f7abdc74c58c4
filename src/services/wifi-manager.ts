// WiFi provisioning and the station link (ref/openevse-gateway.md §8), on the Wifi HAL.
//
//   no ssid set            → access point only ("AP"): OpenEVSE_<4 hex of the id> (or ap_ssid),
//                            password "openevse" (or ap_pass); the web UI shows its WiFi setup
//   ssid set               → station ("STA"); once it has an address, an access point still up
//                            goes off AP_AUTO_STOP_MS later
//   attempt fails / link   → one immediate new attempt after a lost link; when an attempt fails,
//   lost                     the access point comes up beside the station ("STA+AP") and the
//                            station is tried again every STA_RETRY_MS until it connects
//   ssid/pass changed      → rejoin (RECONFIGURE_DELAY_MS later, so that the reply gets out)
//
// Ours, not the reference's: the retry interval is 5 min (issue #7), not 10 s, because every
// attempt takes the radio off the access point's channel while a phone may be using it; a failed
// attempt stops the station (disconnect) so that the radio stays on the access point's channel;
// /apoff is refused while the station has no address, since it would leave no way in.
import type { Gateway } from '../app';
import type { Wifi, WifiNetwork } from '../hal/types';
import type { CaptiveDns } from './captive-dns';
import { MdnsResponder, MdnsReply } from './mdns';
import { VERSION } from '../app';

/** How often a station that cannot connect is tried again, while the access point is up. */
export var STA_RETRY_MS = 300000;
/** The access point stays this long after the station got its address (the reference's ACCESS_POINT_AUTO_STOP_TIMEOUT). */
export var AP_AUTO_STOP_MS = 10000;
/** An attempt that brings neither an address nor a failure by then has failed. */
export var CONNECT_TIMEOUT_MS = 30000;
/** New credentials take effect this long after they are saved (the reference: 2 s). */
export var RECONFIGURE_DELAY_MS = 2000;
/** /apoff stops the access point this long after its answer (the reference: 1 s). */
export var AP_OFF_DELAY_MS = 1000;
/** A scan that has not answered by then answers with no networks. */
export var SCAN_TIMEOUT_MS = 15000;
/** A /scan answer lists at most this many networks (the strongest). */
export var MAX_NETWORKS = 20;
/** 'disconnected' events this soon after our own disconnect() are its echo, not news. */
var ECHO_MS = 1000;
var AP_PASS_DEFAULT = 'openevse';
/** The captive portal's DNS and mDNS ports (tests move them off the privileged/shared ones). */
export var NAME_PORTS = { dns: 53, mdns: 5353 };

/**
 * The name servers' code, fetched when needed rather than kept (on the ESP32 each is a `lazy:`
 * factory): the captive portal's DNS server while the access point is up, mDNS packets for each
 * datagram and announcement (services/mdns.ts).
 */
export interface WifiOptions {
  loadCaptive: () => { CaptiveDns: typeof CaptiveDns };
  loadMdnsReply: () => MdnsReply;
}

export class WifiManager {
  /** The access point is up. */
  ap = false;
  /** The station has an address. */
  connected = false;
  /** An ssid is set: the station is wanted. */
  private station = false;
  /** A station attempt is under way. */
  private connecting = false;
  /** The station's next step: the attempt's timeout or the next retry. */
  private staTimer: any = null;
  /** The access point's planned stop. */
  private apTimer: any = null;
  private reconfTimer: any = null;
  private reconfSta = false;
  private reconfAp = false;
  private quietUntil = 0;
  /** What was last published, to publish changes only. */
  private published = '';
  /** The captive portal's name server, while the access point is up. */
  private dns: CaptiveDns | null = null;
  /** `<hostname>.local` and the HTTP services, for the station's address. */
  private mdns: MdnsResponder | null = null;

  constructor(
    private gw: Gateway,
    private wifi: Wifi,
    private opts: WifiOptions
  ) {}

  start(): void {
    var self = this;
    this.wifi.onEvent(function (event, detail) {
      if (event === 'connected') self.gotIp();
      else if (event === 'disconnected') self.linkDown(detail || 'disconnected');
    });
    this.wifi.setHostname(this.gw.config.get('hostname'));
    this.begin();
  }

  /** Stops the timers and the name servers (the radio is left as it is). */
  stop(): void {
    var clock = this.gw.hal.clock;
    clock.clearTimeout(this.staTimer);
    clock.clearTimeout(this.apTimer);
    clock.clearTimeout(this.reconfTimer);
    this.staTimer = this.apTimer = this.reconfTimer = null;
    if (this.dns) this.dns.stop();
    if (this.mdns) this.mdns.stop();
    this.dns = this.mdns = null;
  }

  /** Re-applies what depends on the WiFi settings after a /config or /savenetwork change. */
  configChanged(changed: string[]): void {
    var self = this;
    var clock = this.gw.hal.clock;
    for (var i = 0; i < changed.length; i++) {
      switch (changed[i]) {
        case 'ssid':
        case 'pass':
          this.reconfSta = true;
          break;
        case 'ap_ssid':
        case 'ap_pass':
          this.reconfAp = true;
          break;
        case 'hostname':
          this.wifi.setHostname(this.gw.config.get('hostname'));
          if (this.mdns) this.mdns.setHostname(this.gw.config.get('hostname'));
          this.gw.hal.log('info', 'wifi: hostname ' + this.gw.config.get('hostname') + ' from the next connection on');
          break;
      }
    }
    if (!this.reconfSta && !this.reconfAp) return;
    clock.clearTimeout(this.reconfTimer);
    this.reconfTimer = clock.setTimeout(function () {
      self.reconfTimer = null;
      self.reconfigure();
    }, RECONFIGURE_DELAY_MS);
  }

  /** `mode`, `wifi_client_connected`, `net_connected`, `ipaddress` and `srssi` for /status. */
  statusFields(doc: { [key: string]: any }): { [key: string]: any } {
    this.fields(doc);
    doc.srssi = this.connected ? this.wifi.rssi() : 0;
    return doc;
  }

  /** Provisioning: the access point alone, no station wanted. Web auth is skipped then. */
  apOnly(): boolean {
    return this.ap && !this.station;
  }

  /** The captive portal applies: the access point is up and the station has no address. */
  captive(): boolean {
    return this.ap && !this.connected;
  }

  apIp(): string {
    return this.wifi.apIp();
  }

  /** The button: the access point for provisioning, until /apoff or the next station connection. */
  startAccessPoint(): void {
    this.startAp();
    this.changed();
  }

  /** /apoff: the access point goes off AP_OFF_DELAY_MS later. A message says why not. */
  apOff(): string | null {
    if (!this.connected) return 'The access point is the only way in until the station is connected';
    this.stopApIn(AP_OFF_DELAY_MS);
    return null;
  }

  /** The networks in range, strongest first; `cb` exactly once. */
  scan(cb: (list: WifiNetwork[]) => void): void {
    var clock = this.gw.hal.clock;
    var guard: any = null;
    var done = false;
    var finish = function (list: WifiNetwork[]) {
      if (done) return;
      done = true;
      clock.clearTimeout(guard);
      list.sort(function (a, b) {
        return b.rssi - a.rssi;
      });
      cb(list.length > MAX_NETWORKS ? list.slice(0, MAX_NETWORKS) : list);
    };
    // The ESP32 does not scan while the station is still trying to join (the reference drops the
    // attempt too); the retry comes STA_RETRY_MS later as after any failure.
    if (this.connecting) this.failed('attempt stopped for a scan');
    guard = clock.setTimeout(function () {
      finish([]);
    }, SCAN_TIMEOUT_MS);
    this.wifi.scan(finish);
  }

  /** From the settings: the station when an ssid is set, else the access point alone. */
  private begin(): void {
    var clock = this.gw.hal.clock;
    clock.clearTimeout(this.staTimer);
    this.staTimer = null;
    this.leave();
    this.station = !!this.gw.config.get('ssid');
    if (this.station) this.join();
    else this.startAp();
    this.changed();
  }

  private reconfigure(): void {
    if (this.reconfAp && this.ap) {
      // a new name or password only applies to a restarted access point
      this.ap = false;
      this.wifi.stopAP();
      this.startAp();
      if (this.connected) this.stopApIn(AP_AUTO_STOP_MS);
    }
    var sta = this.reconfSta;
    this.reconfSta = this.reconfAp = false;
    if (sta) this.begin();
    else this.changed();
  }

  private join(): void {
    var self = this;
    var clock = this.gw.hal.clock;
    var ssid = this.gw.config.get('ssid');
    this.connecting = true;
    clock.clearTimeout(this.staTimer);
    this.staTimer = clock.setTimeout(function () {
      self.staTimer = null;
      self.failed('no address after ' + CONNECT_TIMEOUT_MS / 1000 + ' s');
    }, CONNECT_TIMEOUT_MS);
    this.gw.hal.log('info', 'wifi: joining ' + ssid);
    this.wifi.connect(ssid, this.gw.config.get('pass'), function (err) {
      if (err) self.failed(err);
      else self.gotIp();
    });
  }

  /** Stops the station (an attempt or a link); the event that echoes it is ignored. */
  private leave(): void {
    if (this.connected || this.connecting) this.quietUntil = this.gw.hal.clock.now() + ECHO_MS;
    this.connected = this.connecting = false;
    this.wifi.disconnect();
  }

  private gotIp(): void {
    // (an address nobody asked for, e.g. from credentials the interpreter saved itself, is not ours)
    if (this.connected || !this.station) return;
    var clock = this.gw.hal.clock;
    this.connecting = false;
    this.connected = true;
    this.quietUntil = 0;
    clock.clearTimeout(this.staTimer);
    this.staTimer = null;
    this.gw.hal.log('info', 'wifi: connected to ' + this.gw.config.get('ssid') + ' as ' + this.wifi.stationIp());
    if (this.ap) this.stopApIn(AP_AUTO_STOP_MS);
    this.changed();
  }

  private linkDown(why: string): void {
    var clock = this.gw.hal.clock;
    if (clock.now() < this.quietUntil) return;
    if (this.connecting) return this.failed(why);
    if (!this.connected) return;
    this.connected = false;
    // a planned stop of the access point would leave no way in if the link stays down
    clock.clearTimeout(this.apTimer);
    this.apTimer = null;
    this.gw.hal.log('warn', 'wifi: link lost (' + why + '), joining again');
    this.join();
    this.changed();
  }

  /** The attempt failed: the access point comes up, and the station is tried again later. */
  private failed(why: string): void {
    if (!this.connecting) return;
    var self = this;
    var clock = this.gw.hal.clock;
    this.gw.hal.log('warn', 'wifi: ' + this.gw.config.get('ssid') + ': ' + why + '; access point up, next try in ' + STA_RETRY_MS / 60000 + ' min');
    // (the station stops trying so that the radio stays on the access point's channel)
    this.leave();
    this.startAp();
    clock.clearTimeout(this.staTimer);
    this.staTimer = clock.setTimeout(function () {
      self.staTimer = null;
      self.join();
      self.changed();
    }, STA_RETRY_MS);
    this.changed();
  }

  private startAp(): void {
    var log = this.gw.hal.log;
    this.gw.hal.clock.clearTimeout(this.apTimer);
    this.apTimer = null;
    if (this.ap) return;
    this.ap = true;
    var c = this.gw.config;
    var ssid = c.get('ap_ssid');
    var pass = c.get('ap_pass');
    if (!ssid || ssid.length < 2) ssid = 'OpenEVSE_' + String(this.gw.hal.system.id()).slice(-4).toLowerCase();
    if (!pass || pass.length < 8) pass = AP_PASS_DEFAULT;
    log('info', 'wifi: access point ' + ssid + ' at ' + this.wifi.apIp());
    this.wifi.startAP(ssid, pass, function (err) {
      if (err) log('error', 'wifi: access point ' + ssid + ': ' + err);
    });
  }

  private stopApIn(ms: number): void {
    var self = this;
    var clock = this.gw.hal.clock;
    clock.clearTimeout(this.apTimer);
    this.apTimer = clock.setTimeout(function () {
      self.apTimer = null;
      if (!self.ap) return;
      self.ap = false;
      self.wifi.stopAP();
      self.gw.hal.log('info', 'wifi: access point off');
      self.changed();
    }, ms);
  }

  private fields(doc: { [key: string]: any }): { [key: string]: any } {
    doc.mode = this.ap ? (this.station ? 'STA+AP' : 'AP') : 'STA';
    doc.wifi_client_connected = this.connected ? 1 : 0;
    doc.net_connected = doc.wifi_client_connected;
    doc.ipaddress = this.connected ? this.wifi.stationIp() : this.ap ? this.wifi.apIp() : '';
    return doc;
  }

  /**
   * The names follow the link: every name resolves to the access point while it is up (the
   * captive portal), and `<hostname>.local` to the station's address (mDNS). Only where the host
   * has UDP (not in the tests' fake radio without it).
   */
  private names(): void {
    var hal = this.gw.hal;
    if (!hal.udp) return;
    if (this.ap && !this.dns) {
      this.dns = new (this.opts.loadCaptive().CaptiveDns)(hal.udp, hal.log, { ip: this.wifi.apIp(), port: NAME_PORTS.dns });
      this.dns.start();
    } else if (!this.ap && this.dns) {
      this.dns.stop();
      this.dns = null;
    }
    if (!this.mdns) {
      this.mdns = new MdnsResponder(hal.udp, hal.clock, hal.log, {
        loadReply: this.opts.loadMdnsReply,
        hostname: this.gw.config.get('hostname'),
        ip: '',
        port: NAME_PORTS.mdns,
        txt: ['type=typescript', 'version=' + VERSION, 'id=' + hal.system.id()],
      });
      this.mdns.start();
    }
    this.mdns.setAddress(this.connected ? this.wifi.stationIp() : '');
  }

  /** Publishes the network fields (/ws, MQTT) when they differ from the last ones published. */
  private changed(): void {
    this.names();
    var doc = this.fields({});
    var key = doc.mode + ' ' + doc.ipaddress + ' ' + doc.wifi_client_connected;
    if (key === this.published) return;
    this.published = key;
    this.gw.publish(doc);
  }
}
