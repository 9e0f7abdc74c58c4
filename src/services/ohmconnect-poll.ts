// One OhmConnect poll and its answer, for the resident service in services/ohmconnect.ts: that
// loads this module for each poll and keeps nothing of it, so on the ESP32 (a `lazy:` import in
// src/main/espruino.ts) these functions exist only while a poll is out. Nothing here may stay
// referenced after the answer: the HTTP callback is the only closure made here, the HTTP client
// drops it once called, and the next poll's timer is made by the service (poll(afterMs)).
import type { OhmConnectService } from './ohmconnect';
import { CLIENT_OHM, PRIORITY_OHM } from '../core/evse/claims';
import { find } from '../core/text';

export var OHM_URL = 'https://login.ohmconnect.com/verify-ohm-hour/';
/** The wait after a good answer (services/ohmconnect.ts); after a failure it doubles to 5 min. */
var INTERVAL_MS = 30000;
var TIMEOUT_MS = 10000;
var BACKOFF_MAX_MS = 300000;
var MESSAGE_MAX = 64;

/** Claims or releases, and publishes what changed. */
function update(svc: OhmConnectService, value: string, msg: string): void {
  var claims = svc.gw.claims;
  if (value === 'True') {
    if (!claims.get(CLIENT_OHM)) claims.claim(CLIENT_OHM, PRIORITY_OHM, { state: 'disabled' });
  } else if (claims.get(CLIENT_OHM)) claims.release(CLIENT_OHM);
  msg = msg.substr(0, MESSAGE_MAX);
  if (value === svc.ohmHour && msg === svc.message) return;
  svc.ohmHour = value;
  svc.message = msg;
  svc.gw.publish(svc.statusFields({}));
}

/** Reads the answer: `ohm_hour` and the claim, or why the poll failed (and the next back-off). */
function answer(svc: OhmConnectService, err: string | null, status: number, body: string): void {
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
    svc.delay = Math.min(svc.delay * 2, BACKOFF_MAX_MS);
    svc.gw.hal.log('warn', 'ohmconnect: ' + msg);
    update(svc, 'NotConnected', msg);
  } else {
    svc.delay = INTERVAL_MS;
    update(svc, value, value === 'True' ? 'OhmHour: charging paused' : 'Connected');
  }
}

/** One GET of the key's OhmHour state; the service has checked that none is out. */
export function ohmPoll(svc: OhmConnectService): void {
  var id = ++svc.seq;
  svc.busy = id;
  var url = (svc.opts.url || OHM_URL) + encodeURIComponent(svc.gw.config.get('ohm'));
  svc.http.request({ method: 'GET', url: url, timeoutMs: svc.opts.timeoutMs || TIMEOUT_MS }, function (err, status, body) {
    if (svc.busy !== id) return;
    svc.busy = 0;
    answer(svc, err, status, body);
    svc.poll(svc.delay);
  });
}
