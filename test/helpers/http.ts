// HTTP helpers for the integration tests: fetch for ordinary requests; node:http for paths that
// fetch would normalise (`/a/../b`, `%2e%2e`); node:net for byte-exact requests (slow bodies,
// chunked uploads, headers without a body).
import * as http from 'node:http';
import * as net from 'node:net';

export interface Reply {
  status: number;
  headers: { [k: string]: string };
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: any;
}

function parse(text: string): any {
  try {
    return JSON.parse(text);
  } catch (e) {
    return undefined;
  }
}

/** fetch, with the body read and (when it is JSON) parsed. `body` objects are sent as JSON. */
export async function call(base: string, method: string, path: string, body?: any, headers: { [k: string]: string } = {}): Promise<Reply> {
  const init: any = { method, headers: { ...headers } };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(base + path, init);
  const text = await res.text();
  const h: { [k: string]: string } = {};
  res.headers.forEach((v, k) => (h[k] = v));
  return { status: res.status, headers: h, text, json: parse(text) };
}

/** node:http with the path sent exactly as given. */
export function rawPath(port: number, method: string, path: string, body?: string, headers: { [k: string]: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode || 0, headers: res.headers as any, text, json: parse(text) });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/**
 * A connection on node:net that writes what the test says, when it says it, and collects the
 * answer: for slow bodies, chunked uploads, and answers that come before the body is sent.
 */
export class RawConn {
  sock: net.Socket;
  data = '';
  closed = false;
  private waiters: (() => void)[] = [];

  constructor(port: number) {
    this.sock = net.connect(port, '127.0.0.1');
    this.sock.on('error', () => undefined);
    this.sock.on('data', (d: Buffer) => {
      this.data += d.toString('latin1');
      this.wake();
    });
    this.sock.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }
  connected(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.sock.connecting) return resolve();
      this.sock.once('connect', () => resolve());
      this.sock.once('error', reject);
    });
  }
  write(s: string) {
    this.sock.write(Buffer.from(s, 'latin1'));
  }
  private wake() {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
  until(test: () => boolean, what: string, ms = 5000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for ' + what + '; got ' + JSON.stringify(this.data))), ms);
      const check = () => {
        if (test()) {
          clearTimeout(timer);
          resolve();
        } else this.waiters.push(check);
      };
      check();
    });
  }
  /** The status code of the first response, 0 until its status line is in. */
  status(): number {
    const m = /^HTTP\/1\.1 (\d{3})/.exec(this.data);
    return m ? parseInt(m[1], 10) : 0;
  }
  /** Waits for a whole first response (head, and a body by Content-Length or chunked). */
  async response(ms = 5000): Promise<Reply> {
    let r: Reply | null = null;
    await this.until(() => (r = parseResponse(this.data)) !== null || this.closed, 'a response', ms);
    r = r || parseResponse(this.data, true);
    if (!r) throw new Error('no response; got ' + JSON.stringify(this.data));
    return r;
  }
  destroy() {
    this.sock.destroy();
  }
}

/** Parses one HTTP response from raw text; null when incomplete (unless `atEof`). */
export function parseResponse(raw: string, atEof = false): Reply | null {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const lines = raw.substring(0, end).split('\r\n');
  const status = parseInt(lines[0].split(' ')[1], 10);
  const headers: { [k: string]: string } = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    headers[l.substring(0, i).trim().toLowerCase()] = l.substring(i + 1).trim();
  }
  let rest = raw.substring(end + 4);
  let body: string;
  if (headers['content-length'] !== undefined) {
    const n = parseInt(headers['content-length'], 10);
    if (rest.length < n) return null;
    body = rest.substring(0, n);
  } else if ((headers['transfer-encoding'] || '').toLowerCase() === 'chunked') {
    body = '';
    for (;;) {
      const nl = rest.indexOf('\r\n');
      if (nl < 0) return null;
      const n = parseInt(rest.substring(0, nl), 16);
      if (n === 0) break;
      if (rest.length < nl + 2 + n + 2) return null;
      body += rest.substr(nl + 2, n);
      rest = rest.substring(nl + 2 + n + 2);
    }
  } else {
    if (!atEof) return null;
    body = rest;
  }
  const text = Buffer.from(body, 'latin1').toString('utf8');
  return { status, headers, text, json: parse(text) };
}
