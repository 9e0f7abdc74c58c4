// Tesla vehicle data (ref/openevse-gateway.md §1.3, §1.7, features "Tesla"): while
// `tesla_enabled` and an access token are set, GET <tesla_api_url>/api/1/vehicles (Bearer token)
// lists the account's cars; the chosen one (`tesla_vehicle_id`, else the first, as the reference)
// has its charge_state read every 30 s while `vehicle_data_src` is 1 (Tesla).
//
// The charge state feeds the same values as POST /status and the MQTT vehicle topics
// (gw.external: battery_level %, battery_range, time_to_full_charge s, vehicle_charge_limit %,
// vehicle_state_update), so the soc/range charge limits work from it. The API reports range in
// miles; battery_range is in km whatever the source (`mqtt_vehicle_range_miles` only says that the
// MQTT range topic arrives in miles, see services/mqtt/service.ts). `time_to_full_charge` comes in
// hours.
//
// Tokens: Tesla's password login is gone (the reference's /savetesla user+pass); tokens come from
// /config or /savetesla. When created_at + expires_in says the token is (nearly) expired, or an
// answer is 401, one POST <base>/oauth/token {grant_type: refresh_token} gets new ones, which are
// stored in the config (a refresh token is single use: losing the new one locks the user out).
//
// One request at a time, each with a timeout (the HttpClient's); a failure sets `tesla_error`
// and the next attempt waits 30 s, doubling to 5 min. Vehicle data older than 10 min is dropped
// from the status (a limit must not act on a value that stopped being true).
import type { Gateway } from '../app';
import type { HttpClient } from '../hal/types';
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

export class TeslaService {
  /** Vehicle ids (as strings: they exceed 2^53) and display names, same order as the API's list. */
  ids: string[] = [];
  names: string[] = [];
  /** Index into ids of the vehicle polled; -1 before the list came. */
  index = -1;
  /** `tesla_error`: false, or why the last request failed. */
  error: string | false = false;
  /** The last charge_state as the API gave it (range in miles, time in hours); null when none. */
  charge: { [key: string]: any } | null = null;
  /** clock.now() of the last good charge_state. */
  chargeAt = 0;
  private timer: any = null;
  /** Sequence number of the request out, 0 when none. */
  private busy = 0;
  private seq = 0;
  /** The wait after the last failure (ms), 0 while all is well. */
  private backoff = 0;
  /** Tokens were refreshed since the last good data: a 401 now is an error, not another refresh. */
  private refreshed = false;
  /** A 401 asks for a refresh before anything else. */
  private forceRefresh = false;
  /** Set while this service stores refreshed tokens, so that the change does not restart it. */
  private saving = false;

  private intervalMs: number;
  private timeoutMs: number;

  /** `opts.intervalMs` (charge_state poll, default 30 s) and `opts.timeoutMs` (10 s) are for tests. */
  constructor(private gw: Gateway, private http: HttpClient, opts?: { intervalMs?: number; timeoutMs?: number }) {
    this.intervalMs = (opts && opts.intervalMs) || INTERVAL_MS;
    this.timeoutMs = (opts && opts.timeoutMs) || TIMEOUT_MS;
  }

  private enabled(): boolean {
    var c = this.gw.config;
    return !!c.get('tesla_enabled') && !!c.get('tesla_access_token');
  }

  start(): void {
    if (this.timer || this.busy || !this.enabled()) return;
    this.backoff = 0;
    this.poll();
  }

  /** Stops polling and forgets the vehicles and their data (which leave the status). */
  stop(): void {
    var clock = this.gw.hal.clock;
    if (this.timer) clock.clearTimeout(this.timer);
    this.timer = null;
    this.busy = 0;
    var known = this.ids.length > 0 || this.error !== false;
    this.ids = [];
    this.names = [];
    this.index = -1;
    this.refreshed = this.forceRefresh = false;
    this.dropCharge();
    this.error = false;
    if (known) this.gw.publish(this.statusFields({}));
  }

  configChanged(changed: string[]): void {
    if (this.saving) return;
    var restart = false;
    var choose = false;
    for (var i = 0; i < changed.length; i++) {
      var k = changed[i];
      if (k === 'tesla_vehicle_id') choose = true;
      else if (k === 'vehicle_data_src' || k.substr(0, 6) === 'tesla_') restart = true;
    }
    if (restart) {
      this.stop();
      this.start();
    } else if (choose && this.ids.length) {
      this.choose();
      this.dropCharge();
      this.gw.publish(this.statusFields({}));
      this.restartPoll();
    }
  }

