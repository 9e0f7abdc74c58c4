// Session, day, week, month, year and total energy and the relay switch count
// (ref/openevse-gateway.md §9 Energy meter, §1.3 energy block, §1.7 /emeter). As the reference,
// energy is integrated from the measured current (`$GG`, mA) times the configured voltage, while
// the controller is charging; periods roll over by LOCAL date (the time zone through Tz).
//
// Persistence: two slots `em.a`/`em.b` with CRC (see core/slots.ts), written every
// `saveMinutes` while something changed, when charging stops, at session end and on reset. A
// power cut at any instant leaves the previous or the new copy, so the totals loaded at boot
// never go below an earlier boot's; at most the energy of the last `saveMinutes` is lost
// (`/emeter` import can re-copy the controller's own lifetime counter).
//
// Decisions where the reference is silent: a week starts on Monday (ISO); the session counter
// is zeroed when a vehicle is plugged in (and kept after unplugging, for display); the meter
// does not integrate gaps longer than MAX_GAP_MS (clock set by NTP, controller gone) and does not
// roll periods while the clock is unset (before 2020).
import type { Clock, Storage } from '../../hal/types';
import { Tz, civil } from '../time/tz';
import { SlotState, loadSlots, saveSlots } from '../slots';
import { STATE_CHARGING } from './states';

/** What the meter needs of the EvseMonitor. */
export interface MeterMonitor {
  status: { [key: string]: any };
  onChange(fn: (changes: { [key: string]: any }) => void): void;
}

export interface EnergyMeterOptions {
  /** Minutes between saves while energy flows (default 5). */
  saveMinutes?: number;
  /** Power ×3 (config `is_threephase`). */
  threePhase?: boolean;
}

var FILE = 'em.';
var TICK_MS = 30000;
var MAX_GAP_MS = 120000;
/** 2020-01-01: before it the clock is taken as not set yet. */
var CLOCK_SET = 1577836800000;
/** sync() operations. */
var INTEGRATE = 0;
var SAVE = 1;

export class EnergyMeter {
  /** Gets the status fields when they change (for /ws and MQTT). */
  onChange: ((e: any) => void) | null = null;
  /** Energies in Wh. */
  session = 0;
  total = 0;
  day = 0;
  week = 0;
  month = 0;
  year = 0;
  switches = 0;
  dayNo = -1;
  last = 0;
  power = 0;
  state = -1;
  vehicle = -1;
  dirty = false;
  savedAt: number;
  saveMs: number;
  /** Power ×3 (config `is_threephase`): call changed(null) before changing it. */
  three: boolean;
  st: SlotState = { gen: 0, slot: '' };
  sent = '';

  constructor(public monitor: MeterMonitor, public clock: Clock, public tz: Tz, public storage: Storage, opts?: EnergyMeterOptions) {
    opts = opts || {};
    this.saveMs = (opts.saveMinutes || 5) * 60000;
    this.three = !!opts.threePhase;
    var v = loadSlots(storage, FILE, this.st);
    if (v) {
      this.session = +v.s || 0;
      this.total = +v.t || 0;
      this.day = +v.d || 0;
      this.week = +v.w || 0;
      this.month = +v.m || 0;
      this.year = +v.y || 0;
      this.switches = +v.n || 0;
      this.dayNo = typeof v.k === 'number' ? v.k : -1;
    }
    this.last = this.savedAt = clock.now();
    // one bound function for the monitor's listener and the tick (its argument is then null or
    // undefined); bound, not a closure: no constructor scope kept alive with it
    var changed = this.changed.bind(this);
    monitor.onChange(changed);
    clock.setInterval(changed, TICK_MS);
    this.changed(monitor.status);
  }

  /** The status fields: session_energy (Wh), total_* (kWh), total_switches. */
  declare fields: () => any;

  /**
   * `/emeter` DELETE: zeroes the session and the day/week/month/year counters; `hard` also the
   * total and the switch count; `importWh` (the controller's lifetime Wh, `$GU`) sets the total.
   * Returns '' or a storage error (the counters are reset in RAM all the same).
   */
  declare reset: (hard: boolean, importWh?: number) => string;

  /**
   * A monitor change (or null/undefined for the periodic tick): integrate, count, roll, publish,
   * save. Called with null before `three` (config `is_threephase`) changes.
   */
  declare changed: (c?: { [key: string]: any } | null) => void;

  /**
   * The private helpers in one method (each method costs JsVars on the device):
   * - INTEGRATE: adds the energy since the last call at the power then in force; when a local
   *   midnight lies in between, the part before it counts for the old day, then the periods roll.
   * - SAVE: writes the counters (Wh rounded to the mWh); returns '' or the storage error.
   */
  declare sync: (op: number) => string;
}

