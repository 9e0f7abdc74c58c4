// Helpers only the routes of src/http/routes.ts use. On the ESP32 those routes are defined for
// each request that needs one and dropped after it, and so are these: kept apart from util.ts and
// context.ts, whose helpers the router's own routes use and the image keeps.
import { HttpResponse } from '../hal/types';
import { Ctx } from './context';
import { sendJson } from './util';
import { find, inList } from '../core/text';

/** The body as form fields (`a=1&b=2`) merged over the query string, for the form endpoints. */
export function formFields(ctx: Ctx, parse: (qs: string) => { [key: string]: string }): { [key: string]: string } {
  var out: { [key: string]: string } = {};
  var k: string;
  for (k in ctx.query) out[k] = ctx.query[k];
  var ct = ctx.req.headers['content-type'] || '';
  if (ctx.body && find(ct, 'json') < 0) {
    var f = parse(ctx.body);
    for (k in f) out[k] = f[k];
  }
  return out;
}

/**
 * The answer of an endpoint whose feature is not running: 503 naming the feature when the device
 * left it off for lack of memory (`features_off` in /status), so that the user knows why and what
 * to turn off; 501 when this build has no such feature.
 */
export function sendFeatureOff(gw: { external: { [key: string]: any } }, res: HttpResponse, feature: string, path: string): void {
  if (inList(String(gw.external.features_off || ''), feature)) sendJson(res, 503, { msg: path + ': ' + feature + ' is not running, not enough memory on this device' });
  else sendJson(res, 501, { msg: 'Not implemented in this build: ' + path });
}
