// The routes asked for now and then: timers and limits, Eco mode, the chart, time, the settings
// forms, Tesla, restart/reset and the firmware upload. On the device this module is defined for
// each such request and dropped after it (src/main/espruino.ts hands it to the gateway as a lazy
// feature, scripts/rollup-lazy.mjs): kept, its ~25 handler functions would cost ~100 JsVars all the
// time. The routes polled by apps (/status, /config, /r, /claims, /override, /ws) and the web page
// stay in the router.
import { Ctx } from './context';
import { sendFeatureOff } from './route-util';
import { handleSystem } from './system';
import { handleForm } from './forms';
import { handleSchedule } from './schedule';
import { handleLimit } from './limit';
import { handleLogs, handleEmeter } from './logs';
import { handleModes } from './modes';
import { handleHistory } from './history';
import { handleTime } from './time';
import { handleTesla } from './tesla';
import type { Gateway } from '../app';

export { handleUpdate } from './update';

/** Answers a request for one of these routes and returns true; false for any other path. */
export function routeMore(gw: Gateway, ctx: Ctx): boolean {
  var p = ctx.parts;
  var one = p.length === 1;
  switch (p[0]) {
    case 'schedule':
    case 'limit':
    case 'limits': // the reference's prefix match answers /limits too
    case 'emeter':
    case 'logs':
      if (!gw.planning) sendFeatureOff(gw, ctx.res, 'planning', '/' + p[0]);
      else if (p[0] === 'schedule') handleSchedule(gw.planning, ctx);
      else if (p[0] === 'emeter') handleEmeter(gw.planning, ctx);
      else if (p[0] === 'logs') handleLogs(gw.planning, ctx);
      else if (one) handleLimit(gw.planning, ctx);
      else return false;
      return true;
    case 'divertmode':
    case 'shaper':
      if (one) handleModes(gw, ctx);
      return one;
    case 'history':
      if (one) handleHistory(gw, ctx);
      return one;
    case 'time':
    case 'settime':
      if (one) handleTime(gw, ctx);
      return one;
    case 'savenetwork':
    case 'savemqtt':
    case 'saveemoncms':
    case 'saveadmin':
    case 'saveadvanced':
    case 'saveohmkey':
      if (one) handleForm(gw, ctx);
      return one;
    case 'tesla':
    case 'teslaveh':
    case 'savetesla':
    case 'saveteslavi':
      var known = p[0] === 'tesla' ? p.length === 2 && p[1] === 'vehicles' : one;
      if (known) handleTesla(gw, ctx);
      return known;
  }
  return handleSystem(gw, ctx);
}
