// What the WiFi manager (services/wifi-manager.ts) does on a radio event, a timer, a settings
// change or a request: joining, the access point, the retries, the name servers, /scan, /apoff and
// the button. The manager fetches this module for each of them and keeps nothing of it, so on the
// ESP32 (a `lazy:` import in src/main/espruino.ts) these functions exist only for that moment.
// Nothing here may stay referenced after it: the timers are the manager's (m.later), and the
// closures made here (a scan's, a connect's, an access point's callback) are dropped once called.
import type { WifiManager } from './wifi-manager';
import type { WifiNetwork } from '../hal/types';
import { STA_RETRY_MS, AP_AUTO_STOP_MS, CONNECT_TIMEOUT_MS, RECONFIGURE_DELAY_MS, AP_OFF_DELAY_MS, SCAN_TIMEOUT_MS, MAX_NETWORKS } from './wifi-manager';

/** 'disconnected' events this soon after our own disconnect() are its echo, not news. */
var ECHO_MS = 1000;
var AP_PASS_DEFAULT = 'openevse';

/** An event of the radio: an address, or the link (or an attempt) gone. */
export function event(m: WifiManager, what: string, detail?: string): void {
  if (what === 'connected') gotIp(m);
  else if (what === 'disconnected') linkDown(m, detail || 'disconnected');
}

/** A /config or /savenetwork change of a WiFi setting. */
export function configChanged(m: WifiManager, changed: string[]): void {
  var c = m.gw.config;
  for (var i = 0; i < changed.length; i++) {
    switch (changed[i]) {
      case 'ssid':
      case 'pass':
        m.reconfSta = true;
        break;
      case 'ap_ssid':
      case 'ap_pass':
        m.reconfAp = true;
        break;
      case 'hostname':
        m.wifi.setHostname(c.get('hostname'));
        if (m.mdns) m.mdns.setHostname(c.get('hostname'));
        m.gw.hal.log('info', 'wifi: hostname ' + c.get('hostname') + ' from the next connection on');
        break;
    }
  }
  if (m.reconfSta || m.reconfAp) m.later('reconfTimer', RECONFIGURE_DELAY_MS, 'reconfigure');
}

/** The button: the access point for provisioning, until /apoff or the next station connection. */
export function startAccessPoint(m: WifiManager): void {
  startAp(m);
  changed(m);
}

/** /apoff: the access point goes off AP_OFF_DELAY_MS later. A message says why not. */
export function apOff(m: WifiManager): string | null {
  if (!m.connected) return 'The access point is the only way in until the station is connected';
  stopApIn(m, AP_OFF_DELAY_MS);
  return null;
}

/** The networks in range, strongest first; `cb` exactly once. */
export function scan(m: WifiManager, cb: (list: WifiNetwork[]) => void): void {
  var clock = m.gw.hal.clock;
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
  if (m.connecting) failed(m, 'attempt stopped for a scan');
  guard = clock.setTimeout(function () {
    finish([]);
  }, SCAN_TIMEOUT_MS);
  m.wifi.scan(finish);
}

/** From the settings: the station when an ssid is set, else the access point alone. */
export function begin(m: WifiManager): void {
  m.gw.hal.clock.clearTimeout(m.staTimer);
  m.staTimer = null;
  leave(m);
  m.station = !!m.gw.config.get('ssid');
  if (m.station) join(m);
  else startAp(m);
  changed(m);
}

export function reconfigure(m: WifiManager): void {
  if (m.reconfAp && m.ap) {
    // a new name or password only applies to a restarted access point
    m.ap = false;
    m.wifi.stopAP();
    startAp(m);
    if (m.connected) stopApIn(m, AP_AUTO_STOP_MS);
  }
  var sta = m.reconfSta;
  m.reconfSta = m.reconfAp = false;
  if (sta) begin(m);
  else changed(m);
}

/** The attempt brought neither an address nor a failure in time. */
export function timedOut(m: WifiManager): void {
  failed(m, 'no address after ' + CONNECT_TIMEOUT_MS / 1000 + ' s');
}

/** The station's next attempt after a failure. */
export function retry(m: WifiManager): void {
  join(m);
  changed(m);
}

