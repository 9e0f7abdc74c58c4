// A small RFC 6455 WebSocket server for `/ws`: the handshake, a frame codec for what a browser or
// a client library sends (masked frames, text, fragments, ping, close; no extensions), and a hub
// that keeps a bounded set of clients and broadcasts JSON to them.
// Sizes are small on purpose: the device has a few thousand JsVars, so a frame or message over
// `maxFrame` bytes is refused (close 1009) as soon as its header says so, before it is buffered.
// Bytes are binary strings (one char per byte); text goes out and comes in as UTF-8.
import { HttpRequest, HttpResponse, HttpServer, Crypto, RawSocket, Clock } from '../hal/types';
import { find } from '../core/text';

export var WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** `Sec-WebSocket-Accept` for a client's `Sec-WebSocket-Key`. */
export function acceptKey(key: string, crypto: Crypto): string {
  return btoa(crypto.sha1(key + WS_GUID));
}

/** One unmasked, final server frame. Opcodes: 1 text, 2 binary, 8 close, 9 ping, 10 pong. */
export function encodeFrame(opcode: number, payload: string): string {
  var n = payload.length;
  var head = String.fromCharCode(0x80 | opcode);
  if (n < 126) head += String.fromCharCode(n);
  else if (n < 65536) head += String.fromCharCode(126, n >> 8, n & 255);
  else head += String.fromCharCode(127, 0, 0, 0, 0, (n >>> 24) & 255, (n >> 16) & 255, (n >> 8) & 255, n & 255);
  return head + payload;
}

export interface WsFrame {
  fin: boolean;
  opcode: number;
  /** The payload, unmasked. */
  data: string;
  /** Bytes of the buffer this frame took. */
  size: number;
  /** A close code when the frame is refused (1002 protocol error, 1009 too big), else 0. */
  error: number;
}

/**
 * Decodes the client frame at the start of `buf`: null while it is incomplete. Refuses unmasked
 * frames, reserved bits and opcodes, bad control frames (1002), payloads over `max` bytes and
 * 64-bit lengths (1009) as soon as the header is in.
 */
export function parseFrame(buf: string, max: number): WsFrame | null {
  if (buf.length < 2) return null;
  var b0 = buf.charCodeAt(0);
  var b1 = buf.charCodeAt(1);
  var fin = (b0 & 0x80) !== 0;
  var opcode = b0 & 15;
  var n = b1 & 127;
  var at = 2;
  var refused = 0;
  if (b0 & 0x70 || !(b1 & 0x80)) refused = 1002;
  else if ((opcode > 2 && opcode < 8) || opcode > 10) refused = 1002;
  else if (opcode >= 8 && (!fin || n > 125)) refused = 1002;
  else if (n === 127) refused = 1009;
  else if (n === 126) {
    if (buf.length < 4) return null;
    n = (buf.charCodeAt(2) << 8) | buf.charCodeAt(3);
    at = 4;
  }
  if (!refused && n > max) refused = 1009;
  if (refused) return { fin: true, opcode: 0, data: '', size: 0, error: refused };
  if (buf.length < at + 4 + n) return null;
  var mask = [buf.charCodeAt(at), buf.charCodeAt(at + 1), buf.charCodeAt(at + 2), buf.charCodeAt(at + 3)];
  at += 4;
  var data = '';
  for (var i = 0; i < n; i++) data += String.fromCharCode(buf.charCodeAt(at + i) ^ mask[i & 3]);
  return { fin: fin, opcode: opcode, data: data, size: at + n, error: 0 };
}

// Native regex test: far cheaper on the interpreter than a loop over the characters. A literal
// in each function, not a module constant: a live RegExp object costs ~15 JsVars, one made per
// call is garbage at once.

/**
 * A JS string as UTF-8 bytes. Espruino has no `unescape`, and its encodeURIComponent does not
 * produce UTF-8, so this is done by hand; JSON from the interpreter is ASCII and passes straight.
 */
export function utf8Encode(s: string): string {
  if (!/[^\x00-\x7f]/.test(s)) return s;
  var out = '';
  for (var i = 0; i < s.length; i++) {
    var c = s.charCodeAt(i);
    if (c < 0x80) out += s.charAt(i);
    else if (c < 0x800) out += String.fromCharCode(0xc0 | (c >> 6), 0x80 | (c & 63));
    else {
      if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
        var d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d < 0xe000) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          out += String.fromCharCode(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
          i++;
          continue;
        }
      }
      if (c >= 0xd800 && c < 0xe000) c = 0xfffd; // a lone surrogate
      out += String.fromCharCode(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    }
  }
  return out;
}

