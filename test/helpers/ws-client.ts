// A minimal RFC 6455 client on node:net for tests: the handshake by hand, masked frames out,
// frames parsed in (Node 20 has no WebSocket client).
import * as net from 'node:net';
import * as crypto from 'node:crypto';

export interface WsFrame {
  fin: boolean;
  opcode: number;
  data: Buffer;
}

export class WsTestClient {
  sock: net.Socket;
  key = crypto.randomBytes(16).toString('base64');
  buf = Buffer.alloc(0);
  /** HTTP status of the handshake answer (101 when upgraded), 0 until it is in. */
  status = 0;
  head = '';
  frames: WsFrame[] = [];
  closed = false;
  private waiters: (() => void)[] = [];

  /** `firstBytes`: sent right after the handshake request, in the same write (frames before the 101). */
  constructor(port: number, path = '/ws', headers: { [k: string]: string } = {}, firstBytes?: Buffer) {
    this.sock = net.connect(port, '127.0.0.1');
    this.sock.on('error', () => undefined);
    let req =
      'GET ' + path + ' HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: ' + this.key + '\r\nSec-WebSocket-Version: 13\r\n';
    for (const k in headers) req += k + ': ' + headers[k] + '\r\n';
    const head = Buffer.from(req + '\r\n');
    this.sock.write(firstBytes ? Buffer.concat([head, firstBytes]) : head);
    this.sock.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.parse();
      this.wake();
    });
    this.sock.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  private parse() {
    if (!this.status) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      this.head = this.buf.subarray(0, end).toString('latin1');
      this.status = parseInt(this.head.split(' ')[1], 10);
      this.buf = this.buf.subarray(end + 4);
    }
    if (this.status !== 101) return; // the rest is an HTTP body
    for (;;) {
      if (this.buf.length < 2) return;
      let n = this.buf[1] & 127;
      let at = 2;
      if (n === 126) {
        if (this.buf.length < 4) return;
        n = this.buf.readUInt16BE(2);
        at = 4;
      } else if (n === 127) throw new Error('unexpected 64-bit length');
      if (this.buf.length < at + n) return;
      this.frames.push({ fin: (this.buf[0] & 0x80) !== 0, opcode: this.buf[0] & 15, data: this.buf.subarray(at, at + n) });
      this.buf = this.buf.subarray(at + n);
    }
  }
  private wake() {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
  /** Resolves once `test()` holds, checking on every event. */
  until(test: () => boolean, what: string, ms = 5000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for ' + what)), ms);
      const check = () => {
        if (test()) {
          clearTimeout(timer);
          resolve();
        } else this.waiters.push(check);
      };
      check();
    });
  }
  opened() {
    return this.until(() => this.status !== 0, 'handshake');
  }
  texts(): any[] {
    return this.frames.filter((f) => f.opcode === 1).map((f) => JSON.parse(f.data.toString('utf8')));
  }
  /** The HTTP body of a refused handshake. */
  body(): string {
    return this.buf.toString('utf8');
  }
  nextText(count: number) {
    return this.until(() => this.texts().length >= count, count + ' text frames');
  }
  closeFrame(): WsFrame | undefined {
    return this.frames.filter((f) => f.opcode === 8)[0];
  }
  /** A masked client frame; `fin` false for the first parts of a fragmented message. */
  static frame(opcode: number, payload: Buffer, fin = true): Buffer {
    const mask = crypto.randomBytes(4);
    const n = payload.length;
    const head = n < 126 ? Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | n]) : Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | 126, n >> 8, n & 255]);
    const body = Buffer.alloc(n);
    for (let i = 0; i < n; i++) body[i] = payload[i] ^ mask[i & 3];
    return Buffer.concat([head, mask, body]);
  }
  send(opcode: number, payload: string | Buffer, fin = true) {
    this.sock.write(WsTestClient.frame(opcode, typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload, fin));
  }
  destroy() {
    this.sock.destroy();
  }
}
