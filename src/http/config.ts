// `/config`: GET every setting (secrets masked) plus what the controller reports; POST a partial
// document. Gateway settings go to the config store, which checks them all and changes nothing
// if one is bad; controller settings (safety checks, service level, current limits, ammeter
// calibration) are checked too and then written through RAPI, in order, before the reply.
import { sendJson, sendJsonParts } from './util';
import { Ctx, jsonBody, allow } from './context';
import { inList } from '../core/text';
import type { Gateway } from '../app';

export function handleConfig(gw: Gateway, ctx: Ctx): void {
  if (ctx.method === 'OPTIONS') {
    sendJson(ctx.res, 200, {});
    return;
  }
  if (!allow(ctx, 'GET,POST,OPTIONS')) return;
  if (ctx.method === 'GET') {
    sendJsonParts(ctx.res, gw.configParts());
    return;
  }
  // Memory: the tables and helpers of a POST are created for it and dropped after it (~60 JsVars
  // as module-level constants and functions, for a request that comes once in a while).
  // (function expressions: Espruino does not hoist, and terser may move declarations below uses)
  /** Safety checks and the `$FF` letter that switches each (ref/rapi.md §2.1). */
  var CHECKS: { [k: string]: string } = {
    diode_check: 'D',
    gfci_check: 'F',
    ground_check: 'G',
    relay_check: 'R',
    vent_check: 'V',
    temp_check: 'T',
    front_button: 'B',
  };
  /** Read-only fields of GET /config: a client posting the whole document back may send them. */
  var READ_ONLY =
    'version,buildenv,wifi_serial,protocol,mqtt_supported_protocols,http_supported_protocols,firmware,evse_serial,min_current_hard';
  var whole = function (v: any, min: number, max: number): boolean {
    return typeof v === 'number' && v % 1 === 0 && v >= min && v <= max;
  };

  /** Sends `cmds` one after the other, then re-reads the settings they change; stops at a refusal. */
  var writeController = function (gw: Gateway, cmds: string[], done: (err: string | null) => void): void {
    var i = 0;
    function step(err: string | null) {
      if (err) {
        done('controller refused ' + cmds[i - 1] + ' (' + err + ')');
        return;
      }
      if (i < cmds.length) {
        gw.monitor.query(cmds[i++], step);
        return;
      }
      if (cmds.length) {
        gw.monitor.query('$GE');
        gw.monitor.query('$GA');
        gw.monitor.query('$GC', function () {
          gw.publish({ config_version: gw.config.version });
          done(null);
        });
      } else done(null);
    }
    step(null);
  };
  var body = jsonBody(ctx);
  if (body === undefined) return;
  if (typeof body !== 'object' || body instanceof Array) {
    sendJson(ctx.res, 400, { msg: 'expected a JSON object' });
    return;
  }
  // (only the controller's fields are compared: the settings' object is not needed whole)
  var doc = gw.controllerConfig({});
  var patch: { [k: string]: any } = {};
  var cmds: string[] = [];
  var errors: { [k: string]: string } = {};
  var bad = false;
  var info = gw.monitor.info;
  for (var k in body) {
    var v = body[k];
    var why = '';
    if (inList(READ_ONLY, k)) continue;
    if (CHECKS[k]) {
      if (typeof v !== 'boolean') why = 'must be true or false';
      else if (v !== doc[k]) cmds.push('$FF ' + CHECKS[k] + (v ? ' 1' : ' 0'));
    } else if (k === 'service') {
      if (v !== 1 && v !== 2) why = 'must be 1 or 2';
      else if (v !== doc.service) cmds.push('$SL ' + v);
    } else if (k === 'max_current_soft') {
      if (!whole(v, info.min_current_hard, info.max_current_hard)) why = 'must be a whole number from ' + info.min_current_hard + ' to ' + info.max_current_hard;
      else if (v !== doc.max_current_soft) cmds.push('$SC ' + v);
    } else if (k === 'max_current_hard') {
      // The controller accepts the hardware maximum once (its EEPROM cell must be unset).
      if (!whole(v, 6, 80)) why = 'must be a whole number from 6 to 80';
      else if (v !== doc.max_current_hard) cmds.push('$SC ' + v + ' M');
    } else if (k === 'scale' || k === 'offset') {
      if (!whole(v, -32768, 32767)) why = 'must be a whole number';
    } else patch[k] = v;
    if (why) {
      errors[k] = why;
      bad = true;
    }
  }
  if (bad) {
    sendJson(ctx.res, 400, { msg: 'Invalid configuration', errors: errors });
    return;
  }
  // The ammeter calibration is one command with both values; a missing one keeps its value.
  var scale = body.scale === undefined ? doc.scale : body.scale;
  var offset = body.offset === undefined ? doc.offset : body.offset;
  if (scale !== doc.scale || offset !== doc.offset) cmds.push('$SA ' + scale + ' ' + offset);
  var result = gw.config.update(patch);
  if (!result.ok) {
    sendJson(ctx.res, 400, { msg: 'Invalid configuration', errors: result.errors });
    return;
  }
  var changed = result.changed;
  if (changed.length) gw.configChanged(changed);
  writeController(gw, cmds, function (err) {
    if (err) sendJson(ctx.res, 500, { msg: err, config_version: gw.config.version });
    else sendJson(ctx.res, 200, { config_version: gw.config.version, msg: changed.length || cmds.length ? 'done' : 'no change' });
  });
}
