// MQTT 3.1.1 client session over a HAL socket: connect with a timeout, keep-alive with dead-link
// detection, reconnect forever with exponential backoff and jitter, resubscribe, QoS 1 in flight,
// retained state kept per topic and sent again on every connect.
//
// Memory: methods live on the prototype; each connection makes 4 socket handlers (released with
// the socket) and the constructor 2 timer handlers: no function objects per message. Every list is
// bounded (subscriptions, QoS 1 in flight, remembered retained topics and bytes, receive buffer).
import { Net, TcpSocket, Clock, Log } from '../../hal/types';
import {
  MqttDecoder,
  Packet,
  Will,
  encodeConnect,
  encodePublish,
  encodeAck,
  encodeEmpty,
  encodeSubscribe,
  encodeUnsubscribe,
  CONNACK,
  PUBLISH,
  PUBACK,
  SUBACK,
  PINGREQ,
  PINGRESP,
  DISCONNECT,
} from './codec';

export interface MqttOptions {
  host: string;
  port: number;
  /** TLS (mqtts) when set. */
  tls?: { rejectUnauthorized?: boolean } | null;
  clientId: string;
  username?: string;
  password?: string;
  /** Seconds; default 60; 0: no pings and no dead-link detection. */
  keepAlive?: number;
  will?: Will | null;
  /** TCP/TLS connect + CONNACK must complete within this; default 10,000 ms. */
  connectTimeoutMs?: number;
  /** Reconnect delay: doubles from min to max (defaults 1,000 and 60,000 ms), jitter 50-100 %. */
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /** A connection that lasted this long resets the backoff; default 60,000 ms. */
  stableMs?: number;
  /** After end(), how long to wait for the socket's close before giving up on it; default 5,000 ms. */
  closeWaitMs?: number;
  /** QoS 1 publishes awaiting PUBACK (or waiting for a connection); default 8. */
  maxInflight?: number;
  /** Retained publishes remembered per topic and re-sent on each connect; default 16 topics, 4,096 bytes. */
  maxRetained?: number;
  maxRetainedBytes?: number;
  /** Subscriptions; default 16. */
  maxSubs?: number;
  /** Largest packet accepted from the broker; bigger ones drop the connection. Default 4,096 bytes. */
  maxPacket?: number;
}

export type MqttMessageHandler = (topic: string, payload: string, retain: boolean) => void;

/** Why the last connection failed or ended (`mqtt_error` in /status); '' while none. */
export type MqttError = '' | 'auth' | 'unavailable' | 'id_rejected' | 'version' | 'network' | 'timeout' | 'protocol';

var DISABLED = 0;
var CONNECTING = 1;
var CONNECTED = 2;
var DISCONNECTED = 3;
var STATUS_NAMES = ['disabled', 'connecting', 'connected', 'disconnected'];
// CONNACK return codes 1..5
var REFUSED: MqttError[] = ['', 'version', 'id_rejected', 'unavailable', 'auth', 'auth'];

interface Sub {
  f: string;
  q: number;
  cb: MqttMessageHandler | null;
}

/** A QoS 1 publish: id, topic, payload, retain, sent at least once. */
interface Flight {
  id: number;
  t: string;
  p: string;
  r: boolean;
  s: boolean;
}

