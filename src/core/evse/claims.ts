// Who controls the charger. Every request to change it (web UI, HTTP, MQTT, divert, schedule,
// limits, OhmConnect, shaper) is a claim; for each property the highest-priority claim that sets
// it wins, and this arbiter alone sends `$FE`/`$FS`/`$FD`/`$SC` (ref/openevse-gateway.md §9).
// It sends only what differs from the controller's reported status, one command at a time, and
// re-applies when the controller drifts away from the target (reboot, heartbeat fallback).
import { Clock, Log } from '../../hal/types';
import { RAPI_NK } from '../rapi/client';
import { RapiLine } from '../rapi/framing';
import { ControllerInfo, Status } from './monitor';
import { STATE_STARTING, STATE_SLEEPING, STATE_DISABLED } from './states';

/** Client ids: (vendor << 16) | n, as the OpenEVSE gateway numbers them. */
export var CLIENT_MANUAL = 0x00010001;
export var CLIENT_DIVERT = 0x00010002;
export var CLIENT_BOOST = 0x00010003;
export var CLIENT_SCHEDULE = 0x00010004;
export var CLIENT_LIMIT = 0x00010006;
export var CLIENT_ERROR = 0x00010007;
export var CLIENT_OHM = 0x00010008;
export var CLIENT_OCPP = 0x00010009;
export var CLIENT_RFID = 0x0001000a;
export var CLIENT_MQTT = 0x0001000b;
export var CLIENT_SHAPER = 0x0001000c;
export var CLIENT_TEMP_THROTTLE = 0x0001000d;
export var CLIENT_LOAD_SHARING = 0x0001000e;
export var CLIENT_DEMAND_SHAPER = 0x00020001;
/** "No client" (the reference's EvseClient_NULL, UINT32_MAX). */
export var CLIENT_NULL = 0xffffffff;

export var PRIORITY_DEFAULT = 10;
export var PRIORITY_DIVERT = 50;
export var PRIORITY_TIMER = 100;
export var PRIORITY_BOOST = 200;
export var PRIORITY_API = 500;
export var PRIORITY_MQTT = 500;
export var PRIORITY_OHM = 500;
export var PRIORITY_TIMER_FEATURE = 900;
export var PRIORITY_MANUAL = 1000;
export var PRIORITY_RFID = 1030;
export var PRIORITY_OCPP = 1050;
export var PRIORITY_LIMIT = 1100;
export var PRIORITY_SAFETY = 5000;
export var PRIORITY_ERROR = 10000;

/** Slots, as in the reference (EVSE_MANAGER_MAX_CLIENT_CLAIMS). */
export var MAX_CLAIMS = 10;

export type EvseTargetState = 'active' | 'disabled';

/** One claim, in the `/claims` array shape. */
export interface Claim {
  client: number;
  priority: number;
  state?: EvseTargetState;
  charge_current?: number;
  max_current?: number;
  auto_release: boolean;
}

/** What the arbiter needs of the EvseMonitor (a fake in unit tests). */
export interface ClaimsMonitor {
  status: Status;
  info: ControllerInfo;
  isReady(): boolean;
  query(cmd: string, cb?: (err: string | null, reply?: RapiLine) => void): void;
  onChange(fn: (changes: Status) => void): void;
}

export interface ClaimsOptions {
  /** The state when no claim sets one (config `default_state`). */
  defaultState?: EvseTargetState;
  /** Pause with `$FD` (pilot −12 V) instead of `$FS` (sleep); config `pause_uses_disabled`. */
  pauseUsesDisabled?: boolean;
}

/** The partial objects given to listeners, for /ws and MQTT. */
export type ClaimsEvent = { [key: string]: any };

/** While the monitor is (re)booting or the controller is starting, look again this often. */
var WAIT_MS = 1000;
/** First retry after the controller did not answer; doubles up to RETRY_MAX_MS. */
var RETRY_MS = 2000;
var RETRY_MAX_MS = 30000;
/** How long a state command answered `$OK` counts as done before the status must confirm it. */
var VERIFY_MS = 5000;
/** A pilot the controller clamped (`$NK a`, e.g. over temperature) is asked for again this late. */
var CLAMP_RETRY_MS = 60000;

