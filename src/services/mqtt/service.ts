// The gateway's MQTT side (ref/openevse-gateway.md §2): announce + last will, every status
// partial split into `<base>/<key>` messages, and the subscribed command and feed topics.
//
// Retained JSON state topics (`<base>/config`, `claim`, `override`, `schedule`, `limit`) go out on
// each connect and whenever the matching *_version counter passes through publish(): the counters
// are already in every partial that /ws gets, so no polling is needed (the reference checks them
// every 50 ms). They are not kept by the client for re-sending: connected() rebuilds them.
//
// Memory: one class; its constructor makes the 4 function objects the client calls (connect,
// disconnect, message, RAPI reply). Messages are dispatched by one switch on the topic suffix,
// state topics by one switch on their name.
// Subscriptions: 4 under `<base>` (`+/set` covers every `.../set` topic) plus the configured
// feed topics, within the client's default limit of 16.
import { publishDiscovery, removeDiscovery, DiscoveryOptions } from './discovery';
import { VERSION } from '../../app';
import type { Gateway } from '../../app';
import { MqttClient, MqttOptions } from './client';
import { CLIENT_MQTT, CLIENT_MANUAL, PRIORITY_MQTT } from '../../core/evse/claims';
import { STATE_STARTING } from '../../core/evse/states';
import type { RapiLine } from '../../core/rapi/framing';

/** Feed settings (full topic names) and the field each one feeds, in the same order. */
var FEED_KEYS =
  'mqtt_solar,mqtt_grid_ie,mqtt_live_pwr,mqtt_vrms,mqtt_vehicle_soc,mqtt_vehicle_range,mqtt_vehicle_eta,mqtt_vehicle_charge_limit,mqtt_home_battery_soc,mqtt_home_battery_power';
var FEED_FIELDS = 'solar,grid_ie,shaper_live_pwr,vrms,battery_level,battery_range,time_to_full_charge,vehicle_charge_limit,home_battery_soc,home_battery_power';
/** `vehicle_data_src` value meaning "vehicle data comes from MQTT". */
var MQTT_VEHICLE_SOURCE = 2;
/** `<base>/claim` and `<base>/override` when there is none (as the reference). */
var NULL_STATE = { state: 'null' };
/** Time for a restart request's effects (the log line) before the gateway goes away. */
var RESTART_DELAY_MS = 1000;

function ignore(): void {
  // the controller does not answer $FR: nothing to do with the timeout
}

/** A JSON payload, or undefined when it is not JSON. */
function parseJson(payload: string): any {
  try {
    return JSON.parse(payload);
  } catch (e) {
    return undefined;
  }
}

/** A plain number payload ("1234", "-12.5"), or NaN. */
function parseNumber(payload: string): number {
  var s = payload.trim();
  if (!s.length) return NaN;
  var v = +s;
  return isFinite(v) ? v : NaN;
}

