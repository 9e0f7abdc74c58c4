// The gateway's MQTT side (ref/openevse-gateway.md §2): announce + last will, every status
// partial split into `<base>/<key>` messages, and the subscribed command and feed topics.
//
// Retained JSON state topics (`<base>/config`, `claim`, `override`, `schedule`, `limit`) go out on
// each connect and whenever the matching *_version counter passes through publish(): the counters
// are already in every partial that /ws gets, so no polling is needed (the reference checks them
// every 50 ms). They are not kept by the client for re-sending: connected() rebuilds them. Nor
// is the announce: it goes out again on each connect.
//
// Memory: one class of 7 functions; its constructor makes the one function object the client and
// the RAPI client call (on() bound: connect, disconnect, message, RAPI reply, told apart by their
// arguments). Home Assistant discovery stays one function in this module rather than a lazy
// module: a `lazy:` loader would cost the core ~6 JsVars for the ~8 it takes from MQTT.
// Messages are dispatched by one switch on the topic suffix, feeds by one on their field.
// Subscriptions: 4 under `<base>` (`+/set` covers every `.../set` topic) plus the configured
// feed topics, within the client's default limit of 16.
import { discovery } from './discovery';
import { VERSION } from '../../app';
import type { Gateway } from '../../app';
import { MqttClient, MqttOptions } from './client';
import { CLIENT_MQTT, CLIENT_MANUAL, PRIORITY_MQTT } from '../../core/evse/claims';
import { STATE_STARTING } from '../../core/evse/states';
import { jsonPieces } from '../../http/util';
import type { RapiLine } from '../../core/rapi/framing';

/**
 * Feed settings (full topic names; `mqtt_` + each name) and the field each one feeds, in the same
 * order. Kept short: this string stays in RAM while MQTT is on.
 */
var FEED_KEYS = 'solar,grid_ie,live_pwr,vrms,vehicle_soc,vehicle_range,vehicle_eta,vehicle_charge_limit,home_battery_soc,home_battery_power';
var FEED_FIELDS = 'solar,grid_ie,shaper_live_pwr,vrms,battery_level,battery_range,time_to_full_charge,vehicle_charge_limit,home_battery_soc,home_battery_power';
/** `vehicle_data_src` value meaning "vehicle data comes from MQTT". */
var MQTT_VEHICLE_SOURCE = 2;
/** The retained JSON state topics, in the order they go out; `claim` moves with claims_version. */
var STATE_TOPICS = 'config,claim,override,schedule,limit';
/** Time for a restart request's effects (the log line) before the gateway goes away. */
var RESTART_DELAY_MS = 1000;

export class MqttService {
  /** The session; null while MQTT is off (mqtt_enabled false or no mqtt_server). */
  client: MqttClient | null = null;
  /** `<base>` (mqtt_topic) and the announce topic of the running client. */
  base = '';
  announceTopic = '';
  /** The last `<base>/claim` payload: claims_version moves with every divert step, our claim rarely. */
  private lastClaim = '';
  /** `<base>/config` is owed: the controller was still starting when config_version moved. */
  private configDue = false;
  /** The one listener: client onConnect / onDisconnect / onMessage and RAPI replies (see on()). */
  private fn: (a?: any, b?: any) => void;

