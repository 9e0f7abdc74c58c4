// Weekly timers (ref/openevse-gateway.md §1.7 /schedule, §9 Scheduler): up to 50 events
// {id, state, time, days}; the state of the latest event holds until the next one, claimed at
// Timer priority (100). Times are local wall times through the configured POSIX TZ.
//
// Decisions where the reference is silent:
// - DST: an event time that does not exist that day (02:30 on a US spring-forward Sunday) fires
//   at the instant of the jump (03:00 local), so events keep their order; a time that happens
//   twice (01:30 on a fall-back day) fires once, at its first occurrence.
// - Start window: an "active" event starts a pseudo-random 0..scheduler_start_window s AFTER its
//   time (never before: a cheap tariff starting at 00:30 must not be anticipated); "disabled"
//   events are exact. The delay is derived from a per-boot random seed and the event instant,
//   so it needs no state and is the same whenever it is recomputed.
// - `/schedule/plan` gives current_event and next_event only (a full week's list can be 350
//   objects: too big for the device).
// - The seed's DELAY TIMER (start/stop) is expressed as two events of this scheduler (active at
//   the start time, disabled at the stop time, every day), not the controller's `$ST`: `$ST`
//   makes the controller sleep by itself, which the claims arbiter would undo (it re-applies the
//   target when the controller drifts), and the controller's RTC knows no time zone or DST.
//   The gateway should send `$ST 0 0 0 0` once at boot so that an old controller timer cannot
//   fight the arbiter.
// - Per-event `feature`/`limit` (reference HEAD) are not supported; those fields are ignored.
//
// Memory: in RAM an event is one packed number ((id*2 + active)*128 + days)*131072 + seconds,
// so 50 events cost ~50 JsVars instead of ~300 for objects (stored as [id, active, days, s]).
import type { Clock, Storage } from '../../hal/types';
import { Tz, civil } from '../time/tz';
import { SlotState, loadSlots, saveSlots } from '../slots';

export var MAX_EVENTS = 50;
// CLIENT_SCHEDULE and PRIORITY_TIMER of evse/claims.ts, copied as the divert controller does: in
// the lazily built planning part an imported constant is a live object property (~2 JsVars each),
// a local one is written into the code.
var CLIENT_SCHEDULE = 0x00010004;
var PRIORITY_TIMER = 100;
var WEEK = 604800;
var DAY = 86400;
/** Ids fit the packing (2^26 - 1). */
var MAX_ID = 67108863;
/** Longest sleep between evaluations, so that a clock set by NTP is noticed soon. */
var MAX_WAIT_MS = 60000;
var FILE = 'sched.';

export interface SchedulerClaims {
  claim(client: number, priority: number, props: any): string | null;
  release(client: number): boolean;
}

export interface SchedulerOptions {
  /** `scheduler_start_window` in seconds (default 600). */
  window?: number;
  /** Random source in [0,1) for the start-window seed (tests). */
  random?: () => number;
}

// The private helpers are one method, calc(op, a, b), not seven: on the device every function object
// costs JsVars for as long as the feature runs, its code staying in flash.
/** (k, which): one field of packed event k: which 0 id, 1 active (1/0), 2 days bitmask (bit 0 = Sunday), 3 seconds. */
var FIELD = 0;
/** (secs): "HH:MM:SS" of seconds in the day. */
var TIME = 1;
/**
 * (now, events): sets now/cur (seconds into the local week, Sunday 00:00, at `now`) and returns
 * cur; with `events`, also SCANs for it, then skips a "next" event whose instant is already past
 * (DST overlap).
 */
var FIND = 2;
/**
 * (cur): sets pi/po to the latest event at or before week offset `cur` and ni/no to the first one
 * after it (offsets from the start of this week: < 0 last week, >= WEEK next week).
 */
var SCAN = 3;
/**
 * (off, i): the UTC instant of week offset `off` relative to the week FIND worked in; with event
 * `i` (not -1), when it takes effect: plus the start window if it is active.
 */
var AT = 4;
/** (ev): saves `ev` and makes it current; null, or why not (nothing changed then). */
var COMMIT = 5;
/**
 * (): the day names, Sunday first, for the rare paths that need them (list, set); built there:
 * seven strings kept for good would cost ~25 JsVars, even the one string they are split from ~7.
 */
var DAYS = 6;

