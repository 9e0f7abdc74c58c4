// `/status`: GET the full status document; POST data from outside (ref/openevse-gateway.md §1.4):
// a solar or grid feed, the live house power for the shaper, the mains voltage, vehicle data.
// Every field is checked before any is taken; the reply echoes what was taken.
import { sendJson, sendJsonParts } from './util';
import { Ctx, jsonBody, allow } from './context';
import { inList } from '../core/text';
import type { Gateway } from '../app';

export function handleStatus(gw: Gateway, ctx: Ctx): void {
  if (!allow(ctx, 'GET,POST')) return;
  if (ctx.method === 'GET') {
    var n = 0;
    sendJsonParts(ctx.res, function () {
      return gw.statusPart(n++);
    });
    return;
  }
  // Memory: these tables exist only while a POST is handled (59 JsVars as module constants).
  /** Accepted fields: name → [min, max]. Vehicle fields need vehicle_data_src 3 (HTTP). */
  var FIELDS: { [k: string]: number[] } = {
    voltage: [60, 300],
    shaper_live_pwr: [-1e6, 1e6],
    solar: [-1e6, 1e6],
    grid_ie: [-1e6, 1e6],
    home_battery_soc: [0, 100],
    home_battery_power: [-1e6, 1e6],
    battery_level: [0, 100],
    battery_range: [0, 10000],
    time_to_full_charge: [0, 1e6],
    vehicle_charge_limit: [0, 100],
  };
  var VEHICLE = 'battery_level,battery_range,time_to_full_charge,vehicle_charge_limit';
  var HTTP_VEHICLE_SOURCE = 3;
  var body = jsonBody(ctx);
  if (body === undefined) return;
  if (typeof body !== 'object' || body instanceof Array) {
    sendJson(ctx.res, 400, { msg: 'expected a JSON object' });
    return;
  }
  var errors: { [k: string]: string } = {};
  var bad = false;
  var k: string;
  for (k in body) {
    var range = FIELDS[k];
    var v = body[k];
    var why = '';
    if (!range) why = 'unknown field';
    else if (typeof v !== 'number' || !isFinite(v) || v < range[0] || v > range[1]) why = 'must be a number from ' + range[0] + ' to ' + range[1];
    else if (inList(VEHICLE, k) && gw.config.get('vehicle_data_src') !== HTTP_VEHICLE_SOURCE) why = 'vehicle data comes from HTTP only when vehicle_data_src is 3';
    if (why) {
      errors[k] = why;
      bad = true;
    }
  }
  if (bad) {
    sendJson(ctx.res, 400, { msg: 'Invalid status data', errors: errors });
    return;
  }
  // The reference takes solar over grid_ie when both come: the divert feed is one or the other.
  if (body.solar !== undefined && body.grid_ie !== undefined) delete body.grid_ie;
  var changes: { [k: string]: any } = {};
  for (k in body) {
    // the feeds go to the parts that use them, which publish their own status fields
    if (k === 'voltage') gw.monitor.setVoltage(body[k]);
    else if (!gw.planning || !gw.planning.feed(k, body[k])) gw.external[k] = changes[k] = body[k];
    if (inList(VEHICLE, k)) gw.external.vehicle_state_update = changes.vehicle_state_update = 0;
  }
  // a voltage alone was published by the monitor already: no empty frame for every client
  for (k in changes) {
    gw.publish(changes);
    break;
  }
  if (changes.vehicle_state_update === 0) body.vehicle_state_update = 0;
  sendJson(ctx.res, 200, body);
}
