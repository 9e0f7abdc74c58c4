// `GET /history`: the power history (src/core/history.ts) for the UI's chart, oldest first, W, null
// where nothing was known: {"interval":s,"end":epoch s of the newest sample's end,"now":epoch s,
// "power":[…],"solar":[…],"grid_ie":[…]}. Written in pieces, each once the last has gone: the
// whole document (~3 KB) never exists as one string, which on the device would take ~200 JsVars.
import { sendPaced } from './util';
import { Ctx, allow } from './context';
import { sendFeatureOff } from './route-util';
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
  var ring: PowerHistory = h;
  var res = ctx.res;
  var names = ['power', 'solar', 'grid_ie'];
  var first = ring.slot - ring.count;
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private, no-store, must-revalidate' });
  var out = '{"interval":' + ring.ms / 1000 + ',"end":' + (ring.slot * ring.ms) / 1000 + ',"now":' + Math.floor(now / 1000);
  // the series one after the other, PIECE values per write
  var i = 0;
  var n = first;
  sendPaced(res, function () {
    if (i > 3) return '';
    if (i === 3) {
      i++;
      return out + '}';
    }
    if (n === first) out += ',"' + names[i] + '":[';
    for (var k = 0; k < PIECE && n < ring.slot; k++, n++) {
      var v = ring.get(i, n);
      out += (n > first ? ',' : '') + (v === null ? 'null' : v);
    }
    if (n >= ring.slot) {
      out += ']';
      i++;
      n = first;
    }
    var piece = out;
    out = '';
    return piece;
  });
}
