// Current shaper (load balancing): keeps the whole house, EV included, under `current_shaper_max_pwr`
// by capping the EV with a `max_current` claim in the ClaimsArbiter (client CLIENT_SHAPER, Safety
// priority), as the OpenEVSE gateway does (ref/openevse-gateway.md §9):
//   max_cur = (max_pwr [+ solar] − P) / V  (/3 three-phase)  + the amps the EV draws now.
// Ours on top of the reference: the claim moves in whole amps and only when the value changes
// (down at once; up only once the computed current is 1.25 A above the claim, so noise around a
// boundary does not churn claims); a pause lasts at least `current_shaper_min_pause_time` and
// needs 0.5 A of headroom above the minimum current to end; while paused the house load (P less
// the EV) is smoothed, rising at once and falling with `current_shaper_smoothing_time`, so a short
// dip does not restart the car; no data for `current_shaper_data_maxinterval` s (also right
// after enabling) → the fail-safe pause.
// Runs on Espruino: one class, ES5 only, time only through the Clock, one interval timer.
// `update(watts, t)` is the whole per-sample step, so a simulator calls it directly.
import { Clock } from '../../hal/types';
import { DivertController } from './controller';

/** What the shaper needs of the ClaimsArbiter (the arbiter itself, or a simulator's charger). */
export interface ShaperSink {
  claim(client: number, priority: number, props: any): string | null;
  release(client: number): boolean;
}

var CLIENT_SHAPER = 0x0001000c;
var PRIORITY_LIMIT = 1100;
var PRIORITY_SAFETY = 5000;
/** A: headroom above the minimum current needed to resume after a pause (ref §9). */
var RESUME_HEADROOM = 0.5;
/** A: a raise waits until the computed current is this much above the next whole amp. */
var RAISE_MARGIN = 0.25;
/** ms between staleness checks (the one timer). */
var CHECK_MS = 2000;

export class CurrentShaper {
  /** `current_shaper_enabled` (persisted). */
  enabled = false;
  /** The runtime state: `enabled`, or what `/shaper?shaper=0|1` / MQTT `shaper/set` last set (not persisted). */
  on = false;
  maxPwr = 0;
  smoothing = 60;
  minPause = 300;
  maxInterval = 120;
  // (0/1 rather than booleans: a boolean field costs the device one JsVar more)
  threePhase = 0;
  minCurrent = 6;
  maxCurrent = 32;

  // inputs
  live = 0;
  solar = 0;
  voltage = 240;
  evAmps = 0;
  lastFeed = 0;
  // outputs
  /** A: the computed maximum (unrounded); `shaper_cur` publishes it floored. */
  maxCur = 0;
  /** W: the house load without the EV (live − EV amps × V), smoothed while paused. */
  smoothed = 0;
  /** Our claim: '' none, 'max' a max_current, 'paused' disabled at Safety, 'failsafe' disabled at Limit. */
  claimState = '';
  claimCurrent = 0;
  pausedAt = 0;
  stale = 0;
  /** Counters for the simulator and the bench: claims made and pauses started. */
  claims = 0;
  pauses = 0;

  since = 0;
  smoothedAt = 0;
  // the lifecycle shared with DivertController (see the prototype assignments after the class)
  period = CHECK_MS;
  timer: any = 0;
  listener: ((e: any) => void) | null = null;
  running = 0;
  /** The staleness check has something to watch: the shaper is on. */
  watching = 0;

  /** The controller's min/max current ($GC). */
  declare limits: (min: number, max: number) => void;
  /** Runs the one timer, the staleness check, while the shaper is on (DivertController.start). */
  declare start: () => void;
  declare stop: () => void;

  constructor(public clock: Clock, public sink: ShaperSink) {}

  /** Reads the shaper keys of a config object (any subset). */
  declare configure: (c: any) => void;

  /** Temporary on/off (`/shaper`, MQTT `shaper/set`); off releases our claim. Not persisted. */
  declare setActive: (on: boolean, t?: number) => void;

  /** Controller status (partials welcome): `amp` (mA), `voltage` (V). */
  declare evse: (s: any) => void;

  /** W of solar added to the budget (ref: when divert runs on a solar feed); 0 otherwise. */
  declare setSolar: (watts: number) => void;

  /** One live-power sample (W, the whole house including the EV) at time t (ms; default now). */
  declare update: (watts: number, t?: number) => void;

  /** The staleness check (the timer, or a simulator between samples). */
  declare check: (t?: number) => void;

  /** The /status fields (and the /ws, MQTT partial on every update). */
  declare statusFields: (t?: number) => any;

  /** Makes our claim say `state` ('max' with `amps`, 'paused', 'failsafe'); claims only on a change. */
  declare put: (state: string, amps: number) => void;
}

// The methods are put on the prototype here rather than written in the class: an ES5 class
// compiles to a wrapper function, and on the device each function made inside it costs one more
// JsVar (its own copy of the scope chain). Members once private are public for the same reason.
CurrentShaper.prototype.configure = function (this: CurrentShaper, c: any): void {
  var v: any;
  if (typeof (v = c.current_shaper_max_pwr) === 'number') this.maxPwr = v;
  if (typeof (v = c.current_shaper_smoothing_time) === 'number') this.smoothing = v;
  if (typeof (v = c.current_shaper_min_pause_time) === 'number') this.minPause = v;
  if (typeof (v = c.current_shaper_data_maxinterval) === 'number') this.maxInterval = v;
  if (c.is_threephase !== undefined) this.threePhase = c.is_threephase ? 1 : 0;
  // a change of the saved setting ends a temporary on/off; saving other keys does not
  if (c.current_shaper_enabled !== undefined && !!c.current_shaper_enabled !== this.enabled) {
    this.enabled = !!c.current_shaper_enabled;
    this.setActive(this.enabled);
  }
};

