// One charge limit for the session (ref/openevse-gateway.md §1.7 /limit, §9 Charge limits):
// {type: time (minutes) | energy (Wh) | soc (%) | range (km or miles, as the vehicle reports),
// value, auto_release}. Checked every second while charging; once reached, a `disabled` claim at
// Limit priority (1100) with auto_release stops the charge until the vehicle is unplugged.
// `auto_release` clears the limit itself at session end; `limit_default_type/value` is set again
// at each new session when no limit is set.
//
// Decisions where the reference is silent: `time` counts the time spent charging (state 3) in
// this session, measured here each second (the controller's elapsed comes only every 30 s);
// `energy` is the energy meter's session energy; soc/range come from the vehicle data
// (`battery_level`/`battery_range` in the external status) and a limit on a value that is not
// known is never reached. POST without auto_release means true. The limit is not persisted:
// after a reboot the default applies from the next session (as the reference, RAM only).
// Changing or deleting a reached limit lets the charge resume (its claim is released).
import type { Clock } from '../../hal/types';
import { STATE_CHARGING } from '../evse/states';
import { inList } from '../text';

export interface LimitClaims {
  claim(client: number, priority: number, props: any): string | null;
  release(client: number): boolean;
}

export interface LimitMonitor {
  status: { [key: string]: any };
  onChange(fn: (changes: { [key: string]: any }) => void): void;
}

var TYPES = 'time,energy,soc,range';
// CLIENT_LIMIT and PRIORITY_LIMIT of evse/claims.ts, copied as the divert controller does: in the
// lazily built planning part an imported constant is a live object property (~2 JsVars each), a
// local one is written into the code.
var CLIENT_LIMIT = 0x00010006;
var PRIORITY_LIMIT = 1100;

export class LimitManager {
  /** `limit_version`: +1 on every change of the limit. */
  version = 0;
  /** Gets `{limit, limit_version}` partials (for /ws and MQTT). */
  onChange: ((e: any) => void) | null = null;
  type = '';
  value = 0;
  autoRelease = true;
  reached = false;
  defType = '';
  defValue = 0;
  chargedMs = 0;
  /** When the current charging stretch began (-1: not charging); Gateway.clockMoved moves it with the clock. */
  since = -1;
  state = -1;
  vehicle = -1;
  timer: any = 0;
  /** changed(), bound: the monitor's listener and the 1 s tick (one function object for both). */
  bound: (c?: any) => void;

  /**
   * `meter`: the energy meter (its `session` Wh); `external`: the status values pushed from
   * outside (battery_level, battery_range).
   */
  constructor(
    public claims: LimitClaims,
    public monitor: LimitMonitor,
    public clock: Clock,
    public meter: { session: number } | null,
    public external: { [key: string]: any },
  ) {
    this.bound = this.changed.bind(this);
    monitor.onChange(this.bound);
    this.changed(monitor.status);
  }

  /** Config `limit_default_type` ('' or 'none' for none) and `limit_default_value`. */
  declare setDefault: (type: string, value: number) => void;

  /** `/limit` GET: {type, value, auto_release}, or {} when there is none. */
  declare get: () => any;

  /** Status fields: `limit` (bool), `limit_version`. */
  declare statusFields: () => any;

  /** `/limit` POST: null, or why nothing changed. */
  declare set: (p: any) => string | null;

  /** `/limit` DELETE: false when there was none. */
  declare clear: () => boolean;

  /**
   * A monitor change `c`; or, without one (the 1 s tick while charging, a changed limit), the
   * check: claims `disabled` once the limit is reached while charging. One method for both.
   */
  declare changed: (c?: { [key: string]: any }) => void;
}

// The methods are put on the prototype here rather than written in the class: an ES5 class
// compiles to a wrapper function, and on the device each function made inside it costs one more
// JsVar (its own copy of the scope chain). Members once private are public for the same reason.
LimitManager.prototype.setDefault = function (this: LimitManager, type: string, value: number): void {
  this.defType = typeof type === 'string' && type && inList(TYPES, type) ? type : '';
  this.defValue = value;
};

LimitManager.prototype.get = function (this: LimitManager): any {
  return this.type ? { type: this.type, value: this.value, auto_release: this.autoRelease } : {};
};

LimitManager.prototype.statusFields = function (this: LimitManager): any {
  return { limit: !!this.type, limit_version: this.version };
};

LimitManager.prototype.set = function (this: LimitManager, p: any): string | null {
  if (!p || typeof p !== 'object' || p instanceof Array) return 'expected a JSON object';
  var t = p.type;
  if (typeof t !== 'string' || !t || t.indexOf(',') >= 0 || !inList(TYPES, t)) return 'type must be one of time, energy, soc, range';
  var v = p.value;
  if (typeof v === 'string' && /^[0-9.]+$/.test(v)) v = +v;
  if (typeof v !== 'number' || !(v > 0) || !isFinite(v)) return 'value must be a number above 0';
  if (t === 'soc' && v > 100) return 'value must be at most 100 for soc';
  var ar = p.auto_release;
  if (ar !== undefined && ar !== true && ar !== false) return 'auto_release must be true or false';
  this.type = t;
  this.value = v;
  this.autoRelease = ar !== false;
  // a changed limit: a reached one no longer holds the charge
  if (this.reached) this.claims.release(CLIENT_LIMIT);
  this.reached = false;
  this.version++;
  if (this.onChange) this.onChange(this.statusFields());
  this.changed();
  return null;
};

LimitManager.prototype.clear = function (this: LimitManager): boolean {
  if (!this.type) return false;
  this.type = '';
  if (this.reached) this.claims.release(CLIENT_LIMIT);
  this.reached = false;
  this.version++;
  if (this.onChange) this.onChange(this.statusFields());
  return true;
};

LimitManager.prototype.changed = function (this: LimitManager, c?: { [key: string]: any }): void {
  if (!c) {
    if (!this.type || this.reached || this.state !== STATE_CHARGING) return;
    var v: any;
    switch (this.type) {
      case 'time':
        v = (this.chargedMs + (this.since >= 0 ? this.clock.now() - this.since : 0)) / 60000;
        break;
      case 'energy':
        v = this.meter ? this.meter.session : this.monitor.status.session_energy;
        break;
      case 'soc':
        v = this.external.battery_level;
        break;
      default:
        v = this.external.battery_range;
    }
    if (typeof v !== 'number' || !(v >= this.value)) return;
    this.reached = true;
    this.claims.claim(CLIENT_LIMIT, PRIORITY_LIMIT, { state: 'disabled', auto_release: true });
    return;
  }
  var now = this.clock.now();
  if (c.vehicle !== undefined && c.vehicle !== this.vehicle) {
    var was = this.vehicle;
    this.vehicle = c.vehicle;
    if (!c.vehicle) {
      // session end
      if (this.reached) this.claims.release(CLIENT_LIMIT);
      this.reached = false;
      if (this.type && this.autoRelease) this.clear();
    } else if (was === 0) {
      // new session
      this.chargedMs = 0;
      if (this.since >= 0) this.since = now;
      if (!this.type && this.defType && this.defValue > 0) this.set({ type: this.defType, value: this.defValue, auto_release: true });
    }
  }
  if (c.state !== undefined && c.state !== this.state) {
    this.state = c.state;
    if (c.state === STATE_CHARGING) {
      this.since = now;
      if (!this.timer) this.timer = this.clock.setInterval(this.bound, 1000);
    } else {
      if (this.since >= 0) this.chargedMs += now - this.since;
      this.since = -1;
      if (this.timer) this.clock.clearInterval(this.timer);
      this.timer = 0;
    }
  }
};
