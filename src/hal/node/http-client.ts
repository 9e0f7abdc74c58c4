// Outgoing HTTP(S) requests (Emoncms, OhmConnect) on Node: the HAL's HttpClient (src/hal/types.ts).
// On Espruino it will map onto require("http").request(url-options, cb) with res.on('data'/'close')
// and req.on('error'); the timeout there a Clock timer that ends the request and reports 'timeout'.
import * as http from 'node:http';
import * as https from 'node:https';
import { HttpClient, HttpClientRequest, HttpClientCallback } from '../types';

/** The Node implementation on node:http / node:https. */
export var nodeHttpClient: HttpClient = {
  request: function (r: HttpClientRequest, cb: HttpClientCallback): void {
    var done = false;
    var max = r.maxBytes || 4096;
    var deadline: ReturnType<typeof setTimeout> | null = null;
    var finish = function (err: string | null, status: number, body: string) {
      if (done) return;
      done = true;
      if (deadline) clearTimeout(deadline);
      cb(err, status, body);
    };
    var u: URL;
    try {
      u = new URL(r.url);
    } catch (e) {
      finish('bad url', 0, '');
      return;
    }
    var mod: typeof http = u.protocol === 'https:' ? (https as any) : u.protocol === 'http:' ? http : (null as any);
    if (!mod) {
      finish('unsupported protocol ' + u.protocol, 0, '');
      return;
    }
    var headers: { [k: string]: string } = {};
    for (var k in r.headers || {}) headers[k] = (r.headers as any)[k];
    if (r.body !== undefined) headers['content-length'] = String(Buffer.byteLength(r.body, 'latin1'));
    var req = mod.request(u, { method: r.method, headers: headers }, function (res) {
      var body = '';
      res.setEncoding('latin1');
      res.on('data', function (chunk: string) {
        body += chunk;
        if (body.length > max) {
          finish('response too long', 0, '');
          req.destroy();
        }
      });
      res.on('end', function () {
        finish(null, res.statusCode || 0, body);
      });
      res.on('error', function (e: Error) {
        finish(e.message, 0, '');
      });
      res.on('close', function () {
        finish('connection closed', 0, '');
      });
    });
    // The whole request, not only silence (req.setTimeout): a server trickling bytes must not keep
    // a caller waiting past timeoutMs either (the HAL's contract; services rely on it).
    deadline = setTimeout(function () {
      finish('timeout', 0, '');
      req.destroy();
    }, r.timeoutMs);
    req.on('error', function (e: Error) {
      finish(e.message || 'request failed', 0, '');
    });
    req.end(r.body !== undefined ? Buffer.from(r.body, 'latin1') : undefined);
  },
};
