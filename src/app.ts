// Composition root: builds the whole gateway from one HAL object. The only place that knows
// how the parts fit together; the entry points in main/ only pick a HAL.
import { Hal } from './hal/types';
import { RapiClient } from './core/rapi/client';
import { EvseMonitor, Status } from './core/evse/monitor';
import { createRouter } from './http/router';

/** The gateway's own version, reported in /config (client libraries gate features on it). */
export var VERSION = '5.0.0';

export interface GatewayOptions {
  httpPort: number;
  /** Milliseconds to wait for each RAPI reply. */
  rapiTimeoutMs?: number;
}

export class Gateway {
  rapi: RapiClient;
  monitor: EvseMonitor;
  private startedAt: number;

  constructor(public hal: Hal, private opts: GatewayOptions) {
    this.rapi = new RapiClient(hal.serial, hal.clock, hal.log, { timeoutMs: opts.rapiTimeoutMs });
    this.monitor = new EvseMonitor(this.rapi, hal.clock, hal.log);
    this.startedAt = hal.clock.now();
  }

  start(): void {
    this.monitor.start();
    this.hal.http.listen(this.opts.httpPort, createRouter(this));
    this.hal.log('info', 'HTTP on port ' + this.opts.httpPort);
  }

  statusDocument(): Status {
    var now = this.hal.clock.now();
    var doc: Status = {};
    var s = this.monitor.status;
    for (var k in s) doc[k] = s[k];
    doc.time = new Date(now).toISOString().substr(0, 19) + 'Z';
    doc.uptime = Math.floor((now - this.startedAt) / 1000);
    return doc;
  }

  configDocument(): Status {
    var info = this.monitor.info;
    var doc: Status = {
      version: VERSION,
      firmware: info.firmware,
      protocol: '-',
      evse_serial: info.serial,
      min_current_hard: info.min_current_hard,
      max_current_hard: info.max_current_hard,
      max_current_soft: info.max_current_soft,
      service: this.monitor.status.service_level,
      scale: info.scale,
      offset: info.offset,
      heartbeat_interval: info.heartbeat_interval,
      heartbeat_current: info.heartbeat_current,
    };
    var checks = this.monitor.checks();
    for (var k in checks) doc[k] = checks[k];
    return doc;
  }
}
