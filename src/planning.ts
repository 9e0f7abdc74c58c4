// Eco mode and charge planning, attached to a gateway: solar divert, current shaper, weekly
// timers, charge limits, energy meter and event log. A separate composition step: the ESP32 image
// defines it only when it fits (a lazy feature, ~960 JsVars measured: about 600 for the parts'
// ~50 function objects, each with its own copy of the scope chain, the rest their data and
// timers), the Node entry always attaches it.
import type { Gateway } from './app';
import { Status } from './core/evse/monitor';
import { DivertController } from './core/divert/controller';
import { CurrentShaper } from './core/divert/shaper';
import { Tz } from './core/time/tz';
import { Scheduler } from './core/schedule/scheduler';
import { LimitManager } from './core/schedule/limits';
import { EnergyMeter } from './core/evse/energy-meter';
import { EventLog } from './core/evse/event-log';

export class Planning {
  divert: DivertController;
  shaper: CurrentShaper;
  tz: Tz;
  meter: EnergyMeter;
  scheduler: Scheduler;
  limits: LimitManager;
  eventLog: EventLog;
  /** The monitor for handlers that need it (/emeter import). */
  monitor: Gateway['monitor'];

  constructor(public gw: Gateway) {
    var hal = gw.hal;
    this.monitor = gw.monitor;
    var config = gw.config.getAll(false);
    this.divert = new DivertController(hal.clock, gw.claims);
    this.divert.configure(config);
    this.shaper = new CurrentShaper(hal.clock, gw.claims);
    this.shaper.configure(config);
    this.tz = new Tz(config.time_zone);
    this.meter = new EnergyMeter(gw.monitor, hal.clock, this.tz, hal.storage, { threePhase: config.is_threephase });
    this.scheduler = new Scheduler(gw.claims, hal.clock, this.tz, hal.storage, { window: config.scheduler_start_window });
    this.limits = new LimitManager(gw.claims, gw.monitor, hal.clock, this.meter, gw.external);
    this.limits.setDefault(config.limit_default_type, config.limit_default_value);
    this.eventLog = new EventLog(hal.storage, hal.clock);
    // bound, not a closure: a closure here would keep this constructor's scope, the whole config
    // document (~250 JsVars), alive for good
    var publish = gw.publish.bind(gw);
    this.divert.listener = this.shaper.listener = publish;
    this.meter.onChange = publish;
    this.scheduler.onChange = publish;
    this.limits.onChange = publish;
  }

  declare start: () => void;

  /** Feeds the controller's changes to the parts that follow it; logs state changes. */
  declare monitorChanged: (c: Status) => void;

  declare configChanged: (changed: string[]) => void;

  /** Adds this part's fields to a status document. */
  declare status: (doc: Status) => void;

  /** A feed from POST /status (or MQTT): true when this part took it. */
  declare feed: (key: string, value: number) => boolean;
}

// The methods are put on the prototype here rather than written in the class: an ES5 class
// compiles to a wrapper function, and on the device each function made inside it costs one more
// JsVar (its own copy of the scope chain). Members once private are public for the same reason.
Planning.prototype.start = function (this: Planning): void {
  this.divert.evse(this.gw.monitor.status);
  this.divert.start();
  this.shaper.start();
  this.scheduler.update();
};

Planning.prototype.monitorChanged = function (this: Planning, c: Status): void {
  var gw = this.gw;
  var s = gw.monitor.status;
  var info = gw.monitor.info;
  this.divert.evse(c);
  this.divert.limits(info.min_current_hard, info.max_current_hard);
  this.shaper.evse(c);
  this.shaper.limits(info.min_current_hard, info.max_current_soft || info.max_current_hard);
  if (c.evse_connected === 1) {
    // The controller's own delay timer would pause it behind the arbiter's back: the scheduler
    // does that job, so the controller's is switched off once it is connected.
    gw.monitor.query('$ST 0 0 0 0');
  }
  if (c.state !== undefined) {
    this.eventLog.add({
      managerState: gw.claims.wantState,
      evseState: c.state,
      evseFlags: s.flags,
      pilot: s.pilot,
      energy: this.meter.session,
      elapsed: s.session_elapsed,
      temperature: s.temp === false ? false : s.temp / 10,
      temperatureMax: s.temp_max === false ? false : s.temp_max / 10,
      divertMode: gw.config.get('charge_mode') === 'eco' ? 2 : 1,
      shaper: this.shaper.statusFields().shaper,
    } as any);
  }
};

Planning.prototype.configChanged = function (this: Planning, changed: string[]): void {
  var config = this.gw.config;
  for (var i = 0; i < changed.length; i++) {
    switch (changed[i]) {
      case 'time_zone':
        this.tz.set(config.get('time_zone'));
        this.scheduler.update();
        break;
      case 'scheduler_start_window':
        this.scheduler.window = config.get('scheduler_start_window') > 0 ? config.get('scheduler_start_window') : 0;
        this.scheduler.update();
        break;
      case 'limit_default_type':
      case 'limit_default_value':
        this.limits.setDefault(config.get('limit_default_type'), config.get('limit_default_value'));
        break;
      case 'is_threephase':
        this.meter.changed(null); // the energy so far at the old power
        this.meter.three = config.get('is_threephase');
        break;
    }
  }
  // divert and shaper read only their own keys (and is_threephase) from the whole set
  var all = config.getAll(false);
  this.divert.configure(all);
  this.shaper.configure(all);
};

Planning.prototype.status = function (this: Planning, doc: Status): void {
  var parts = [this.meter.fields(), this.scheduler.statusFields(), this.limits.statusFields(), this.divert.statusFields(), this.shaper.statusFields()];
  for (var i = 0; i < parts.length; i++) for (var k in parts[i]) doc[k] = parts[i][k];
};

Planning.prototype.feed = function (this: Planning, key: string, value: number): boolean {
  if (key === 'solar' || key === 'grid_ie') {
    this.divert.update(key, value);
    // emoncms logs every divert update, the divert fields as the payload (ref §3)
    if (this.gw.emoncms) this.gw.emoncms.divertUpdate(this.divert.statusFields());
  } else if (key === 'shaper_live_pwr') this.shaper.update(value);
  else return false;
  return true;
};
