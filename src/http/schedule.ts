// `/schedule`, `/schedule/{id}`, `/schedule/plan` (ref/openevse-gateway.md §1.7).
import { sendJson } from './util';
import { Ctx, jsonBody, allow } from './context';
import type { Scheduler } from '../core/schedule/scheduler';

export function handleSchedule(gw: { scheduler: Scheduler }, ctx: Ctx): void {
  var p = ctx.parts;
  var s = gw.scheduler;
  var body: any;
  var err: string | null;
  if (p.length === 1) {
    if (!allow(ctx, 'GET,POST')) return;
    if (ctx.method === 'GET') return sendJson(ctx.res, 200, s.list());
    body = jsonBody(ctx);
    if (body === undefined) return;
    err = s.set(body);
    return sendJson(ctx.res, err ? 400 : 200, { msg: err || 'done' });
  }
  if (p.length === 2 && p[1] === 'plan') {
    if (allow(ctx, 'GET')) sendJson(ctx.res, 200, s.plan());
    return;
  }
  var id = p.length === 2 && /^[0-9]+$/.test(p[1]) && p[1].length < 9 ? parseInt(p[1], 10) : -1;
  if (id < 0) return sendJson(ctx.res, 404, { msg: 'Not found' });
  if (!allow(ctx, 'GET,POST,DELETE')) return;
  if (ctx.method === 'GET') {
    var e = s.list(id);
    sendJson(ctx.res, e ? 200 : 404, e || { msg: 'Not found' });
  } else if (ctx.method === 'DELETE') {
    var gone = s.remove(id);
    sendJson(ctx.res, gone ? 200 : 404, { msg: gone ? 'done' : 'Not found' });
  } else {
    body = jsonBody(ctx);
    if (body === undefined) return;
    err = s.set(body, id);
    sendJson(ctx.res, err ? 400 : 200, { msg: err || 'done' });
  }
}