/** UTF-8 bytes as a JS string; null if they are not valid UTF-8 (overlong, surrogates, cut). */
export function utf8Decode(s: string): string | null {
  if (!/[^\x00-\x7f]/.test(s)) return s;
  var out = '';
  var i = 0;
  while (i < s.length) {
    var c = s.charCodeAt(i);
    if (c < 0x80) {
      out += s.charAt(i++);
      continue;
    }
    var need = c >= 0xc2 && c < 0xe0 ? 1 : c >= 0xe0 && c < 0xf0 ? 2 : c >= 0xf0 && c < 0xf5 ? 3 : 0;
    if (!need || i + need >= s.length) return null;
    var cp = c & (need === 1 ? 31 : need === 2 ? 15 : 7);
    for (var k = 1; k <= need; k++) {
      var d = s.charCodeAt(i + k);
      if ((d & 0xc0) !== 0x80) return null;
      cp = (cp << 6) | (d & 63);
    }
    if (cp < (need === 1 ? 0x80 : need === 2 ? 0x800 : 0x10000) || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) return null;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out += String.fromCharCode(0xd800 + (cp >> 10), 0xdc00 + (cp & 1023));
    } else out += String.fromCharCode(cp);
    i += need + 1;
  }
  return out;
}

export interface WsClient {
  sock: RawSocket;
  /** Bytes received but not yet a whole frame. */
  rx: string;
  /** A fragmented message being put together, and its opcode (0: none). */
  msg: string;
  msgOp: number;
  open: boolean;
  /** Heard from since the last keep-alive ping. */
  alive: boolean;
}

export interface WsHubOptions {
  /** Clients at once (4 on the device); more are refused with HTTP 503. */
  maxClients?: number;
  /** Largest frame payload and message accepted, in bytes (1 KB). */
  maxFrame?: number;
  /** A client with more than this many unsent bytes is dropped when sent to (8 KB). */
  maxPending?: number;
  /** Keep-alive ping period (30 s); a client silent for a whole period is dropped. */
  pingMs?: number;
}

export class WsHub {
  clients: WsClient[] = [];
  /** A client is connected: the place to send it the full status. */
  onOpen: ((c: WsClient) => void) | null = null;
  /** A text message from a client (`{"ping":1}` is answered here and not passed on). */
  onMessage: ((c: WsClient, text: string) => void) | null = null;
  private maxClients: number;
  private maxFrame: number;
  private maxPending: number;
  private pingMs: number;
  private timer: any = null;

  constructor(private http: HttpServer, private crypto: Crypto, private clock: Clock, opts?: WsHubOptions) {
    var o = opts || {};
    this.maxClients = o.maxClients || 4;
    this.maxFrame = o.maxFrame || 1024;
    this.maxPending = o.maxPending || 8192;
    this.pingMs = o.pingMs || 30000;
  }

