// The device-level endpoints: restart, factory reset, and the endpoints whose features
// arrive with later work, which answer 501 with a clear message until then.
import { sendJson, sendText } from './util';
import { Ctx, jsonBody, allow } from './context';
import { inList } from '../core/text';
import type { Gateway } from '../app';

/** Returns false when the path is not one of these (the router then answers 404). */
export function handleSystem(gw: Gateway, ctx: Ctx): boolean {
  var name = ctx.parts[0];
  // Memory: constants and helper live only while one of these requests is handled.
  /** Paths whose features are not built yet (see the README's feature list). */
  var LATER = 'mqtt';
  /** Time for the reply to leave before the gateway goes away. */
  var RESTART_DELAY_MS = 1000;
  var restartSoon = function (gw: Gateway): void {
    gw.hal.clock.setTimeout(function () {
      gw.hal.system.restart();
    }, RESTART_DELAY_MS);
  };
  if (name === 'restart' && ctx.parts.length === 1) {
    if (!allow(ctx, 'GET,POST')) return true;
    var device = 'gateway';
    if (ctx.method === 'POST') {
      var body = jsonBody(ctx);
      if (body === undefined) return true;
      device = body.device || 'gateway';
      if (device !== 'gateway' && device !== 'evse') {
        sendJson(ctx.res, 400, { msg: 'device must be "gateway" or "evse"' });
        return true;
      }
      sendJson(ctx.res, 200, { msg: 'restart ' + device });
    } else sendText(ctx.res, 200, 'text/plain', '1');
    // The controller does not answer $FR (it reboots first); the monitor resyncs on its $AB.
    if (device === 'evse') gw.rapi.send('$FR', function () {});
    else restartSoon(gw);
    return true;
  }
  if (name === 'reset' && ctx.parts.length === 1) {
    if (!allow(ctx, 'GET,POST')) return true;
    gw.hal.log('warn', 'factory reset requested over HTTP');
    gw.config.reset();
    sendText(ctx.res, 200, 'text/plain', '1');
    restartSoon(gw);
    return true;
  }
  if (inList(LATER, name)) {
    sendJson(ctx.res, 501, { msg: 'Not implemented yet: /' + ctx.parts.join('/') });
    return true;
  }
  return false;
}