  /** The reference's Tesla status fields (the vehicle values themselves are in gw.external). */
  statusFields(doc: { [key: string]: any }): { [key: string]: any } {
    var n = this.ids.length;
    doc.tesla_vehicle_count = n ? n : false;
    doc.tesla_vehicle_id = n ? this.ids[this.index] : false;
    doc.tesla_vehicle_name = n ? this.names[this.index] : false;
    doc.tesla_error = this.error;
    var c = this.charge;
    if (c) {
      doc.charge_energy_added = c.charge_energy_added;
      doc.charge_miles_added_rated = c.charge_miles_added_rated;
      doc.charge_limit_soc = c.charge_limit_soc;
      doc.charger_voltage = c.charger_voltage;
      doc.vehicle_state_update = Math.floor((this.gw.hal.clock.now() - this.chargeAt) / 1000);
    }
    return doc;
  }

  /** `{count, vehicles: [{id, name}]}` for /tesla/vehicles. */
  vehicles(): { [key: string]: any } {
    var list: { [key: string]: string }[] = [];
    for (var i = 0; i < this.ids.length; i++) list.push({ id: this.ids[i], name: this.names[i] });
    return { count: list.length, vehicles: list };
  }

  /** The next request now; the answer to one still out is ignored (it was for the old choice). */
  restartPoll(): void {
    this.busy = 0;
    this.poll();
  }

  /** One request now, chosen by what is known; the next is scheduled when it is answered. */
  poll(): void {
    var self = this;
    var gw = this.gw;
    var c = gw.config;
    var clock = gw.hal.clock;
    if (this.busy) return;
    if (this.timer) clock.clearTimeout(this.timer);
    this.timer = null;
    if (!this.enabled()) return;
    var base = c.get('tesla_api_url');
    while (base.length && base.charAt(base.length - 1) === '/') base = base.substr(0, base.length - 1);
    var step: number;
    var created = c.get('tesla_created_at');
    var expires = c.get('tesla_expires_in');
    var nowS = clock.now() / 1000;
    // (a clock before 2020 is not set yet: then only a 401 tells that the token expired)
    var expired = !this.refreshed && created > 0 && expires >= 0 && nowS > 1577836800 && nowS >= created + expires - REFRESH_MARGIN_S;
    if (c.get('tesla_refresh_token') && (this.forceRefresh || expired)) step = STEP_REFRESH;
    else if (!this.ids.length) step = STEP_VEHICLES;
    else if (c.get('vehicle_data_src') === TESLA_SOURCE) step = STEP_CHARGE;
    else return; // the list is known and nobody wants charge data: idle until a setting changes
    var req: { [key: string]: any } = { method: 'GET', timeoutMs: this.timeoutMs, maxBytes: MAX_BYTES };
    if (step === STEP_REFRESH) {
      req.method = 'POST';
      req.url = base + '/oauth/token';
      req.headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
      req.body = JSON.stringify({ grant_type: 'refresh_token', client_id: CLIENT_ID, refresh_token: c.get('tesla_refresh_token') });
    } else {
      req.url = base + '/api/1/vehicles' + (step === STEP_CHARGE ? '/' + this.ids[this.index] + '/data_request/charge_state' : '');
      req.headers = { Authorization: 'Bearer ' + c.get('tesla_access_token'), Accept: 'application/json' };
    }
    var id = ++this.seq;
    this.busy = id;
    var answer = function (err: string | null, status: number, body: string) {
      if (self.busy !== id) return; // timed out or stopped meanwhile
      self.busy = 0;
      var delay = self.answer(step, err, status, body);
      if (!self.enabled()) return;
      self.timer = clock.setTimeout(function () {
        self.timer = null;
        self.poll();
      }, delay);
    };
    this.http.request(req as any, answer);
  }

  /** Handles one answer; returns the delay before the next request (ms). */
  private answer(step: number, err: string | null, status: number, body: string): number {
    var json: any = null;
    var msg = '';
    if (err) msg = 'Failed to connect: ' + err;
    else {
      try {
        json = JSON.parse(body);
      } catch (e) {
        json = null;
      }
      if (status === 401 && step !== STEP_REFRESH) {
        // the token is no longer good: a refresh, once, before this counts as an error
        if (this.gw.config.get('tesla_refresh_token') && !this.refreshed) {
          this.forceRefresh = true;
          return 0;
        }
        msg = 'Access token rejected (401)';
        this.refreshed = false; // after the back-off, another refresh: the token may have been revoked since
      } else if (status < 200 || status >= 300) {
        msg = 'HTTP ' + status + (json && typeof json.error === 'string' ? ': ' + json.error : '');
      } else if (!json || typeof json !== 'object') msg = 'Bad JSON in the answer';
      if (msg && step === STEP_REFRESH) msg = 'Token refresh failed: ' + msg;
    }
    if (!msg) {
      switch (step) {
        case STEP_REFRESH:
          msg = this.tokens(json);
          break;
        case STEP_VEHICLES:
          msg = this.list(json, body);
          break;
        default:
          msg = this.chargeState(json);
      }
    }
    if (msg) {
      this.gw.hal.log('warn', 'tesla: ' + msg);
      if (this.charge && this.gw.hal.clock.now() - this.chargeAt > STALE_MS) this.dropCharge();
      this.setError(msg);
      this.backoff = this.backoff ? Math.min(this.backoff * 2, BACKOFF_MAX_MS) : this.intervalMs;
      return this.backoff;
    }
    this.setError(false);
    this.backoff = 0;
    if (step === STEP_REFRESH) {
      this.refreshed = true;
      this.forceRefresh = false;
    } else if (step === STEP_CHARGE) this.refreshed = false;
    // after new tokens or the list, the data at once; then every interval
    return step === STEP_CHARGE ? this.intervalMs : 0;
  }

