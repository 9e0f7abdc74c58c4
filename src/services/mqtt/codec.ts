// MQTT 3.1.1 packets as binary strings (one char per byte): the encoders a client needs and an
// incremental decoder. Pure: no I/O, no timers. Topics and payloads are JS strings sent as UTF-8.
// One function per direction, packet types by switch: the image holds two function objects,
// encode() and decode() (each ~8 JsVars on Espruino); the readable wrappers (encodeX, the
// MqttDecoder class) are for tests and dropped from the image by the bundler.
import { utf8Encode, utf8Decode } from '../../http/websocket';

export var CONNECT = 1;
export var CONNACK = 2;
export var PUBLISH = 3;
export var PUBACK = 4;
export var SUBSCRIBE = 8;
export var SUBACK = 9;
export var UNSUBSCRIBE = 10;
export var UNSUBACK = 11;
export var PINGREQ = 12;
export var PINGRESP = 13;
export var DISCONNECT = 14;

/** A decoded packet: `type` and the fields that type has. */
export interface Packet {
  type: number;
  /** PUBLISH */
  qos?: number;
  retain?: boolean;
  dup?: boolean;
  topic?: string;
  /** PUBLISH payload (UTF-8 decoded; the raw bytes when they are not valid UTF-8), CONNECT will payload */
  payload?: string;
  /**
   * Encoding a PUBLISH: the packet without its payload bytes (the length still counts them), for a
   * caller that writes the payload after it: a large payload then exists once, not copied into
   * the packet as well.
   */
  headOnly?: boolean;
  /** Packet identifier: PUBLISH QoS>0, PUBACK, SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK */
  id?: number;
  /** CONNACK return code and session-present flag */
  rc?: number;
  sp?: boolean;
  /** SUBACK return codes (0, 1, 2 granted QoS; 0x80 refused); SUBSCRIBE requested QoS */
  codes?: number[];
  /** SUBSCRIBE / UNSUBSCRIBE topic filters */
  topics?: string[];
  /** CONNECT (decoded for tests and symmetry) */
  clientId?: string;
  clean?: boolean;
  keepAlive?: number;
  username?: string;
  password?: string;
  will?: Will;
}

export interface Will {
  topic: string;
  payload: string;
  qos?: number;
  retain?: boolean;
}

export interface ConnectOptions {
  clientId: string;
  /** Clean session; default true. */
  clean?: boolean;
  /** Seconds; 0 turns keep-alive off. */
  keepAlive: number;
  username?: string;
  password?: string;
  will?: Will | null;
}

var chr = String.fromCharCode;

/**
 * Any packet from its fields (as MqttDecoder gives them): the one encoder the client calls, so the
 * image holds one function for all packet types. The encodeX wrappers below are the readable API
 * (tests); the bundler drops the ones the client does not use.
 * Given a string instead, it returns that string as UTF-8 with its two-byte length: the piece
 * packets are made of (a case here rather than a helper: one function object fewer).
 */
export function encode(p: Packet | string): string {
  if (typeof p === 'string') {
    var b = utf8Encode(p);
    return chr((b.length >> 8) & 255, b.length & 255) + b;
  }
  var t = p.type;
  var id = p.id || 0;
  var body = chr((id >> 8) & 255, id & 255);
  var first = t << 4;
  var i: number;
  /** A PUBLISH payload as UTF-8 (declared here: Espruino does not hoist a var out of a case). */
  var pl = '';
  switch (t) {
    case CONNECT:
      var flags = p.clean === false ? 0 : 2;
      var tail = encode(p.clientId as string);
      var w = p.will;
      if (w) {
        flags |= 4 | ((w.qos || 0) << 3) | (w.retain ? 32 : 0);
        tail += encode(w.topic) + encode(w.payload);
      }
      if (p.username != null && p.username !== '') {
        flags |= 128;
        tail += encode(p.username);
        if (p.password != null) {
          flags |= 64;
          tail += encode(p.password);
        }
      }
      var ka = p.keepAlive as number;
      body = '\x00\x04MQTT\x04' + chr(flags, (ka >> 8) & 255, ka & 255) + tail;
      break;
    case CONNACK:
      return chr(0x20, 2, p.sp ? 1 : 0, p.rc as number);
    case PUBLISH:
      // `id` only for QoS 1/2
      var q = p.qos || 0;
      first |= (p.dup ? 8 : 0) | (q << 1) | (p.retain ? 1 : 0);
      body = encode(p.topic as string) + (q ? body : '');
      pl = utf8Encode(p.payload as string);
      break;
    case SUBSCRIBE:
    case UNSUBSCRIBE:
      first |= 2;
      var topics = p.topics as string[];
      for (i = 0; i < topics.length; i++) body += encode(topics[i]) + (t === SUBSCRIBE ? chr((p.codes && p.codes[i]) || 0) : '');
      break;
    case SUBACK:
      var codes = p.codes as number[];
      for (i = 0; i < codes.length; i++) body += chr(codes[i]);
      break;
    case PINGREQ:
    case PINGRESP:
    case DISCONNECT:
      return chr(first, 0);
    // the acks (PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK): the two-byte id is the body
  }
  // Fixed header + remaining length (variable-length, up to 4 bytes) + body (+ payload).
  var n = body.length + pl.length;
  var len = '';
  do {
    var d = n % 128;
    n = Math.floor(n / 128);
    len += chr(n > 0 ? d | 128 : d);
  } while (n > 0);
  return chr(first) + len + body + (p.headOnly ? '' : pl);
}