/** A short name for a client id, for the "who is in control" line. */
export function clientName(client: number): string {
  switch (client) {
    case CLIENT_MANUAL:
      return 'manual';
    case CLIENT_DIVERT:
      return 'divert';
    case CLIENT_BOOST:
      return 'boost';
    case CLIENT_SCHEDULE:
      return 'schedule';
    case CLIENT_LIMIT:
      return 'limit';
    case CLIENT_ERROR:
      return 'error';
    case CLIENT_OHM:
      return 'ohm';
    case CLIENT_OCPP:
      return 'ocpp';
    case CLIENT_RFID:
      return 'rfid';
    case CLIENT_MQTT:
      return 'mqtt';
    case CLIENT_SHAPER:
      return 'shaper';
    case CLIENT_TEMP_THROTTLE:
      return 'temp_throttle';
    case CLIENT_LOAD_SHARING:
      return 'load_sharing';
    case CLIENT_DEMAND_SHAPER:
      return 'demand_shaper';
    case CLIENT_NULL:
      return 'default';
  }
  // Our own modules use the ids above: any other id came in through `/claims/{client}`.
  return 'api';
}

export class ClaimsArbiter {
  /** `claims_version`: incremented on every change of the claims. */
  version = 0;
  /** `override_version`: incremented on every change of the manual override. */
  overrideVersion = 0;
  /** The target, recomputed on each change. */
  wantState: EvseTargetState = 'active';
  wantPilot = 0;

  private claims: Claim[] = [];
  private defaultState: EvseTargetState;
  private pauseUsesDisabled: boolean;
  private listeners: ((e: ClaimsEvent) => void)[] = [];
  // winners of the last evaluation (null: none, the default applies); explainClaims reads two
  stateWin: Claim | null = null;
  private chargeWin: Claim | null = null;
  private maxWin: Claim | null = null;
  pilotWin: Claim | null = null;
  private manual = 0;
  // applying
  private busy: string | null = null;
  private timer: any = null;
  private timerAt = 0;
  private retryAt = 0;
  private retryMs = RETRY_MS;
  /** A state command was answered `$OK` and its `$AT` may not have arrived yet. */
  private assumed: EvseTargetState | null = null;
  private assumedUntil = 0;
  /** Amps from the last `$SC` reply, until the monitor reports a pilot itself. */
  private adopted = -1;
  /** The controller answered `$SC clampFor` with `clampTo`: accepted until clampUntil. */
  private clampFor = -1;
  private clampTo = -1;
  private clampUntil = 0;
  /** Send the pause command even though the controller is already paused the other way. */
  private force = false;
  /** step(), bound once: the monitor's listener, the reply handler and the timer's function. */
  private cb: (e?: any, reply?: RapiLine) => void;

  constructor(private monitor: ClaimsMonitor, private clock: Clock, private log: Log, opts?: ClaimsOptions) {
    opts = opts || {};
    this.defaultState = opts.defaultState === 'disabled' ? 'disabled' : 'active';
    this.pauseUsesDisabled = !!opts.pauseUsesDisabled;
    // Memory: one bound function for everything that calls back, instead of a closure each.
    this.cb = this.step.bind(this);
    monitor.onChange(this.cb);
    this.step(0);
  }

  /** `fn` gets `{claims_version, override_version, status, manual_override}` partials. */
  onChange(fn: (e: ClaimsEvent) => void): void {
    this.listeners.push(fn);
  }

  /**
   * Adds or replaces the claim of `client`. With `merge`, the given properties update the
   * existing claim (MQTT `claim/set`); a property set to "clear" is removed. Returns null, or a
   * message saying why nothing was changed.
   */
  claim(client: number, priority: number, props: any, merge?: boolean): string | null {
    if (typeof client !== 'number' || client % 1 !== 0 || client <= 0 || client >= CLIENT_NULL) return 'invalid client id';
    if (typeof priority !== 'number' || priority % 1 !== 0 || priority <= 0) return 'invalid priority';
    if (!props || typeof props !== 'object') return 'properties must be an object';
    var old: Claim | null = null;
    var i: number;
    for (i = 0; i < this.claims.length; i++) if (this.claims[i].client === client) old = this.claims[i];
    if (!old && this.claims.length >= MAX_CLAIMS) return 'too many claims (max ' + MAX_CLAIMS + ')';
    var c: Claim = { client: client, priority: priority, auto_release: false };
    if (merge && old) {
      if (old.state !== undefined) c.state = old.state;
      if (old.charge_current !== undefined) c.charge_current = old.charge_current;
      if (old.max_current !== undefined) c.max_current = old.max_current;
      c.auto_release = old.auto_release;
    }
    var v = props.state;
    if (v === 'active' || v === 'disabled') c.state = v;
    else if (v === 'clear') delete c.state;
    else if (v !== undefined) return 'state must be "active" or "disabled"';
    var info = this.monitor.info;
    var keys = ['charge_current', 'max_current'];
    for (i = 0; i < 2; i++) {
      var k = keys[i];
      v = props[k];
      if (v === undefined) continue;
      if (v === 'clear') delete (c as any)[k];
      else if (typeof v !== 'number' || v % 1 !== 0 || v < info.min_current_hard || v > info.max_current_hard)
        return k + ' must be a whole number of amps from ' + info.min_current_hard + ' to ' + info.max_current_hard;
      else (c as any)[k] = v;
    }
    v = props.auto_release;
    if (v === true || v === false) c.auto_release = v;
    else if (v === 1 || v === 0) c.auto_release = v === 1;
    else if (v !== undefined && v !== 'clear') return 'auto_release must be true or false';
    if (
      old &&
      old.priority === c.priority &&
      old.state === c.state &&
      old.charge_current === c.charge_current &&
      old.max_current === c.max_current &&
      old.auto_release === c.auto_release
    )
      return null;
    if (old) this.claims[this.claims.indexOf(old)] = c;
    else this.claims.push(c);
    this.step(client);
    return null;
  }

