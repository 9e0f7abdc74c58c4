// Keeps the status model in step with the controller: the boot sequence ($GV until it answers,
// then the settings queries), the polling schedule, re-sync when the controller reboots ($AB),
// and the status fields with the OpenEVSE gateway's names and units (ref/openevse-gateway.md §1.3).
import { Clock, Log } from '../../hal/types';
import { RapiClient, RapiCallback, RAPI_NK } from '../rapi/client';
import { RapiLine } from '../rapi/framing';
import {
  STATE_CHARGING,
  VFLAG_EV_CONNECTED,
  ECF_L2,
  isError,
  stateColour,
} from './states';

/** Status fields: a plain object, so that /status, /ws and MQTT can send it as it is. */
export type Status = { [key: string]: any };
export type StatusListener = (changes: Status) => void;

/** What the controller reports about itself, for /config. */
export interface ControllerInfo {
  firmware: string;
  protocol: string;
  /** Protocol as a number: 5.2.1 → 5201. */
  protocolNum: number;
  serial: string;
  flags: number;
  min_current_hard: number;
  max_current_hard: number;
  max_current_soft: number;
  scale: number;
  offset: number;
  heartbeat_interval: number;
  heartbeat_current: number;
}

export interface MonitorOptions {
  /** Voltage for power (the gateway ignores the controller's $GG voltage, like the reference). */
  voltage?: number;
  /** Heartbeat supervision: the controller falls back to `heartbeatCurrent` A if pulses stop. */
  heartbeatInterval?: number;
  heartbeatCurrent?: number;
}

/** How often the idle queries run, in 1-second ticks. */
var SLOW_POLL_TICKS = 30;
/** Seconds between `$GV` attempts while the controller does not answer. */
var CONNECT_RETRY_MS = 5000;
var TEMP_ABSENT = -2560;

export class EvseMonitor {
  status: Status;
  info: ControllerInfo;
  private listeners: StatusListener[] = [];
  private changes: Status | null = null;
  private tick = 0;
  private ticker: any = null;
  private retry: any = null;
  private booted = false;
  /** Counts connection attempts, so that the answer to an older attempt is ignored. */
  private attempt = 0;
  private heartbeat = false;
  private voltage: number;
  private hbInterval: number;
  private hbCurrent: number;
  /** step(), bound once: the async handler, the poll timer's function, the own commands' reply handler. */
  private cb: (e?: any, reply?: RapiLine, cmd?: string) => void;

  constructor(private rapi: RapiClient, private clock: Clock, private log: Log, opts?: MonitorOptions) {
    opts = opts || {};
    this.voltage = opts.voltage || 240;
    this.hbInterval = opts.heartbeatInterval === undefined ? 5 : opts.heartbeatInterval;
    this.hbCurrent = opts.heartbeatCurrent || 6;
    this.status = {
      evse_connected: 0,
      rapi_connected: 0,
      comm_sent: 0,
      comm_success: 0,
      amp: 0,
      voltage: this.voltage,
      power: 0,
      pilot: 0,
      max_current: 0,
      temp: false,
      temp_max: false,
      temp1: false,
      temp2: false,
      temp3: false,
      state: 0,
      flags: 0,
      vehicle: 0,
      colour: 7,
      elapsed: 0,
      session_elapsed: 0,
      wattsec: 0,
      watthour: 0,
      gfcicount: 0,
      nogndcount: 0,
      stuckcount: 0,
      service_level: 0,
    };
    this.info = {
      firmware: '',
      protocol: '',
      protocolNum: 0,
      serial: '',
      flags: 0,
      min_current_hard: 6,
      max_current_hard: 80,
      max_current_soft: 0,
      scale: 0,
      offset: 0,
      heartbeat_interval: 0,
      heartbeat_current: 0,
    };
    // Memory: one bound function for everything that calls back, instead of a closure each.
    this.cb = this.step.bind(this);
    rapi.onAsync = this.cb;
  }