export function encodeConnect(o: ConnectOptions): string {
  return encode({ type: CONNECT, clientId: o.clientId, clean: o.clean, keepAlive: o.keepAlive, username: o.username, password: o.password, will: o.will || undefined });
}

export function encodePublish(topic: string, payload: string, qos: number, retain: boolean, dup: boolean, id: number): string {
  return encode({ type: PUBLISH, topic: topic, payload: payload, qos: qos, retain: retain, dup: dup, id: id });
}

/** PUBACK and the other two-byte-id acknowledgements: type 4, 5, 7, 11. */
export function encodeAck(type: number, id: number): string {
  return encode({ type: type, id: id });
}

/** PINGREQ, PINGRESP, DISCONNECT. */
export function encodeEmpty(type: number): string {
  return encode({ type: type });
}

export function encodeSubscribe(id: number, topics: string[], qos: number[]): string {
  return encode({ type: SUBSCRIBE, id: id, topics: topics, codes: qos });
}

export function encodeUnsubscribe(id: number, topics: string[]): string {
  return encode({ type: UNSUBSCRIBE, id: id, topics: topics });
}

/** Encoders for the broker side, used by tests only (CONNACK, SUBACK). */
export function encodeConnack(rc: number, sp: boolean): string {
  return encode({ type: CONNACK, rc: rc, sp: sp });
}

export function encodeSuback(id: number, codes: number[]): string {
  return encode({ type: SUBACK, id: id, codes: codes });
}

/** What decode() works on: an MqttDecoder, or the client's own plain object (no class in the image). */
export interface DecodeState {
  /** Bytes received and not yet decoded. */
  buf: string;
  /** Why the stream is broken ('' while it is fine): buf is dropped, nothing more is decoded. */
  error: string;
  /** Largest packet accepted, in bytes. */
  max: number;
  /** The packet being parsed and the read position in it. */
  b: string;
  pos: number;
}

/** decode() ops: the next whole packet (the default), the length of the packet at the front of buf, a string at pos. */
var NEXT = 0;
var HEAD = 1;
var STR = 2;

/**
 * The one decoder function, by op:
 * - NEXT: the next whole packet from `d.buf`, or null (none yet, or `d.error`);
 * - HEAD: the length of the whole packet at the front of `d.buf`, 0 if not known yet, -1 on error
 *   (then `d.error` is set and `d.buf` dropped);
 * - STR: the length-prefixed string at `d.pos` in `d.b` (raw bytes), null when cut short.
 * One function with ops rather than three: each function object stays in RAM while MQTT is on.
 */
