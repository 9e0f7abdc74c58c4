// Eco / solar PV divert: turns a solar-generation or grid import/export feed into one claim in the
// ClaimsArbiter (client CLIENT_DIVERT). Two algorithms, chosen by `divert_mode_algorithm`:
// - 'compat': the OpenEVSE v5 algorithm (ref/openevse-gateway.md §5), same keys, same numbers;
// - 'default': ours — explicit start/stop rules in watts and minutes, a minimum run time, a
//   minimum pause, and a reason + countdown published in /status.
// Runs on Espruino: one class, ES5 only, time only through the Clock, one interval timer at most.
// `update(kind, watts, t)` is the whole per-sample step, so the simulator calls it directly.
import { Clock } from '../../hal/types';

/** What the controller needs of the ClaimsArbiter (the arbiter itself, or the simulator's charger). */
export interface DivertSink {
  claim(client: number, priority: number, props: any): string | null;
  release(client: number): boolean;
}

/** `divertmode` values. */
export var DIVERT_NORMAL = 1;
export var DIVERT_ECO = 2;

var CLIENT_DIVERT = 0x00010002;
var PRIORITY_DEFAULT = 10;
var PRIORITY_DIVERT = 50;
var HYSTERESIS = 0.5;
var MIN_TAU = 10;
var VRMS_FRESH_MS = 120000;

/** Config keys read by configure(); the `divert_*` ones beyond the reference's are ours. */
export interface DivertConfig {
  [key: string]: any;
}

export class DivertController {
  /** `divertmode`: 1 normal, 2 eco. */
  mode = DIVERT_NORMAL;
  algorithm = 'default';
  /** 0 solar, 1 grid import/export: `divert_type`, or with -1 (auto) the kind of the last sample. */
  type = 0;
  typeSetting = -1;
  pvRatio = 1.1;
  attack = 20;
  decay = 600;
  minChargeTime = 600;
  threePhase = 0;
  minCurrent = 6;
  maxCurrent = 32;
  /** Ours (default algorithm), W and s: start when surplus ≥ startPower for startDelay. 0 = min current × V. */
  startPower = 0;
  startDelay = 240;
  /** Stop when surplus < stopPower for stopDelay (after the minimum run time). <0 = allowed import. */
  stopPower = -200;
  stopDelay = 900;
  /** Stop at once (after minRun) when the surplus is below this: dark, not a cloud. */
  darkPower = 400;
  darkDelay = 300;
  /** How fast the net start/stop time counts back while its condition does not hold (×dt). */
  recover = 1;
  /** Never restart sooner than this after a stop. */
  minPause = 300;
  /** W kept for the house (grid mode): the target is surplus − reserve. */
  reserve = 0;
  /** Feed staleness: after staleTime s without a feed, act: 'pause' | 'min' | 'hold'. */
  staleTime = 300;
  staleAction = 'pause';

  // inputs
  solar = 0;
  gridIe = 0;
  // (0/1 rather than booleans, here and below: a boolean field costs the device one JsVar more)
  hasSolar = 0;
  hasGrid = 0;
  lastFeed = 0;
  vrms = 0;
  vrmsAt = 0;
  evseVoltage = 0;
  evseAmps = 0;
  evseState = 0;
  // outputs
  voltage = 240;
  available = 0;
  smoothed = 0;
  chargeRate = 0;
  trigger = 0;
  /** The state of our claim: 'active' | 'disabled' | '' (no claim). */
  claimState = '';
  claimCurrent = 0;
  minChargeEnd = 0;
  reason = 'off';
  /** s until the pending start/stop fires (0 when nothing is pending). */
  countdown = 0;
  stale = false;
  // default-algorithm timers (ms of the clock; 0 = not running)
  filterAt = 0;
  lastAt = 0;
  highS = 0;
  lowS = 0;
  darkS = 0;
  runSince = 0;
  stoppedAt = 0;
  // the lifecycle below, shared with CurrentShaper: its timer's period (ms), the timer, the listener;
  // started (the gateway runs it), and whether the staleness check has anything to watch (Eco mode)
  period = 10000;
  timer: any = 0;
  /** The one listener: it gets the partial objects for /ws, MQTT and emoncms. */
  listener: ((e: any) => void) | null = null;
  running = 0;
  watching = 0;

