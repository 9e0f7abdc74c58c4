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
import type { Wifi } from '../hal/types';
import type { CaptiveDns } from './captive-dns';
import { MdnsResponder, MdnsReply } from './mdns';
import { VERSION } from '../app';
import type * as Steps from './wifi-steps';

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
/** The captive portal's DNS and mDNS ports (tests move them off the privileged/shared ones). */
export var NAME_PORTS = { dns: 53, mdns: 5353 };

/**
 * The code fetched when needed rather than kept (on the ESP32 each is a `lazy:` loader): the
 * manager's steps (services/wifi-steps.ts) for each radio event, timer, setting change and
 * request; the captive portal's DNS server while the access point is up; mDNS packets for each
 * datagram and announcement (services/mdns.ts).
 */
export interface WifiOptions {
  loadSteps: () => typeof Steps;
  loadCaptive: () => { CaptiveDns: typeof CaptiveDns };
  loadMdnsReply: () => MdnsReply;
}

/** The timers a step can set: each holds the next step of its kind. */
type TimerField = 'staTimer' | 'apTimer' | 'reconfTimer';

// This is the part that stays alive: the state, the timers, the name servers and the status fields. What happens
// on a radio event, a timer, a setting change or a request (/scan, /apoff, the button) is
// services/wifi-steps.ts, fetched through `steps()` each time: WiFi events are rare, and the
// steps' functions would otherwise live as long as the device. The fields are read and written
// by the steps (hence not private).
export class WifiManager {
  /** The access point is up. */
  ap = false;
  /** The station has an address. */
  connected = false;
  /** An ssid is set: the station is wanted. */
  station = false;
  /** A station attempt is under way. */
  connecting = false;
  /** Provisioning: the access point alone, no station wanted. Web auth is skipped then. */
  apOnly = false;
  /** The captive portal applies: the access point is up and the station has no address. */
  captive = false;
  /** The station's next step: the attempt's timeout or the next retry. */
  staTimer: any = null;
  /** The access point's planned stop. */
  apTimer: any = null;
  reconfTimer: any = null;
  reconfSta = false;
  reconfAp = false;
  quietUntil = 0;
  /** What was last published, to publish changes only. */
  published = '';
  /** The captive portal's name server, while the access point is up. */
  dns: CaptiveDns | null = null;
  /** `<hostname>.local` and the HTTP services, for the station's address. */
  mdns: MdnsResponder | null = null;
  /** The steps (services/wifi-steps.ts): `m.steps().scan(m, cb)`, `m.steps().apOff(m)`, ... */
  steps: () => typeof Steps;

  constructor(
    public gw: Gateway,
    public wifi: Wifi,
    public opts: WifiOptions
  ) {
    this.steps = opts.loadSteps;
  }

  start(): void {
    var self = this;
    this.wifi.onEvent(function (event, detail) {
      self.steps().event(self, event, detail);
    });
    this.wifi.setHostname(this.gw.config.get('hostname'));
    this.steps().begin(this);
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
    // (any settings change comes here: the steps are fetched only for the WiFi ones)
    for (var i = 0; i < changed.length; i++) {
      var k = changed[i];
      if (k === 'ssid' || k === 'pass' || k === 'ap_ssid' || k === 'ap_pass' || k === 'hostname') return this.steps().configChanged(this, changed);
    }
  }

  /** `mode`, `wifi_client_connected`, `net_connected`, `ipaddress` and `srssi` for /status. */
  statusFields(doc: { [key: string]: any }): { [key: string]: any } {
    this.fields(doc);
    doc.srssi = this.connected ? this.wifi.rssi() : 0;
    return doc;
  }

  /** The network fields as published (/ws, MQTT) when they change. */
  fields(doc: { [key: string]: any }): { [key: string]: any } {
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
  names(): void {
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

  /**
   * `step` of the steps module `ms` from now, in the timer `field` (any step planned there before
   * is dropped). The timer's closure is made here, not in the steps module, so that it does not
   * keep that module alive until then.
   */
  later(field: TimerField, ms: number, step: 'reconfigure' | 'timedOut' | 'retry' | 'apOffNow'): void {
    var self = this;
    var clock = this.gw.hal.clock;
    clock.clearTimeout(this[field]);
    this[field] = clock.setTimeout(function () {
      self[field] = null;
      self.steps()[step](self);
    }, ms);
  }
}