export function decode(d: DecodeState, op?: number): any {
  // Espruino does not hoist: every variable is declared here, before the ops that share it.
  var b: string;
  var pos: number;
  var n: number;
  var i: number;
  var err = '';
  var s: string | null;
  if (op === HEAD) {
    b = d.buf;
    var t = b.charCodeAt(0) >> 4;
    err = 'bad remaining length';
    if (t === 0 || t === 15) err = 'bad packet type ' + t;
    else {
      var mult = 1;
      n = 0;
      for (i = 1; i < 5; i++) {
        if (i >= b.length) return 0;
        var digit = b.charCodeAt(i);
        n += (digit & 127) * mult;
        if (!(digit & 128)) {
          var total = i + 1 + n;
          if (total <= d.max) return total;
          err = 'packet too large (' + total + ' bytes, max ' + d.max + ')';
          break;
        }
        mult *= 128;
      }
    }
    d.error = err;
    d.buf = '';
    return -1;
  }
  if (op === STR) {
    b = d.b;
    pos = d.pos;
    if (pos + 2 > b.length) return null;
    n = (b.charCodeAt(pos) << 8) | b.charCodeAt(pos + 1);
    if (pos + 2 + n > b.length) return null;
    d.pos = pos + 2 + n;
    return b.substring(pos + 2, pos + 2 + n);
  }
  if (d.error || !d.buf.length) return null;
  n = decode(d, HEAD);
  if (n <= 0 || d.buf.length < n) return null;
  b = d.buf.substring(0, n);
  d.buf = d.buf.substring(n);
  d.b = b;
  var first = b.charCodeAt(0);
  var type = first >> 4;
  var flags = first & 15;
  // Skip the fixed header: the first byte without the continuation bit ends it.
  var h = 1;
  while (b.charCodeAt(h) & 128) h++;
  pos = h + 1;
  d.pos = pos;
  var end = b.length;
  var p: Packet = { type: type };
  // Why the packet is bad; '' while it is fine. Two-byte numbers are read in place (a packet
  // cut short reads 0 and fails its length check).
  switch (type) {
    case PUBLISH:
      p.dup = (flags & 8) !== 0;
      p.qos = (flags >> 1) & 3;
      p.retain = (flags & 1) !== 0;
      if (p.qos === 3) {
        err = 'bad PUBLISH QoS';
        break;
      }
      s = decode(d, STR);
      if (s === null || (s = utf8Decode(s)) === null || s === '') {
        err = 'bad PUBLISH topic';
        break;
      }
      p.topic = s;
      if (p.qos) {
        pos = d.pos;
        p.id = pos + 2 > end ? -1 : (b.charCodeAt(pos) << 8) | b.charCodeAt(pos + 1);
        d.pos = pos + 2;
        if (p.id <= 0) {
          err = 'bad PUBLISH packet id';
          break;
        }
      }
      s = b.substring(d.pos);
      p.payload = utf8Decode(s) || s;
      break;
    case CONNACK:
      if (flags || end - pos !== 2) err = 'bad CONNACK';
      p.sp = (b.charCodeAt(pos) & 1) !== 0;
      p.rc = b.charCodeAt(pos + 1);
      break;
    case PUBACK:
    case 5: // PUBREC
    case 6: // PUBREL
    case 7: // PUBCOMP
    case UNSUBACK:
      if (flags !== (type === 6 ? 2 : 0) || end - pos !== 2) err = 'bad ack packet ' + type;
      p.id = (b.charCodeAt(pos) << 8) | b.charCodeAt(pos + 1);
      break;
    case SUBACK:
      if (flags || end - pos < 3) {
        err = 'bad SUBACK';
        break;
      }
      p.id = (b.charCodeAt(pos) << 8) | b.charCodeAt(pos + 1);
      p.codes = [];
      for (pos += 2; pos < end && !err; pos++) {
        i = b.charCodeAt(pos);
        if (i > 2 && i !== 0x80) err = 'bad SUBACK code';
        p.codes.push(i);
      }
      break;
    case PINGREQ:
    case PINGRESP:
    case DISCONNECT:
      if (flags || end !== pos) err = 'bad packet ' + type;
      break;
    case SUBSCRIBE:
    case UNSUBSCRIBE:
      if (flags !== 2) {
        err = 'bad flags';
        break;
      }
      p.id = pos + 2 > end ? -1 : (b.charCodeAt(pos) << 8) | b.charCodeAt(pos + 1);
      d.pos = pos + 2;
      p.topics = [];
      if (type === SUBSCRIBE) p.codes = [];
      while (d.pos < end && !err) {
        s = decode(d, STR);
        if (s === null || (s = utf8Decode(s)) === null) err = 'bad topic filter';
        else {
          p.topics.push(s);
          if (type === SUBSCRIBE) {
            if (d.pos >= end) err = 'bad SUBSCRIBE';
            else p.codes!.push(b.charCodeAt(d.pos++));
          }
        }
      }
      if (!err && !p.topics.length) err = 'empty topic list';
      break;
    case CONNECT:
      s = decode(d, STR);
      if (flags || s !== 'MQTT' || b.charCodeAt(d.pos) !== 4) {
        err = 'bad CONNECT';
        break;
      }
      i = b.charCodeAt(d.pos + 1);
      pos = d.pos + 2;
      p.keepAlive = pos + 2 > end ? -1 : (b.charCodeAt(pos) << 8) | b.charCodeAt(pos + 1);
      d.pos = pos + 2;
      p.clean = (i & 2) !== 0;
      p.clientId = utf8Decode(decode(d, STR) || '') || '';
      if (i & 4) {
        p.will = { topic: utf8Decode(decode(d, STR) || '') || '', payload: decode(d, STR) || '', qos: (i >> 3) & 3, retain: (i & 32) !== 0 };
        p.will.payload = utf8Decode(p.will.payload) || p.will.payload;
      }
      if (i & 128) p.username = utf8Decode(decode(d, STR) || '') || '';
      if (i & 64) p.password = decode(d, STR) || '';
      if (d.pos !== end) err = 'bad CONNECT';
      break;
    default:
      err = 'bad packet type ' + type;
  }
  d.b = '';
  if (!err) return p;
  d.error = err;
  d.buf = '';
  return null;
}

/**
 * Reassembles packets from a byte stream that arrives in arbitrary pieces. `push` the bytes,
 * then call `next` until it returns null. After a protocol error or a packet over `max` bytes
 * `error` is set, the buffer is dropped and everything after is ignored: close the connection.
 * (The readable face of decode(), for tests; the client calls decode() on a plain object.)
 */
export class MqttDecoder implements DecodeState {
  buf = '';
  error = '';
  max: number;
  b = '';
  pos = 0;

  constructor(max?: number) {
    this.max = max || 4096;
  }

  push(data: string): void {
    if (this.error) return;
    this.buf += data;
    // No header can need more than 5 bytes: whatever is beyond max + 5 is over the limit anyway.
    if (this.buf.length > this.max + 5) decode(this, HEAD);
  }

  reset(): void {
    this.buf = '';
    this.error = '';
  }

  /** The next whole packet, or null (none yet, or `error`). */
  next(): Packet | null {
    return decode(this, NEXT);
  }
}