  /** Removes the claim of `client`; false when it had none. */
  release(client: number): boolean {
    for (var i = 0; i < this.claims.length; i++) {
      if (this.claims[i].client === client) {
        this.claims.splice(i, 1);
        this.step(client);
        return true;
      }
    }
    return false;
  }

  /** `/claims/{client}`: `{priority, state?, charge_current?, max_current?, auto_release}` or null. */
  get(client: number): ClaimsEvent | null {
    for (var i = 0; i < this.claims.length; i++) {
      var c = this.claims[i];
      if (c.client !== client) continue;
      var o: ClaimsEvent = { priority: c.priority };
      if (c.state !== undefined) o.state = c.state;
      if (c.charge_current !== undefined) o.charge_current = c.charge_current;
      if (c.max_current !== undefined) o.max_current = c.max_current;
      o.auto_release = c.auto_release;
      return o;
    }
    return null;
  }

  /** `/claims`: a copy of every claim. */
  list(): Claim[] {
    var out: Claim[] = [];
    for (var i = 0; i < this.claims.length; i++) {
      var client = this.claims[i].client;
      var o = this.get(client) as Claim;
      o.client = client;
      out.push(o);
    }
    return out;
  }

  /**
   * `/claims/target`. `properties` and `claims` are the reference's (a current appears only when
   * a claim sets it); `pilot` is the current the arbiter applies, and `names` tells who decided each
   * value, "default" when no claim did, so the answer to "who is in control" is always there.
   */
  target(): ClaimsEvent {
    var props: ClaimsEvent = { state: this.wantState };
    var ids: ClaimsEvent = {};
    var c = this.chargeWin;
    if (c) {
      props.charge_current = c.charge_current;
      ids.charge_current = c.client;
    }
    c = this.maxWin;
    if (c) {
      props.max_current = c.max_current;
      ids.max_current = c.client;
    }
    props.auto_release = false;
    if (this.stateWin) ids.state = this.stateWin.client;
    return {
      properties: props,
      claims: ids,
      pilot: this.wantPilot,
      names: {
        state: clientName(this.stateWin ? this.stateWin.client : CLIENT_NULL),
        charge_current: clientName(this.chargeWin ? this.chargeWin.client : CLIENT_NULL),
        max_current: clientName(this.maxWin ? this.maxWin.client : CLIENT_NULL),
        pilot: clientName(this.pilotWin ? this.pilotWin.client : CLIENT_NULL),
      },
    };
  }

  /** The fields this arbiter owns in the full `/status` document. */
  statusFields(): ClaimsEvent {
    return {
      status: this.wantState,
      manual_override: this.manual,
      claims_version: this.version,
      override_version: this.overrideVersion,
    };
  }