  constructor(public clock: Clock, public sink: DivertSink) {}

  /** Reads the divert keys of a config object (any subset). */
  declare configure: (c: DivertConfig) => void;

  // limits(), start() and stop() are the lifecycle CurrentShaper shares: it puts these
  // very functions on its prototype (no `extends` on Espruino; one function object each, not two).
  // They use only minCurrent, maxCurrent, timer, period, running, watching, clock and check().

  /** The controller's min/max current ($GC), for the current the claim may ask. */
  declare limits: (min: number, max: number) => void;

  /**
   * Runs the staleness check every `period` ms while it has something to watch (`watching`): in
   * Normal mode, or with the shaper off, no timer (~6 JsVars each on the device). Called again when
   * `watching` changes.
   */
  declare start: () => void;

  declare stop: () => void;

  /** `divertmode` 1|2 (runtime; not saved). */
  declare setMode: (mode: number) => void;

  /** Controller status (partials welcome): `state`, `amp` (mA), `voltage` (V). */
  declare evse: (s: any, t?: number) => void;

  /** A measured mains voltage (MQTT vrms, a CSV column): used for 120 s. */
  declare setVrms: (volts: number, t?: number) => void;

  /** One feed sample: kind 'solar' or 'grid_ie' (W, import positive), at time t (ms; default now). */
  declare update: (kind: string, watts: number, t?: number) => void;

  /** The staleness check (the timer, or the simulator between samples). */
  declare check: (t?: number) => void;

  /** The /status fields (and the /ws, MQTT partial on every update). */
  declare statusFields: (t?: number) => any;

  /** Makes our claim say `state` (and the current when active), at the reference's priorities. */
  declare put: (state: string, amps: number) => void;
}

// The methods are put on the prototype here rather than written in the class: an ES5 class
// compiles to a wrapper function, and on the device each function made inside it costs one more
// JsVar for as long as the feature runs (its own copy of the scope chain). For the same reason the
// members the class kept private are public; only this file uses them.
DivertController.prototype.configure = function (this: DivertController, c: DivertConfig): void {
  var v: any;
  if (c.divert_mode_algorithm === 'compat' || c.divert_mode_algorithm === 'default') this.algorithm = c.divert_mode_algorithm;
  if (typeof c.divert_type === 'number') this.typeSetting = c.divert_type;
  if (typeof (v = c.divert_PV_ratio) === 'number') this.pvRatio = v;
  if (typeof (v = c.divert_attack_smoothing_time) === 'number') this.attack = v;
  if (typeof (v = c.divert_decay_smoothing_time) === 'number') this.decay = v;
  if (typeof (v = c.divert_min_charge_time) === 'number') this.minChargeTime = v;
  if (c.is_threephase !== undefined) this.threePhase = c.is_threephase ? 1 : 0;
  if (typeof (v = c.divert_start_power) === 'number') this.startPower = v;
  if (typeof (v = c.divert_start_delay) === 'number') this.startDelay = v;
  if (typeof (v = c.divert_stop_power) === 'number') this.stopPower = v;
  if (typeof (v = c.divert_stop_delay) === 'number') this.stopDelay = v;
  if (typeof (v = c.divert_dark_power) === 'number') this.darkPower = v;
  if (typeof (v = c.divert_min_pause) === 'number') this.minPause = v;
  if (typeof (v = c.divert_dark_delay) === 'number') this.darkDelay = v;
  if (typeof (v = c.divert_recover) === 'number') this.recover = v;
  if (typeof (v = c.divert_reserve_power) === 'number') this.reserve = v;
  if (typeof (v = c.divert_stale_time) === 'number') this.staleTime = v;
  if (c.divert_stale_action === 'pause' || c.divert_stale_action === 'min' || c.divert_stale_action === 'hold') this.staleAction = c.divert_stale_action;
  // The mode is the one the user picked (charge_mode, set by the UI and /divertmode);
  // divert_enabled only says whether the feeds are subscribed (MQTT).
  if (c.charge_mode !== undefined) this.setMode(c.charge_mode === 'eco' ? DIVERT_ECO : DIVERT_NORMAL);
};

