// Eco mode and charge planning, attached to a gateway: solar divert, current shaper, weekly
// timers, charge limits, energy meter and event log. A separate composition step because it does
// not fit the ESP32's 4,000 JsVars yet beside the rest (its classes' methods alone cost ~1,500);
// the Node entry attaches it, the ESP32 image will once its memory work is done (issue #7).
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

  constructor(private gw: Gateway) {
    var hal = gw.hal;
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
    var publish = function (c: Status) {
      gw.publish(c);
    };
    this.divert.onChange(publish);
    this.shaper.onChange(publish);
    this.meter.onChange = publish;
    this.scheduler.onChange = publish;
    this.limits.onChange = publish;
  }

  /** The monitor for handlers that need it (/emeter import). */
  get monitor() {
    return this.gw.monitor;
  }

  start(): void {
    this.divert.evse(this.gw.monitor.status);
    this.divert.start();
    this.shaper.start();
    this.scheduler.update();
  }

  /** Feeds the controller's changes to the parts that follow it; logs state changes. */
  monitorChanged(c: Status): void {
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
  }

  configChanged(changed: string[]): void {
    var config = this.gw.config;
    for (var i = 0; i < changed.length; i++) {
      switch (changed[i]) {
        case 'time_zone':
          this.tz.set(config.get('time_zone'));
          this.scheduler.update();
          break;
        case 'scheduler_start_window':
          this.scheduler.setWindow(config.get('scheduler_start_window'));
          break;
        case 'limit_default_type':
        case 'limit_default_value':
          this.limits.setDefault(config.get('limit_default_type'), config.get('limit_default_value'));
          break;
        case 'is_threephase':
          this.meter.setThreePhase(config.get('is_threephase'));
          break;
      }
    }
    // divert and shaper read only their own keys (and is_threephase) from the whole set
    var all = config.getAll(false);
    this.divert.configure(all);
    this.shaper.configure(all);
  }

  /** Adds this part's fields to a status document. */
  status(doc: Status): void {
    var parts = [this.meter.fields(), this.scheduler.statusFields(), this.limits.statusFields(), this.divert.statusFields(), this.shaper.statusFields()];
    for (var i = 0; i < parts.length; i++) for (var k in parts[i]) doc[k] = parts[i][k];
  }

  /** A feed from POST /status (or MQTT): true when this part took it. */
  feed(key: string, value: number): boolean {
    if (key === 'solar' || key === 'grid_ie') {
      this.divert.update(key, value);
      // emoncms logs every divert update, the divert fields as the payload (ref §3)
      if (this.gw.emoncms) this.gw.emoncms.divertUpdate(this.divert.statusFields());
    } else if (key === 'shaper_live_pwr') this.shaper.update(value);
    else return false;
    return true;
  }
}
