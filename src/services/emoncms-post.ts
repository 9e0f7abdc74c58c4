// One emoncms post and its answer, for the resident service in services/emoncms.ts: that loads
// this module for each post and keeps nothing of it, so on the ESP32 (a `lazy:` import in
// src/main/espruino.ts) these functions exist only while a post is out. Nothing here may stay
// referenced after the answer: the HTTP callback is the only closure made here, the HTTP client
// drops it once called, and the 30 s timer belongs to the service (EmoncmsService.start()).
import type { EmoncmsService } from './emoncms';
import { find } from '../core/text';

/** The first wait after a failure: one interval (services/emoncms.ts), doubling to 5 min. */
var INTERVAL_MS = 30000;
var TIMEOUT_MS = 10000;
var BACKOFF_MAX_MS = 300000;
var MESSAGE_MAX = 64;

/** Publishes emoncms_connected / emoncms_message when they change (and the counters then). */
function setState(svc: EmoncmsService, connected: number, msg: string): void {
  msg = msg.substr(0, MESSAGE_MAX);
  if (connected === svc.connected && msg === svc.message) return;
  svc.connected = connected;
  svc.message = msg;
  svc.gw.publish(svc.statusFields({}));
}

/** Reads the answer to the post out: success, or why not (and the next back-off). */
function answer(svc: EmoncmsService, err: string | null, status: number, body: string): void {
  var ok = false;
  var msg: string;
  if (err) msg = 'Failed to connect: ' + err;
  else {
    var text = body.trim();
    var json: any = null;
    if (text.charAt(0) === '{') {
      try {
        json = JSON.parse(text);
      } catch (e) {
        json = null;
      }
    }
    ok = status >= 200 && status < 300 && (text === 'ok' || (json !== null && json.success === true));
    if (ok) msg = 'Connected';
    else if (json && typeof json.message === 'string' && json.message) msg = json.message;
    else msg = 'HTTP ' + status + (text ? ': ' + text : '');
  }
  if (ok) {
    svc.success++;
    svc.backoff = svc.notBefore = 0;
  } else {
    svc.backoff = svc.backoff ? Math.min(svc.backoff * 2, BACKOFF_MAX_MS) : INTERVAL_MS;
    svc.notBefore = svc.gw.hal.clock.now() + svc.backoff - 1000;
    svc.gw.hal.log('warn', 'emoncms: ' + msg);
  }
  setState(svc, ok ? 1 : 0, msg);
}

/** `<emoncms_server>/input/post?fulljson=...&node=...&apikey=...` with the plain values of `data`. */
function postUrl(svc: EmoncmsService, data: { [key: string]: any } | null): string {
  var gw = svc.gw;
  var doc: { [key: string]: any } = {};
  // the status document a part at a time: never a whole copy beside `doc`
  var n = 0;
  var src = data || gw.statusPart(n++);
  while (src) {
    for (var k in src) {
      var v = src[k];
      if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') doc[k] = v;
    }
    src = data ? null : gw.statusPart(n++);
  }
  var c = gw.config;
  var server = c.get('emoncms_server');
  if (find(server, '://') < 0) server = 'http://' + server;
  while (server.length && server.charAt(server.length - 1) === '/') server = server.substr(0, server.length - 1);
  return (
    server +
    '/input/post?fulljson=' +
    encodeURIComponent(JSON.stringify(doc)) +
    '&node=' +
    encodeURIComponent(c.get('emoncms_node')) +
    '&apikey=' +
    encodeURIComponent(c.get('emoncms_apikey'))
  );
}

/**
 * One GET of `data` (null: the status document's plain values). The service has checked that it
 * is running and free to send. (The URL is built in its own function so that the status document
 * is not in the scope the HTTP callback keeps while the request is out.)
 */
export function emoncmsPost(svc: EmoncmsService, data: { [key: string]: any } | null): void {
  var url = postUrl(svc, data);
  var id = ++svc.seq;
  svc.busy = id;
  svc.sent++;
  svc.http.request({ method: 'GET', url: url, timeoutMs: svc.opts.timeoutMs || TIMEOUT_MS }, function (err, status, body) {
    if (svc.busy !== id) return; // timed out or stopped meanwhile
    svc.busy = 0;
    answer(svc, err, status, body);
    if (svc.pending) {
      svc.pending = false;
      var p = svc.gw.planning;
      // through post(): after a failure just now it backs off, and the owed update goes with it
      if (p) svc.post(p.divert.statusFields());
    }
  });
}
