// `/claims`, `/claims/{client}`, `/claims/target` and `/override` (ref/openevse-gateway.md §1.7).
import { sendJson } from './util';
import { Ctx, jsonBody, allow } from './context';
import { PRIORITY_API } from '../core/evse/claims';
import type { Gateway } from '../app';

/** `/claims...`, and `/override` (one function for both: each costs JsVars on the device). */
export function handleClaims(gw: Gateway, ctx: Ctx): void {
  var p = ctx.parts;
  var claims = gw.claims;
  /** The arbiter answers null for success or a message saying what was wrong. */
  var answer = function (err: string | null, code: number, msg: string): void {
    if (err) sendJson(ctx.res, 400, { msg: err });
    else sendJson(ctx.res, code, { msg: msg });
  };
  if (p[0] === 'override') {
    if (!allow(ctx, 'GET,POST,PATCH,DELETE')) return;
    switch (ctx.method) {
      case 'GET':
        sendJson(ctx.res, 200, claims.override('get'));
        break;
      case 'POST':
        var set = jsonBody(ctx);
        if (set !== undefined) answer(claims.override('set', set), 201, 'Created');
        break;
      case 'PATCH':
        answer(claims.override('toggle'), 200, 'Updated');
        break;
      default:
        answer(claims.override('clear'), 200, 'Deleted');
    }
    return;
  }
  if (p.length === 1) {
    if (allow(ctx, 'GET')) sendJson(ctx.res, 200, claims.list());
    return;
  }
  if (p.length !== 2) {
    sendJson(ctx.res, 404, { msg: 'Not found' });
    return;
  }
  if (p[1] === 'target') {
    if (allow(ctx, 'GET')) sendJson(ctx.res, 200, claims.target());
    return;
  }
  var client = /^[0-9]+$/.test(p[1]) ? parseInt(p[1], 10) : NaN;
  if (!(client > 0 && client < 0xffffffff)) {
    sendJson(ctx.res, 404, { msg: 'Not found' });
    return;
  }
  if (!allow(ctx, 'GET,POST,DELETE')) return;
  if (ctx.method === 'GET') {
    var c = claims.get(client);
    if (c) sendJson(ctx.res, 200, c);
    else sendJson(ctx.res, 404, { msg: 'No claim' });
  } else if (ctx.method === 'DELETE') {
    if (claims.release(client)) sendJson(ctx.res, 200, { msg: 'done' });
    else sendJson(ctx.res, 404, { msg: 'No claim' });
  } else {
    var body = jsonBody(ctx);
    if (body === undefined) return;
    answer(claims.claim(client, PRIORITY_API, body), 200, 'done');
  }
}