export class Scheduler {
  /** `schedule_version`: +1 on every change of the events. */
  version = 0;
  /** `schedule_plan_version`: +1 whenever the current or next event changes. */
  planVersion = 0;
  /** Gets `{schedule_version}` / `{schedule_plan_version}` partials (for /ws and MQTT). */
  onChange: ((e: any) => void) | null = null;
  ev: number[] = [];
  st: SlotState = { gen: 0, slot: '' };
  /** `scheduler_start_window` in seconds (call update() after changing it). */
  window: number;
  seed: number;
  timer: any = 0;
  /**
   * update(true), bound: the timer's callback (no closure keeping the constructor's scope); made
   * with the first timer, so that a gateway without events does not keep it.
   */
  onTimer?: () => void;
  claimed = '';
  planKey = -1;
  // results of SCAN: previous (<= cur) and next (> cur) event, by index and week offset
  pi = -1;
  po = 0;
  ni = -1;
  no = 0;
  // the instant FIND worked for and its offset in the local week (read by AT)
  now = 0;
  cur = 0;

  constructor(public claims: SchedulerClaims, public clock: Clock, public tz: Tz, public storage: Storage, opts?: SchedulerOptions) {
    opts = opts || {};
    this.window = opts.window === undefined ? 600 : opts.window;
    this.seed = Math.floor((opts.random || Math.random)() * 1000003);
    var v = loadSlots(storage, FILE, this.st);
    // stored as [id, active, days, seconds] rows: a packed number has up to 16 digits, more than
    // a float is sure to print exactly in JSON on every host
    if (v && v.e instanceof Array) {
      for (var i = 0; i < v.e.length && i < MAX_EVENTS; i++) {
        var r = v.e[i];
        if (r instanceof Array && r.length === 4 && r[0] >= 0 && r[0] <= MAX_ID && r[2] > 0 && r[2] < 128 && r[3] >= 0 && r[3] < DAY)
          this.ev.push(((r[0] * 2 + (r[1] ? 1 : 0)) * 128 + r[2]) * 131072 + r[3]);
      }
    }
  }

  /** `/schedule` (all events) or `/schedule/{id}` (one, or null). */
  declare list: (id?: number) => any;

  /**
   * Adds or replaces events: `body` is one event or an array of them (batch upsert); `id`, when
   * given, is the id from the path (`/schedule/{id}`). All are checked first; on any error
   * nothing changes and the message says why.
   */
  declare set: (body: any, id?: number) => string | null;

  /** `DELETE /schedule/{id}`: false when there is no such event. */
  declare remove: (id: number) => boolean;

  /** Status fields: schedule_version, schedule_plan_version. */
  declare statusFields: () => any;

  /**
   * `/schedule/plan`: where we are in the (local) week and the current and next events, each
   * {id, state, time, day (0 = Sunday), offset (s into the week), start_offset (offset plus the
   * start-window delay), diff (s from now to its start, negative when past), duration (s until
   * the event after it)}. Events are null when there are none.
   */
  declare plan: () => any;

  /**
   * Works out the current event, claims its state (or releases the claim when there are no
   * events) and sleeps until the next one. Call after the clock or the time zone changed.
   * `fired`: called by its own timer, which is then gone (Espruino throws on clearing it).
   */
  declare update: (fired?: boolean) => void;

  /** The private helpers (see FIELD .. DAYS above for each op's arguments and result). */
  declare calc: (op: number, a?: any, b?: any) => any;
}

// The methods are put on the prototype here rather than written in the class: an ES5 class
// compiles to a wrapper function, and on the device each function made inside it costs one more
// JsVar (its own copy of the scope chain). Members once private are public for the same reason.
Scheduler.prototype.list = function (this: Scheduler, id?: number): any {
  var out: any[] = [];
  var names: string[] = this.calc(DAYS);
  for (var i = 0; i < this.ev.length; i++) {
    var k = this.ev[i];
    if (id !== undefined && this.calc(FIELD, k, 0) !== id) continue;
    var days: string[] = [];
    for (var d = 0; d < 7; d++) if (this.calc(FIELD, k, 2) & (1 << d)) days.push(names[d]);
    var o = { id: this.calc(FIELD, k, 0), state: this.calc(FIELD, k, 1) ? 'active' : 'disabled', time: this.calc(TIME, this.calc(FIELD, k, 3)), days: days };
    if (id !== undefined) return o;
    out.push(o);
  }
  return id === undefined ? out : null;
};

