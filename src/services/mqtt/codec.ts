// MQTT 3.1.1 packets as binary strings (one char per byte): the encoders a client needs and an
// incremental decoder. Pure: no I/O, no timers. Topics and payloads are JS strings sent as UTF-8.
// One function per direction, packet types by switch (few function objects on Espruino).
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

function u16(n: number): string {
  return chr((n >> 8) & 255, n & 255);
}

/** A UTF-8 string with its two-byte length. */
function str(s: string): string {
  var b = utf8Encode(s);
  return u16(b.length) + b;
}

/** Fixed header + remaining length (variable-length, up to 4 bytes) + body. */
function frame(first: number, body: string): string {
  var n = body.length;
  var len = '';
  do {
    var d = n % 128;
    n = Math.floor(n / 128);
    len += chr(n > 0 ? d | 128 : d);
  } while (n > 0);
  return chr(first) + len + body;
}

export function encodeConnect(o: ConnectOptions): string {
  var flags = o.clean === false ? 0 : 2;
  var tail = str(o.clientId);
  var w = o.will;
  if (w) {
    flags |= 4 | ((w.qos || 0) << 3) | (w.retain ? 32 : 0);
    tail += str(w.topic) + str(w.payload);
  }
  if (o.username != null && o.username !== '') {
    flags |= 128;
    tail += str(o.username);
    if (o.password != null) {
      flags |= 64;
      tail += str(o.password);
    }
  }
  return frame(0x10, '\x00\x04MQTT\x04' + chr(flags) + u16(o.keepAlive) + tail);
}

/** `id` only for QoS 1/2. A large payload is one string here: keep publishes small (max packet). */
export function encodePublish(topic: string, payload: string, qos: number, retain: boolean, dup: boolean, id: number): string {
  return frame(0x30 | (dup ? 8 : 0) | (qos << 1) | (retain ? 1 : 0), str(topic) + (qos ? u16(id) : '') + utf8Encode(payload));
}

/** PUBACK and the other two-byte-id acknowledgements: type 4, 5, 7, 11. */
export function encodeAck(type: number, id: number): string {
  return frame(type << 4, u16(id));
}

/** PINGREQ, PINGRESP, DISCONNECT. */
export function encodeEmpty(type: number): string {
  return chr(type << 4, 0);
}

export function encodeSubscribe(id: number, topics: string[], qos: number[]): string {
  var body = u16(id);
  for (var i = 0; i < topics.length; i++) body += str(topics[i]) + chr(qos[i] || 0);
  return frame(0x82, body);
}

export function encodeUnsubscribe(id: number, topics: string[]): string {
  var body = u16(id);
  for (var i = 0; i < topics.length; i++) body += str(topics[i]);
  return frame(0xa2, body);
}

/** Encoders for the broker side, used by tests only (CONNACK, SUBACK). */
export function encodeConnack(rc: number, sp: boolean): string {
  return chr(0x20, 2, sp ? 1 : 0, rc);
}

export function encodeSuback(id: number, codes: number[]): string {
  var body = u16(id);
  for (var i = 0; i < codes.length; i++) body += chr(codes[i]);
  return frame(0x90, body);
}

/**
 * Reassembles packets from a byte stream that arrives in arbitrary pieces. `push` the bytes,
 * then call `next` until it returns null. After a protocol error or a packet over `max` bytes
 * `error` is set, the buffer is dropped and everything after is ignored: close the connection.
 */
export class MqttDecoder {
  buf = '';
  error = '';
  max: number;
  // The packet being parsed and the read position in it.
  private b = '';
  private pos = 0;

  constructor(max?: number) {
    this.max = max || 4096;
  }

  push(data: string): void {
    if (this.error) return;
    this.buf += data;
    // No header can need more than 5 bytes: whatever is beyond max + 5 is over the limit anyway.
    if (this.buf.length > this.max + 5) this.head();
  }

  reset(): void {
    this.buf = '';
    this.error = '';
  }

  private fail(msg: string): null {
    this.error = msg;
    this.buf = '';
    return null;
  }

  /** Length of the whole packet at the front of buf, 0 if not known yet, -1 on error. */
  private head(): number {
    var b = this.buf;
    var t = b.charCodeAt(0) >> 4;
    if (t === 0 || t === 15) {
      this.fail('bad packet type ' + t);
      return -1;
    }
    var mult = 1;
    var n = 0;
    for (var i = 1; i < 5; i++) {
      if (i >= b.length) return 0;
      var d = b.charCodeAt(i);
      n += (d & 127) * mult;
      if (!(d & 128)) {
        var total = i + 1 + n;
        if (total > this.max) {
          this.fail('packet too large (' + total + ' bytes, max ' + this.max + ')');
          return -1;
        }
        return total;
      }
      mult *= 128;
    }
    this.fail('bad remaining length');
    return -1;
  }