/** MQTT topic filter match with `+` and `#`; wildcards at the first level do not match `$` topics. */
export function topicMatches(filter: string, topic: string): boolean {
  if (filter === topic) return true;
  var c = filter.charAt(0);
  if (topic.charAt(0) === '$' && (c === '+' || c === '#')) return false;
  var f = filter.split('/');
  var t = topic.split('/');
  for (var i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

function num(v: number | undefined, def: number): number {
  return v == null ? def : v;
}

export class MqttClient {
  /** Every message that no per-subscription handler took. */
  onMessage: MqttMessageHandler | null = null;
  /** After each successful CONNACK, once subscriptions and remembered state have been sent. */
  onConnect: (() => void) | null = null;
  /** When a connection (or an attempt) ends; `error` says why. */
  onDisconnect: (() => void) | null = null;

  error: MqttError = '';
  errorDetail = '';
  /** ms since the epoch of the current connection's CONNACK, of the last byte received */
  connectedSince = 0;
  lastRx = 0;
  /** Failed attempts since the last stable connection (drives the backoff). */
  attempts = 0;

  private o: MqttOptions;
  private state = DISABLED;
  private sock: TcpSocket | null = null;
  /** end() was called on sock; waiting for its close. */
  private closing = false;
  /** An error was already recorded for this attempt (a later socket error must not hide it). */
  private failed = false;
  private dec: MqttDecoder;
  private timer: any = null;
  private kaTimer: any = null;
  private pingAt = 0;
  private nextId = 0;
  private subs: Sub[] = [];
  private flights: Flight[] = [];
  private rt: { [topic: string]: { p: string; q: number } } = {};
  private rtKeys: string[] = [];
  private rtBytes = 0;
  private onTimerFn: () => void;
  private onKaFn: () => void;

  constructor(private net: Net, private clock: Clock, options: MqttOptions, private log?: Log) {
    this.o = options;
    this.dec = new MqttDecoder(num(options.maxPacket, 4096));
    var self = this;
    this.onTimerFn = function () {
      self.onTimer();
    };
    this.onKaFn = function () {
      self.onKeepAlive();
    };
  }

  /** Starts connecting (and reconnecting until stop()). */
  start(): void {
    if (this.state !== DISABLED) return;
    this.state = DISCONNECTED;
    this.attempts = 0;
    // An old socket still closing: its close schedules the next attempt.
    if (!this.sock) this.open();
  }

  /** Disconnects (DISCONNECT: the broker does not send the will) and stays off. */
  stop(): void {
    if (this.state === CONNECTED) this.write(encodeEmpty(DISCONNECT));
    this.state = DISABLED;
    this.failed = true;
    this.error = '';
    this.errorDetail = '';
    this.end();
  }

  /** New options (host, credentials, will...): applied by the next connection, made at once. */
  setOptions(options: MqttOptions): void {
    this.o = options;
    this.dec.max = num(options.maxPacket, 4096);
    this.reconnect();
  }

  /** Drops the connection (if any) and connects again after the shortest backoff delay. */
  reconnect(): void {
    if (this.state === DISABLED) return;
    if (this.state === CONNECTED) this.write(encodeEmpty(DISCONNECT));
    this.attempts = 0;
    if (this.sock) this.end();
    else {
      this.clock.clearTimeout(this.timer);
      this.open();
    }
  }

  connected(): boolean {
    return this.state === CONNECTED;
  }

  /** 'disabled' | 'connecting' | 'connected' | 'disconnected' */
  status(): string {
    return STATUS_NAMES[this.state];
  }

  /** Adds the `mqtt_*` fields of /status to `out`. */
  statusFields(out: any): any {
    out.mqtt_connected = this.state === CONNECTED ? 1 : 0;
    out.mqtt_status = STATUS_NAMES[this.state];
    out.mqtt_error = this.error;
    out.mqtt_error_detail = this.errorDetail;
    out.mqtt_connected_since = this.state === CONNECTED ? Math.floor(this.connectedSince / 1000) : 0;
    out.mqtt_last_rx = Math.floor(this.lastRx / 1000);
    return out;
  }

  /**
   * Publishes now if connected. Offline: QoS 0 is dropped; QoS 1 waits in the in-flight list.
   * Retained publishes are remembered per topic (bounded) and re-sent on every connect, so the
   * broker gets the latest value even if it lost its own. False when dropped or a list is full.
   */
  publish(topic: string, payload: string, qos?: number, retain?: boolean): boolean {
    var q = qos ? 1 : 0;
    var kept = retain ? this.remember(topic, payload, q) : false;
    if (this.state === CONNECTED) {
      if (this.send(topic, payload, q, !!retain)) return true;
      // In-flight list full: retained state still goes out now (QoS 0); it is re-sent on connect.
      return kept && this.send(topic, payload, 0, true);
    }
    if (q && !retain) return this.queue(topic, payload, false, false) !== null;
    return kept;
  }

  /** Subscribes now and after every reconnect. `cb` takes the matching messages instead of onMessage. */
  subscribe(filter: string, qos?: number, cb?: MqttMessageHandler | null): boolean {
    var q = qos ? 1 : 0;
    var i = this.findSub(filter);
    if (i < 0) {
      if (this.subs.length >= num(this.o.maxSubs, 16)) return false;
      this.subs.push({ f: filter, q: q, cb: cb || null });
    } else {
      this.subs[i].q = q;
      this.subs[i].cb = cb || null;
    }
    if (this.state === CONNECTED) this.write(encodeSubscribe(this.packetId(), [filter], [q]));
    return true;
  }

  unsubscribe(filter: string): void {
    var i = this.findSub(filter);
    if (i < 0) return;
    this.subs.splice(i, 1);
    if (this.state === CONNECTED) this.write(encodeUnsubscribe(this.packetId(), [filter]));
  }

  /** Forgets a remembered retained topic (it is no longer re-sent on connect). */
  forget(topic: string): void {
    var e = this.rt[topic];
    if (!e) return;
    this.rtBytes -= topic.length + e.p.length;
    delete this.rt[topic];
    this.rtKeys.splice(this.rtKeys.indexOf(topic), 1);
  }

  /** QoS 1 publishes not yet acknowledged. */
  inflight(): number {
    return this.flights.length;
  }

  private findSub(filter: string): number {
    for (var i = 0; i < this.subs.length; i++) if (this.subs[i].f === filter) return i;
    return -1;
  }

  private remember(topic: string, payload: string, q: number): boolean {
    var e = this.rt[topic];
    var old = e ? topic.length + e.p.length : 0;
    var size = topic.length + payload.length;
    if (this.rtBytes - old + size > num(this.o.maxRetainedBytes, 4096)) return false;
    if (!e) {
      if (this.rtKeys.length >= num(this.o.maxRetained, 16)) return false;
      this.rtKeys.push(topic);
      e = this.rt[topic] = { p: payload, q: q };
    }
    e.p = payload;
    e.q = q;
    this.rtBytes += size - old;
    return true;
  }

  private packetId(): number {
    for (;;) {
      this.nextId = this.nextId >= 65535 ? 1 : this.nextId + 1;
      var used = false;
      for (var i = 0; i < this.flights.length; i++) if (this.flights[i].id === this.nextId) used = true;
      if (!used) return this.nextId;
    }
  }

  private queue(t: string, p: string, r: boolean, s: boolean): Flight | null {
    if (this.flights.length >= num(this.o.maxInflight, 8)) return null;
    var f: Flight = { id: this.packetId(), t: t, p: p, r: r, s: s };
    this.flights.push(f);
    return f;
  }

  private send(t: string, p: string, q: number, r: boolean): boolean {
    var id = 0;
    if (q) {
      var f = this.queue(t, p, r, true);
      if (!f) return false;
      id = f.id;
    }
    this.write(encodePublish(t, p, q, r, false, id));
    return true;
  }

  private write(data: string): void {
    var s = this.sock;
    if (!s || this.closing) return;
    try {
      s.write(data);
    } catch (e) {
      // the socket went away under us: its close event follows
    }
  }

  private fail(kind: MqttError, detail: string): void {
    if (this.failed) return;
    this.failed = true;
    this.error = kind;
    this.errorDetail = detail;
    if (this.log) this.log('warn', 'mqtt: ' + kind + ': ' + detail);
  }

  private open(): void {
    if (this.sock || this.state === DISABLED) return;
    var o = this.o;
    this.state = CONNECTING;
    this.failed = false;
    this.closing = false;
    this.pingAt = 0;
    this.dec.reset();
    var s = this.net.connect(o.host, o.port, o.tls || undefined);
    this.sock = s;
    this.attach(s);
    this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(this.onTimerFn, num(o.connectTimeoutMs, 10000));
  }

  /** The socket's handlers: they ignore events from a socket that is no longer ours. */
  private attach(s: TcpSocket): void {
    var self = this;
    s.on('connect', function () {
      if (self.sock === s && !self.closing) self.onOpen();
    });
    s.on('data', function (d: string) {
      if (self.sock === s && !self.closing) self.onData(d);
    });
    s.on('error', function (e: { message: string }) {
      if (self.sock === s) self.fail('network', (e && e.message) || 'socket error');
    });
    s.on('close', function () {
      if (self.sock === s) self.gone();
    });
  }

  private onOpen(): void {
    var o = this.o;
    this.write(
      encodeConnect({
        clientId: o.clientId,
        clean: true,
        keepAlive: num(o.keepAlive, 60),
        username: o.username,
        password: o.password,
        will: o.will,
      })
    );
  }

  private onData(d: string): void {
    this.lastRx = this.clock.now();
    this.pingAt = 0;
    var dec = this.dec;
    dec.push(d);
    var p: Packet | null;
    while (!this.closing && (p = dec.next())) this.handle(p);
    if (dec.error) this.drop('protocol', dec.error);
  }

  private handle(p: Packet): void {
    switch (p.type) {
      case CONNACK:
        if (this.state !== CONNECTING) return this.drop('protocol', 'unexpected CONNACK');
        if (p.rc) return this.drop(REFUSED[p.rc as number] || 'protocol', 'broker refused the connection (return code ' + p.rc + ')');
        this.up();
        return;
      case PUBLISH:
        if (this.state !== CONNECTED) return this.drop('protocol', 'PUBLISH before CONNACK');
        if (p.qos === 1) this.write(encodeAck(PUBACK, p.id as number));
        this.dispatch(p.topic as string, p.payload as string, !!p.retain);
        return;
      case PUBACK:
        for (var i = 0; i < this.flights.length; i++)
          if (this.flights[i].id === p.id) {
            this.flights.splice(i, 1);
            break;
          }
        return;
      case SUBACK:
        var codes = p.codes as number[];
        for (var k = 0; k < codes.length; k++) if (codes[k] === 0x80 && this.log) this.log('warn', 'mqtt: subscription refused by the broker (packet ' + p.id + ')');
        return;
    }
    // UNSUBACK, PINGRESP (pingAt is cleared by any data), PUBREC... : nothing to do
  }

  private dispatch(topic: string, payload: string, retain: boolean): void {
    var taken = false;
    for (var i = 0; i < this.subs.length; i++) {
      var s = this.subs[i];
      if (s.cb && topicMatches(s.f, topic)) {
        taken = true;
        s.cb(topic, payload, retain);
      }
    }
    if (!taken && this.onMessage) this.onMessage(topic, payload, retain);
  }

  /** CONNACK accepted: subscriptions, QoS 1 left over, remembered retained state, then onConnect. */
  private up(): void {
    var c = this.clock;
    c.clearTimeout(this.timer);
    this.timer = null;
    this.state = CONNECTED;
    this.error = '';
    this.errorDetail = '';
    this.connectedSince = c.now();
    var ka = num(this.o.keepAlive, 60);
    if (ka > 0) this.kaTimer = c.setInterval(this.onKaFn, ka * 500);
    if (this.log) this.log('info', 'mqtt: connected to ' + this.o.host + ':' + this.o.port);
    var i: number;
    // One SUBSCRIBE per filter: each stays well under any broker's packet limit.
    for (i = 0; i < this.subs.length; i++) this.write(encodeSubscribe(this.packetId(), [this.subs[i].f], [this.subs[i].q]));
    for (i = 0; i < this.flights.length; i++) {
      var f = this.flights[i];
      this.write(encodePublish(f.t, f.p, 1, f.r, f.s, f.id));
      f.s = true;
    }
    for (i = 0; i < this.rtKeys.length; i++) {
      var t = this.rtKeys[i];
      var e = this.rt[t];
      // The same value in flight went out just above.
      if (e.q && this.flightFor(t, e.p)) continue;
      this.send(t, e.p, e.q, true);
    }
    if (this.onConnect) this.onConnect();
  }

  private flightFor(topic: string, payload: string): boolean {
    for (var i = 0; i < this.flights.length; i++) {
      var f = this.flights[i];
      if (f.t === topic && f.r && f.p === payload) return true;
    }
    return false;
  }

  private onKeepAlive(): void {
    if (this.state !== CONNECTED || this.closing) return;
    var now = this.clock.now();
    var ka = num(this.o.keepAlive, 60) * 1000;
    if (this.pingAt && now - this.pingAt >= ka) {
      this.drop('timeout', 'no answer to PINGREQ within ' + ka / 1000 + ' s');
      return;
    }
    if (!this.pingAt) {
      this.pingAt = now;
      this.write(encodeEmpty(PINGREQ));
    }
  }

  /** Ends this connection after an error; reconnecting follows the socket's close. */
  private drop(kind: MqttError, detail: string): void {
    this.fail(kind, detail);
    this.end();
  }

  /** Ends the socket and waits (bounded) for its close. */
  private end(): void {
    var c = this.clock;
    c.clearInterval(this.kaTimer);
    this.kaTimer = null;
    c.clearTimeout(this.timer);
    this.timer = null;
    if (this.state !== DISABLED) this.state = DISCONNECTED;
    if (!this.sock || this.closing) return;
    this.closing = true;
    try {
      this.sock.end();
    } catch (e) {
      // already gone
    }
    this.timer = c.setTimeout(this.onTimerFn, num(this.o.closeWaitMs, 5000));
  }

  /** The socket is closed (or given up on): schedule the next attempt. */
  private gone(): void {
    var c = this.clock;
    var was = this.state === CONNECTED;
    c.clearInterval(this.kaTimer);
    this.kaTimer = null;
    c.clearTimeout(this.timer);
    this.timer = null;
    this.sock = null;
    this.closing = false;
    this.dec.reset();
    if (was && c.now() - this.connectedSince >= num(this.o.stableMs, 60000)) this.attempts = 0;
    this.fail('network', 'connection closed');
    if (this.state !== DISABLED) this.state = DISCONNECTED;
    if (this.log) this.log('info', 'mqtt: disconnected (' + this.error + ': ' + this.errorDetail + ')');
    if (this.onDisconnect) this.onDisconnect();
    if (this.state === DISABLED) return;
    var min = num(this.o.backoffMinMs, 1000);
    var max = num(this.o.backoffMaxMs, 60000);
    var base = Math.min(max, min * Math.pow(2, Math.min(this.attempts, 20)));
    this.attempts++;
    this.timer = c.setTimeout(this.onTimerFn, Math.floor(base / 2 + (Math.random() * base) / 2));
  }

  /** The one timer: connect timeout, close wait, or the end of a backoff delay. */
  private onTimer(): void {
    this.timer = null;
    var s: any = this.sock;
    if (s) {
      if (this.closing) {
        // The peer never closed: let the socket go (Node keeps a half-closed one open; a HAL
        // socket with destroy() frees it at once).
        if (s.destroy) s.destroy();
        this.gone();
      }
      else this.drop('timeout', 'no CONNACK within ' + num(this.o.connectTimeoutMs, 10000) + ' ms');
    } else this.open();
  }
}