Scheduler.prototype.set = function (this: Scheduler, body: any, id?: number): string | null {
  var items = body instanceof Array ? body : [body];
  if (id !== undefined && body instanceof Array) return 'expected one event';
  var ev = this.ev.slice();
  var names: string[] = this.calc(DAYS);
  for (var i = 0; i < items.length; i++) {
    var e = items[i];
    var at = 'event ' + i + ': ';
    if (!e || typeof e !== 'object' || e instanceof Array) return at + 'must be an object';
    var eid = id !== undefined ? id : e.id;
    if (typeof eid === 'string' && /^[0-9]+$/.test(eid)) eid = parseInt(eid, 10);
    if (typeof eid !== 'number' || eid % 1 !== 0 || eid < 0 || eid > MAX_ID) return at + 'id must be a whole number from 0 to ' + MAX_ID;
    if (e.state !== 'active' && e.state !== 'disabled') return at + 'state must be "active" or "disabled"';
    var t = typeof e.time === 'string' ? e.time.split(':') : [];
    var secs = 0;
    for (var j = 0; j < t.length; j++) {
      var n = /^[0-9]+$/.test(t[j]) && t[j].length <= 2 ? parseInt(t[j], 10) : NaN;
      if (!(n < (j ? 60 : 24))) t = [];
      secs = secs * 60 + n;
    }
    if (t.length === 2) secs *= 60;
    if (t.length < 2 || t.length > 3) return at + 'time must be "HH:MM" or "HH:MM:SS"';
    var days = 0;
    if (!(e.days instanceof Array) || !e.days.length) return at + 'days must be a list of day names';
    for (j = 0; j < e.days.length; j++) {
      var dn = typeof e.days[j] === 'string' ? e.days[j].toLowerCase() : '';
      var d = 0;
      while (d < 7 && (dn.length < 3 || names[d].substr(0, dn.length) !== dn)) d++;
      if (d === 7) return at + 'unknown day ' + JSON.stringify(e.days[j]);
      days |= 1 << d;
    }
    var k = ((eid * 2 + (e.state === 'active' ? 1 : 0)) * 128 + days) * 131072 + secs;
    for (j = 0; j < ev.length && this.calc(FIELD, ev[j], 0) !== eid; j++);
    if (j < ev.length) ev[j] = k;
    else if (ev.length >= MAX_EVENTS) return 'too many events (max ' + MAX_EVENTS + ')';
    else ev.push(k);
  }
  return this.calc(COMMIT, ev);
};

Scheduler.prototype.remove = function (this: Scheduler, id: number): boolean {
  var ev = this.ev.slice();
  for (var i = 0; i < ev.length; i++) {
    if (this.calc(FIELD, ev[i], 0) === id) {
      ev.splice(i, 1);
      return this.calc(COMMIT, ev) === null;
    }
  }
  return false;
};

Scheduler.prototype.statusFields = function (this: Scheduler): any {
  return { schedule_version: this.version, schedule_plan_version: this.planVersion };
};

Scheduler.prototype.plan = function (this: Scheduler): any {
  var now = this.clock.now();
  var cur = this.calc(FIND, now, false);
  var out: any = { current_day: Math.floor(cur / DAY), current_offset: cur, next_event_delay: null, current_event: null, next_event: null };
  if (!this.ev.length) return out;
  this.calc(FIND, now, true);
  var ni = this.ni;
  var no = this.no;
  var end = this.calc(AT, no, ni);
  out.next_event_delay = Math.round((end - now) / 1000);
  // the current event lasts until the next one starts, the next one until the one after it
  var i = this.pi;
  var off = this.po;
  for (var n = 0; n < 2; n++) {
    if (n) {
      this.calc(SCAN, no); // the event after the next one
      i = ni;
      off = no;
      end = this.calc(AT, this.no, this.ni);
    }
    var k = this.ev[i];
    var o = ((off % WEEK) + WEEK) % WEEK;
    var t = this.calc(AT, off, -1);
    var st = this.calc(AT, off, i);
    var e = {
      id: this.calc(FIELD, k, 0),
      state: this.calc(FIELD, k, 1) ? 'active' : 'disabled',
      time: this.calc(TIME, this.calc(FIELD, k, 3)),
      day: Math.floor(o / DAY),
      offset: o,
      start_offset: o + Math.round((st - t) / 1000),
      diff: Math.round((st - now) / 1000),
      duration: Math.round((end - st) / 1000),
    };
    if (n) out.next_event = e;
    else out.current_event = e;
  }
  return out;
};

