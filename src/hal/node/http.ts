// The HTTP server on node:http, with bodies passed as binary strings like Espruino's.
// Requests that ask for an upgrade (node's 'upgrade' event) go to the same handler, with a
// response written by hand on the socket, so the handler can refuse them (404, 503) or pass them
// to upgrade() (WebSocket).
import * as http from 'node:http';
import * as net from 'node:net';
import { HttpServer, HttpHandler, HttpRequest, HttpResponse, RawSocket } from '../types';

function wrapRequest(req: http.IncomingMessage, res: http.ServerResponse | null): HttpRequest {
  var upgrading = !res;
  var wrapped: any = {
    method: req.method || 'GET',
    url: req.url || '/',
    headers: req.headers,
    on: function (event: string, cb: any) {
      // An upgrade request has no body: the bytes after its header belong to the new protocol.
      if (upgrading) {
        if (event === 'end') setImmediate(cb);
        else if (event === 'close') req.socket.on('close', cb);
      } else if (event === 'close') {
        // A request's own 'close' comes as soon as its body is read; the connection's end (or
        // the answer's) is what the HAL means.
        (res as http.ServerResponse).on('close', cb);
      } else if (event === 'data')
        req.on('data', function (b: Buffer) {
          cb(b.toString('latin1'));
        });
      else req.on(event, cb);
    },
  };
  return wrapped;
}

/** The response to an upgrade request that is answered as plain HTTP: then the connection closes. */
function rawResponse(sock: net.Socket, head: Buffer): HttpResponse {
  var headSent = false;
  function writeHead(code: number, headers?: { [name: string]: string }) {
    if (headSent) return;
    headSent = true;
    var text = 'HTTP/1.1 ' + code + ' ' + (http.STATUS_CODES[code] || 'Unknown') + '\r\n';
    var hasConnection = false;
    for (var k in headers || {}) {
      text += k + ': ' + (headers as any)[k] + '\r\n';
      if (k.toLowerCase() === 'connection') hasConnection = true;
    }
    if (!hasConnection) text += 'Connection: close\r\n';
    if (!sock.destroyed) sock.write(Buffer.from(text + '\r\n', 'latin1'));
  }
  var drain: (() => void) | null = null;
  var out: any = {
    writeHead: writeHead,
    write: function (d: string) {
      writeHead(200);
      if (!sock.destroyed)
        sock.write(Buffer.from(d, 'latin1'), function () {
          if (drain && !sock.writableEnded && !sock.writableLength) drain();
        });
    },
    end: function (d?: string) {
      if (d !== undefined) out.write(d);
      else writeHead(200);
      drain = null;
      sock.end();
    },
    on: function (event: string, cb: () => void) {
      if (event === 'drain') drain = cb;
    },
  };
  // For upgrade(): where the connection is, and what the client sent after its request header.
  out._upgrade = { sock: sock, head: head, claimed: false };
  return out;
}

/** How long a connection we ended may wait for the peer to close its side. */
var END_GRACE_MS = 2000;

function rawSocket(sock: net.Socket, head: Buffer): RawSocket {
  sock.setNoDelay(true);
  sock.setTimeout(0);
  // The peer's FIN ends the stream: close our side too (http.Server sockets allow half-open).
  sock.on('end', function () {
    sock.end();
  });
  return {
    write: function (d) {
      if (!sock.destroyed && sock.writable) sock.write(Buffer.from(d, 'latin1'));
    },
    end: function () {
      if (sock.destroyed) return;
      sock.end();
      setTimeout(function () {
        sock.destroy();
      }, END_GRACE_MS).unref();
    },
    pending: function () {
      return sock.writableLength;
    },
    on: function (event: string, cb: any) {
      if (event === 'data') {
        sock.on('data', function (b: Buffer) {
          cb(b.toString('latin1'));
        });
        if (head.length) {
          var first = head.toString('latin1');
          head = Buffer.alloc(0);
          process.nextTick(function () {
            cb(first);
          });
        }
      } else if (event === 'close')
        sock.on('close', function () {
          cb();
        });
    },
  };
}

export function nodeHttpServer(onListening?: (port: number) => void): HttpServer & { close(): void } {
  var server: http.Server | null = null;
  /** Upgrade connections: http.Server no longer tracks them, close() ends them. */
  var upgraded: net.Socket[] = [];
  return {
    listen: function (port, handler: HttpHandler) {
      server = http.createServer(function (req, res) {
        var drain: (() => void) | null = null;
        var out: any = {
          writeHead: function (code: number, headers?: any) {
            res.writeHead(code, headers);
          },
          write: function (d: string) {
            res.write(Buffer.from(d, 'latin1'), function () {
              if (drain && !res.writableEnded && !res.writableLength) drain();
            });
          },
          end: function (d?: string) {
            drain = null;
            res.end(d === undefined ? undefined : Buffer.from(d, 'latin1'));
          },
          on: function (event: string, cb: () => void) {
            if (event === 'drain') drain = cb;
          },
        };
        handler(wrapRequest(req, res), out);
      });
      server.on('upgrade', function (req: http.IncomingMessage, sock: net.Socket, head: Buffer) {
        // A reset connection emits 'error' then 'close'; without a listener 'error' would throw.
        sock.on('error', function () {});
        upgraded.push(sock);
        sock.on('close', function () {
          var i = upgraded.indexOf(sock);
          if (i >= 0) upgraded.splice(i, 1);
        });
        handler(wrapRequest(req, null), rawResponse(sock, head));
      });
      server.listen(port, function () {
        var addr = server && (server.address() as any);
        if (onListening) onListening(addr ? addr.port : port);
      });
    },
    upgrade: function (req, res, headers) {
      var u = (res as any)._upgrade;
      if (!u || u.claimed) throw new Error('upgrade: not an upgrade request, or already answered');
      u.claimed = true;
      var text = 'HTTP/1.1 101 Switching Protocols\r\n';
      for (var k in headers) text += k + ': ' + headers[k] + '\r\n';
      u.sock.write(Buffer.from(text + '\r\n', 'latin1'));
      return rawSocket(u.sock, u.head);
    },
    close: function () {
      if (server) server.close();
      var socks = upgraded.slice();
      for (var i = 0; i < socks.length; i++) socks[i].destroy();
    },
  };
}
