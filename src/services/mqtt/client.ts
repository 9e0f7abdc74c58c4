// MQTT 3.1.1 client session over a HAL socket: connect with a timeout, keep-alive with dead-link
// detection, reconnect forever with exponential backoff and jitter, resubscribe, QoS 1 in flight,
// retained state kept per topic and sent again on every connect.
//
// Memory (each function object costs ~6-9 JsVars on Espruino): the public methods live on the
// prototype and every private step is one case of run(); each connection makes 2 socket handlers
// (run bound to the socket: released with it, and holding no scope) and the constructor 1 timer
// handler (run bound to TIMER): no function objects per message. The decoder is a plain object
// for codec's decode() (no class). Every list is bounded (subscriptions, QoS 1 in flight,
// remembered retained topics and bytes, receive buffer).
import { Net, TcpSocket, Clock, Log } from '../../hal/types';
import { utf8Encode } from '../../http/websocket';
import {
  decode,
  DecodeState,
  Packet,
  Will,
  encode,
  CONNECT,
  CONNACK,
  PUBLISH,
  PUBACK,
  SUBACK,
  SUBSCRIBE,
  PINGREQ,
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
// Split when used (a module-level array would hold every string in RAM).
var STATUS_NAMES = 'disabled,connecting,connected,disconnected';
// CONNACK return codes 1..5
var REFUSED = ',version,id_rejected,unavailable,auth,auth';

// The private steps, cases of MqttClient.run(op, a, b).
/** write(data): to the socket, unless it is gone or closing. */
var WRITE = 0;
/** fail(kind, detail): records why this attempt failed (the first reason wins). */
var FAIL = 1;
/** drop(kind, detail): fail, then END. */
var DROP = 2;
/** end(): ends the socket and waits (bounded) for its close. */
var END = 3;
/** gone(): the socket is closed (or given up on): schedule the next attempt. */
var GONE = 4;
/** open(): a new socket. */
var OPEN = 5;
/** The one timer: connect timeout, close wait, end of a backoff delay; keep-alive while connected. */
var TIMER = 6;
/** in(sock, data?): the socket's connect (no data: send CONNECT) or bytes from the broker. */
var IN = 7;
/** out(sock, err?): the socket's error (an object) or close (nothing, or Node's hadError flag). */
var OUT = 8;
/** A free packet id. */
var ID = 9;
/** send(flight, qos): publishes now; QoS 1 also goes into the in-flight list (false when full). */
var SEND = 10;
/** pub(flight, qos): writes its PUBLISH (a duplicate when `flight.s`, for QoS 1). */
var PUB = 14;
/** queue(flight): into the in-flight list with a new id; null when full. */
var QUEUE = 11;
/** packet(p): one decoded packet from the broker. */
var PACKET = 12;
/** up(): CONNACK accepted. */
var UP = 13;

/** A subscription; `cb` only when it has its own handler (fewer properties per subscription). */
interface Sub {
  f: string;
  q: number;
  cb?: MqttMessageHandler;
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
  private dec: DecodeState;
  private timer: any = null;
  private kaTimer: any = null;
  private pingAt = 0;
  private nextId = 0;
  private subs: Sub[] = [];
  private flights: Flight[] = [];
  private rt: { [topic: string]: { p: string; q: number } } = {};
  private rtKeys: string[] = [];
  private rtBytes = 0;
  /** The handler of both timers: they never run at the same time (see TIMER). */
  private tick: () => void;

  constructor(private net: Net, private clock: Clock, options: MqttOptions, private log?: Log) {
    this.o = options;
    this.dec = { buf: '', error: '', max: options.maxPacket == null ? 4096 : options.maxPacket, b: '', pos: 0 };
    // bound, not a closure: it keeps no constructor scope alive
    this.tick = this.run.bind(this, TIMER);
  }

  /** Starts connecting (and reconnecting until stop()). */
  start(): void {
    if (this.state !== DISABLED) return;
    this.state = DISCONNECTED;
    this.attempts = 0;
    // An old socket still closing: its close schedules the next attempt.
    if (!this.sock) this.run(OPEN);
  }

  /** Disconnects (DISCONNECT: the broker does not send the will) and stays off. */
  stop(): void {
    if (this.state === CONNECTED) this.run(WRITE, encode({ type: DISCONNECT }));
    this.state = DISABLED;
    this.failed = true;
    this.error = '';
    this.errorDetail = '';
    this.run(END);
  }

  connected(): boolean {
    return this.state === CONNECTED;
  }

  /** Adds the `mqtt_*` fields of /status to `out`. */
  statusFields(out: any): any {
    out.mqtt_connected = this.state === CONNECTED ? 1 : 0;
    // 'disabled' | 'connecting' | 'connected' | 'disconnected'
    out.mqtt_status = STATUS_NAMES.split(',')[this.state];
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
    var kept = false;
    if (retain) {
      // remember it (within the bounds)
      var e = this.rt[topic];
      var old = e ? topic.length + e.p.length : 0;
      var size = topic.length + payload.length;
      var o = this.o;
      if (
        this.rtBytes - old + size <= (o.maxRetainedBytes == null ? 4096 : o.maxRetainedBytes) &&
        (e || this.rtKeys.length < (o.maxRetained == null ? 16 : o.maxRetained))
      ) {
        if (!e) {
          this.rtKeys.push(topic);
          e = this.rt[topic] = { p: payload, q: q };
        }
        e.p = payload;
        e.q = q;
        this.rtBytes += size - old;
        kept = true;
      }
    }
    var f: Flight = { id: 0, t: topic, p: payload, r: !!retain, s: false };
    if (this.state === CONNECTED) {
      if (this.run(SEND, f, q)) return true;
      // In-flight list full: retained state still goes out now (QoS 0); it is re-sent on connect.
      return kept && this.run(SEND, f, 0);
    }
    if (q && !retain) return this.run(QUEUE, f) !== null;
    return kept;
  }

  /** Subscribes now and after every reconnect. `cb` takes the matching messages instead of onMessage. */
  subscribe(filter: string, qos?: number, cb?: MqttMessageHandler | null): boolean {
    var q = qos ? 1 : 0;
    var subs = this.subs;
    var i = 0;
    while (i < subs.length && subs[i].f !== filter) i++;
    if (i === subs.length) {
      if (subs.length >= (this.o.maxSubs == null ? 16 : this.o.maxSubs)) return false;
      subs.push({ f: filter, q: q });
    }
    subs[i].q = q;
    if (cb) subs[i].cb = cb;
    else delete subs[i].cb;
    if (this.state === CONNECTED) this.run(WRITE, encode({ type: SUBSCRIBE, id: this.run(ID), topics: [filter], codes: [q] }));
    return true;
  }

  /** Forgets a remembered retained topic (it is no longer re-sent on connect). */
  forget(topic: string): void {
    var e = this.rt[topic];
    if (!e) return;
    this.rtBytes -= topic.length + e.p.length;
    delete this.rt[topic];
    this.rtKeys.splice(this.rtKeys.indexOf(topic), 1);
  }

  /** Every private step, by op code (one function object instead of one per step). */
  private run(op: number, a?: any, b?: any): any {
    // Espruino does not hoist: a variable used by more than one case is declared here, never in
    // a case (an assignment to it from another case would land in an outer scope).
    var c = this.clock;
    var o = this.o;
    var s: any = this.sock;
    var i: number;
    var f: Flight;
    switch (op) {
      case WRITE:
        if (!s || this.closing) return;
        try {
          s.write(a);
        } catch (e) {
          // the socket went away under us: its close event follows
        }
        return;

      case FAIL:
      case DROP:
        if (!this.failed) {
          this.failed = true;
          this.error = a;
          this.errorDetail = b;
          if (this.log) this.log('warn', 'mqtt: ' + a + ': ' + b);
        }
        if (op === FAIL) return;
      // falls through: a drop ends the connection; reconnecting follows the socket's close
      case END:
        c.clearInterval(this.kaTimer);
        this.kaTimer = null;
        c.clearTimeout(this.timer);
        this.timer = null;
        if (this.state !== DISABLED) this.state = DISCONNECTED;
        if (!s || this.closing) return;
        this.closing = true;
        try {
          s.end();
        } catch (e) {
          // already gone
        }
        this.timer = c.setTimeout(this.tick, o.closeWaitMs == null ? 5000 : o.closeWaitMs);
        return;

      case GONE:
        var was = this.state === CONNECTED;
        c.clearInterval(this.kaTimer);
        this.kaTimer = null;
        c.clearTimeout(this.timer);
        this.timer = null;
        this.sock = null;
        this.closing = false;
        this.dec.buf = this.dec.error = '';
        if (was && c.now() - this.connectedSince >= (o.stableMs == null ? 60000 : o.stableMs)) this.attempts = 0;
        this.run(FAIL, 'network', 'connection closed');
        if (this.state !== DISABLED) this.state = DISCONNECTED;
        if (this.log) this.log('info', 'mqtt: disconnected (' + this.error + ': ' + this.errorDetail + ')');
        if (this.onDisconnect) this.onDisconnect();
        if (this.state === DISABLED) return;
        var min = o.backoffMinMs == null ? 1000 : o.backoffMinMs;
        var max = o.backoffMaxMs == null ? 60000 : o.backoffMaxMs;
        var base = Math.min(max, min * Math.pow(2, Math.min(this.attempts, 20)));
        this.attempts++;
        this.timer = c.setTimeout(this.tick, Math.floor(base / 2 + (Math.random() * base) / 2));
        return;

      case OPEN:
        if (s || this.state === DISABLED) return;
        this.state = CONNECTING;
        this.failed = false;
        this.closing = false;
        this.pingAt = 0;
        this.dec.buf = this.dec.error = '';
        s = this.net.connect(o.host, o.port, o.tls || undefined);
        this.sock = s;
        // Two handlers per connection, each for two events told apart by their argument (connect:
        // none, data: a string; error: an object, close: none or a flag): connect and close both
        // come without one, so they cannot share a handler. run bound to the socket, not closures:
        // a closure here would keep this call's whole scope alive with the connection. Events from
        // a socket that is no longer ours are ignored (IN, OUT).
        var onIn = this.run.bind(this, IN, s);
        var onOut = this.run.bind(this, OUT, s);
        s.on('connect', onIn);
        s.on('data', onIn);
        s.on('error', onOut);
        s.on('close', onOut);
        c.clearTimeout(this.timer);
        this.timer = c.setTimeout(this.tick, o.connectTimeoutMs == null ? 10000 : o.connectTimeoutMs);
        return;

      case OUT:
        if (s !== a) return;
        if (b && typeof b === 'object') this.run(FAIL, 'network', b.message || 'socket error');
        else this.run(GONE);
        return;

      case TIMER:
        if (this.state === CONNECTED && !this.closing) {
          // Keep-alive tick (the only timer while connected: the other one is cleared by CONNACK)
          var now = c.now();
          var ka = (o.keepAlive == null ? 60 : o.keepAlive) * 1000;
          if (this.pingAt && now - this.pingAt >= ka) this.run(DROP, 'timeout', 'no answer to PINGREQ within ' + ka / 1000 + ' s');
          else if (!this.pingAt) {
            this.pingAt = now;
            this.run(WRITE, encode({ type: PINGREQ }));
          }
          return;
        }
        this.timer = null;
        if (!s) this.run(OPEN);
        else if (!this.closing) this.run(DROP, 'timeout', 'no CONNACK within ' + (o.connectTimeoutMs == null ? 10000 : o.connectTimeoutMs) + ' ms');
        else {
          // The peer never closed: let the socket go (Node keeps a half-closed one open; a HAL
          // socket with destroy() frees it at once).
          if (s.destroy) s.destroy();
          this.run(GONE);
        }
        return;

      case IN:
        if (s !== a || this.closing) return;
        if (typeof b !== 'string') {
          // connected: CONNECT
          this.run(
            WRITE,
            encode({ type: CONNECT, clientId: o.clientId, clean: true, keepAlive: o.keepAlive == null ? 60 : o.keepAlive, username: o.username, password: o.password, will: o.will || undefined })
          );
          return;
        }
        this.lastRx = c.now();
        this.pingAt = 0;
        var dec = this.dec;
        // (a packet over the limit is refused by decode() as soon as its header is in)
        dec.buf += b;
        var p: Packet | null;
        while (!this.closing && (p = decode(dec))) this.run(PACKET, p);
        if (dec.error) this.run(DROP, 'protocol', dec.error);
        return;

      case PACKET:
        switch (a.type) {
          case CONNACK:
            if (this.state !== CONNECTING) return this.run(DROP, 'protocol', 'unexpected CONNACK');
            if (a.rc) return this.run(DROP, REFUSED.split(',')[a.rc] || 'protocol', 'broker refused the connection (return code ' + a.rc + ')');
            this.run(UP);
            return;
          case PUBLISH:
            if (this.state !== CONNECTED) return this.run(DROP, 'protocol', 'PUBLISH before CONNACK');
            if (a.qos === 1) this.run(WRITE, encode({ type: PUBACK, id: a.id }));
            // the subscriptions with their own handler first, else onMessage
            var taken = false;
            var retain = !!a.retain;
            for (i = 0; i < this.subs.length; i++) {
              var sub = this.subs[i];
              if (sub.cb && topicMatches(sub.f, a.topic)) {
                taken = true;
                sub.cb(a.topic, a.payload, retain);
              }
            }
            if (!taken && this.onMessage) this.onMessage(a.topic, a.payload, retain);
            return;
          case PUBACK:
            for (i = 0; i < this.flights.length; i++)
              if (this.flights[i].id === a.id) {
                this.flights.splice(i, 1);
                break;
              }
            return;
          case SUBACK:
            var codes = a.codes as number[];
            for (i = 0; i < codes.length; i++) if (codes[i] === 0x80 && this.log) this.log('warn', 'mqtt: subscription refused by the broker (packet ' + a.id + ')');
            return;
        }
        // UNSUBACK, PINGRESP (pingAt is cleared by any data), PUBREC... : nothing to do
        return;

      case UP:
        // CONNACK accepted: subscriptions, QoS 1 left over, remembered retained state, then onConnect.
        c.clearTimeout(this.timer);
        this.timer = null;
        this.state = CONNECTED;
        this.error = '';
        this.errorDetail = '';
        this.connectedSince = c.now();
        var keep = o.keepAlive == null ? 60 : o.keepAlive;
        if (keep > 0) this.kaTimer = c.setInterval(this.tick, keep * 500);
        if (this.log) this.log('info', 'mqtt: connected to ' + o.host + ':' + o.port);
        // One SUBSCRIBE per filter: each stays well under any broker's packet limit.
        for (i = 0; i < this.subs.length; i++) this.run(WRITE, encode({ type: SUBSCRIBE, id: this.run(ID), topics: [this.subs[i].f], codes: [this.subs[i].q] }));
        for (i = 0; i < this.flights.length; i++) {
          f = this.flights[i];
          this.run(PUB, f, 1);
          f.s = true;
        }
        for (i = 0; i < this.rtKeys.length; i++) {
          var t = this.rtKeys[i];
          var e = this.rt[t];
          // The same value in flight went out just above.
          var dup = false;
          if (e.q) for (var k = 0; k < this.flights.length; k++) if (this.flights[k].t === t && this.flights[k].r && this.flights[k].p === e.p) dup = true;
          if (!dup) this.run(SEND, { id: 0, t: t, p: e.p, r: true, s: false }, e.q);
        }
        if (this.onConnect) this.onConnect();
        return;

      case ID:
        for (;;) {
          this.nextId = this.nextId >= 65535 ? 1 : this.nextId + 1;
          var used = false;
          for (i = 0; i < this.flights.length; i++) if (this.flights[i].id === this.nextId) used = true;
          if (!used) return this.nextId;
        }

      case SEND:
        f = a;
        if (b && !this.run(QUEUE, f)) return false;
        this.run(PUB, f, b);
        // (after: the first sending is not a duplicate)
        if (b) f.s = true;
        return true;

      case PUB:
        // the packet's head, then the payload as it is (a 5 KB `<base>/config` is not copied
        // into a packet string first: on the device each copy costs ~450 JsVars)
        f = a;
        this.run(WRITE, encode({ type: PUBLISH, topic: f.t, payload: f.p, qos: b, retain: f.r, dup: b ? f.s : false, id: b ? f.id : 0, headOnly: true }));
        this.run(WRITE, utf8Encode(f.p));
        return;

      case QUEUE:
        if (this.flights.length >= (o.maxInflight == null ? 8 : o.maxInflight)) return null;
        f = a;
        f.id = this.run(ID);
        this.flights.push(f);
        return f;
    }
  }
}
