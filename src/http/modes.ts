// `/divertmode?divertmode=1|2` (Normal/Eco, kept in config `charge_mode`) and `/shaper?shaper=0|1`
// (the current shaper on or off until the next restart), as form or query fields, with the
// reference's plain-text replies.
import { parseQuery, sendText } from './util';
import { Ctx, allow } from './context';
import { formFields, sendFeatureOff } from './route-util';
import type { Gateway } from '../app';

/** Both endpoints in one function (each function costs JsVars on the device). */
export function handleModes(gw: Gateway, ctx: Ctx): void {
  if (!allow(ctx, 'GET,POST')) return;
  var f = formFields(ctx, parseQuery);
  if (ctx.parts[0] === 'shaper') {
    var on = f.shaper;
    if (on !== '0' && on !== '1') {
      sendText(ctx.res, 400, 'text/plain', 'shaper must be 0 or 1');
      return;
    }
    if (!gw.planning) {
      sendFeatureOff(gw, ctx.res, 'planning', '/shaper');
      return;
    }
    gw.planning.shaper.setActive(on === '1');
    sendText(ctx.res, 200, 'text/plain', 'Shaper ' + (on === '1' ? 'Enabled' : 'Disabled'));
    return;
  }
  var mode = f.divertmode;
  if (mode !== '1' && mode !== '2') {
    sendText(ctx.res, 400, 'text/plain', 'divertmode must be 1 (normal) or 2 (eco)');
    return;
  }
  var result = gw.config.update({ charge_mode: mode === '2' ? 'eco' : 'fast' });
  if (!result.ok) {
    sendText(ctx.res, 500, 'text/plain', 'could not save the mode');
    return;
  }
  if (result.changed.length) gw.configChanged(result.changed);
  sendText(ctx.res, 200, 'text/plain', 'Divert Mode changed');
}