/** The planned stop of the access point. */
export function apOffNow(m: WifiManager): void {
  if (!m.ap) return;
  m.ap = false;
  m.wifi.stopAP();
  m.gw.hal.log('info', 'wifi: access point off');
  changed(m);
}

function join(m: WifiManager): void {
  var ssid = m.gw.config.get('ssid');
  m.connecting = true;
  m.later('staTimer', CONNECT_TIMEOUT_MS, 'timedOut');
  m.gw.hal.log('info', 'wifi: joining ' + ssid);
  m.wifi.connect(ssid, m.gw.config.get('pass'), function (err) {
    if (err) failed(m, err);
    else gotIp(m);
  });
}

/** Stops the station (an attempt or a link); the event that echoes it is ignored. */
function leave(m: WifiManager): void {
  if (m.connected || m.connecting) m.quietUntil = m.gw.hal.clock.now() + ECHO_MS;
  m.connected = m.connecting = false;
  m.wifi.disconnect();
}

function gotIp(m: WifiManager): void {
  // (an address nobody asked for, e.g. from credentials the interpreter saved itself, is not ours)
  if (m.connected || !m.station) return;
  m.connecting = false;
  m.connected = true;
  m.quietUntil = 0;
  m.gw.hal.clock.clearTimeout(m.staTimer);
  m.staTimer = null;
  m.gw.hal.log('info', 'wifi: connected to ' + m.gw.config.get('ssid') + ' as ' + m.wifi.stationIp());
  if (m.ap) stopApIn(m, AP_AUTO_STOP_MS);
  changed(m);
}

function linkDown(m: WifiManager, why: string): void {
  var clock = m.gw.hal.clock;
  if (clock.now() < m.quietUntil) return;
  if (m.connecting) return failed(m, why);
  if (!m.connected) return;
  m.connected = false;
  // a planned stop of the access point would leave no way in if the link stays down
  clock.clearTimeout(m.apTimer);
  m.apTimer = null;
  m.gw.hal.log('warn', 'wifi: link lost (' + why + '), joining again');
  join(m);
  changed(m);
}

/** The attempt failed: the access point comes up, and the station is tried again later. */
function failed(m: WifiManager, why: string): void {
  if (!m.connecting) return;
  m.gw.hal.log('warn', 'wifi: ' + m.gw.config.get('ssid') + ': ' + why + '; access point up, next try in ' + STA_RETRY_MS / 60000 + ' min');
  // (the station stops trying so that the radio stays on the access point's channel)
  leave(m);
  startAp(m);
  m.later('staTimer', STA_RETRY_MS, 'retry');
  changed(m);
}

function startAp(m: WifiManager): void {
  var log = m.gw.hal.log;
  m.gw.hal.clock.clearTimeout(m.apTimer);
  m.apTimer = null;
  if (m.ap) return;
  m.ap = true;
  var c = m.gw.config;
  var ssid = c.get('ap_ssid');
  var pass = c.get('ap_pass');
  if (!ssid || ssid.length < 2) ssid = 'OpenEVSE_' + String(m.gw.hal.system.id()).slice(-4).toLowerCase();
  if (!pass || pass.length < 8) pass = AP_PASS_DEFAULT;
  log('info', 'wifi: access point ' + ssid + ' at ' + m.wifi.apIp());
  m.wifi.startAP(ssid, pass, function (err) {
    if (err) log('error', 'wifi: access point ' + ssid + ': ' + err);
  });
}

function stopApIn(m: WifiManager, ms: number): void {
  m.later('apTimer', ms, 'apOffNow');
}

/**
 * After each change of the state: the flags the router reads, the name servers, and the network
 * fields published (/ws, MQTT) when they differ from the last ones published.
 */
function changed(m: WifiManager): void {
  m.apOnly = m.ap && !m.station;
  m.captive = m.ap && !m.connected;
  m.names();
  var doc = m.fields({});
  var key = doc.mode + ' ' + doc.ipaddress + ' ' + doc.wifi_client_connected;
  if (key === m.published) return;
  m.published = key;
  m.gw.publish(doc);
}
