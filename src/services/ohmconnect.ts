// OhmConnect (ref/openevse-gateway.md §4): while `ohm_enabled` and an `ohm` key are set, every
// 30 s a GET of https://login.ohmconnect.com/verify-ohm-hour/<key>. The answer is XML-ish text;
// the value between `<active>` and `</active>` (both found after the first character, as the
// reference checks) goes to `ohm_hour`. "True" starts an OhmHour: the charger is paused through
// a claim (CLIENT_OHM, PRIORITY_OHM, state disabled) rather than by `$FS` behind the arbiter's
// back as the reference does; any other value releases it. A failed poll (no answer, not 2xx,
// no <active>) sets `ohm_hour` "NotConnected", `ohm_message` says why, the claim is released
// (a dead service must not keep the car from charging), and polls back off 30 s → 5 min.
//
// This is the part that stays alive: the schedule, the back-off and the status fields. The
// request itself (the GET, reading the answer, the claim) is services/ohmconnect-poll.ts, which
// the service gets from `opts.loadRequest` for each poll and does not keep: on the ESP32 that is a
// `lazy:` loader, so its functions exist only while a poll is out, a moment every 30 s (measured
// with scripts/bench-features.js: OhmConnect 208 JsVars resident before the split, 158 after).
import type { Gateway } from '../app';
import type { HttpClient } from '../hal/types';
import { CLIENT_OHM } from '../core/evse/claims';

var INTERVAL_MS = 30000;

/** What a poll needs: services/ohmconnect-poll.ts. */
export interface OhmConnectRequest {
  ohmPoll(svc: OhmConnectService): void;
}

export interface OhmConnectOptions {
  /** The request module, fetched again for each poll (on the ESP32 it is defined anew). */
  loadRequest: () => OhmConnectRequest;
  /** The key is appended (default OHM_URL in services/ohmconnect-poll.ts); for tests. */
  url?: string;
  /** Per request (default 10 s; tests use less). */
  timeoutMs?: number;
}

// The fields below are read and written by the request module too (hence not private).
export class OhmConnectService {
  /** `ohm_hour`: "NotConnected", or the text OhmConnect answered ("True" / "False"). */
  ohmHour = 'NotConnected';
  message = 'Disabled';
  /** The next poll's timer, null while none is planned. */
  timer: any = null;
  /** Sequence number of the request out, 0 when none. */
  busy = 0;
  seq = 0;
  /** The wait before the next poll: 30 s, doubling after each failure to 5 min. */
  delay = INTERVAL_MS;

  /** Starts polling when enabled with a key (a poll now): configChanged() without a list. */
  declare start: () => void;

  constructor(public gw: Gateway, public http: HttpClient, public opts: OhmConnectOptions) {}

  /**
   * Restarts polling when `ohm` or `ohm_enabled` changed. Without a list this is start() (the same
   * function, one function object less): it starts polling when enabled with a key and not
   * running yet.
   */
  configChanged(changed?: string[]): void {
    var c = this.gw.config;
    if (changed) {
      var i = 0;
      while (i < changed.length && changed[i] !== 'ohm' && changed[i] !== 'ohm_enabled') i++;
      if (i === changed.length) return;
      this.stop();
    }
    if (this.timer || this.busy || !c.get('ohm_enabled') || !c.get('ohm')) return;
    this.delay = INTERVAL_MS;
    this.poll();
  }

  stop(): void {
    var claims = this.gw.claims;
    var clock = this.gw.hal.clock;
    if (this.timer) clock.clearTimeout(this.timer);
    this.timer = null;
    this.busy = 0;
    if (claims.get(CLIENT_OHM)) claims.release(CLIENT_OHM);
    // published only when it changes, as every state the request module sets
    if (this.ohmHour === 'NotConnected' && this.message === 'Disabled') return;
    this.ohmHour = 'NotConnected';
    this.message = 'Disabled';
    this.gw.publish(this.statusFields({}));
  }

  statusFields(doc: { [key: string]: any }): { [key: string]: any } {
    doc.ohm_hour = this.ohmHour;
    doc.ohm_message = this.message;
    return doc;
  }

  /**
   * One request now; the next is planned when it is answered. With `afterMs` (the request module,
   * once it has the answer): plans the next poll that far ahead instead. The timer's closure is
   * made here, not in the request module, so that it does not keep that module alive until then.
   */
  poll(afterMs?: number): void {
    var self = this;
    var clock = this.gw.hal.clock;
    if (this.busy) return;
    if (this.timer) clock.clearTimeout(this.timer);
    this.timer = null;
    if (afterMs) {
      this.timer = clock.setTimeout(function () {
        self.timer = null;
        self.poll();
      }, afterMs);
      return;
    }
    this.opts.loadRequest().ohmPoll(this);
  }
}
OhmConnectService.prototype.start = OhmConnectService.prototype.configChanged;
