// `/logs`, `/logs/{block}` (event log) and `/emeter` (energy meter reset), ref/openevse-gateway.md §1.7.
import { sendJson } from './util';
import { Ctx, jsonBody, allow } from './context';
import type { EventLog } from '../core/evse/event-log';
import { logRange, logBlock } from '../core/evse/event-log-read';
import type { EnergyMeter } from '../core/evse/energy-meter';

export function handleLogs(gw: { eventLog: EventLog }, ctx: Ctx): void {
  var p = ctx.parts;
  if (p.length > 2) return sendJson(ctx.res, 404, { msg: 'Not found' });
  if (!allow(ctx, 'GET')) return;
  if (p.length === 1) return sendJson(ctx.res, 200, logRange(gw.eventLog));
  var b = /^[0-9]+$/.test(p[1]) && p[1].length < 10 ? logBlock(gw.eventLog, parseInt(p[1], 10)) : null;
  sendJson(ctx.res, b ? 200 : 404, b || { msg: 'Block out of range' });
}

/**
 * DELETE `/emeter` with an optional body {"hard":bool,"import":bool}: "import" first asks the
 * controller for its lifetime energy (`$GU`), then copies it into the total.
 */
export function handleEmeter(
  gw: { meter: EnergyMeter; monitor: { status: any; query(cmd: string, cb?: (err: string | null) => void): void } },
  ctx: Ctx,
): void {
  if (ctx.parts.length !== 1) return sendJson(ctx.res, 404, { msg: 'Not found' });
  if (!allow(ctx, 'DELETE')) return;
  var body: any = {};
  if (ctx.body) {
    body = jsonBody(ctx);
    if (body === undefined) return;
  }
  // (helpers as local functions: module-level ones cost JsVars on the device all the time)
  var okBool = function (v: any): boolean {
    return v === undefined || v === true || v === false;
  };
  var resetDone = function (e: string): void {
    sendJson(ctx.res, e ? 500 : 200, { msg: e || 'Reset done' });
  };
  if (typeof body !== 'object' || body instanceof Array || !okBool(body.hard) || !okBool(body['import']))
    return sendJson(ctx.res, 400, { msg: 'expected {"hard":bool,"import":bool}' });
  var hard = body.hard === true;
  if (body['import'] !== true) return resetDone(gw.meter.reset(hard));
  gw.monitor.query('$GU', function (err) {
    var wh = gw.monitor.status.watthour;
    if (err || typeof wh !== 'number') sendJson(ctx.res, 502, { msg: 'controller did not answer $GU' });
    else resetDone(gw.meter.reset(hard, wh));
  });
}
