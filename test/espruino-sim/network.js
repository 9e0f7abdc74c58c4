// Espruino's `http` server, `net`/`tls` client sockets and `dgram` on Node sockets, with the
// interpreter's behaviour (libs/network/socketserver.c, 2v29) where the image depends on it:
//  - the handler is called once the headers are in; the request then gets 'data' (binary strings),
//    'end' once Content-Length bytes have arrived (at once without a body), 'close' when the
//    connection is gone; header names are kept as the client sent them;
//  - the answer is `HTTP/1.1 <code> OK` + `Server: Espruino …` + the given headers, with no
//    Content-Length and no keep-alive: the connection closes after end();
//  - write() before writeHead() sends a 200 head; write()/end() after end() throw
//    "This socket is closed"; `res.dSnd` is what is still queued to send;
//  - after `101 Switching Protocols` the same request/response pair carries the raw stream:
//    every byte after the head is request 'data', res.write() sends raw bytes.
// Everything a connection holds is registered with its boot (`ctx.track`), so that a reboot closes it.
'use strict';
const net = require('net');
const tls = require('tls');
const dgram = require('dgram');
const { bytesOf } = require('./storage');

const VERSION = '2v29';
/** Bytes a response may write before its first 'drain' (≈320 JsVars held on the device). */
const MAX_UNSENT = 4096;

/** A minimal event emitter for objects handed to the device; listeners run through ctx.call. */
class Emitter {
  constructor(ctx) {
    Object.defineProperty(this, '_ctx', { value: ctx });
    Object.defineProperty(this, '_on', { value: {} });
  }
  on(event, cb) {
    (this._on[event] || (this._on[event] = [])).push(cb);
    return this;
  }
  removeListener(event, cb) {
    const l = this._on[event];
    if (l && l.indexOf(cb) >= 0) l.splice(l.indexOf(cb), 1);
  }
  removeAllListeners(event) {
    if (event === undefined) for (const k of Object.keys(this._on)) delete this._on[k];
    else delete this._on[event];
  }
  emit(event) {
    const args = [].slice.call(arguments, 1);
    const l = this._on[event];
    if (l) l.slice().forEach((cb) => this._ctx.call(cb, this, args));
  }
}

function latin1(data, what) {
  return bytesOf(data === undefined || data === null ? '' : data, what);
}

class HttpRequest extends Emitter {}

class HttpResponse extends Emitter {
  constructor(ctx, sock) {
    super(ctx);
    Object.defineProperty(this, '_sock', { value: sock });
    Object.defineProperty(this, '_state', { value: { head: false, ended: false } });
  }
  /** What is still waiting to go out, as the interpreter's `dSnd` (only its length is meaningful). */
  get dSnd() {
    const n = this._sock.writableLength;
    return n ? { length: n } : undefined;
  }
  writeHead(code, headers) {
    if (headers !== undefined && (headers === null || typeof headers !== 'object')) throw this._ctx.error('Headers sent to writeHead should be an object');
    if (this._state.head) throw this._ctx.error('Headers have already been sent');
    this._state.head = true;
    let head = 'HTTP/1.1 ' + code + ' OK\r\nServer: Espruino ' + VERSION + '\r\n';
    if (headers) for (const k of Object.keys(headers)) head += k + ': ' + headers[k] + '\r\n';
    this._send(head + '\r\n');
  }
  write(data) {
    if (this._state.ended || this._sock.destroyed) throw this._ctx.error('This socket is closed');
    if (!this._state.head) this.writeHead(200);
    if (data !== undefined) this._send(data);
  }
  end(data) {
    this.write(data);
    this._state.ended = true;
    this._sock.end();
  }
  _send(data) {
    if (this._sock.destroyed) return;
    const bytes = latin1(data, 'http response');
    // Espruino keeps what a response has written in RAM (dSnd) until the network takes it; a
    // handler must wait for 'drain' rather than write a long answer at once.
    const st = this._state;
    st.unsent = (st.unsent || 0) + bytes.length;
    if (st.unsent > MAX_UNSENT && !st.reported) {
      st.reported = true;
      const msg = 'a response wrote ' + st.unsent + ' bytes without waiting for drain (held in RAM on the device)';
      this._ctx.device.errors.push(msg);
      this._ctx.device.log('espruino-sim: ' + msg + '\n');
    }
    this._sock.write(bytes, () => {
      if (st.ended || this._sock.destroyed || this._sock.writableLength) return;
      st.unsent = 0;
      this.emit('drain');
    });
  }
}