DivertController.prototype.limits = function (this: DivertController, min: number, max: number): void {
  if (min > 0) this.minCurrent = min;
  if (max >= this.minCurrent) this.maxCurrent = max;
};

DivertController.prototype.start = function (this: DivertController): void {
  this.running = 1;
  // bound rather than a closure: no scope kept alive with it
  if (this.watching && !this.timer) this.timer = this.clock.setInterval(this.check.bind(this), this.period);
  if (!this.watching && this.timer) {
    this.clock.clearInterval(this.timer);
    this.timer = 0;
  }
};

DivertController.prototype.stop = function (this: DivertController): void {
  this.running = 0;
  if (this.timer) this.clock.clearInterval(this.timer);
  this.timer = 0;
};

DivertController.prototype.setMode = function (this: DivertController, mode: number): void {
  if (mode !== DIVERT_ECO) mode = DIVERT_NORMAL;
  if (mode === this.mode) return;
  this.mode = mode;
  this.watching = mode === DIVERT_ECO ? 1 : 0;
  if (this.running) this.start();
  this.chargeRate = this.available = this.smoothed = 0;
  this.minChargeEnd = this.highS = this.lowS = this.darkS = this.runSince = this.stoppedAt = this.lastAt = 0;
  this.filterAt = 0;
  this.countdown = 0;
  if (mode === DIVERT_ECO) {
    this.reason = 'waiting';
    this.put('disabled', 0);
  } else {
    this.reason = 'off';
    this.claimState = '';
    this.sink.release(CLIENT_DIVERT);
  }
  if (this.listener) this.listener({ divertmode: mode, divert_active: false, charge_rate: 0, available_current: 0 });
};

DivertController.prototype.evse = function (this: DivertController, s: any, t?: number): void {
  var now = t === undefined ? this.clock.now() : t;
  if (typeof s.amp === 'number') this.evseAmps = s.amp / 1000;
  if (typeof s.voltage === 'number' && s.voltage > 50) this.evseVoltage = s.voltage;
  if (typeof s.state === 'number' && s.state !== this.evseState) {
    this.evseState = s.state;
    if (s.state === 3) {
      this.minChargeEnd = now + this.minChargeTime * 1000;
      if (!this.runSince) this.runSince = now;
    }
  }
};

DivertController.prototype.setVrms = function (this: DivertController, volts: number, t?: number): void {
  if (volts > 50) {
    this.vrms = volts;
    this.vrmsAt = t === undefined ? this.clock.now() : t;
  }
};

