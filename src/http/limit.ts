// `/limit` (ref/openevse-gateway.md §1.7): GET → the limit or {}; POST → 201 {"msg":"done"};
// DELETE → {"msg":"done"}, or 404 {"msg":"no limit"} when there is none.
import { sendJson } from './util';
import { Ctx, jsonBody, allow } from './context';
import type { LimitManager } from '../core/schedule/limits';

export function handleLimit(gw: { limits: LimitManager }, ctx: Ctx): void {
  if (!allow(ctx, 'GET,POST,DELETE')) return;
  var lm = gw.limits;
  if (ctx.method === 'GET') return sendJson(ctx.res, 200, lm.get());
  if (ctx.method === 'DELETE') {
    var had = lm.clear();
    return sendJson(ctx.res, had ? 200 : 404, { msg: had ? 'done' : 'no limit' });
  }
  var body = jsonBody(ctx);
  if (body === undefined) return;
  var err = lm.set(body);
  sendJson(ctx.res, err ? 400 : 201, { msg: err || 'done' });
}