  /** New tokens from /oauth/token into the config; '' or why not. */
  private tokens(json: any): string {
    if (typeof json.access_token !== 'string' || !json.access_token) return 'No access_token in the token answer';
    var clock = this.gw.hal.clock;
    var patch: { [key: string]: any } = { tesla_access_token: json.access_token };
    if (typeof json.refresh_token === 'string' && json.refresh_token) patch.tesla_refresh_token = json.refresh_token;
    patch.tesla_created_at = typeof json.created_at === 'number' ? json.created_at : Math.floor(clock.now() / 1000);
    patch.tesla_expires_in = typeof json.expires_in === 'number' ? json.expires_in : -1;
    this.saving = true;
    var r = this.gw.config.update(patch);
    if (r.ok && r.changed.length) this.gw.configChanged(r.changed);
    this.saving = false;
    return r.ok ? '' : 'Could not store the new tokens: ' + JSON.stringify(r.errors);
  }

  /** The vehicle list; '' or why it is not one. */
  private list(json: any, body: string): string {
    var a = json.response;
    if (!(a instanceof Array)) return 'No vehicle list in the answer';
    this.ids = [];
    this.names = [];
    for (var i = 0; i < a.length && i < MAX_VEHICLES; i++) {
      var v = a[i] || {};
      var id = typeof v.id_s === 'string' ? v.id_s : typeof v.id === 'number' ? this.exactId(body, v.id) : typeof v.id === 'string' ? v.id : '';
      if (!id) continue;
      this.ids.push(id);
      this.names.push(typeof v.display_name === 'string' ? v.display_name : typeof v.vin === 'string' ? v.vin : id);
    }
    if (!this.ids.length) return 'No vehicles on this account';
    this.choose();
    this.gw.publish(this.statusFields({}));
    return '';
  }

  /** The digits of a numeric id as sent (JSON.parse rounds ids past 2^53, as ArduinoJson did). */
  private exactId(body: string, n: number): string {
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

  /** Picks `tesla_vehicle_id` when listed, else the first (as the reference). */
  private choose(): void {
    var want = this.gw.config.get('tesla_vehicle_id');
    this.index = 0;
    for (var i = 0; i < this.ids.length; i++) if (this.ids[i] === want) this.index = i;
  }

  /** charge_state into the vehicle values; '' or why it is not one. */
  private chargeState(json: any): string {
    var r = json.response;
    if (!r || typeof r !== 'object' || typeof r.battery_level !== 'number') return (json && typeof json.error === 'string' && json.error) || 'No charge_state in the answer';
    var gw = this.gw;
    var ext = gw.external;
    var changes: { [key: string]: any } = {};
    var range = r.battery_range;
    if (typeof range === 'number') range = range * KM_PER_MILE;
    ext.battery_level = changes.battery_level = r.battery_level;
    if (typeof range === 'number') ext.battery_range = changes.battery_range = Math.round(range);
    if (typeof r.time_to_full_charge === 'number') ext.time_to_full_charge = changes.time_to_full_charge = Math.round(r.time_to_full_charge * 3600);
    if (typeof r.charge_limit_soc === 'number') ext.vehicle_charge_limit = changes.vehicle_charge_limit = r.charge_limit_soc;
    ext.vehicle_state_update = 0;
    this.charge = {
      charge_energy_added: r.charge_energy_added,
      charge_miles_added_rated: r.charge_miles_added_rated,
      charge_limit_soc: r.charge_limit_soc,
      charger_voltage: r.charger_voltage,
    };
    this.chargeAt = gw.hal.clock.now();
    gw.publish(this.statusFields(changes));
    return '';
  }

  /** The vehicle values this service put into the status leave it. */
  private dropCharge(): void {
    if (!this.charge) return;
    var ext = this.gw.external;
    delete ext.battery_level;
    delete ext.battery_range;
    delete ext.time_to_full_charge;
    delete ext.vehicle_charge_limit;
    delete ext.vehicle_state_update;
    this.charge = null;
  }

  private setError(msg: string | false): void {
    if (msg !== false) msg = msg.substr(0, MESSAGE_MAX);
    if (msg === this.error) return;
    this.error = msg;
    this.gw.publish({ tesla_error: msg });
  }
}