  /** `fn` gets each batch of changed fields (the partial objects that /ws and MQTT publish). */
  onChange(fn: StatusListener): void {
    this.listeners.push(fn);
  }

  start(): void {
    this.connect();
    this.ticker = this.clock.setInterval(this.cb, 1000);
  }

  stop(): void {
    this.clock.clearInterval(this.ticker);
    this.clock.clearTimeout(this.retry);
  }

  /** The voltage for power figures; the controller is told too (`$SV`, RAPI 5.1.3+), as in the reference. */
  setVoltage(volts: number): void {
    this.voltage = volts;
    this.put('voltage', volts);
    this.put('power', Math.round((this.status.amp * volts) / 1000));
    this.put(); // publish
    if (this.booted) this.query('$SV ' + Math.round(volts * 1000));
  }

  /** New heartbeat settings (interval 0 turns supervision off). */
  setHeartbeat(interval: number, current: number): void {
    this.hbInterval = interval;
    this.hbCurrent = current;
    if (this.booted) this.query('$SY ' + interval + ' ' + current); // step() notes the answer
  }

  /** True once the controller has answered `$GV` and the settings have been read. */
  isReady(): boolean {
    return this.booted;
  }

  /** Sends a command and feeds its reply into the status model; `cb` is optional. */
  query(cmd: string, cb?: RapiCallback): void {
    var self = this;
    // Memory: the reply to the monitor's own command goes straight to step(); only a caller's
    // callback needs a closure, alive until the reply.
    this.rapi.send(
      cmd,
      cb
        ? function (err, reply) {
            self.step(err, reply, cmd);
            (cb as RapiCallback)(err, reply);
          }
        : this.cb
    );
  }

  private connect(): void {
    var self = this;
    var attempt = ++this.attempt;
    this.booted = false;
    this.clock.clearTimeout(this.retry);
    // (the two `$GV` need closures: they must know their attempt; they live only while booting)
    this.query('$GV', function (err) {
      if (attempt !== self.attempt) return; // the controller rebooted meanwhile: a newer attempt runs
      if (err) {
        // bound rather than a closure, which would keep this scope alive while it waits
        self.retry = self.clock.setTimeout(self.connect.bind(self), CONNECT_RETRY_MS);
        return;
      }
      // the settings queries of the reference gateway's evseBoot(), then the live values
      var cmds = ['$GF', '$GE', '$GC', '$GA', '$GI', '$GS', '$GP', '$GU', '$GG'];
      for (var i = 0; i < cmds.length; i++) self.query(cmds[i]);
      if (self.hbInterval) {
        // step() acknowledges a missed pulse the `$GY` reports and notes whether `$SY` took
        self.query('$GY');
        self.query('$SY ' + self.hbInterval + ' ' + self.hbCurrent);
      }
      if (self.voltage !== 240) self.query('$SV ' + Math.round(self.voltage * 1000));
      self.query('$GV', function (err) {
        if (err || attempt !== self.attempt) return;
        self.booted = true;
        self.put('evse_connected', 1);
        self.put(); // publish
      });
    });
  }