  /** The `/ws` route: checks the handshake, refuses when full, else upgrades the connection. */
  handle(req: HttpRequest, res: HttpResponse): void {
    var h = req.headers;
    var key = h['sec-websocket-key'];
    var why = '';
    var code = 426;
    if (req.method !== 'GET' || find(String(h['upgrade'] || '').toLowerCase(), 'websocket') < 0) why = 'WebSocket upgrade required';
    else if (h['sec-websocket-version'] !== '13') why = 'WebSocket version 13 required';
    else if (typeof key !== 'string' || key.length !== 24) {
      why = 'Bad Sec-WebSocket-Key';
      code = 400;
    } else if (this.clients.length >= this.maxClients) {
      why = 'Too many WebSocket clients';
      code = 503;
    }
    if (why) {
      res.writeHead(code, { 'Content-Type': 'application/json', 'Sec-WebSocket-Version': '13' });
      res.end(JSON.stringify({ msg: why }));
      return;
    }
    // (acceptKey() inline: one function less on the device)
    var sock = this.http.upgrade(req, res, { Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-WebSocket-Accept': btoa(this.crypto.sha1(key + WS_GUID)) });
    var c: WsClient = { sock: sock, rx: '', msg: '', msgOp: 0, open: true, alive: true };
    this.clients.push(c);
    // One function per client, for both events: 'data' passes a string, 'close' does not (input()
    // tells them apart). Bound, it holds only the hub and the client, not this request.
    var onEvent = this.input.bind(this, c) as () => void;
    sock.on('data', onEvent);
    sock.on('close', onEvent);
    // Espruino reports a peer's hang-up only when something is written to it, so the hub pings:
    // that finds dead connections on both hosts, and a client that does not answer is dropped.
    // input() without a client is the ping; bound, it holds only the hub (a closure here would
    // keep this request alive); the timer runs only while there are clients.
    if (this.timer === null) this.timer = this.clock.setInterval(this.input.bind(this, null), this.pingMs);
    if (this.onOpen) this.onOpen(c);
  }

  /** Sends `obj` as JSON text to one client. */
  send(c: WsClient, obj: any): void {
    if (!c.open) return;
    if (c.sock.pending() > this.maxPending) this.close(c, -1);
    else c.sock.write(encodeFrame(1, utf8Encode(JSON.stringify(obj))));
  }

  /** Sends `obj` as JSON text to every client; the frame is built once. */
  broadcast(obj: any): void {
    if (!this.clients.length) return;
    var frame = encodeFrame(1, utf8Encode(JSON.stringify(obj)));
    for (var i = this.clients.length - 1; i >= 0; i--) {
      var c = this.clients[i];
      if (c.sock.pending() > this.maxPending) this.close(c, -1);
      else c.sock.write(frame);
    }
  }

  /**
   * Bytes from a client's connection; anything else (its 'close' event) means it is gone. Without
   * a client, the keep-alive every `pingMs`: drops the clients not heard from since the last one,
   * pings the others. (One method for both: a method costs JsVars on the device.)
   */
  input(c: WsClient | null, data?: string): void {
    if (!c) {
      for (var i = this.clients.length - 1; i >= 0; i--) {
        c = this.clients[i];
        if (!c.alive) this.close(c, -1);
        else {
          c.alive = false;
          c.sock.write(encodeFrame(9, ''));
        }
      }
      return;
    }
    if (typeof data !== 'string') {
      this.close(c, -2);
      return;
    }
    if (!c.open) return;
    c.alive = true;
    var buf = c.rx + data;
    for (;;) {
      var f = parseFrame(buf, this.maxFrame);
      if (!f) break;
      if (f.error) {
        this.close(c, f.error);
        return;
      }
      buf = buf.substr(f.size);
      // the frame acted on here (a method of its own would cost JsVars): `continue` for the
      // next one, `return` once the client is closed
      var op = f.opcode;
      var payload = f.data;
      switch (op) {
        case 8: {
          // Answer with the same code (an empty close gets an empty one), then hang up.
          var code = payload.length >= 2 ? (payload.charCodeAt(0) << 8) | payload.charCodeAt(1) : 0;
          if (payload.length === 1 || (code && (code < 1000 || (code > 1003 && code < 1007) || (code > 1014 && code < 3000) || code > 4999))) code = 1002;
          this.close(c, code);
          return;
        }
        case 9:
          c.sock.write(encodeFrame(10, payload));
          continue;
        case 10:
          continue;
        case 0:
          if (!c.msgOp) break;
          if (c.msg.length + payload.length > this.maxFrame) {
            this.close(c, 1009);
            return;
          }
          c.msg += payload;
          if (!f.fin) continue;
          op = c.msgOp;
          payload = c.msg;
          c.msg = '';
          c.msgOp = 0;
          break;
        default:
          if (c.msgOp) {
            op = 0; // a new message in the middle of a fragmented one
            break;
          }
          if (!f.fin) {
            c.msgOp = op;
            c.msg = payload;
            continue;
          }
      }
      if (!op) {
        this.close(c, 1002);
        return;
      }
      var text = op === 1 ? utf8Decode(payload) : null;
      if (text === null) {
        this.close(c, op === 1 ? 1007 : 1003); // bad UTF-8; binary is not accepted
        return;
      }
      if (find(text, '"ping"') >= 0) {
        var o: any = null;
        try {
          o = JSON.parse(text);
        } catch (e) {}
        if (o && typeof o === 'object' && o.ping !== undefined) {
          this.send(c, { pong: 1 });
          if (!c.open) return;
          continue;
        }
      }
      if (this.onMessage) this.onMessage(c, text);
      if (!c.open) return;
    }
    c.rx = buf;
  }

  /**
   * Hangs up and forgets a client. `code` ≥ 0: a close frame with that code goes first (0: one
   * without a code); -1: no close frame (it is too slow, or silent); -2: its connection is gone
   * already, only forget it. (One method for the three: a method costs JsVars on the device.)
   */
  close(c: WsClient, code: number): void {
    if (code > -2) {
      if (!c.open) return;
      if (code >= 0) c.sock.write(encodeFrame(8, code ? String.fromCharCode(code >> 8, code & 255) : ''));
      c.sock.end();
    }
    c.open = false;
    c.rx = '';
    c.msg = '';
    var i = this.clients.indexOf(c);
    if (i >= 0) this.clients.splice(i, 1);
    if (!this.clients.length && this.timer !== null) {
      this.clock.clearInterval(this.timer);
      this.timer = null;
    }
  }
}
