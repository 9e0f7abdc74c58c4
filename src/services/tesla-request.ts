// One Tesla API request and its answer, for the resident service in services/tesla.ts: that loads
// this module for each request and keeps nothing of it, so on the ESP32 (a `lazy:` import in
// src/main/espruino.ts) these functions exist only while a request is out. Nothing here may stay
// referenced after the answer: the HTTP callback is the only closure made here, the HTTP client
// drops it once called, and the next request's timer is made by the service (poll(afterMs)).
import type { TeslaService } from './tesla';
import { find } from '../core/text';

var INTERVAL_MS = 30000;
var TIMEOUT_MS = 10000;
var BACKOFF_MAX_MS = 300000;
var STALE_MS = 600000;
/** Refresh this long before the token's end, so that no poll meets an expired token. */
var REFRESH_MARGIN_S = 3600;
var MAX_BYTES = 16384;
var MESSAGE_MAX = 96;
var MAX_VEHICLES = 8;
var TESLA_SOURCE = 1;
var KM_PER_MILE = 1.609344;
/** Tesla's public client id for the owner API token exchange. */
var CLIENT_ID = 'ownerapi';

/** What the request out is for. */
var STEP_VEHICLES = 1;
var STEP_CHARGE = 2;
var STEP_REFRESH = 3;

/** One request now, chosen by what is known; the service has checked that none is out. */
export function teslaRequest(svc: TeslaService): void {
  var c = svc.gw.config;
  var base = c.get('tesla_api_url');
  while (base.length && base.charAt(base.length - 1) === '/') base = base.substr(0, base.length - 1);
  var step: number;
  var created = c.get('tesla_created_at');
  var expires = c.get('tesla_expires_in');
  var nowS = svc.gw.hal.clock.now() / 1000;
  // (a clock before 2020 is not set yet: then only a 401 tells that the token expired)
  var expired = !svc.refreshed && created > 0 && expires >= 0 && nowS > 1577836800 && nowS >= created + expires - REFRESH_MARGIN_S;
  if (c.get('tesla_refresh_token') && (svc.forceRefresh || expired)) step = STEP_REFRESH;
  else if (!svc.ids.length) step = STEP_VEHICLES;
  else if (c.get('vehicle_data_src') === TESLA_SOURCE) step = STEP_CHARGE;
  else return; // the list is known and nobody wants charge data: idle until a setting changes
  var req: { [key: string]: any } = { method: 'GET', timeoutMs: svc.opts.timeoutMs || TIMEOUT_MS, maxBytes: MAX_BYTES };
  if (step === STEP_REFRESH) {
    req.method = 'POST';
    req.url = base + '/oauth/token';
    req.headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
    req.body = JSON.stringify({ grant_type: 'refresh_token', client_id: CLIENT_ID, refresh_token: c.get('tesla_refresh_token') });
  } else {
    req.url = base + '/api/1/vehicles' + (step === STEP_CHARGE ? '/' + svc.ids[svc.index] + '/data_request/charge_state' : '');
    req.headers = { Authorization: 'Bearer ' + c.get('tesla_access_token'), Accept: 'application/json' };
  }
  var id = ++svc.seq;
  svc.busy = id;
  svc.http.request(req as any, function (err: string | null, status: number, body: string) {
    if (svc.busy !== id) return; // timed out or stopped meanwhile
    svc.busy = 0;
    svc.poll(answer(svc, step, err, status, body));
  });
}

/** Picks `tesla_vehicle_id` when listed, else the first (as the reference). */
export function teslaChoose(svc: TeslaService): void {
  var want = svc.gw.config.get('tesla_vehicle_id');
  svc.index = 0;
  for (var i = 0; i < svc.ids.length; i++) if (svc.ids[i] === want) svc.index = i;
}

/** Handles one answer; returns the delay before the next request (ms). */
function answer(svc: TeslaService, step: number, err: string | null, status: number, body: string): number {
  var json: any = null;
  var msg = '';
  var interval = svc.opts.intervalMs || INTERVAL_MS;
  if (err) msg = 'Failed to connect: ' + err;
  else {
    try {
      json = JSON.parse(body);
    } catch (e) {
      json = null;
    }
    if (status === 401 && step !== STEP_REFRESH) {
      // the token is no longer good: a refresh, once, before this counts as an error
      if (svc.gw.config.get('tesla_refresh_token') && !svc.refreshed) {
        svc.forceRefresh = true;
        return 0;
      }
      msg = 'Access token rejected (401)';
      svc.refreshed = false; // after the back-off, another refresh: the token may have been revoked since
    } else if (status < 200 || status >= 300) {
      msg = 'HTTP ' + status + (json && typeof json.error === 'string' ? ': ' + json.error : '');
    } else if (!json || typeof json !== 'object') msg = 'Bad JSON in the answer';
    if (msg && step === STEP_REFRESH) msg = 'Token refresh failed: ' + msg;
  }
  if (!msg) {
    switch (step) {
      case STEP_REFRESH:
        msg = tokens(svc, json);
        break;
      case STEP_VEHICLES:
        msg = list(svc, json, body);
        break;
      default:
        msg = chargeState(svc, json);
    }
  }
  if (msg) {
    svc.gw.hal.log('warn', 'tesla: ' + msg);
    if (svc.charge && svc.gw.hal.clock.now() - svc.chargeAt > STALE_MS) svc.dropCharge();
    setError(svc, msg);
    svc.backoff = svc.backoff ? Math.min(svc.backoff * 2, BACKOFF_MAX_MS) : interval;
    return svc.backoff;
  }
  setError(svc, false);
  svc.backoff = 0;
  if (step === STEP_REFRESH) {
    svc.refreshed = true;
    svc.forceRefresh = false;
  } else if (step === STEP_CHARGE) svc.refreshed = false;
  // after new tokens or the list, the data at once; then every interval
  return step === STEP_CHARGE ? interval : 0;
}

