// Power over the last hours, so that the UI's chart does not start empty with every page: charging
// power, solar and grid import/export, one time-weighted mean per interval in a fixed ring.
//
// Fed with the gateway's status changes (the same partial objects /ws and MQTT get). Charging power
// is a state: the last value holds for as long as the controller is connected. Solar and grid are
// feeds: a value holds for `hold` seconds after it arrived, so an interval no feed reached is
// MISSING, not 0 W. Slots are aligned to the clock (slot n covers [n, n+1) × interval), so a late
// timer or a clock that moves is handled the same way: every slot up to now is closed in turn.
//
// Memory: typed arrays keep their numbers in one flat block on Espruino (≈14 bytes a JsVar) where
// a JS array costs at least a JsVar an element: the three rings of 180 Int16 take ≈80 JsVars, the
// whole history ≈140 (measured on the interpreter), whatever the values. An Int16 holds ±327 kW in
// the 10 W units used here; the chart needs no finer step.
import { Clock } from '../hal/types';

/** An interval that nothing covered. */
export var MISSING = -32768;
/** The unit of the stored values, in W. */
export var STEP_W = 10;

export interface HistoryOptions {
  /** Seconds per sample (default 120). */
  interval?: number;
  /** Samples kept (default 180: 6 h at 120 s). */
  size?: number;
  /** Seconds a solar or grid value counts after it arrived (default 300, the divert's staleness limit). */
  hold?: number;
}

/** Series indexes: in the ring, in the accumulators and in the /history document. */
export var POWER = 0;
export var SOLAR = 1;
export var GRID = 2;

export class PowerHistory {
  /** ms per slot. */
  ms: number;
  size: number;
  /** The three rings (POWER, SOLAR, GRID), indexed by slot number modulo size. */
  rings: Int16Array[];
  /** The slot being filled; slots below it are closed. */
  slot: number;
  /** Closed slots in the ring (at most size), the newest ending where `slot` begins. */
  count = 0;
  private holdMs: number;
  // per series: the value in force, from when it is counted, until when it holds (ms)
  private value = new Float64Array(3);
  private from = new Float64Array(3);
  private until = new Float64Array(3);
  // per series, the slot being filled: Σ value × ms, and the ms covered
  private sum = new Float64Array(3);
  private span = new Float64Array(3);
  private timer: any = null;

  constructor(private clock: Clock, opts?: HistoryOptions) {
    var o = opts || {};
    this.ms = (o.interval || 120) * 1000;
    this.size = o.size || 180;
    this.holdMs = (o.hold || 300) * 1000;
    this.rings = [new Int16Array(this.size), new Int16Array(this.size), new Int16Array(this.size)];
    var now = clock.now();
    this.slot = Math.floor(now / this.ms);
    for (var i = 0; i < 3; i++) this.from[i] = now;
  }

  /** Starts the sampling timer; `seed`: the status now (the monitor's, before its first change). */
  start(seed?: { [k: string]: any }): void {
    if (seed) this.note(seed);
    // (advance() itself, bound: a closure would keep this scope alive too)
    if (this.timer === null) this.timer = this.clock.setInterval(this.advance.bind(this), this.ms);
  }

  stop(): void {
    if (this.timer !== null) this.clock.clearInterval(this.timer);
    this.timer = null;
  }

  /** A status change (full or partial document): takes `power`, `evse_connected`, `solar`, `grid_ie`. */
  note(c: { [k: string]: any }): void {
    var now = this.clock.now();
    var value = this.value;
    var until = this.until;
    this.advance(now);
    // A new value or a new end holds from now: what the one before covered is counted first.
    if (typeof c.power === 'number') {
      this.add(POWER, now);
      value[POWER] = c.power;
    }
    if (c.evse_connected === 1 && until[POWER] <= now) {
      this.add(POWER, now);
      until[POWER] = Infinity;
    } else if (c.evse_connected === 0) {
      this.add(POWER, now);
      until[POWER] = now;
    }
    if (typeof c.solar === 'number') {
      this.add(SOLAR, now);
      value[SOLAR] = c.solar;
      until[SOLAR] = now + this.holdMs;
    }
    if (typeof c.grid_ie === 'number') {
      this.add(GRID, now);
      value[GRID] = c.grid_ie;
      until[GRID] = now + this.holdMs;
    }
  }

  /** Closes every slot that ended by `now` (default: the clock's now; so is it as the timer's function). */
  advance(now?: number): void {
    if (now === undefined) now = this.clock.now();
    var s = Math.floor(now / this.ms);
    var i: number;
    if (s < this.slot || s - this.slot > this.size) {
      // the clock was set (back, or far ahead): what is in the ring no longer lines up with it
      this.count = 0;
      this.slot = s;
      for (i = 0; i < 3; i++) {
        this.from[i] = now;
        this.sum[i] = this.span[i] = 0;
      }
      return;
    }
    while (this.slot < s) {
      var end = (this.slot + 1) * this.ms;
      var k = this.slot % this.size;
      for (i = 0; i < 3; i++) {
        this.add(i, end);
        var v = Math.round(this.sum[i] / this.span[i] / STEP_W);
        this.rings[i][k] = !(this.span[i] > 0) ? MISSING : v > 32767 ? 32767 : v < -32767 ? -32767 : v;
        this.sum[i] = this.span[i] = 0;
      }
      this.slot++;
      if (this.count < this.size) this.count++;
    }
  }

  /** Series `i`'s value for the closed slot `n` in W, or null when it is missing or no longer kept. */
  get(i: number, n: number): number | null {
    if (n >= this.slot || n < this.slot - this.count) return null;
    var v = this.rings[i][n % this.size];
    return v === MISSING ? null : v * STEP_W;
  }

  /** Counts series `i`'s value in force up to `t` into the slot being filled. */
  private add(i: number, t: number): void {
    var to = t < this.until[i] ? t : this.until[i];
    if (to > this.from[i]) {
      this.sum[i] += this.value[i] * (to - this.from[i]);
      this.span[i] += to - this.from[i];
    }
    if (t > this.from[i]) this.from[i] = t;
  }
}