  /** The next whole packet, or null (none yet, or `error`). */
  next(): Packet | null {
    if (this.error || !this.buf.length) return null;
    var total = this.head();
    if (total <= 0 || this.buf.length < total) return null;
    var b = this.buf;
    this.buf = b.substring(total);
    this.b = b.substring(0, total);
    var p = this.parse(b.charCodeAt(0));
    this.b = '';
    return p;
  }

  /** A length-prefixed string at pos (raw bytes); null when cut short. */
  private str(): string | null {
    var b = this.b;
    var pos = this.pos;
    if (pos + 2 > b.length) return null;
    var n = (b.charCodeAt(pos) << 8) | b.charCodeAt(pos + 1);
    if (pos + 2 + n > b.length) return null;
    this.pos = pos + 2 + n;
    return b.substring(pos + 2, pos + 2 + n);
  }

  /** A two-byte number at pos; -1 when cut short. */
  private u16(): number {
    var pos = this.pos;
    if (pos + 2 > this.b.length) return -1;
    this.pos = pos + 2;
    return (this.b.charCodeAt(pos) << 8) | this.b.charCodeAt(pos + 1);
  }

  /** Decodes the whole packet in `b` (fixed header included). */
  private parse(first: number): Packet | null {
    var b = this.b;
    var type = first >> 4;
    var flags = first & 15;
    // Skip the fixed header: the first byte without the continuation bit ends it.
    var h = 1;
    while (b.charCodeAt(h) & 128) h++;
    this.pos = h + 1;
    var end = b.length;
    var p: Packet = { type: type };
    var self = this;
    var s: string | null;
    var i: number;
    switch (type) {
      case PUBLISH:
        p.dup = (flags & 8) !== 0;
        p.qos = (flags >> 1) & 3;
        p.retain = (flags & 1) !== 0;
        if (p.qos === 3) return self.fail('bad PUBLISH QoS');
        s = self.str();
        if (s === null || (s = utf8Decode(s)) === null || s === '') return self.fail('bad PUBLISH topic');
        p.topic = s;
        if (p.qos) {
          p.id = self.u16();
          if (p.id <= 0) return self.fail('bad PUBLISH packet id');
        }
        s = b.substring(self.pos);
        p.payload = utf8Decode(s) || s;
        return p;
      case CONNACK:
        if (flags || end - self.pos !== 2) return self.fail('bad CONNACK');
        p.sp = (b.charCodeAt(self.pos) & 1) !== 0;
        p.rc = b.charCodeAt(self.pos + 1);
        return p;
      case PUBACK:
      case 5: // PUBREC
      case 6: // PUBREL
      case 7: // PUBCOMP
      case UNSUBACK:
        if (flags !== (type === 6 ? 2 : 0) || end - self.pos !== 2) return self.fail('bad ack packet ' + type);
        p.id = self.u16();
        return p;
      case SUBACK:
        if (flags || end - self.pos < 3) return self.fail('bad SUBACK');
        p.id = self.u16();
        p.codes = [];
        while (self.pos < end) {
          i = b.charCodeAt(self.pos++);
          if (i > 2 && i !== 0x80) return self.fail('bad SUBACK code');
          p.codes.push(i);
        }
        return p;
      case PINGREQ:
      case PINGRESP:
      case DISCONNECT:
        if (flags || end !== self.pos) return self.fail('bad packet ' + type);
        return p;
      case SUBSCRIBE:
      case UNSUBSCRIBE:
        if (flags !== 2) return self.fail('bad flags');
        p.id = self.u16();
        p.topics = [];
        if (type === SUBSCRIBE) p.codes = [];
        while (self.pos < end) {
          s = self.str();
          if (s === null || (s = utf8Decode(s)) === null) return self.fail('bad topic filter');
          p.topics.push(s);
          if (type === SUBSCRIBE) {
            if (self.pos >= end) return self.fail('bad SUBSCRIBE');
            p.codes!.push(b.charCodeAt(self.pos++));
          }
        }
        if (!p.topics.length) return self.fail('empty topic list');
        return p;
      case CONNECT:
        s = self.str();
        if (flags || s !== 'MQTT' || b.charCodeAt(self.pos) !== 4) return self.fail('bad CONNECT');
        i = b.charCodeAt(self.pos + 1);
        self.pos += 2;
        p.keepAlive = self.u16();
        p.clean = (i & 2) !== 0;
        p.clientId = utf8Decode(self.str() || '') || '';
        if (i & 4) {
          p.will = { topic: utf8Decode(self.str() || '') || '', payload: self.str() || '', qos: (i >> 3) & 3, retain: (i & 32) !== 0 };
          p.will.payload = utf8Decode(p.will.payload) || p.will.payload;
        }
        if (i & 128) p.username = utf8Decode(self.str() || '') || '';
        if (i & 64) p.password = self.str() || '';
        if (self.pos !== end) return self.fail('bad CONNECT');
        return p;
    }
    return self.fail('bad packet type ' + type);
  }
}
