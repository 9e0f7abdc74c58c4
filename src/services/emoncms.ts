// Emoncms input posting (ref/openevse-gateway.md §3): every 30 s, right after an emoncms_*
// setting changes, and on each divert update, a GET of
//   <emoncms_server>/input/post?fulljson=<status JSON>&node=<emoncms_node>&apikey=<emoncms_apikey>
// An answer of `ok` or JSON `{"success":true}` counts as success. `packets_sent` counts requests,
// `packets_success` successes; `emoncms_connected` (0/1) and `emoncms_message` are published when
// they change. One request at a time (a post due while one is out is dropped); after a failure
// the next post waits 30 s, doubling to 5 min. `emoncms_fingerprint` is not used (as in HEAD).
import type { Gateway } from '../app';
import type { HttpClient } from '../hal/types';
import { find } from '../core/text';

var INTERVAL_MS = 30000;
var TIMEOUT_MS = 10000;
var BACKOFF_MAX_MS = 300000;
var MESSAGE_MAX = 64;

export class EmoncmsService {
  connected = 0;
  message = 'Disabled';
  sent = 0;
  success = 0;
  private timer: any = null;
  /** Sequence number of the request out, 0 when none. */
  private busy = 0;
  private seq = 0;
  private backoff = 0;
  private notBefore = 0;

  private timeoutMs: number;

  /** `opts.timeoutMs`: per request (default 10 s; tests use less). */
  constructor(private gw: Gateway, private http: HttpClient, opts?: { timeoutMs?: number }) {
    this.timeoutMs = (opts && opts.timeoutMs) || TIMEOUT_MS;
  }

  private enabled(): boolean {
    var c = this.gw.config;
    return !!c.get('emoncms_enabled') && !!c.get('emoncms_apikey') && !!c.get('emoncms_server');
  }

  /** Starts the 30 s posts when enabled (and posts once now). */
  start(): void {
    var self = this;
    if (this.timer || !this.enabled()) return;
    this.timer = this.gw.hal.clock.setInterval(function () {
      self.post(null);
    }, INTERVAL_MS);
    this.post(null);
  }

  stop(): void {
    var clock = this.gw.hal.clock;
    if (this.timer) clock.clearInterval(this.timer);
    this.timer = null;
    this.busy = 0;
    this.backoff = this.notBefore = 0;
    this.setState(0, 'Disabled');
  }

  configChanged(changed: string[]): void {
    for (var i = 0; i < changed.length; i++) {
      if (changed[i].substr(0, 8) === 'emoncms_') {
        this.stop();
        this.start();
        return;
      }
    }
  }

  /** A divert update (solar / grid_ie feed): post the divert event object itself. */
  divertUpdate(event: { [key: string]: any }): void {
    if (this.timer) this.post(event);
  }

  /** Adds the status fields to `doc` (for /status). */
  statusFields(doc: { [key: string]: any }): { [key: string]: any } {
    doc.emoncms_connected = this.connected;
    doc.emoncms_message = this.message;
    doc.packets_sent = this.sent;
    doc.packets_success = this.success;
    return doc;
  }

  /** One GET; `data` null means the status document's plain values. */
  post(data: { [key: string]: any } | null): void {
    var self = this;
    var gw = this.gw;
    var clock = gw.hal.clock;
    if (!this.enabled() || this.busy || clock.now() < this.notBefore) return;
    var doc: { [key: string]: any } = {};
    var src = data || gw.statusDocument();
    for (var k in src) {
      var v = src[k];
      if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') doc[k] = v;
    }
    var c = gw.config;
    var server = c.get('emoncms_server');
    if (find(server, '://') < 0) server = 'http://' + server;
    while (server.length && server.charAt(server.length - 1) === '/') server = server.substr(0, server.length - 1);
    var url =
      server +
      '/input/post?fulljson=' +
      encodeURIComponent(JSON.stringify(doc)) +
      '&node=' +
      encodeURIComponent(c.get('emoncms_node')) +
      '&apikey=' +
      encodeURIComponent(c.get('emoncms_apikey'));
    var id = ++this.seq;
    this.busy = id;
    this.sent++;
    var answer = function (err: string | null, status: number, body: string) {
      if (self.busy !== id) return; // timed out or stopped meanwhile
      self.busy = 0;
      self.answer(err, status, body);
    };
    this.http.request({ method: 'GET', url: url, timeoutMs: this.timeoutMs }, answer);
  }

  private answer(err: string | null, status: number, body: string): void {
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
      this.success++;
      this.backoff = this.notBefore = 0;
    } else {
      this.backoff = this.backoff ? Math.min(this.backoff * 2, BACKOFF_MAX_MS) : INTERVAL_MS;
      this.notBefore = this.gw.hal.clock.now() + this.backoff - 1000;
      this.gw.hal.log('warn', 'emoncms: ' + msg);
    }
    this.setState(ok ? 1 : 0, msg);
  }

  /** Publishes emoncms_connected / emoncms_message when they change (and the counters then). */
  private setState(connected: number, msg: string): void {
    msg = msg.substr(0, MESSAGE_MAX);
    if (connected === this.connected && msg === this.message) return;
    this.connected = connected;
    this.message = msg;
    this.gw.publish(this.statusFields({}));
  }
}