/** A status value as the payload: strings as they are, objects and arrays as JSON. */
function payloadOf(v: any): string {
  if (typeof v === 'string') return v;
  if (v !== null && typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export class MqttService {
  /** The session; null while MQTT is off (mqtt_enabled false or no mqtt_server). */
  client: MqttClient | null = null;
  /** `<base>` (mqtt_topic) and the announce topic of the running client. */
  base = '';
  announceTopic = '';
  private feedTopics: string[] = [];
  /** The last `<base>/claim` payload: claims_version moves with every divert step, our claim rarely. */
  private lastClaim = '';
  /** `<base>/config` is owed: the controller was still starting when config_version moved. */
  private configDue = false;
  private feedFields: string[] = [];
  private onConnectFn: () => void;
  private onDisconnectFn: () => void;
  private onMessageFn: (topic: string, payload: string) => void;
  private onRapiFn: (err: string | null, reply?: RapiLine) => void;

  /**
   * `tuning`: client options that override the defaults (backoff, timeouts), for tests that
   * restart a broker many times; null on the device.
   */
  constructor(private gw: Gateway, private tuning?: { [key: string]: any } | null) {
    var self = this;
    this.onConnectFn = function () {
      self.connected();
    };
    this.onDisconnectFn = function () {
      self.gw.publish(self.statusFields({}));
    };
    this.onMessageFn = function (topic: string, payload: string) {
      self.message(topic, payload);
    };
    this.onRapiFn = function (err: string | null, reply?: RapiLine) {
      // $OK and $NK replies go out as the controller sent them; a timeout or refusal: nothing
      if (reply && self.client) self.client.publish(self.base + '/rapi/out', reply.raw, 0, false);
    };
  }

  /** Reads the mqtt_* settings and connects when MQTT is enabled. */
  start(): void {
    var gw = this.gw;
    var c = gw.config;
    if (this.client || !c.get('mqtt_enabled') || !c.get('mqtt_server')) return;
    var hostname = c.get('hostname');
    this.base = c.get('mqtt_topic') || hostname;
    this.announceTopic = c.get('mqtt_announce_topic');
    var o: MqttOptions = {
      host: c.get('mqtt_server'),
      port: c.get('mqtt_port'),
      tls: c.get('mqtt_protocol') === 'mqtts' ? { rejectUnauthorized: !!c.get('mqtt_reject_unauthorized') } : null,
      clientId: hostname,
      will: null,
    };
    var tune = this.tuning;
    if (tune) for (var k in tune) (o as any)[k] = tune[k];
    if (c.get('mqtt_user')) {
      o.username = c.get('mqtt_user');
      o.password = c.get('mqtt_pass');
    }
    if (this.announceTopic)
      o.will = {
        topic: this.announceTopic,
        payload: JSON.stringify({ state: 'disconnected', id: gw.hal.system.id(), name: hostname }),
        qos: 0,
        retain: true,
      };
    var client = new MqttClient(gw.hal.net, gw.hal.clock, o, gw.hal.log);
    client.onConnect = this.onConnectFn;
    client.onDisconnect = this.onDisconnectFn;
    client.onMessage = this.onMessageFn;
    var b = this.base;
    client.subscribe(b + '/rapi/in/#');
    client.subscribe(b + '/+/set');
    client.subscribe(b + '/restart');
    client.subscribe(b + '/schedule/clear');
    var keys = FEED_KEYS.split(',');
    this.feedFields = FEED_FIELDS.split(',');
    this.feedTopics = [];
    for (var i = 0; i < keys.length; i++) {
      var t = c.get(keys[i]) || '';
      this.feedTopics.push(t);
      if (t) client.subscribe(t);
    }
    this.client = client;
    client.start();
  }

  /** Disconnects (cleanly: the broker does not send the will) and forgets the session. */
  stop(): void {
    var client = this.client;
    if (!client) return;
    // A clean disconnect sends no will: say it ourselves, retained, as the will would.
    if (this.announceTopic && client.connected())
      client.publish(this.announceTopic, JSON.stringify({ state: 'disconnected', id: this.gw.hal.system.id(), name: this.gw.config.get('hostname') }), 0, true);
    client.stop();
    client.onConnect = client.onDisconnect = client.onMessage = null;
    this.client = null;
  }

  /** Settings changed: a new session when any MQTT setting (or the hostname) did. */
  configChanged(changed: string[]): void {
    for (var i = 0; i < changed.length; i++) {
      if (changed[i].substr(0, 5) === 'mqtt_' || changed[i] === 'hostname') {
        // turned off: take the Home Assistant entities away while still connected
        if (changed.indexOf('mqtt_ha_discovery') >= 0 && !this.gw.config.get('mqtt_ha_discovery') && this.client && this.client.connected())
          removeDiscovery(this.client, this.haOptions());
        this.stop();
        this.start();
        this.gw.publish(this.statusFields({}));
        return;
      }
    }
  }

  /** A status partial: one message per key on `<base>/<key>` (dropped while offline). */
  publish(changes: { [key: string]: any }): void {
    var client = this.client;
    if (!client || !client.connected()) return;
    var retain = !!this.gw.config.get('mqtt_retained');
    for (var k in changes) {
      // `limit` (bool) would land on the retained JSON `<base>/limit` (the reference has that
      // clash; a retained "true" there would replace the limit itself): the JSON says more.
      if (k === 'limit') continue;
      var t = this.base + '/' + k;
      client.publish(t, payloadOf(changes[k]), 0, retain);
      // status values are not kept for re-sending: the whole set goes out on each connect
      if (retain) client.forget(t);
    }
    if (changes.config_version !== undefined || this.configDue) this.state('config');
    if (changes.claims_version !== undefined) this.state('claim');
    if (changes.override_version !== undefined) this.state('override');
    if (changes.schedule_version !== undefined) this.state('schedule');
    if (changes.limit_version !== undefined) this.state('limit');
  }

  /** One retained JSON state topic, `<base>/<name>`, with what it holds now. */
  private state(name: string): void {
    var gw = this.gw;
    var p = gw.planning;
    var doc: any;
    switch (name) {
      case 'config':
        // the controller's part of the document (firmware, currents) is unknown while it starts
        this.configDue = !gw.monitor.isReady() || gw.monitor.status.state === STATE_STARTING;
        if (this.configDue) return;
        doc = gw.configDocument();
        break;
      case 'claim':
      case 'override':
        // the claim's properties, as GET /override shows them (get() returns a copy)
        doc = gw.claims.get(name === 'claim' ? CLIENT_MQTT : CLIENT_MANUAL);
        if (doc) delete doc.priority;
        else doc = NULL_STATE;
        break;
      case 'schedule':
        if (!p) return;
        doc = p.scheduler.list();
        break;
      case 'limit':
        if (!p) return;
        doc = p.limits.get();
        break;
    }
    var s = JSON.stringify(doc);
    if (name === 'claim') {
      if (s === this.lastClaim) return;
      this.lastClaim = s;
    }
    var client = this.client as MqttClient;
    var t = this.base + '/' + name;
    client.publish(t, s, 0, true);
    client.forget(t);
  }

  /** The `mqtt_*` fields of /status. */
  statusFields(doc: { [key: string]: any }): { [key: string]: any } {
    if (this.client) return this.client.statusFields(doc);
    doc.mqtt_connected = 0;
    doc.mqtt_status = 'disabled';
    doc.mqtt_error = '';
    doc.mqtt_error_detail = '';
    doc.mqtt_connected_since = 0;
    doc.mqtt_last_rx = 0;
    return doc;
  }

  /** Each connect: the retained announce, then the whole status (also to /ws: mqtt_connected). */
  private connected(): void {
    var gw = this.gw;
    var c = gw.config;
    var client = this.client as MqttClient;
    if (this.announceTopic) {
      var hostname = c.get('hostname');
      client.publish(
        this.announceTopic,
        JSON.stringify({ state: 'connected', id: gw.hal.system.id(), name: hostname, mqtt: this.base, http: 'http://' + hostname + '.local/' }),
        0,
        true
      );
    }
    if (c.get('mqtt_ha_discovery')) publishDiscovery(client, this.haOptions());
    // the broker may have lost everything (restarted without persistence): all state topics again
    this.lastClaim = '';
    this.publish(gw.statusDocument());
    gw.publish(this.statusFields({}));
  }

  /** What Home Assistant discovery needs to describe this charger. */
  private haOptions(): DiscoveryOptions {
    var gw = this.gw;
    return {
      base: this.base,
      announceTopic: this.announceTopic,
      id: gw.hal.system.id(),
      name: gw.config.get('hostname'),
      version: VERSION,
      maxCurrent: gw.monitor.info.max_current_hard,
    };
  }

  private bad(topic: string, why: string): void {
    this.gw.hal.log('warn', 'mqtt: ' + topic + ' ignored: ' + why);
  }

  /** Every message: a feed topic (full name) or a command under `<base>/`. */
  private message(topic: string, payload: string): void {
    var gw = this.gw;
    var i = this.feedTopics.indexOf(topic);
    if (topic && i >= 0) {
      this.feed(topic, payload);
      return;
    }
    var b = this.base + '/';
    if (topic.substr(0, b.length) !== b) return;
    var suffix = topic.substr(b.length);
    var key = suffix.substr(0, 8) === 'rapi/in/' ? 'rapi/in' : suffix;
    var word = payload.trim();
    var body: any = parseJson(word);
    var isObject = body !== null && typeof body === 'object' && !(body instanceof Array);
    var err: string | null = null;
    var p = gw.planning;
    switch (key) {
      case 'rapi/in':
        var cmd = suffix.substr(8);
        if (cmd.charAt(0) !== '$') cmd = '$' + cmd;
        if (word) cmd += ' ' + word;
        gw.rapi.send(cmd, this.onRapiFn);
        return;
      case 'override/set':
        if (word === 'toggle' || word === 'clear') err = gw.claims.override(word);
        else if (isObject) err = gw.claims.override('set', body);
        else err = 'expected JSON properties, "toggle" or "clear"';
        break;
      case 'claim/set':
        if (word === 'release') gw.claims.release(CLIENT_MQTT);
        else if (isObject) err = gw.claims.claim(CLIENT_MQTT, PRIORITY_MQTT, body, true);
        else err = 'expected JSON properties or "release"';
        break;
      case 'divertmode/set':
        if (word === '1' || word === '2') err = this.configure({ charge_mode: word === '2' ? 'eco' : 'fast' });
        else err = 'expected 1 (normal) or 2 (eco)';
        break;
      case 'config/set':
        err = isObject ? this.configure(body) : 'expected a JSON object';
        break;
      case 'restart':
        var device = isObject ? body.device : typeof body === 'string' ? body : word || 'gateway';
        if (device === 'evse') gw.rapi.send('$FR', ignore);
        else if (device === 'gateway') {
          gw.hal.log('warn', 'mqtt: restart requested');
          gw.hal.clock.setTimeout(function () {
            gw.hal.system.restart();
          }, RESTART_DELAY_MS);
        } else err = 'device must be "gateway" or "evse"';
        break;
      case 'shaper/set':
        if (!p) err = 'no current shaper in this build';
        else if (word === '0' || word === '1') p.shaper.setActive(word === '1');
        else err = 'expected 0 or 1';
        break;
      case 'schedule/set':
        if (!p) err = 'no scheduler in this build';
        else if (body !== null && typeof body === 'object') err = p.scheduler.set(body);
        else err = 'expected a JSON event or list of events';
        break;
      case 'schedule/clear':
        var id = parseNumber(word);
        if (!p) err = 'no scheduler in this build';
        else if (!(id >= 0 && id % 1 === 0) || !p.scheduler.remove(id)) err = 'no such event';
        break;
      case 'limit/set':
        if (!p) err = 'no limits in this build';
        else if (word === 'clear') p.limits.clear();
        else err = isObject ? p.limits.set(body) : 'expected a JSON object or "clear"';
        break;
      default:
        return; // our own status values (with `mqtt_retained`), other set topics
    }
    if (err) this.bad(topic, err);
  }

  /** A settings change from MQTT: applied and re-applied as /config does; null or why not. */
  private configure(patch: any): string | null {
    var gw = this.gw;
    var r = gw.config.update(patch);
    if (!r.ok) return JSON.stringify(r.errors);
    if (r.changed.length) gw.configChanged(r.changed);
    return null;
  }

  /** A configured feed topic: a plain number to the part that uses it. */
  private feed(topic: string, payload: string): void {
    var gw = this.gw;
    var c = gw.config;
    var v = parseNumber(payload);
    if (v !== v) {
      this.bad(topic, 'not a number');
      return;
    }
    var p = gw.planning;
    var changes: { [key: string]: any } = {};
    var any = false;
    // One topic may be configured for several feeds (grid_ie and live_pwr often are).
    for (var i = 0; i < this.feedTopics.length; i++) {
      if (this.feedTopics[i] !== topic) continue;
      var f = this.feedFields[i];
      switch (f) {
        case 'vrms':
          if (p) p.divert.setVrms(v);
          break;
        case 'battery_level':
        case 'battery_range':
        case 'time_to_full_charge':
        case 'vehicle_charge_limit':
          if (c.get('vehicle_data_src') !== MQTT_VEHICLE_SOURCE) break;
          if (f === 'battery_range' && c.get('mqtt_vehicle_range_miles')) v = Math.round(v * 1.609344);
          gw.external[f] = changes[f] = v;
          gw.external.vehicle_state_update = changes.vehicle_state_update = 0;
          any = true;
          break;
        default:
          // solar, grid_ie, shaper_live_pwr: the planning parts publish their own fields
          if (!p || !p.feed(f, v)) {
            gw.external[f] = changes[f] = v;
            any = true;
          }
      }
    }
    if (any) gw.publish(changes);
  }
}