/** New tokens from /oauth/token into the config; '' or why not. */
function tokens(svc: TeslaService, json: any): string {
  if (typeof json.access_token !== 'string' || !json.access_token) return 'No access_token in the token answer';
  var gw = svc.gw;
  var patch: { [key: string]: any } = { tesla_access_token: json.access_token };
  if (typeof json.refresh_token === 'string' && json.refresh_token) patch.tesla_refresh_token = json.refresh_token;
  patch.tesla_created_at = typeof json.created_at === 'number' ? json.created_at : Math.floor(gw.hal.clock.now() / 1000);
  patch.tesla_expires_in = typeof json.expires_in === 'number' ? json.expires_in : -1;
  svc.saving = true;
  var r = gw.config.update(patch);
  if (r.ok && r.changed.length) gw.configChanged(r.changed);
  svc.saving = false;
  return r.ok ? '' : 'Could not store the new tokens: ' + JSON.stringify(r.errors);
}

/** The vehicle list; '' or why it is not one. */
function list(svc: TeslaService, json: any, body: string): string {
  var a = json.response;
  if (!(a instanceof Array)) return 'No vehicle list in the answer';
  svc.ids = [];
  svc.names = [];
  for (var i = 0; i < a.length && i < MAX_VEHICLES; i++) {
    var v = a[i] || {};
    var id = typeof v.id_s === 'string' ? v.id_s : typeof v.id === 'number' ? exactId(body, v.id) : typeof v.id === 'string' ? v.id : '';
    if (!id) continue;
    svc.ids.push(id);
    svc.names.push(typeof v.display_name === 'string' ? v.display_name : typeof v.vin === 'string' ? v.vin : id);
  }
  if (!svc.ids.length) return 'No vehicles on this account';
  teslaChoose(svc);
  svc.gw.publish(svc.statusFields({}));
  return '';
}

/** The digits of a numeric id as sent (JSON.parse rounds ids past 2^53, as ArduinoJson did). */
function exactId(body: string, n: number): string {
  var at = find(body, '"id":');
  while (at >= 0) {
    var p = at + 5;
    while (body.charAt(p) === ' ') p++;
    var e = p;
    while (e < body.length && body.charAt(e) >= '0' && body.charAt(e) <= '9') e++;
    var digits = body.substring(p, e);
    if (digits && +digits === n) return digits;
    at = find(body, '"id":', e);
  }
  return String(n);
}

/** charge_state into the vehicle values; '' or why it is not one. */
function chargeState(svc: TeslaService, json: any): string {
  var r = json.response;
  if (!r || typeof r !== 'object' || typeof r.battery_level !== 'number') return (json && typeof json.error === 'string' && json.error) || 'No charge_state in the answer';
  var gw = svc.gw;
  var ext = gw.external;
  var changes: { [key: string]: any } = {};
  var range = r.battery_range;
  if (typeof range === 'number') range = range * KM_PER_MILE;
  ext.battery_level = changes.battery_level = r.battery_level;
  if (typeof range === 'number') ext.battery_range = changes.battery_range = Math.round(range);
  if (typeof r.time_to_full_charge === 'number') ext.time_to_full_charge = changes.time_to_full_charge = Math.round(r.time_to_full_charge * 3600);
  if (typeof r.charge_limit_soc === 'number') ext.vehicle_charge_limit = changes.vehicle_charge_limit = r.charge_limit_soc;
  ext.vehicle_state_update = 0;
  svc.charge = {
    charge_energy_added: r.charge_energy_added,
    charge_miles_added_rated: r.charge_miles_added_rated,
    charge_limit_soc: r.charge_limit_soc,
    charger_voltage: r.charger_voltage,
  };
  svc.chargeAt = gw.hal.clock.now();
  gw.publish(svc.statusFields(changes));
  return '';
}

function setError(svc: TeslaService, msg: string | false): void {
  if (msg !== false) msg = msg.substr(0, MESSAGE_MAX);
  if (msg === svc.error) return;
  svc.error = msg;
  svc.gw.publish({ tesla_error: msg });
}
