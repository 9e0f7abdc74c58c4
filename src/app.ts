// Composition root: builds the whole gateway from one HAL object. The only place that knows
// how the parts fit together; the entry points in main/ only pick a HAL.
import { Hal } from './hal/types';
import { RapiClient } from './core/rapi/client';
import { EvseMonitor, Status } from './core/evse/monitor';
import { ClaimsArbiter } from './core/evse/claims';
import { ConfigStore } from './core/config/store';
import { WsHub } from './http/websocket';
import { BasicAuth } from './http/auth';
import type { Planning } from './planning';
import type { MqttService } from './services/mqtt/service';
import type { EmoncmsService } from './services/emoncms';
import type { OhmConnectService } from './services/ohmconnect';
import type { SntpService } from './services/sntp';
import type { TeslaService } from './services/tesla';
import type { PowerHistory } from './core/history';
import type { WifiManager } from './services/wifi-manager';
import { ButtonHold } from './core/button';
import {
  ECF_DIODE_CHK_DISABLED,
  ECF_VENT_REQ_DISABLED,
  ECF_GND_CHK_DISABLED,
  ECF_STUCK_RELAY_CHK_DISABLED,
  ECF_GFI_TEST_DISABLED,
  ECF_TEMP_CHK_DISABLED,
  ECF_BUTTON_DISABLED,
} from './core/evse/states';
import { createRouter } from './http/router';
import type * as Routes from './http/routes';
import { localTimeFields } from './core/time/time-set';
import { pushTimeToController } from './core/time/time-set';

/** The gateway's own version, reported in /config (client libraries gate features on it). */
export var VERSION = '5.0.0';

export interface GatewayOptions {
  /** Overrides the configured `www_http_port` (the Node command line's --port). */
  httpPort?: number;
  /** Milliseconds to wait for each RAPI reply. */
  rapiTimeoutMs?: number;
  /** Requests answered at once (default MAX_REQUESTS in http/router.ts); the device allows fewer. */
  maxRequests?: number;
  /** The routes asked for now and then (http/routes.ts): on the device defined for each request. */
  loadRoutes: () => typeof Routes;
}

export class Gateway {
  config: ConfigStore;
  rapi: RapiClient;
  monitor: EvseMonitor;
  claims: ClaimsArbiter;
  ws: WsHub;
  auth: BasicAuth;
  /** Eco mode and charge planning, when attached (src/planning.ts); null in the ESP32 image for now. */
  planning: Planning | null = null;
  /** MQTT status and control, when attached (src/services/mqtt/service.ts); null in the ESP32 image for now. */
  mqtt: MqttService | null = null;
  /** Emoncms logging and OhmConnect, when attached (on the device: when turned on and they fit). */
  emoncms: EmoncmsService | null = null;
  ohm: OhmConnectService | null = null;
  /** The SNTP client (src/services/sntp.ts), when attached. */
  sntp: SntpService | null = null;
  /** Tesla vehicle data (src/services/tesla.ts), when attached. */
  tesla: TeslaService | null = null;
  /** Power over the last hours for the UI's chart (src/core/history.ts, GET /history), when attached. */
  history: PowerHistory | null = null;
  /** WiFi provisioning and the station link (src/services/wifi-manager.ts), where the host has a radio. */
  wifi: WifiManager | null = null;
  /** Values pushed from outside (POST /status, later MQTT): vehicle data, home battery, ... */
  external: Status = {};
  private startedAt: number;

