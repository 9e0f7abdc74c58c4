// Keeps the status model in step with the controller: the boot sequence ($GV until it answers,
// then the settings queries), the polling schedule, re-sync when the controller reboots ($AB),
// and the status fields with the OpenEVSE gateway's names and units (ref/openevse-gateway.md §1.3).
import { Clock, Log } from '../../hal/types';
import { RapiClient, RAPI_NK } from '../rapi/client';
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
    var self = this;
    // Memory: the async messages are handled in this closure itself, not in a method it calls.
    rapi.onAsync = function (line) {
      var a = line.args;
      switch (line.kind) {
        case 'AT': // state pilot amps vflags
          self.applyState(parseInt(a[0], 16), parseInt(a[3], 16));
          self.update('pilot', parseInt(a[2], 10));
          self.flush();
          if (a[0] === '00') {
            // Only sent while the controller starts (its self-test follows, then $AB): it answers
            // nothing meanwhile, so there is nothing to ask.
            self.booted = false;
            break;
          }
          if (isError(self.status.state)) self.query('$GF');
          if (self.status.state !== STATE_CHARGING) self.query('$GG');
          self.query('$GS');
          break;
        case 'ST': // RAPI 4.x state transition: hex state, no flags
          self.applyState(parseInt(a[0], 16), self.status.flags);
          self.flush();
          self.query('$GS');
          break;
        case 'AB': // the controller has (re)booted: read everything again
          self.log('info', 'controller booted, firmware ' + a[1]);
          self.heartbeat = false;
          self.update('evse_connected', 0);
          self.flush();
          self.connect();
          break;
        default:
          self.log('debug', 'RAPI async ' + line.raw);
      }
    };
  }

  /** `fn` gets each batch of changed fields (the partial objects that /ws and MQTT publish). */
  onChange(fn: StatusListener): void {
    this.listeners.push(fn);
  }

  start(): void {
    var self = this;
    this.connect();
    this.ticker = this.clock.setInterval(function () {
      if (!self.booted) return;
      self.tick++;
      var charging = self.status.state === STATE_CHARGING;
      // A pulse answered `$NK` means one was missed (the controller fell back to its safe current):
      // acknowledge it so that the configured current comes back.
      if (self.heartbeat)
        self.query('$SY', function (err) {
          if (err === RAPI_NK) self.query('$SY 165');
        });
      if (charging) self.query('$GG');
      if (self.tick % SLOW_POLL_TICKS === 0) {
        self.query('$GS');
        self.query('$GP');
      }
      if (self.tick % (charging ? 5 : SLOW_POLL_TICKS) === 0) self.query('$GU');
    }, 1000);
  }

  stop(): void {
    this.clock.clearInterval(this.ticker);
    this.clock.clearTimeout(this.retry);
  }

  /** The voltage for power figures; the controller is told too (`$SV`, RAPI 5.1.3+), as in the reference. */
  setVoltage(volts: number): void {
    this.voltage = volts;
    this.update('voltage', volts);
    this.update('power', Math.round((this.status.amp * volts) / 1000));
    this.flush();
    if (this.booted) this.query('$SV ' + Math.round(volts * 1000));
  }

  /** New heartbeat settings (interval 0 turns supervision off). */
  setHeartbeat(interval: number, current: number): void {
    this.hbInterval = interval;
    this.hbCurrent = current;
    var self = this;
    if (this.booted)
      this.query('$SY ' + interval + ' ' + current, function (err) {
        self.heartbeat = !err && interval > 0;
      });
  }

  /** True once the controller has answered `$GV` and the settings have been read. */
  isReady(): boolean {
    return this.booted;
  }

  /** Sends a command and feeds its reply into the status model; `cb` is optional. */
  query(cmd: string, cb?: (err: string | null, reply?: RapiLine) => void): void {
    var self = this;
    this.rapi.send(cmd, function (err, reply) {
      // The replies the monitor asks for (formats in ref/rapi.md §2.3), parsed here rather than in
      // a method of their own (memory). Only `$SC` and `$SY` carry data in an `$NK`: the clamped
      // current, the heartbeat settings.
      var c = cmd.substr(0, 3);
      if (reply && (!err || c === '$SC' || c === '$SY')) {
        var a = reply.args;
        var info = self.info;
        var n0 = parseInt(a[0], 10);
        switch (c) {
          case '$SC': // the current the controller applied, clamped or not
            if (cmd.charAt(cmd.length - 1) !== 'M' && !isNaN(n0)) self.update('pilot', n0);
            break;
          case '$GV': // fwver rapiver
            info.firmware = a[0] || '';
            info.protocol = a[1] || '';
            var v = info.protocol.split('.');
            info.protocolNum = (parseInt(v[0], 10) || 0) * 1000 + (parseInt(v[1], 10) || 0) * 100 + (parseInt(v[2], 10) || 0);
            break;
          case '$GS': // 5.x: state(hex) elapsed pilot vflags; 4.x: state(decimal) elapsed
            if (a[0] === '00' || a[0] === '0') break; // "starting": nothing to learn (as the reference)
            if (info.protocolNum >= 5000) self.applyState(parseInt(a[0], 16), parseInt(a[3], 16));
            else self.applyState(n0, self.status.flags);
            self.update('elapsed', parseInt(a[1], 10) || 0);
            self.update('session_elapsed', self.status.elapsed);
            break;
          case '$GG': // mA mV
            var mA = n0 > 0 && self.status.state === STATE_CHARGING ? n0 : 0;
            self.update('amp', mA);
            self.update('power', Math.round((mA * self.voltage) / 1000));
            break;
          case '$GU': // session Ws, lifetime Wh
            var ws = n0 || 0;
            var wh = parseInt(a[1], 10) || 0;
            // (the controller's counters; the session and total energies come from the energy meter)
            self.update('wattsec', ws);
            self.update('watthour', wh);
            break;
          case '$GC': // 5.1+: min hmax pilot cmax; 5.0: min max pilot; 4.x: min max
            info.min_current_hard = n0;
            info.max_current_hard = parseInt(a[1], 10);
            if (a.length >= 3) self.update('pilot', parseInt(a[2], 10));
            info.max_current_soft = parseInt(a[a.length >= 4 ? 3 : 1], 10);
            self.update('max_current', info.max_current_soft);
            break;
          case '$GE': // amps flags(hex)
            info.flags = parseInt(a[1], 16);
            self.update('pilot', n0);
            self.update('service_level', info.flags & ECF_L2 ? 2 : 1);
            break;
          case '$GF': // gfi nognd stuck, hex
            self.update('gfcicount', parseInt(a[0], 16));
            self.update('nogndcount', parseInt(a[1], 16));
            self.update('stuckcount', parseInt(a[2], 16));
            break;
          case '$GP': // three sensors in tenths of °C; -2560 = absent
            var max: any = false;
            for (var i = 0; i < 3; i++) {
              var t = parseInt(a[i], 10);
              var valid = !isNaN(t) && t !== TEMP_ABSENT;
              self.update('temp' + (i + 1), valid ? t : false);
              if (valid && (max === false || t > max)) max = t;
            }
            self.update('temp', max);
            if (max !== false && (self.status.temp_max === false || max > self.status.temp_max)) self.update('temp_max', max);
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
        }
      } else if (!reply && err && err !== RAPI_NK) self.log('warn', cmd + ': ' + err);
      self.update('rapi_connected', self.rapi.connected ? 1 : 0);
      self.update('comm_sent', self.rapi.sent);
      self.update('comm_success', self.rapi.success);
      self.flush();
      if (cb) cb(err, reply);
    });
  }

  private connect(): void {
    var self = this;
    var attempt = ++this.attempt;
    this.booted = false;
    this.clock.clearTimeout(this.retry);
    this.query('$GV', function (err) {
      if (attempt !== self.attempt) return; // the controller rebooted meanwhile: a newer attempt runs
      if (err) {
        self.retry = self.clock.setTimeout(function () {
          self.connect();
        }, CONNECT_RETRY_MS);
        return;
      }
      // the settings queries of the reference gateway's evseBoot(), then the live values
      var cmds = ['$GF', '$GE', '$GC', '$GA', '$GI', '$GS', '$GP', '$GU', '$GG'];
      for (var i = 0; i < cmds.length; i++) self.query(cmds[i]);
      if (self.hbInterval) {
        // Trigger 2 in `interval current trigger` means a pulse was missed while the gateway was
        // away and the controller fell back to its safe current: acknowledge it before configuring
        // (configuring clears the trigger without restoring the current).
        self.query('$GY', function (err, reply) {
          if (!err && reply && reply.args[2] === '2') self.query('$SY 165');
        });
        self.query('$SY ' + self.hbInterval + ' ' + self.hbCurrent, function (err) {
          self.heartbeat = !err;
        });
      }
      if (self.voltage !== 240) self.query('$SV ' + Math.round(self.voltage * 1000));
      self.query('$GV', function (err) {
        if (err || attempt !== self.attempt) return;
        self.booted = true;
        self.update('evse_connected', 1);
        self.flush();
      });
    });
  }

  private applyState(state: number, vflags: number): void {
    if (isNaN(state)) return;
    var vehicle = vflags & VFLAG_EV_CONNECTED ? 1 : 0;
    this.update('state', state);
    if (!isNaN(vflags)) {
      this.update('flags', vflags);
      this.update('vehicle', vehicle);
    }
    this.update('colour', stateColour(state, this.status.vehicle === 1));
    if (state !== STATE_CHARGING) {
      this.update('amp', 0);
      this.update('power', 0);
    }
  }

  private update(key: string, value: any): void {
    if (this.status[key] === value) return;
    this.status[key] = value;
    if (!this.changes) this.changes = {};
    this.changes[key] = value;
  }

  private flush(): void {
    var c = this.changes;
    if (!c) return;
    this.changes = null;
    for (var i = 0; i < this.listeners.length; i++) this.listeners[i](c);
  }
}