  /**
   * The manual override, as `/override` and MQTT `override/set` use it:
   * - 'get': its properties, or {} when there is none;
   * - 'set': create or replace it (auto_release defaults to true); null or an error message;
   * - 'toggle': none → claim the opposite of the current target state, else release it;
   * - 'clear': release it.
   */
  override(action: 'get'): ClaimsEvent;
  override(action: 'set', props: any): string | null;
  override(action: 'toggle' | 'clear'): string | null;
  override(action: string, props?: any): any {
    var current = this.get(CLIENT_MANUAL);
    switch (action) {
      case 'get':
        if (current) delete current.priority;
        return current || {};
      case 'set':
        if (!props || typeof props !== 'object') return 'properties must be an object';
        var p: ClaimsEvent = {};
        for (var k in props) p[k] = props[k];
        if (p.auto_release === undefined || p.auto_release === 'clear') p.auto_release = true;
        return this.claim(CLIENT_MANUAL, PRIORITY_MANUAL, p);
      case 'toggle':
        if (current) {
          this.release(CLIENT_MANUAL);
          return null;
        }
        return this.claim(CLIENT_MANUAL, PRIORITY_MANUAL, {
          state: this.wantState === 'active' ? 'disabled' : 'active',
          auto_release: true,
        });
      case 'clear':
        this.release(CLIENT_MANUAL);
        return null;
    }
    return 'unknown override action';
  }

  /** Config changes: `default_state`, `pause_uses_disabled`. */
  configure(opts: ClaimsOptions): void {
    if (opts.defaultState === 'active' || opts.defaultState === 'disabled') this.defaultState = opts.defaultState;
    if (opts.pauseUsesDisabled !== undefined && !!opts.pauseUsesDisabled !== this.pauseUsesDisabled) {
      this.pauseUsesDisabled = !!opts.pauseUsesDisabled;
      this.force = true; // an existing pause is switched to the other kind
    }
    this.step(0);
  }