DivertController.prototype.update = function (this: DivertController, kind: string, watts: number, t?: number): void {
  var now = t === undefined ? this.clock.now() : t;
  if (typeof watts !== 'number' || watts !== watts) return;
  if (kind === 'solar') {
    this.solar = watts;
    this.hasSolar = 1;
  } else {
    this.gridIe = watts;
    this.hasGrid = 1;
  }
  var k = kind === 'solar' ? 0 : 1;
  if (this.typeSetting === 0 || this.typeSetting === 1) {
    // the other feed is shown in /status but does not drive divert
    if (k !== this.typeSetting) {
      if (this.listener) this.listener(this.statusFields(now));
      return;
    }
  }
  this.type = k;
  this.lastFeed = now;
  this.stale = false;
  var V = this.vrms && now - this.vrmsAt < VRMS_FRESH_MS ? this.vrms : this.evseVoltage || 240;
  if (this.threePhase) V = V * 3;
  this.voltage = V;
  if (this.mode === DIVERT_ECO) {
    // The decision, both algorithms and the filter they share, here rather than in a method of its
    // own (each method costs JsVars on the device). First the available current and its smoothed
    // value, then:
    // - compat: ref §5 update_state(), Eco branch.
    // - ours: the setpoint follows the surplus (whole amps, rounded down, so no import while it is
    //   above the minimum current). Start: surplus ≥ the start threshold for a net startDelay, and
    //   not within minPause of the last stop. Stop, after the minimum run time: surplus below the
    //   stop threshold (min current × V + stopPower) for a net stopDelay (a passing cloud rides
    //   through at the minimum current), or below darkPower for darkDelay (sunset). "Net": the
    //   time counts up while the condition holds and back down while it does not, so a flicker
    //   neither resets nor fires it. The rule closest to firing is published as reason + countdown.
    var compat = this.algorithm === 'compat';
    var ratio = this.pvRatio;
    var a: number;
    var p = 0;
    var dt = 0;
    if (compat) {
      if (this.type === 1) {
        var I = this.gridIe / V - this.evseAmps;
        if (I < 0) a = -I - (1000 * Math.max(ratio - 1, 0)) / V;
        else a = 0;
      } else a = this.solar / V;
      if (a < 0) a = 0;
    } else {
      // the watts the EV could take (grid mode adds back what the EV draws now), less the reserve
      p = (this.type === 1 ? -this.gridIe + this.evseAmps * V : this.solar) - this.reserve;
      dt = this.lastAt ? (now - this.lastAt) / 1000 : 0;
      if (dt > 900) dt = 900;
      this.lastAt = now;
      a = p > 0 ? p / V : 0;
    }
    this.available = a;
    // the time-constant filter of the reference (input_filter.cpp)
    var tau = a > this.smoothed ? this.attack : this.decay;
    var fdt = this.filterAt ? Math.floor(now / 1000) - Math.floor(this.filterAt / 1000) : 0;
    this.filterAt = now;
    var f = tau <= 0 ? 1 : 1 - Math.exp(-fdt / Math.max(tau, MIN_TAU));
    this.smoothed = a * f + this.smoothed * (1 - f);
    var rate = Math.floor(a);
    if (compat) {
      if (a - rate > Math.min(1, ratio)) rate++;
      this.chargeRate = rate;
      this.trigger = this.minCurrent * Math.min(1, ratio);
      if (this.smoothed >= this.trigger + HYSTERESIS) {
        this.reason = 'charging';
        this.put('active', rate);
      } else if (this.smoothed <= this.trigger) {
        if (this.claimState === 'active' && !(this.evseState === 3 && now < this.minChargeEnd)) {
          this.reason = 'waiting';
          this.put('disabled', 0);
        } else if (this.claimState === 'active') this.reason = 'min charge time';
      }
      this.countdown = this.minChargeEnd > now && this.claimState === 'active' ? Math.ceil((this.minChargeEnd - now) / 1000) : 0;
    } else {
      var minW = this.minCurrent * V;
      var startW = this.startPower > 0 ? this.startPower : minW;
      this.trigger = Math.round((startW / V) * 10) / 10;
      if (rate > this.maxCurrent) rate = this.maxCurrent;
      this.chargeRate = rate;
      this.countdown = 0;
      var left: number;
      if (this.claimState !== 'active') {
        this.lowS = this.darkS = 0;
        this.highS = p >= startW ? this.highS + dt : this.highS > dt * this.recover ? this.highS - dt * this.recover : 0;
        var waitPause = this.stoppedAt ? this.minPause - (now - this.stoppedAt) / 1000 : 0;
        if (p >= startW) {
          left = this.startDelay - this.highS;
          if (waitPause > left) left = waitPause;
          if (left <= 0) {
            this.highS = 0;
            this.runSince = now;
            this.reason = 'charging';
            this.put('active', rate);
          } else {
            this.reason = waitPause >= left ? 'pause' : 'starting';
            this.countdown = Math.ceil(left);
          }
        } else this.reason = p > 0 ? 'not enough surplus' : 'no surplus';
      } else {
        this.highS = 0;
        if (p < minW + this.stopPower) this.lowS += dt;
        else this.lowS = this.lowS > dt * this.recover ? this.lowS - dt * this.recover : 0;
        this.darkS = p < this.darkPower ? this.darkS + dt : 0;
        var minRunLeft = this.minChargeTime - (now - this.runSince) / 1000;
        left = 1e9;
        if (this.lowS > 0) left = this.stopDelay - this.lowS;
        if (this.darkS > 0 && this.darkDelay - this.darkS < left) left = this.darkDelay - this.darkS;
        if (left < 1e9 && left < minRunLeft) left = minRunLeft;
        if (left <= 0) {
          this.stoppedAt = now;
          this.runSince = 0;
          this.lowS = this.darkS = 0;
          this.put('disabled', 0);
          this.reason = p > 0 ? 'not enough surplus' : 'no surplus';
        } else {
          if (left < 1e9) {
            this.reason = 'stopping';
            this.countdown = Math.ceil(left);
          } else this.reason = rate < this.minCurrent ? 'charging at minimum' : 'charging';
          this.put('active', rate);
        }
      }
    }
  }
  if (this.listener) this.listener(this.statusFields(now));
};