  /**
   * `tuning`: client options that override the defaults (backoff, timeouts), for tests that
   * restart a broker many times; null on the device.
   */
  constructor(private gw: Gateway, private tuning?: { [key: string]: any } | null) {
    // bound, not a closure: it keeps no constructor scope alive
    this.fn = this.on.bind(this);
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
    client.onConnect = client.onDisconnect = client.onMessage = this.fn;
    var b = this.base;
    client.subscribe(b + '/rapi/in/#');
    client.subscribe(b + '/+/set');
    client.subscribe(b + '/restart');
    client.subscribe(b + '/schedule/clear');
    // Feed topics are read from the config when a message comes (a change of any restarts us).
    var keys = FEED_KEYS.split(',');
    for (var i = 0; i < keys.length; i++) {
      var t = c.get('mqtt_' + keys[i]);
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
          this.on(false);
        this.stop();
        this.start();
        this.gw.publish(this.statusFields({}));
        return;
      }
    }
  }

  /**
   * A status partial: one message per key on `<base>/<key>` (dropped while offline), then the
   * retained JSON state topics whose *_version moved.
   */
  publish(changes: { [key: string]: any }): void {
    var client = this.client;
    if (!client || !client.connected()) return;
    var gw = this.gw;
    var retain = !!gw.config.get('mqtt_retained');
    var t: string;
    for (var k in changes) {
      // `limit` (bool) would land on the retained JSON `<base>/limit` (the reference has that
      // clash; a retained "true" there would replace the limit itself): the JSON says more.
      if (k === 'limit') continue;
      t = this.base + '/' + k;
      var v = changes[k];
      // strings as they are, objects and arrays as JSON
      client.publish(t, typeof v === 'string' ? v : v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v), 0, retain);
      // status values are not kept for re-sending: the whole set goes out on each connect
      if (retain) client.forget(t);
    }
    // Each state topic `<base>/<name>` with what it holds now, when its counter is in the partial.
    var names = STATE_TOPICS.split(',');
    var p = gw.planning;
    for (var i = 0; i < names.length; i++) {
      var name = names[i];
      var doc: any;
      var s = '';
      if (changes[(name === 'claim' ? 'claims' : name) + '_version'] === undefined && !(name === 'config' && this.configDue)) continue;
      switch (name) {
        case 'config':
          // the controller's part of the document (firmware, currents) is unknown while it starts
          this.configDue = !gw.monitor.isReady() || gw.monitor.status.state === STATE_STARTING;
          if (this.configDue) continue;
          // built a piece at a time: the document never exists as one object (~400 JsVars on the device)
          var next = jsonPieces(gw.configParts());
          var piece: string;
          while ((piece = next())) s += piece;
          break;
        case 'claim':
        case 'override':
          // the claim's properties, as GET /override shows them (get() returns a copy)
          doc = gw.claims.get(name === 'claim' ? CLIENT_MQTT : CLIENT_MANUAL);
          // none: `{"state":"null"}`, as the reference
          if (doc) delete doc.priority;
          else doc = { state: 'null' };
          break;
        case 'schedule':
          if (!p) continue;
          doc = p.scheduler.list();
          break;
        case 'limit':
          if (!p) continue;
          doc = p.limits.get();
          break;
      }
      if (name !== 'config') s = JSON.stringify(doc);
      if (name === 'claim') {
        if (s === this.lastClaim) continue;
        this.lastClaim = s;
      }
      t = this.base + '/' + name;
      client.publish(t, s, 0, true);
      client.forget(t);
    }
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

  /**
   * Everything the session reports, told apart by the arguments:
   * - `(topic, payload)`, payload a string: a message: a feed topic (full name) or a command under `<base>/`;
   * - `()`: the client connected or disconnected (client.connected() says which);
   * - `(err, reply)`, reply an object (or err a string): the controller's answer to `<base>/rapi/in/...`;
   * - `(true | false)`: Home Assistant discovery, publish or remove the entities.
   */
  private on(topic?: any, payload?: any): void {
    var gw = this.gw;
    var c = gw.config;
    var client = this.client as MqttClient;
    var hostname = c.get('hostname');
    if (typeof topic === 'boolean') {
      discovery(
        client,
        { base: this.base, announceTopic: this.announceTopic, id: gw.hal.system.id(), name: hostname, version: VERSION, maxCurrent: gw.monitor.info.max_current_hard },
        topic
      );
      return;
    }
    if (typeof payload === 'string') {
      // a message: handled below
    } else if (topic === undefined && payload === undefined) {
      if (client && client.connected()) {
        // Each connect: the retained announce, then the whole status
        if (this.announceTopic) {
          client.publish(
            this.announceTopic,
            JSON.stringify({ state: 'connected', id: gw.hal.system.id(), name: hostname, mqtt: this.base, http: 'http://' + hostname + '.local/' }),
            0,
            true
          );
          // sent again here on every connect: the client need not keep a copy to re-send (RAM)
          client.forget(this.announceTopic);
        }
        if (c.get('mqtt_ha_discovery')) this.on(true);
        // the broker may have lost everything (restarted without persistence): all state topics again
        this.lastClaim = '';
        // (a part of the status document at a time: never the whole of it as one object)
        var part: { [key: string]: any } | null;
        for (var n = 0; (part = gw.statusPart(n)); n++) this.publish(part);
      }
      // also to /ws: mqtt_connected
      gw.publish(this.statusFields({}));
      return;
    } else {
      // $OK and $NK replies go out as the controller sent them; a timeout or refusal: nothing
      if (payload && client) client.publish(this.base + '/rapi/out', payload.raw, 0, false);
      return;
    }
    var word = payload.trim();
    // a plain number payload ("1234", "-12.5"), or NaN
    var num = word.length && isFinite(+word) ? +word : NaN;
    var p = gw.planning;
    var err: string | null = null;
    var keys = FEED_KEYS.split(',');
    var i = 0;
    while (i < keys.length && (!topic || c.get('mqtt_' + keys[i]) !== topic)) i++;
    if (i < keys.length) {
      // A configured feed topic: a plain number to the part that uses it.
      if (num !== num) err = 'not a number';
      else {
        var fields = FEED_FIELDS.split(',');
        var changes: { [key: string]: any } = {};
        var any = false;
        // One topic may be configured for several feeds (grid_ie and live_pwr often are).
        for (; i < keys.length; i++) {
          if (c.get('mqtt_' + keys[i]) !== topic) continue;
          var f = fields[i];
          switch (f) {
            case 'vrms':
              if (p) p.divert.setVrms(num);
              break;
            case 'battery_level':
            case 'battery_range':
            case 'time_to_full_charge':
            case 'vehicle_charge_limit':
              if (c.get('vehicle_data_src') !== MQTT_VEHICLE_SOURCE) break;
              if (f === 'battery_range' && c.get('mqtt_vehicle_range_miles')) num = Math.round(num * 1.609344);
              gw.external[f] = changes[f] = num;
              gw.external.vehicle_state_update = changes.vehicle_state_update = 0;
              any = true;
              break;
            default:
              // solar, grid_ie, shaper_live_pwr: the planning parts publish their own fields
              if (!p || !p.feed(f, num)) {
                gw.external[f] = changes[f] = num;
                any = true;
              }
          }
        }
        if (any) gw.publish(changes);
      }
    } else {
      var b = this.base + '/';
      if (topic.substr(0, b.length) !== b) return;
      var suffix = topic.substr(b.length);
      var key = suffix.substr(0, 8) === 'rapi/in/' ? 'rapi/in' : suffix;
      var body: any;
      try {
        body = JSON.parse(word);
      } catch (e) {
        body = undefined;
      }
      var isObject = body !== null && typeof body === 'object' && !(body instanceof Array);
      // a settings change (applied and re-applied as /config does)
      var patch: any = null;
      switch (key) {
        case 'rapi/in':
          var cmd = suffix.substr(8);
          if (cmd.charAt(0) !== '$') cmd = '$' + cmd;
          if (word) cmd += ' ' + word;
          gw.rapi.send(cmd, this.fn);
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
          if (word === '1' || word === '2') patch = { charge_mode: word === '2' ? 'eco' : 'fast' };
          else err = 'expected 1 (normal) or 2 (eco)';
          break;
        case 'config/set':
          if (isObject) patch = body;
          else err = 'expected a JSON object';
          break;
        case 'restart':
          var device = isObject ? body.device : typeof body === 'string' ? body : word || 'gateway';
          // rare: the functions this needs are made here and let go
          if (device === 'evse')
            gw.rapi.send('$FR', function () {
              // the controller does not answer $FR: nothing to do with the timeout
            });
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
          if (!p) err = 'no scheduler in this build';
          else if (!(num >= 0 && num % 1 === 0) || !p.scheduler.remove(num)) err = 'no such event';
          break;
        case 'limit/set':
          if (!p) err = 'no limits in this build';
          else if (word === 'clear') p.limits.clear();
          else err = isObject ? p.limits.set(body) : 'expected a JSON object or "clear"';
          break;
        default:
          return; // our own status values (with `mqtt_retained`), other set topics
      }
      if (patch) {
        var r = c.update(patch);
        if (!r.ok) err = JSON.stringify(r.errors);
        else if (r.changed.length) gw.configChanged(r.changed);
      }
    }
    if (err) gw.hal.log('warn', 'mqtt: ' + topic + ' ignored: ' + err);
  }
}
