// Outgoing HTTP(S) requests on Espruino (emoncms, OhmConnect, Tesla): require("http").request with
// an options object parsed from the URL; `https:` goes through the same module on Espruino (the
// interpreter opens TLS when the protocol says so). The timeout is a timer that ends the request.
import { HttpClient, HttpClientRequest, HttpClientCallback } from '../types';

export var espruinoHttpClient: HttpClient = {
  request: function (r: HttpClientRequest, cb: HttpClientCallback): void {
    var done = false;
    var max = r.maxBytes || 4096;
    var req: any = null;
    var timer: any = null;
    var finish = function (err: string | null, status: number, body: string) {
      if (done) return;
      done = true;
      if (timer !== null) clearTimeout(timer);
      cb(err, status, body);
    };
    // `http://host:port/path?q` → request options, or null. No regex: Espruino's is unreliable.
    // (Inline: a helper function would cost JsVars all the time.)
    var o: any = null;
    var url = r.url;
    var p = url.indexOf('://');
    var protocol = p < 0 ? '' : url.substr(0, p + 1);
    if (protocol === 'http:' || protocol === 'https:') {
      var rest = url.substr(p + 3);
      var slash = rest.indexOf('/');
      var hostPort = slash < 0 ? rest : rest.substr(0, slash);
      var colon = hostPort.indexOf(':');
      o = {
        protocol: protocol,
        host: colon < 0 ? hostPort : hostPort.substr(0, colon),
        port: colon < 0 ? (protocol === 'https:' ? 443 : 80) : parseInt(hostPort.substr(colon + 1), 10),
        path: slash < 0 ? '/' : rest.substr(slash),
      };
    }
    if (!o || !o.host) {
      finish('bad url', 0, '');
      return;
    }
    o.method = r.method;
    o.headers = {};
    for (var k in r.headers || {}) o.headers[k] = (r.headers as any)[k];
    if (r.body !== undefined) o.headers['Content-Length'] = r.body.length;
    timer = setTimeout(function () {
      timer = null;
      finish('timeout', 0, '');
      try {
        if (req) req.end();
      } catch (e) {}
    }, r.timeoutMs);
    try {
      req = require('http').request(o, function (res: any) {
        var body = '';
        res.on('data', function (chunk: string) {
          body += chunk;
          if (body.length > max) {
            body = '';
            finish('response too long', 0, '');
          }
        });
        res.on('close', function () {
          finish(null, res.statusCode | 0, body);
        });
      });
      req.on('error', function (e: any) {
        finish(String((e && e.message) || e || 'request failed'), 0, '');
      });
      req.end(r.body);
    } catch (e) {
      // the Linux build throws at once on a refused connection or a name that does not resolve
      finish(String((e as any).message || e), 0, '');
    }
  },
};
