// `GET /history`: the power history (src/core/history.ts) for the UI's chart, oldest first, W, null
// where nothing was known: {"interval":s,"end":epoch s of the newest sample's end,"now":epoch s,
// "power":[…],"solar":[…],"grid_ie":[…]}. Written in pieces: the whole document (~3 KB) never
// exists as one string, which on the device would take ~200 JsVars at once.
import { sendFeatureOff } from './util';
import { Ctx, allow } from './context';
import { PowerHistory } from '../core/history';
import type { Gateway } from '../app';

/** Values per write. */
var PIECE = 30;

export function handleHistory(gw: Gateway, ctx: Ctx): void {
  if (!allow(ctx, 'GET')) return;
  var h: PowerHistory | null = gw.history;
  if (!h) {
    sendFeatureOff(gw, ctx.res, 'history', '/history');
    return;
  }
  var now = gw.hal.clock.now();
  h.advance(now);
  var res = ctx.res;
  var names = ['power', 'solar', 'grid_ie'];
  var first = h.slot - h.count;
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private, no-store, must-revalidate' });
  res.write('{"interval":' + h.ms / 1000 + ',"end":' + (h.slot * h.ms) / 1000 + ',"now":' + Math.floor(now / 1000));
  for (var i = 0; i < 3; i++) {
    var out = ',"' + names[i] + '":[';
    for (var n = first; n < h.slot; n++) {
      var v = h.get(i, n);
      out += (n > first ? ',' : '') + (v === null ? 'null' : v);
      if ((n - first) % PIECE === PIECE - 1) {
        res.write(out);
        out = '';
      }
    }
    res.write(out + ']');
  }
  res.end('}');
}
