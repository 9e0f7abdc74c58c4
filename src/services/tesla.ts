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
//
// This is the part that stays alive: the schedule, the vehicles, the last charge state and the
// status fields. The requests themselves (choosing and building one, reading its answer, the
// tokens) are services/tesla-request.ts, which the service gets from `opts.loadRequest` for each
// request and does not keep: on the ESP32 that is a `lazy:` loader, so its functions exist only
// while a request is out.
import type { Gateway } from '../app';
import type { HttpClient } from '../hal/types';

/** What a request needs: services/tesla-request.ts. */
export interface TeslaRequest {
  teslaRequest(svc: TeslaService): void;
  teslaChoose(svc: TeslaService): void;
}

export interface TeslaOptions {
  /** The request module, fetched again for each request (on the ESP32 it is defined anew). */
  loadRequest: () => TeslaRequest;
  /** The charge_state poll (default 30 s; tests use less). */
  intervalMs?: number;
  /** Per request (default 10 s; tests use less). */
  timeoutMs?: number;
}

// The fields below are read and written by the request module too (hence not private).
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
  /** The next request's timer, null while none is planned. */
  timer: any = null;
  /** Sequence number of the request out, 0 when none. */
  busy = 0;
  seq = 0;
  /** The wait after the last failure (ms), 0 while all is well. */
  backoff = 0;
  /** Tokens were refreshed since the last good data: a 401 now is an error, not another refresh. */
  refreshed = false;
  /** A 401 asks for a refresh before anything else. */
  forceRefresh = false;
  /** Set while this service stores refreshed tokens, so that the change does not restart it. */
  saving = false;

  constructor(public gw: Gateway, public http: HttpClient, public opts: TeslaOptions) {}

  enabled(): boolean {
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
      this.opts.loadRequest().teslaChoose(this);
      this.dropCharge();
      this.gw.publish(this.statusFields({}));
      // the next request now; the answer to one still out is ignored (it was for the old choice)
      this.busy = 0;
      this.poll();
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

  /**
   * One request now; the next is planned when it is answered. With `afterMs` (the request module,
   * once it has the answer): plans the next request that far ahead instead (0: on the next turn).
   * The timer's closure is made here, not in the request module, so that it does not keep that
   * module alive until then.
   */
  poll(afterMs?: number): void {
    var self = this;
    var clock = this.gw.hal.clock;
    if (this.busy) return;
    if (this.timer) clock.clearTimeout(this.timer);
    this.timer = null;
    if (!this.enabled()) return;
    if (afterMs !== undefined) {
      this.timer = clock.setTimeout(function () {
        self.timer = null;
        self.poll();
      }, afterMs);
      return;
    }
    this.opts.loadRequest().teslaRequest(this);
  }

  /** The vehicle values this service put into the status leave it. */
  dropCharge(): void {
    if (!this.charge) return;
    var ext = this.gw.external;
    delete ext.battery_level;
    delete ext.battery_range;
    delete ext.time_to_full_charge;
    delete ext.vehicle_charge_limit;
    delete ext.vehicle_state_update;
    this.charge = null;
  }
}