/** The handler's view of one connection: parses the head, then streams the body. */
function serveConnection(ctx, handler, sock) {
  let buf = '';
  let req = null;
  let res = null;
  let remaining = 0;
  let chunked = false;
  let ended = false;
  const endIfDone = () => {
    if (!ended && remaining <= 0 && !chunked) {
      ended = true;
      req.emit('end');
    }
  };
  const body = (s) => {
    if (!s.length) return;
    if (chunked) s = dechunk(s);
    if (s.length) req.emit('data', s);
    remaining -= s.length;
    endIfDone();
  };
  // Chunked request bodies: the interpreter takes them apart the same way (socketserver.c).
  let chunkBuf = '';
  const dechunk = (s) => {
    chunkBuf += s;
    let out = '';
    for (;;) {
      const eol = chunkBuf.indexOf('\r\n');
      if (eol < 0) break;
      const len = parseInt(chunkBuf.substring(0, eol), 16);
      if (chunkBuf.length < eol + 2 + len + 2) break;
      out += chunkBuf.substr(eol + 2, len);
      chunkBuf = chunkBuf.substring(eol + 2 + len + 2);
      if (len === 0) {
        chunked = false;
        remaining = 0;
        setImmediate(endIfDone);
        break;
      }
    }
    remaining += out.length; // counted down again by body()
    return out;
  };
  sock.on('data', (b) => {
    if (!ctx.alive) return;
    const s = b.toString('latin1');
    if (req) return body(s);
    buf += s;
    const at = buf.indexOf('\r\n\r\n');
    if (at < 0) {
      if (buf.length > 8192) sock.destroy();
      return;
    }
    const lines = buf.substring(0, at).split('\r\n');
    const rest = buf.substring(at + 4);
    buf = '';
    const first = lines[0].split(' ');
    req = new HttpRequest(ctx);
    req.method = first[0];
    req.url = first[1];
    req.headers = {};
    for (let i = 1; i < lines.length; i++) {
      const c = lines[i].indexOf(':');
      if (c > 0) req.headers[lines[i].substring(0, c)] = lines[i].substring(c + 1).replace(/^\s+/, '');
    }
    for (const k of Object.keys(req.headers)) {
      const lk = k.toLowerCase();
      if (lk === 'content-length') remaining = parseInt(req.headers[k], 10) || 0;
      if (lk === 'transfer-encoding' && /chunked/i.test(req.headers[k])) chunked = true;
    }
    res = new HttpResponse(ctx, sock);
    ctx.call(handler, null, [req, res]);
    // Espruino queues the body and 'end' as events after the handler has run.
    setImmediate(() => {
      if (!ctx.alive) return;
      if (rest.length) body(rest);
      else endIfDone();
    });
  });
  sock.on('error', () => undefined);
  sock.on('close', () => {
    if (!req || !ctx.alive) return;
    req.emit('close');
    res.emit('close');
  });
}

/**
 * http.request / http.get as Espruino's client: `statusCode` is a string (socketserver.c parses it
 * out of the status line), body chunks are 'data' binary strings, 'close' ends the answer, a
 * failure is the request's 'error'. Header names arrive lower-cased (Node's parser), not as sent.
 */
function httpRequest(ctx, options, cb) {
  const o = typeof options === 'string' ? new URL(options) : options;
  const secure = o.protocol === 'https:';
  const mod = secure ? require('https') : require('http');
  const req = new Emitter(ctx);
  const r = mod.request({
    host: o.host || o.hostname,
    port: o.port,
    path: o.path || (o.pathname ? o.pathname + (o.search || '') : '/'),
    method: o.method || 'GET',
    headers: o.headers,
    agent: false,
    rejectUnauthorized: o.rejectUnauthorized !== false,
  });
  r.on('response', (res) => {
    const out = new Emitter(ctx);
    out.statusCode = String(res.statusCode);
    out.statusMessage = res.statusMessage;
    out.httpVersion = res.httpVersion;
    out.headers = vmObject(ctx, res.headers);
    if (cb) ctx.call(cb, null, [out]);
    res.on('data', (b) => out.emit('data', b.toString('latin1')));
    res.on('end', () => out.emit('close'));
    res.on('error', () => out.emit('close'));
  });
  r.on('error', (e) => req.emit('error', { code: -1, message: e.message }));
  req.write = (data) => r.write(latin1(data, 'http request'));
  req.end = (data) => r.end(data === undefined ? undefined : latin1(data, 'http request'));
  ctx.track(() => r.destroy());
  return req;
}