Scheduler.prototype.update = function (this: Scheduler, fired?: boolean): void {
  var now = this.clock.now();
  if (this.timer && !fired) this.clock.clearTimeout(this.timer);
  this.timer = 0;
  // what identifies the current event: the plan version moves when it changes
  var key = -1;
  if (!this.ev.length) {
    if (this.claimed) this.claims.release(CLIENT_SCHEDULE);
    this.claimed = '';
  } else {
    this.calc(FIND, now, true);
    var pi = this.pi;
    var po = this.po;
    var state = this.calc(FIELD, this.ev[pi], 1);
    var pStart = this.calc(AT, po, pi);
    var at = this.calc(AT, this.no, this.ni);
    if (state && now < pStart) {
      // an active event inside its start window: the one before it still holds
      this.calc(SCAN, po - 1);
      state = this.calc(FIELD, this.ev[this.pi], 1);
      at = pStart;
    }
    this.claimed = state ? 'active' : 'disabled';
    this.claims.claim(CLIENT_SCHEDULE, PRIORITY_TIMER, { state: this.claimed });
    key = this.calc(FIELD, this.ev[pi], 0) * WEEK + ((po % WEEK) + WEEK) % WEEK;
    if (!this.onTimer) this.onTimer = this.update.bind(this, true);
    this.timer = this.clock.setTimeout(this.onTimer, Math.max(1, Math.min(at - now, MAX_WAIT_MS)));
  }
  if (key !== this.planKey) {
    this.planKey = key;
    this.planVersion++;
    if (this.onChange) this.onChange({ schedule_plan_version: this.planVersion });
  }
};

Scheduler.prototype.calc = function (this: Scheduler, op: number, a?: any, b?: any): any {
  var i: number;
  var n: number;
  switch (op) {
    case FIELD: {
      var secs = a % 131072;
      var rest = (a - secs) / 131072;
      var days = rest % 128;
      rest = (rest - days) / 128;
      return b === 0 ? Math.floor(rest / 2) : b === 1 ? rest % 2 : b === 2 ? days : secs;
    }
    case TIME: {
      var out = '';
      for (var unit = 3600; unit >= 1; unit /= 60) {
        n = Math.floor(a / unit) % (unit === 3600 ? 100 : 60);
        out += (unit === 3600 ? '' : ':') + (n < 10 ? '0' : '') + n;
      }
      return out;
    }
    case FIND: {
      var ls = Math.floor(this.tz.toLocal(a) / 1000);
      var cur = civil(Math.floor(ls / DAY))[3] * DAY + (((ls % DAY) + DAY) % DAY);
      this.now = a;
      this.cur = cur;
      if (!b) return cur;
      this.calc(SCAN, cur);
      for (var guard = 0; guard < 8 && this.calc(AT, this.no, -1) <= a; guard++) this.calc(SCAN, this.no);
      return cur;
    }
    case SCAN: {
      var base = Math.floor(a / WEEK) * WEEK;
      var at = a - base;
      this.pi = this.ni = -1;
      var bestP = -1e9;
      var bestN = 1e9;
      for (i = 0; i < this.ev.length; i++) {
        var k = this.ev[i];
        var dmask = this.calc(FIELD, k, 2);
        var dsecs = this.calc(FIELD, k, 3);
        for (var d = 0; d < 7; d++) {
          if (!(dmask & (1 << d))) continue;
          var off = d * DAY + dsecs;
          var p = off <= at ? off : off - WEEK;
          n = off > at ? off : off + WEEK;
          if (p > bestP) {
            bestP = p;
            this.pi = i;
          }
          if (n < bestN) {
            bestN = n;
            this.ni = i;
          }
        }
      }
      this.po = bestP + base;
      this.no = bestN + base;
      return;
    }
    case DAYS:
      return 'sunday,monday,tuesday,wednesday,thursday,friday,saturday'.split(',');
    case AT: {
      var t = this.tz.fromLocal((Math.floor(this.tz.toLocal(this.now) / 1000) - this.cur + a) * 1000);
      if (b >= 0 && this.window > 0 && this.calc(FIELD, this.ev[b], 1)) t += ((this.seed + Math.floor(t / 60000) * 7919) % this.window) * 1000;
      return t;
    }
  }
  // COMMIT
  var rows: number[][] = [];
  for (i = 0; i < a.length; i++) rows.push([this.calc(FIELD, a[i], 0), this.calc(FIELD, a[i], 1), this.calc(FIELD, a[i], 2), this.calc(FIELD, a[i], 3)]);
  var err = saveSlots(this.storage, FILE, this.st, { e: rows });
  if (err) return err;
  this.ev = a;
  this.version++;
  if (this.onChange) this.onChange({ schedule_version: this.version });
  this.update();
  return null;
};