  /**
   * Everything the monitor reacts to comes through here (memory: one method; bound once, it is
   * also the RAPI client's async handler, the poll timer's function and the reply handler of the
   * monitor's own commands):
   * - nothing: the 1-second poll tick;
   * - `cmd` given: the reply to it (`e` null, or the error; as RapiCallback);
   * - else `e` is an asynchronous message ($AT, $ST, $AB...).
   * The status fields that change are published once, at the end, before the commands that follow.
   */
  private step(e?: any, reply?: RapiLine, cmd?: string): void {
    var s = this.status;
    var info = this.info;
    if (e === undefined) {
      // the poll tick
      if (!this.booted) return;
      this.tick++;
      var charging = s.state === STATE_CHARGING;
      if (this.heartbeat) this.query('$SY'); // a pulse (its `$NK`: below)
      if (charging) this.query('$GG');
      if (this.tick % SLOW_POLL_TICKS === 0) {
        this.query('$GS');
        this.query('$GP');
      }
      if (this.tick % (charging ? 5 : SLOW_POLL_TICKS) === 0) this.query('$GU');
      return;
    }
    var isReply = cmd !== undefined;
    /**
     * What to read: the async message's kind ('AT'), or the command answered ('$GS') when its
     * reply carries data (formats in ref/rapi.md §2.3: `$OK`; in an `$NK` only `$SC` and `$SY`
     * carry some, the clamped current, the heartbeat settings); '' for nothing.
     */
    var kind = '';
    var a: string[] = [];
    if (!isReply) {
      kind = e.kind;
      a = e.args;
    } else {
      var c = (cmd as string).substr(0, 3);
      if (reply && (!e || c === '$SC' || c === '$SY')) {
        kind = c;
        a = reply.args;
      } else if (!reply && e && e !== RAPI_NK) this.log('warn', cmd + ': ' + e);
    }
    // the `$GS` of a controller that is starting: nothing to learn (as the reference)
    if (kind === '$GS' && (a[0] === '00' || a[0] === '0')) kind = '';
    var n0 = parseInt(a[0], 10);

    // A new state ($AT, 4.x $ST, the reply to `$GS`: 5.x hex with vflags, 4.x decimal) first.
    var state = NaN;
    var vflags = s.flags;
    if (kind === 'AT' || (kind === '$GS' && info.protocolNum >= 5000)) {
      state = parseInt(a[0], 16);
      vflags = parseInt(a[3], 16);
    } else if (kind === 'ST') state = parseInt(a[0], 16);
    else if (kind === '$GS') state = n0;
    if (!isNaN(state)) {
      this.put('state', state);
      if (!isNaN(vflags)) {
        this.put('flags', vflags);
        this.put('vehicle', vflags & VFLAG_EV_CONNECTED ? 1 : 0);
      }
      this.put('colour', stateColour(state, s.vehicle === 1));
      if (state !== STATE_CHARGING) {
        this.put('amp', 0);
        this.put('power', 0);
      }
    }

    // The other fields.
    switch (kind) {
      case 'AT': // state pilot amps vflags
        this.put('pilot', parseInt(a[2], 10));
        break;
      case 'ST': // RAPI 4.x state transition: hex state, no flags
        break;
      case 'AB': // the controller has (re)booted: read everything again (below)
        this.log('info', 'controller booted, firmware ' + a[1]);
        this.heartbeat = false;
        this.put('evse_connected', 0);
        break;
      case '$SC': // the current the controller applied, clamped or not
        if ((cmd as string).charAt((cmd as string).length - 1) !== 'M' && !isNaN(n0)) this.put('pilot', n0);
        break;
      case '$GV': // fwver rapiver
        info.firmware = a[0] || '';
        info.protocol = a[1] || '';
        var v = info.protocol.split('.');
        info.protocolNum = (parseInt(v[0], 10) || 0) * 1000 + (parseInt(v[1], 10) || 0) * 100 + (parseInt(v[2], 10) || 0);
        break;
      case '$GS': // state(5.x hex, 4.x decimal: above) elapsed [pilot vflags]
        this.put('elapsed', parseInt(a[1], 10) || 0);
        this.put('session_elapsed', s.elapsed);
        break;
      case '$GG': // mA mV
        var mA = n0 > 0 && s.state === STATE_CHARGING ? n0 : 0;
        this.put('amp', mA);
        this.put('power', Math.round((mA * this.voltage) / 1000));
        break;
      case '$GU': // session Ws, lifetime Wh
        // (the controller's counters; the session and total energies come from the energy meter)
        this.put('wattsec', n0 || 0);
        this.put('watthour', parseInt(a[1], 10) || 0);
        break;
      case '$GC': // 5.1+: min hmax pilot cmax; 5.0: min max pilot; 4.x: min max
        info.min_current_hard = n0;
        info.max_current_hard = parseInt(a[1], 10);
        if (a.length >= 3) this.put('pilot', parseInt(a[2], 10));
        info.max_current_soft = parseInt(a[a.length >= 4 ? 3 : 1], 10);
        this.put('max_current', info.max_current_soft);
        break;
      case '$GE': // amps flags(hex)
        info.flags = parseInt(a[1], 16);
        this.put('pilot', n0);
        this.put('service_level', info.flags & ECF_L2 ? 2 : 1);
        break;
      case '$GF': // gfi nognd stuck, hex
        this.put('gfcicount', parseInt(a[0], 16));
        this.put('nogndcount', parseInt(a[1], 16));
        this.put('stuckcount', parseInt(a[2], 16));
        break;
      case '$GP': // three sensors in tenths of °C; -2560 = absent
        var max: any = false;
        for (var i = 0; i < 3; i++) {
          var t = parseInt(a[i], 10);
          var valid = !isNaN(t) && t !== TEMP_ABSENT;
          this.put('temp' + (i + 1), valid ? t : false);
          if (valid && (max === false || t > max)) max = t;
        }
        this.put('temp', max);
        if (max !== false && (s.temp_max === false || max > s.temp_max)) this.put('temp_max', max);
        break;
      case '$GA': // ammeter scale offset
        info.scale = n0;
        info.offset = parseInt(a[1], 10);
        break;
      case '$GI': // the payload starts with an extra space, so the first token is empty
        info.serial = a[a.length - 1] || '';
        break;
      case '$GY':
      case '$SY': // interval current trigger (a bare pulse answers without them)
        if (a.length < 2) break;
        info.heartbeat_interval = n0;
        info.heartbeat_current = parseInt(a[1], 10);
        break;
      default:
        if (!isReply) this.log('debug', 'RAPI async ' + e.raw);
    }
    if (isReply) {
      this.put('rapi_connected', this.rapi.connected ? 1 : 0);
      this.put('comm_sent', this.rapi.sent);
      this.put('comm_success', this.rapi.success);
    }
    this.put(); // publish

    // What follows, now that the listeners know.
    if (!isReply) {
      if (kind === 'AT') {
        if (a[0] === '00') {
          // Only sent while the controller starts (its self-test follows, then $AB): it answers
          // nothing meanwhile, so there is nothing to ask.
          this.booted = false;
          return;
        }
        if (isError(s.state)) this.query('$GF');
        if (s.state !== STATE_CHARGING) this.query('$GG');
      }
      if (kind === 'AT' || kind === 'ST') this.query('$GS');
      if (kind === 'AB') this.connect();
      return;
    }
    // The heartbeat (only the monitor sends `$SY` and `$GY`). A pulse answered `$NK`, or trigger 2
    // in the `$GY` at boot, means a pulse was missed (the controller fell back to its safe
    // current): acknowledge it so that the configured current comes back (configuring clears the
    // trigger without restoring the current). `$SY interval current`: supervision is on if it took.
    if (cmd === '$SY' ? e === RAPI_NK : cmd === '$GY' && !e && reply && reply.args[2] === '2') this.query('$SY 165');
    var sy = (cmd as string).split(' ');
    if (sy.length === 3 && sy[0] === '$SY') this.heartbeat = !e && +sy[1] > 0;
  }

  /**
   * Records a status field that changed; with no field, publishes those recorded to the listeners
   * (memory: one method for both).
   */
  private put(key?: string, value?: any): void {
    var c = this.changes;
    if (key === undefined) {
      if (!c) return;
      this.changes = null;
      for (var i = 0; i < this.listeners.length; i++) this.listeners[i](c);
      return;
    }
    if (this.status[key] === value) return;
    this.status[key] = value;
    if (!c) c = this.changes = {};
    c[key] = value;
  }
}