function vmObject(ctx, o) {
  return ctx.global.JSON.parse(JSON.stringify(o));
}

function httpModule(ctx) {
  return {
    request: (options, cb) => httpRequest(ctx, options, cb),
    get: (options, cb) => {
      const req = httpRequest(ctx, options, cb);
      req.end();
      return req;
    },
    createServer(handler) {
      let server = null;
      const conns = new Set();
      const api = {
        listen(port) {
          if (server) throw ctx.error('espruino-sim: listen() called twice');
          server = net.createServer((sock) => {
            if (!ctx.alive) return sock.destroy();
            conns.add(sock);
            sock.on('close', () => conns.delete(sock));
            serveConnection(ctx, handler, sock);
          });
          // Espruino binds every interface; the sim keeps to loopback.
          server.on('error', (e) => ctx.uncaught(new Error('InternalError: Unable to create socket (' + e.message + ')')));
          server.listen(port, '127.0.0.1');
          ctx.track(() => api.close());
          return api;
        },
        close() {
          if (!server) return Promise.resolve();
          const s = server;
          server = null;
          for (const c of conns) c.destroy();
          return new Promise((resolve) => s.close(() => resolve()));
        },
      };
      return api;
    },
  };
}

/** A client socket as Espruino gives it: 'data' (binary strings), 'close', 'error', write/end. */
function clientSocket(ctx, connect, cb) {
  const sock = new Emitter(ctx);
  const s = connect();
  s.on('connect', () => cb && ctx.call(cb, sock, []));
  s.on('secureConnect', () => cb && ctx.call(cb, sock, []));
  s.on('data', (b) => sock.emit('data', b.toString('latin1')));
  // On the ESP32 a refused connection arrives as 'error' then 'close' (the Linux build throws).
  s.on('error', (e) => sock.emit('error', { code: -1, message: e.message }));
  s.on('close', () => sock.emit('close', false));
  sock.write = (data) => {
    if (s.destroyed) throw ctx.error('This socket is closed');
    s.write(latin1(data, 'socket write'));
  };
  sock.end = (data) => {
    if (data !== undefined) sock.write(data);
    s.end();
  };
  ctx.track(() => s.destroy());
  return sock;
}

function netModule(ctx) {
  return {
    connect(opts, cb) {
      return clientSocket(ctx, () => net.connect({ host: opts.host, port: opts.port }), cb);
    },
  };
}

function tlsModule(ctx) {
  return {
    connect(opts, cb) {
      return clientSocket(
        ctx,
        () =>
          tls.connect({
            host: opts.host,
            port: opts.port,
            servername: opts.host,
            ca: opts.ca,
            key: opts.key,
            cert: opts.cert,
            rejectUnauthorized: opts.rejectUnauthorized !== false,
          }),
        cb
      );
    },
  };
}

function dgramModule(ctx) {
  return {
    createSocket(type) {
      if (type !== 'udp4' && !(type && type.type === 'udp4')) throw ctx.error('espruino-sim: only udp4 sockets');
      const sock = new Emitter(ctx);
      const s = dgram.createSocket({ type: 'udp4', reuseAddr: true });
      s.on('message', (msg, rinfo) => sock.emit('message', msg.toString('latin1'), { address: rinfo.address, port: rinfo.port, size: rinfo.size }));
      s.on('error', (e) => {
        // Binding port 53 etc. needs root on a host; the device has no such rule. Said, not thrown.
        ctx.device.log('espruino-sim: udp: ' + e.message + '\n');
        sock.emit('error', { message: e.message });
      });
      let closed = false;
      sock.bind = (port, cb) => {
        s.bind(port, () => cb && ctx.call(cb, sock, []));
        return sock;
      };
      sock.send = (data, port, host, cb) => {
        s.send(latin1(data, 'udp send'), port, host, () => cb && ctx.call(cb, sock, []));
      };
      sock.addMembership = (group, iface) => s.addMembership(group, iface);
      sock.close = () => {
        if (closed) return;
        closed = true;
        try {
          s.close();
        } catch (e) {
          // not bound yet
        }
      };
      ctx.track(() => sock.close());
      return sock;
    },
  };
}

module.exports = { Emitter, httpModule, netModule, tlsModule, dgramModule };