  constructor(public hal: Hal, public opts: GatewayOptions) {
    var self = this;
    this.config = new ConfigStore(hal.storage, hal.system.id());
    this.rapi = new RapiClient(hal.serial, hal.clock, hal.log, { timeoutMs: opts.rapiTimeoutMs });
    var cv = this.config.get('voltage');
    this.monitor = new EvseMonitor(this.rapi, hal.clock, hal.log, {
      // `voltage` is in centivolts, 0 meaning the default 240 V
      voltage: cv > 0 ? cv / 100 : 240,
      heartbeatInterval: this.config.get('heartbeat_interval'),
      heartbeatCurrent: this.config.get('heartbeat_current'),
    });
    this.claims = new ClaimsArbiter(this.monitor, hal.clock, hal.log, {
      defaultState: this.config.get('default_state') ? 'active' : 'disabled',
      pauseUsesDisabled: this.config.get('pause_uses_disabled'),
    });
    this.ws = new WsHub(hal.http, hal.crypto, hal.clock);
    this.ws.onOpen = function (c) {
      self.ws.send(c, self.statusDocument());
    };
    this.auth = new BasicAuth(hal.clock);
    this.claims.onChange(function (c) {
      self.publish(c);
    });
    // the controller's status changed: tell the clients and the parts that follow it
    this.monitor.onChange(function (c) {
      if (self.planning) self.planning.monitorChanged(c);
      self.publish(c);
    });
    this.startedAt = hal.clock.now();
  }

  start(): void {
    var port = this.opts.httpPort === undefined ? this.config.get('www_http_port') : this.opts.httpPort;
    this.monitor.start();
    if (this.planning) this.planning.start();
    this.hal.http.listen(port, createRouter(this));
    if (this.mqtt) this.mqtt.start();
    if (this.emoncms) this.emoncms.start();
    if (this.ohm) this.ohm.start();
    if (this.sntp) this.sntp.start();
    if (this.tesla) this.tesla.start();
    if (this.history) this.history.start(this.monitor.status);
    if (this.wifi) this.wifi.start();
    var button = this.hal.button;
    if (button) {
      var hold = new ButtonHold(this.hal.clock, this.hal.log, this);
      button.onChange(function (pressed) {
        hold.change(pressed);
      });
    }
  }

  /** The button held 5 s: the access point for provisioning. */
  accessPoint(): void {
    if (this.wifi) this.wifi.steps().startAccessPoint(this.wifi);
  }

  /** The button held 10 s: every setting back to its default, then a restart. */
  factoryReset(): void {
    this.config.reset();
    this.hal.system.restart();
  }

  /** Sends a partial status object to every live client: /ws and MQTT. */
  publish(changes: Status): void {
    this.ws.broadcast(changes);
    if (this.mqtt) this.mqtt.publish(changes);
    if (this.history) this.history.note(changes);
  }

  /** Re-applies what depends on settings after a successful /config change. */
  configChanged(changed: string[]): void {
    this.publish({ config_version: this.config.version });
    for (var i = 0; i < changed.length; i++) {
      switch (changed[i]) {
        case 'default_state':
        case 'pause_uses_disabled':
          this.claims.configure({
            defaultState: this.config.get('default_state') ? 'active' : 'disabled',
            pauseUsesDisabled: this.config.get('pause_uses_disabled'),
          });
          break;
        case 'voltage':
          var cv = this.config.get('voltage');
          this.monitor.setVoltage(cv > 0 ? cv / 100 : 240);
          break;
        case 'heartbeat_interval':
        case 'heartbeat_current':
          this.monitor.setHeartbeat(this.config.get('heartbeat_interval'), this.config.get('heartbeat_current'));
          break;
        case 'time_zone':
          // the controller's RTC keeps local time (not while the clock is unset: no year 1970)
          pushTimeToController(this);
          break;
      }
    }
    if (this.planning) this.planning.configChanged(changed);
    if (this.mqtt) this.mqtt.configChanged(changed);
    if (this.emoncms) this.emoncms.configChanged(changed);
    if (this.ohm) this.ohm.configChanged(changed);
    if (this.sntp) this.sntp.configChanged(changed);
    if (this.tesla) this.tesla.configChanged(changed);
    if (this.wifi) this.wifi.configChanged(changed);
  }

  /**
   * The wall clock was set and moved by `deltaMs` (SNTP, /settime): uptime counts on, and the
   * timers planned in local time (the schedule) are planned again.
   */
  clockMoved(deltaMs: number): void {
    this.startedAt += deltaMs;
    if (!this.planning) return;
    this.planning.scheduler.update();
    // a time limit counts charging time, not the step: the device's first SNTP sync jumps from
    // 1970 and would otherwise end the charge at once
    var limits = this.planning.limits;
    if (limits.since >= 0) limits.since += deltaMs;
  }