  /**
   * Everything that makes the arbiter act goes through here (memory: one method, and bound once it
   * is also the one callback the monitor and the clock get). `e` says what happened:
   * - a number: the claims of that client changed (0: no claim did, the settings or the
   *   controller's limits did): new versions, new target, tell the listeners;
   * - an object: the monitor reports these changed status fields;
   * - null or a string: the reply to the command in flight (null, or the error, and the line);
   * - nothing: the timer ran out.
   * Then it sends the next command that brings the controller to the target, if any.
   */
  private step(e?: any, reply?: RapiLine): void {
    var now = this.clock.now();
    var m = this.monitor;
    var i: number;
    /** Whose claims changed, as for a number `e`; -1: the target stays as it is. */
    var client = typeof e === 'number' ? e : -1;
    if (e === undefined) {
      this.timer = null;
    } else if (e === null || typeof e === 'string') {
      var cmd = this.busy as string;
      this.busy = null;
      var isPilot = cmd.charAt(2) === 'C';
      if (e && (e !== RAPI_NK || !isPilot)) {
        // no answer, or the controller refused: try again later rather than hammer it (below:
        // retryAt is in the future, so the timer is armed for it and nothing is sent)
        this.log('warn', 'claims: ' + cmd + ' failed (' + e + '), retry in ' + this.retryMs / 1000 + ' s');
        this.retryAt = now + this.retryMs;
        this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
      } else {
        this.retryMs = RETRY_MS;
        if (isPilot) {
          var asked = parseInt(cmd.substr(4), 10);
          var amps = reply && reply.args.length ? parseInt(reply.args[0], 10) : asked;
          if (isNaN(amps)) amps = asked;
          this.adopted = amps;
          if (e || amps !== asked) {
            this.log('info', 'claims: controller clamped ' + asked + ' A to ' + amps + ' A');
            this.clampFor = asked;
            this.clampTo = amps;
            this.clampUntil = now + CLAMP_RETRY_MS;
          }
        } else {
          this.assumed = cmd === '$FE' ? 'active' : 'disabled';
          this.assumedUntil = now + VERIFY_MS;
          this.force = false; // until VERIFY_MS, then the status must show it or the command goes again
        }
      }
    } else if (typeof e === 'object') {
      var relevant = false;
      if (e.vehicle === 0) {
        // end of session: drop the claims that asked for it
        var dropped = 0;
        var manual = false;
        for (i = this.claims.length - 1; i >= 0; i--) {
          if (this.claims[i].auto_release) {
            if (this.claims[i].client === CLIENT_MANUAL) manual = true;
            this.claims.splice(i, 1);
            dropped++;
          }
        }
        if (dropped) {
          this.log('info', 'session ended: ' + dropped + ' auto-release claim(s) released');
          this.step(manual ? CLIENT_MANUAL : CLIENT_NULL);
        }
      }
      if (e.state !== undefined) {
        // the controller's own report replaces what we assumed from a reply
        this.assumed = null;
        if (e.state === STATE_STARTING) this.adopted = this.clampFor = -1; // booting or just enabled
        relevant = true;
      }
      if (e.pilot !== undefined) {
        this.adopted = -1;
        if (e.pilot !== this.clampTo) this.clampFor = -1;
        relevant = true;
      }
      // a new limit of the controller's: a new target
      if (e.max_current !== undefined) client = 0;
      else if (!relevant && e.evse_connected === undefined) return;
    }

    if (client >= 0) {
      // Work out the target.
      var sw: Claim | null = null;
      var cw: Claim | null = null;
      var mw: Claim | null = null;
      var state = this.defaultState;
      var man = 0;
      for (i = 0; i < this.claims.length; i++) {
        var c = this.claims[i];
        // strictly greater: on equal priority the older claim keeps the property, as in the reference
        if (c.state !== undefined && (!sw || c.priority > sw.priority)) {
          sw = c;
          state = c.state;
        }
        if (c.charge_current !== undefined && (!cw || c.priority > cw.priority)) cw = c;
        if (c.max_current !== undefined && (!mw || c.priority > mw.priority)) mw = c;
        if (c.client === CLIENT_MANUAL) man = 1;
      }
      var info = m.info;
      var pilot = info.max_current_soft > 0 ? info.max_current_soft : info.max_current_hard;
      var pw: Claim | null = null;
      if (mw && (mw.max_current as number) < pilot) {
        pilot = mw.max_current as number;
        pw = mw;
      }
      if (cw && (cw.charge_current as number) < pilot) {
        pilot = cw.charge_current as number;
        pw = cw;
      }
      if (pilot < info.min_current_hard) pilot = info.min_current_hard;
      this.stateWin = sw;
      this.chargeWin = cw;
      this.maxWin = mw;
      this.pilotWin = pw;
      this.wantPilot = pilot;
      // Tell the listeners what changed.
      var out: ClaimsEvent | null = null;
      if (state !== this.wantState) {
        this.wantState = state;
        out = { status: state };
      }
      if (man !== this.manual) {
        this.manual = man;
        if (!out) out = {};
        out.manual_override = man;
      }
      if (client) {
        if (!out) out = {};
        out.claims_version = ++this.version;
        if (client === CLIENT_MANUAL) out.override_version = ++this.overrideVersion;
      }
      if (out) for (i = 0; i < this.listeners.length; i++) this.listeners[i](out);
    }

    // Apply: send what differs, or arm the one timer to look again.
    if (this.busy) return; // the reply steps again
    now = this.clock.now(); // the listeners above may have taken a while
    /** When to look again (0: not needed). */
    var at = 0;
    var s = m.status;
    if (now < this.retryAt) at = this.retryAt;
    else if (!m.isReady() || s.state === STATE_STARTING) {
      // During boot, and between `$FE` and the controller's next update, the status says nothing
      // useful about the state: look again shortly.
      at = now + WAIT_MS;
    } else {
      if (this.assumed && now >= this.assumedUntil) this.assumed = null;
      if (this.clampFor >= 0 && now >= this.clampUntil) this.clampFor = -1;
      var want = this.wantState;
      var paused = s.state === STATE_SLEEPING || s.state === STATE_DISABLED;
      var stateOk = this.assumed ? this.assumed === want : paused === (want === 'disabled');
      if (stateOk && this.force && want === 'disabled' && !this.assumed)
        stateOk = s.state === (this.pauseUsesDisabled ? STATE_DISABLED : STATE_SLEEPING);
      var have = this.adopted >= 0 ? this.adopted : s.pilot;
      var pilotOk = have === this.wantPilot || (this.clampFor === this.wantPilot && have === this.clampTo);
      var send = '';
      // Lower or raise the current before enabling, so that charging starts at the new current;
      // pause before touching the current when pausing.
      if (!pilotOk && (stateOk || want === 'active')) send = '$SC ' + this.wantPilot + ' V';
      else if (!stateOk) send = want === 'active' ? '$FE' : this.pauseUsesDisabled ? '$FD' : '$FS';
      if (send) {
        this.busy = send;
        m.query(send, this.cb);
        return;
      }
      this.force = false;
      // look again when an assumption or an accepted clamp runs out
      if (this.assumed) at = this.assumedUntil;
      if (this.clampFor >= 0 && (!at || this.clampUntil < at)) at = this.clampUntil;
    }
    // the one timer, unless it is already due sooner
    if (at && (!this.timer || this.timerAt > at)) {
      if (this.timer) this.clock.clearTimeout(this.timer);
      this.timerAt = at;
      this.timer = this.clock.setTimeout(this.cb, at - now);
    }
  }
}
