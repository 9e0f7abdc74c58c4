// `/time` GET (the clock, the time zone's local time and offset, the SNTP state), `/time` POST
// and `/settime` (set SNTP on/off, the time zone, and the time by hand), as the reference's
// web_server_time.cpp: the body is a form (`ntp`, `tz` defaulting to "UTC0", `time`) answered in
// text ("set"), or JSON (`sntp_enabled`, `time_zone`, `time`, or `{"sync_now":true}`) answered
// `{"msg":"done"}`. `time` (`YYYY-MM-DDTHH:MM:SSZ`) is used only when SNTP is off.
// Unlike the reference, everything is checked before anything changes: a bad time or time zone
// gets a 400 and leaves the settings as they were; a JSON body without `time_zone` keeps the
// configured one (the reference stores the text "null").
import { parseQuery, sendJson, sendText } from './util';
import { Ctx, jsonBody, allow } from './context';
import { formFields } from './route-util';
import { find } from '../core/text';
import { Tz } from '../core/time/tz';
import { localTimeFields, parseIsoUtc, setGatewayTime } from '../core/time/time-set';
import type { Gateway } from '../app';

export function handleTime(gw: Gateway, ctx: Ctx): void {
  var res = ctx.res;
  var isTime = ctx.parts[0] === 'time';
  if (isTime && ctx.method === 'GET') {
    var t = gw.timeFields({});
    var doc: any = localTimeFields(gw, { time: t.time });
    doc.uptime = t.uptime;
    if (gw.sntp) gw.sntp.statusFields(doc);
    else {
      // no SNTP client in this build: nothing will sync
      doc.ntp_status = 'disabled';
      doc.ntp_last_sync = 0;
    }
    sendJson(res, 200, doc);
    return;
  }
  if (isTime && ctx.method === 'OPTIONS') {
    sendText(res, 200, 'text/plain', '');
    return;
  }
  if (!allow(ctx, isTime ? 'GET,POST,OPTIONS' : 'GET,POST')) return;
  var ct = ctx.req.headers['content-type'] || '';
  // the reference switches on Content-Type; without one, a body that looks like JSON is JSON
  var json = find(ct, 'json') >= 0 || (find(ct, 'x-www-form-urlencoded') < 0 && ctx.body.charAt(0) === '{');
  var sntp: any;
  var tz: any;
  var time: any;
  if (json) {
    var body = jsonBody(ctx);
    if (body === undefined) return;
    if (typeof body !== 'object' || body instanceof Array) {
      sendJson(res, 400, { msg: 'Could not parse JSON' });
      return;
    }
    if (body.sync_now === true) {
      // (only when SNTP is on, as the reference's time manager)
      if (gw.sntp) gw.sntp.syncNow();
      sendJson(res, 200, { msg: 'done' });
      return;
    }
    sntp = body.sntp_enabled === undefined ? false : body.sntp_enabled;
    tz = body.time_zone;
    time = body.time;
  } else {
    var f = formFields(ctx, parseQuery);
    // the reference's isPositive: present without a value, "1" or "true"
    sntp = f.ntp === '' || f.ntp === '1' || f.ntp === 'true';
    tz = f.tz || 'UTC0';
    time = f.time;
  }
  var fail = function (code: number, msg: string) {
    if (json) sendJson(res, code, { msg: msg });
    else sendText(res, code, 'text/plain', msg);
  };
  if (sntp !== true && sntp !== false && sntp !== 1 && sntp !== 0) return fail(400, 'sntp_enabled must be true or false');
  if (tz !== undefined && (typeof tz !== 'string' || !new Tz().set(tz))) return fail(400, 'time_zone: not a POSIX TZ string');
  var at = NaN;
  if (!sntp) {
    at = parseIsoUtc(time);
    if (isNaN(at)) return fail(400, json ? 'Could not parse time' : 'could not parse time');
    if (!gw.hal.clock.set) return fail(501, 'This host cannot set its clock');
  }
  var patch: any = { sntp_enabled: !!sntp };
  if (tz !== undefined) patch.time_zone = tz;
  var r = gw.config.update(patch);
  if (!r.ok) {
    var e = r.errors;
    for (var k in e) return fail(k === '*' ? 500 : 400, (k === '*' ? '' : k + ': ') + e[k]);
    return;
  }
  if (r.changed.length) gw.configChanged(r.changed);
  // after the time zone: the controller gets the new local time
  if (!sntp) setGatewayTime(gw, at, 'manual');
  if (json) sendJson(res, 200, { msg: 'done' });
  else sendText(res, 200, 'text/plain', 'set');
}