  /**
   * The n-th part of the status document, null past the last: the controller's fields, the
   * claims', Eco mode's and the meter's, data from outside, each service's, then the gateway's
   * own. GET /status sends them one by one (http/util.ts sendJsonParts): as one object with its
   * JSON text, the ~60 fields cost ~200 JsVars on the device for as long as the answer is written.
   */
  statusPart(n: number): Status | null {
    var doc: Status = {};
    var s = this.monitor.status;
    switch (n) {
      case 0:
        return s;
      case 1:
        return this.claims.statusFields();
      case 2:
        if (this.planning) this.planning.status(doc);
        else {
          // without the energy meter, the controller's own counters
          doc.divertmode = this.config.get('charge_mode') === 'eco' ? 2 : 1;
          doc.session_energy = Math.round(s.wattsec / 3.6) / 1000;
          doc.total_energy = s.watthour / 1000;
        }
        return doc;
      case 3:
        return this.external;
      case 9:
        doc.free_heap = this.hal.system.freeMemory();
        doc.config_version = this.config.version;
        this.timeFields(doc);
        localTimeFields(this, doc);
        return doc;
    }
    if (n > 9) return null;
    // 4 to 8: each service's fields (none for a service that is not running)
    var service = [this.mqtt, this.emoncms, this.ohm, this.tesla, this.wifi][n - 4];
    if (service) service.statusFields(doc);
    return doc;
  }

  /** The whole status document at once (a /ws client's first frame, MQTT, emoncms). */
  statusDocument(): Status {
    var doc: Status = {};
    var part: Status | null;
    for (var n = 0; (part = this.statusPart(n)); n++) for (var k in part) doc[k] = part[k];
    return doc;
  }

  /** `time` (UTC, to the second) and `uptime` (s), for /status and /time. */
  timeFields(doc: Status): Status {
    var now = this.hal.clock.now();
    doc.time = new Date(now).toISOString().substr(0, 19) + 'Z';
    doc.uptime = Math.floor((now - this.startedAt) / 1000);
    return doc;
  }

  /**
   * GET /config's document (every setting, secrets masked, then what the controller reports about
   * itself) in parts for jsonPieces (http/util.ts): 16 settings per call, then the controller's
   * fields, then null. GET /config and `<base>/config` are sent this way: as one object the 5 KB
   * document costs ~400 JsVars more on the device.
   */
  configParts(): () => Status | null {
    var self = this;
    var from = 0;
    return function () {
      if (from < 0) return null;
      var part = self.config.getAll(false, from, 16);
      from += 16;
      if (Object.keys(part).length) return part;
      from = -1;
      return self.controllerConfig({});
    };
  }

  /** Adds to `doc` the fields of GET /config that come from the controller and the build. */
  controllerConfig(doc: Status): Status {
    var info = this.monitor.info;
    // the safety checks (true = enabled), from the controller's flags
    var f = info.flags;
    doc.diode_check = !(f & ECF_DIODE_CHK_DISABLED);
    doc.gfci_check = !(f & ECF_GFI_TEST_DISABLED);
    doc.ground_check = !(f & ECF_GND_CHK_DISABLED);
    doc.relay_check = !(f & ECF_STUCK_RELAY_CHK_DISABLED);
    doc.vent_check = !(f & ECF_VENT_REQ_DISABLED);
    doc.temp_check = !(f & ECF_TEMP_CHK_DISABLED);
    doc.front_button = !(f & ECF_BUTTON_DISABLED);
    doc.version = VERSION;
    doc.buildenv = 'typescript';
    doc.wifi_serial = this.hal.system.id();
    doc.protocol = '-';
    doc.mqtt_supported_protocols = ['mqtt', 'mqtts'];
    doc.http_supported_protocols = ['http'];
    doc.firmware = info.firmware;
    doc.evse_serial = info.serial;
    doc.min_current_hard = info.min_current_hard;
    doc.max_current_hard = info.max_current_hard;
    doc.max_current_soft = info.max_current_soft;
    doc.service = this.monitor.status.service_level;
    doc.scale = info.scale;
    doc.offset = info.offset;
    return doc;
  }
}