CurrentShaper.prototype.setActive = function (this: CurrentShaper, on: boolean, t?: number): void {
  var now = t === undefined ? this.clock.now() : t;
  on = !!on;
  if (on === this.on) return;
  this.on = on;
  this.watching = on ? 1 : 0;
  if (this.running) this.start();
  this.stale = 0;
  this.since = now; // the fail-safe also covers "enabled, but no data ever came"
  this.claimState = '';
  this.claimCurrent = this.pausedAt = this.smoothedAt = 0;
  if (!on) this.sink.release(CLIENT_SHAPER);
  if (this.listener) this.listener(this.statusFields(now));
};

CurrentShaper.prototype.evse = function (this: CurrentShaper, s: any): void {
  if (typeof s.amp === 'number') this.evAmps = s.amp > 0 ? s.amp / 1000 : 0;
  if (typeof s.voltage === 'number' && s.voltage > 50) this.voltage = s.voltage;
};

CurrentShaper.prototype.setSolar = function (this: CurrentShaper, watts: number): void {
  if (typeof watts === 'number' && watts === watts) this.solar = watts > 0 ? watts : 0;
};

CurrentShaper.prototype.update = function (this: CurrentShaper, watts: number, t?: number): void {
  var now = t === undefined ? this.clock.now() : t;
  if (typeof watts !== 'number' || watts !== watts) return;
  this.live = watts;
  this.lastFeed = now;
  if (this.stale) {
    this.stale = 0;
    if (this.claimState === 'failsafe') this.put('paused', 0); // back under our own pause rule
  }
  if (this.on) {
    // the decision: cap, pause or resume
    var paused = this.claimState === 'paused' || this.claimState === 'failsafe';
    var perAmp = this.threePhase ? this.voltage * 3 : this.voltage;
    // The reference's "(max − P)/V + EV amps", written as the house load without the EV, so that
    // the smoothed value while paused does not carry the power the car drew before it stopped.
    var H = this.live - this.evAmps * perAmp;
    if (paused && this.smoothedAt && H < this.smoothed && this.smoothing > 0)
      this.smoothed += (H - this.smoothed) * (1 - Math.exp(-(now - this.smoothedAt) / 1000 / this.smoothing));
    else this.smoothed = H;
    this.smoothedAt = now;
    this.maxCur = (this.maxPwr + this.solar - this.smoothed) / perAmp;
    var amps = Math.floor(this.maxCur);
    if (paused) {
      if (!(now - this.pausedAt < this.minPause * 1000 || this.maxCur < this.minCurrent + RESUME_HEADROOM)) this.put('max', amps);
    } else if (this.maxCur < this.minCurrent) {
      this.pausedAt = now;
      this.pauses++;
      this.put('paused', 0);
    } else if (this.claimState !== 'max' || amps < this.claimCurrent || this.maxCur >= this.claimCurrent + 1 + RAISE_MARGIN) this.put('max', amps);
  }
  if (this.listener) this.listener(this.statusFields(now));
};

CurrentShaper.prototype.check = function (this: CurrentShaper, t?: number): void {
  var now = t === undefined ? this.clock.now() : t;
  if (!this.on || this.stale) return;
  var from = this.lastFeed > this.since ? this.lastFeed : this.since;
  if (now - from < this.maxInterval * 1000) return;
  this.stale = 1;
  if (this.claimState !== 'paused') this.pausedAt = now;
  // Fail-safe: without a live reading we cannot see what the house draws, and the car at full
  // current on top of an unknown load could trip the house's main fuse. So stop charging, at
  // Limit (1100): above manual override (1000), RFID and OCPP, so no user action can restart the
  // car blind, yet below Safety/Error. It is the reference's priority for this claim.
  this.put('failsafe', 0);
  if (this.listener) this.listener(this.statusFields(now));
};

CurrentShaper.prototype.statusFields = function (this: CurrentShaper, t?: number): any {
  var now = t === undefined ? this.clock.now() : t;
  var cur = Math.floor(this.maxCur);
  return {
    shaper: this.on ? 1 : 0,
    shaper_live_pwr: Math.round(this.live),
    shaper_max_pwr: this.maxPwr,
    shaper_cur: cur > 0 ? cur : 0,
    shaper_updated: this.on && !this.stale && this.lastFeed > 0 && now - this.lastFeed < this.maxInterval * 1000,
  };
};

CurrentShaper.prototype.put = function (this: CurrentShaper, state: string, amps: number): void {
  if (amps > this.maxCurrent) amps = this.maxCurrent;
  if (state === 'max' && amps < this.minCurrent) amps = this.minCurrent;
  if (state === this.claimState && (state !== 'max' || amps === this.claimCurrent)) return;
  var err =
    state === 'max'
      ? this.sink.claim(CLIENT_SHAPER, PRIORITY_SAFETY, { max_current: amps })
      : this.sink.claim(CLIENT_SHAPER, state === 'failsafe' ? PRIORITY_LIMIT : PRIORITY_SAFETY, { state: 'disabled' });
  if (err) return; // refused (limits not told yet): the next sample tries again
  this.claimState = state;
  this.claimCurrent = state === 'max' ? amps : 0;
  this.claims++;
};

// One copy of each lifecycle function for both parts (Espruino has no `extends`).
CurrentShaper.prototype.limits = DivertController.prototype.limits;
CurrentShaper.prototype.start = DivertController.prototype.start;
CurrentShaper.prototype.stop = DivertController.prototype.stop;