DivertController.prototype.check = function (this: DivertController, t?: number): void {
  var now = t === undefined ? this.clock.now() : t;
  if (this.mode !== DIVERT_ECO || this.stale || !this.lastFeed) return;
  if (now - this.lastFeed < this.staleTime * 1000) return;
  this.stale = true;
  this.lastAt = 0; // the silence counts toward no start/stop timer
  this.reason = 'feed stale';
  this.countdown = 0;
  this.highS = this.lowS = this.darkS = 0;
  if (this.staleAction === 'pause') {
    if (this.claimState === 'active') this.stoppedAt = now;
    this.runSince = 0;
    this.put('disabled', 0);
  } else if (this.staleAction === 'min' && this.claimState === 'active') this.put('active', this.minCurrent);
  if (this.listener) this.listener(this.statusFields(now));
};

DivertController.prototype.statusFields = function (this: DivertController, t?: number): any {
  var now = t === undefined ? this.clock.now() : t;
  var o: any = {
    divertmode: this.mode,
    charge_rate: this.chargeRate,
    divert_update: this.lastFeed ? Math.floor((now - this.lastFeed) / 1000) : -1,
    divert_active: this.claimState === 'active',
    available_current: Math.round(this.available * 100) / 100,
    smoothed_available_current: Math.round(this.smoothed * 100) / 100,
    trigger_current: this.trigger,
    min_charge_end: this.minChargeEnd > now ? Math.ceil((this.minChargeEnd - now) / 1000) : 0,
    divert_reason: this.reason,
    divert_countdown: this.countdown,
  };
  if (this.hasSolar) o.solar = this.solar;
  if (this.hasGrid) o.grid_ie = this.gridIe;
  return o;
};

DivertController.prototype.put = function (this: DivertController, state: string, amps: number): void {
  var props: any = { state: state };
  if (state === 'active') {
    if (amps < this.minCurrent) amps = this.minCurrent;
    if (amps > this.maxCurrent) amps = this.maxCurrent;
    props.charge_current = amps;
  }
  if (state === this.claimState && (state !== 'active' || amps === this.claimCurrent)) return;
  this.claimState = state;
  this.claimCurrent = state === 'active' ? amps : 0;
  if (state !== 'active') this.minChargeEnd = 0;
  this.sink.claim(CLIENT_DIVERT, state === 'active' ? PRIORITY_DIVERT : PRIORITY_DEFAULT, props);
};
