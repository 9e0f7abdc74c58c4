// OhmConnect (ref/openevse-gateway.md §4): while `ohm_enabled` and an `ohm` key are set, every
// 30 s a GET of https://login.ohmconnect.com/verify-ohm-hour/<key>. The answer is XML-ish text;
// the value between `<active>` and `</active>` (both found after the first character, as the
// reference checks) goes to `ohm_hour`. "True" starts an OhmHour: the charger is paused through
// a claim (CLIENT_OHM, PRIORITY_OHM, state disabled) rather than by `$FS` behind the arbiter's
// back as the reference does; any other value releases it. A failed poll (no answer, not 2xx,
// no <active>) sets `ohm_hour` "NotConnected", `ohm_message` says why, the claim is released
// (a dead service must not keep the car from charging), and polls back off 30 s → 5 min.
import type { Gateway } from '../app';
import type { HttpClient } from '../hal/types';
import { CLIENT_OHM, PRIORITY_OHM } from '../core/evse/claims';
import { find } from '../core/text';

export var OHM_URL = 'https://login.ohmconnect.com/verify-ohm-hour/';
var INTERVAL_MS = 30000;
var TIMEOUT_MS = 10000;
var BACKOFF_MAX_MS = 300000;
var MESSAGE_MAX = 64;

export class OhmConnectService {
  /** `ohm_hour`: "NotConnected", or the text OhmConnect answered ("True" / "False"). */
  ohmHour = 'NotConnected';
  message = 'Disabled';
  private timer: any = null;
  private busy = 0;
  private seq = 0;
  private delay = INTERVAL_MS;

  private baseUrl: string;
  private timeoutMs: number;

  /** `opts.url` (the key is appended) and `opts.timeoutMs` are for tests; defaults OHM_URL, 10 s. */
  constructor(private gw: Gateway, private http: HttpClient, opts?: { url?: string; timeoutMs?: number }) {
    this.baseUrl = (opts && opts.url) || OHM_URL;
    this.timeoutMs = (opts && opts.timeoutMs) || TIMEOUT_MS;
  }

  start(): void {
    var c = this.gw.config;
    if (this.timer || this.busy || !c.get('ohm_enabled') || !c.get('ohm')) return;
    this.delay = INTERVAL_MS;
    this.poll();
  }

  stop(): void {
    var clock = this.gw.hal.clock;
    if (this.timer) clock.clearTimeout(this.timer);
    this.timer = null;
    this.busy = 0;
    this.update('NotConnected', 'Disabled');
  }

  configChanged(changed: string[]): void {
    for (var i = 0; i < changed.length; i++) {
      if (changed[i] === 'ohm' || changed[i] === 'ohm_enabled') {
        this.stop();
        this.start();
        return;
      }
    }
  }

  statusFields(doc: { [key: string]: any }): { [key: string]: any } {
    doc.ohm_hour = this.ohmHour;
    doc.ohm_message = this.message;
    return doc;
  }

  /** One request now; the next is scheduled when it is answered. */
  poll(): void {
    var self = this;
    var clock = this.gw.hal.clock;
    if (this.busy) return;
    if (this.timer) clock.clearTimeout(this.timer);
    this.timer = null;
    var id = ++this.seq;
    this.busy = id;
    var answer = function (err: string | null, status: number, body: string) {
      if (self.busy !== id) return;
      self.busy = 0;
      self.answer(err, status, body);
      self.timer = clock.setTimeout(function () {
        self.timer = null;
        self.poll();
      }, self.delay);
    };
    var url = this.baseUrl + encodeURIComponent(this.gw.config.get('ohm'));
    this.http.request({ method: 'GET', url: url, timeoutMs: this.timeoutMs }, answer);
  }

  private answer(err: string | null, status: number, body: string): void {
    var value = '';
    var msg = '';
    if (err) msg = 'Failed to connect: ' + err;
    else if (status < 200 || status >= 300) msg = 'HTTP ' + status;
    else {
      var a = find(body, '<active>');
      var b = a > 0 ? find(body, '</active>', a + 8) : -1;
      if (b > 0) value = body.substring(a + 8, b).trim();
      else msg = 'No <active> in the answer';
    }
    if (msg) {
      this.delay = Math.min(this.delay * 2, BACKOFF_MAX_MS);
      this.gw.hal.log('warn', 'ohmconnect: ' + msg);
      this.update('NotConnected', msg);
    } else {
      this.delay = INTERVAL_MS;
      this.update(value, value === 'True' ? 'OhmHour: charging paused' : 'Connected');
    }
  }

  /** Claims or releases, and publishes what changed. */
  private update(value: string, msg: string): void {
    var claims = this.gw.claims;
    if (value === 'True') {
      if (!claims.get(CLIENT_OHM)) claims.claim(CLIENT_OHM, PRIORITY_OHM, { state: 'disabled' });
    } else if (claims.get(CLIENT_OHM)) claims.release(CLIENT_OHM);
    msg = msg.substr(0, MESSAGE_MAX);
    if (value === this.ohmHour && msg === this.message) return;
    this.ohmHour = value;
    this.message = msg;
    this.gw.publish(this.statusFields({}));
  }
}