// The methods are put on the prototype here rather than written in the class: an ES5 class
// compiles to a wrapper function, and on the device each function made inside it costs one more
// JsVar (its own copy of the scope chain). Members once private are public for the same reason.
EnergyMeter.prototype.fields = function (this: EnergyMeter): any {
  this.sync(INTEGRATE);
  return {
    session_energy: Math.round(this.session * 10) / 10,
    total_energy: Math.round(this.total) / 1000,
    total_day: Math.round(this.day) / 1000,
    total_week: Math.round(this.week) / 1000,
    total_month: Math.round(this.month) / 1000,
    total_year: Math.round(this.year) / 1000,
    total_switches: this.switches,
  };
};

EnergyMeter.prototype.reset = function (this: EnergyMeter, hard: boolean, importWh?: number): string {
  this.sync(INTEGRATE);
  this.session = this.day = this.week = this.month = this.year = 0;
  if (hard) this.total = this.switches = 0;
  if (typeof importWh === 'number' && importWh >= 0) this.total = importWh;
  this.dirty = true;
  var err = this.sync(SAVE);
  this.changed(null);
  return err;
};

EnergyMeter.prototype.changed = function (this: EnergyMeter, c?: { [key: string]: any } | null): void {
  this.sync(INTEGRATE);
  var s = this.monitor.status;
  var saveNow = false;
  if (c && c.state !== undefined && c.state !== this.state) {
    if (c.state === STATE_CHARGING && this.state >= 0) {
      this.switches++;
      this.dirty = true;
    } else if (this.state === STATE_CHARGING) saveNow = true;
    this.state = c.state;
  }
  if (c && c.vehicle !== undefined && c.vehicle !== this.vehicle) {
    if (c.vehicle && this.vehicle === 0) {
      this.session = 0;
      this.dirty = true;
    } else if (!c.vehicle) saveNow = true;
    this.vehicle = c.vehicle;
  }
  this.power = s.state === STATE_CHARGING && s.evse_connected !== 0 ? ((s.amp || 0) / 1000) * (s.voltage || 0) * (this.three ? 3 : 1) : 0;
  var now = this.clock.now();
  if (this.dirty && (saveNow || now - this.savedAt >= this.saveMs)) this.sync(SAVE);
  if (this.onChange) {
    var f = this.fields();
    // the values alone (the keys never change): the copy kept is a third of the JSON's size
    var key = [f.session_energy, f.total_energy, f.total_day, f.total_week, f.total_month, f.total_year, f.total_switches].join();
    if (key !== this.sent) {
      this.sent = key;
      this.onChange(f);
    }
  }
};

EnergyMeter.prototype.sync = function (this: EnergyMeter, op: number): string {
  if (op === SAVE) {
    var err = saveSlots(this.storage, FILE, this.st, {
      s: Math.round(this.session * 1000) / 1000,
      t: Math.round(this.total * 1000) / 1000,
      d: Math.round(this.day * 1000) / 1000,
      w: Math.round(this.week * 1000) / 1000,
      m: Math.round(this.month * 1000) / 1000,
      y: Math.round(this.year * 1000) / 1000,
      n: this.switches,
      k: this.dayNo,
    });
    if (!err) {
      this.dirty = false;
      this.savedAt = this.clock.now();
    }
    return err;
  }
  var now = this.clock.now();
  var dt = now - this.last;
  var ok = dt > 0 && dt <= MAX_GAP_MS && this.power > 0;
  var wh: number;
  if (now >= CLOCK_SET) {
    var d = Math.floor(this.tz.toLocal(now) / 86400000);
    if (d !== this.dayNo) {
      if (this.dayNo >= 0) {
        var mid = this.tz.fromLocal(d * 86400000);
        // the energy before midnight: the day's goes with it, the periods that go on keep theirs
        wh = 0;
        if (ok && mid > this.last && mid <= now) {
          wh = (this.power * (mid - this.last)) / 3600000;
          this.last = mid;
        }
        var a = civil(this.dayNo);
        var b = civil(d);
        this.session += wh;
        this.total += wh;
        this.day = 0;
        this.week = Math.floor((d + 3) / 7) !== Math.floor((this.dayNo + 3) / 7) ? 0 : this.week + wh;
        this.month = a[1] !== b[1] || a[0] !== b[0] ? 0 : this.month + wh;
        this.year = a[0] !== b[0] ? 0 : this.year + wh;
      }
      this.dayNo = d;
      this.dirty = true;
    }
  }
  if (ok) {
    wh = (this.power * (now - this.last)) / 3600000;
    this.session += wh;
    this.total += wh;
    this.day += wh;
    this.week += wh;
    this.month += wh;
    this.year += wh;
    this.dirty = true;
  }
  this.last = now;
  return '';
};
