// The WiFi side of HTTP: `/scan` and `/apoff` (ref/openevse-gateway.md §1.2), and the captive
// portal's redirect. On a host without a radio (Node: the computer's own network) both endpoints
// answer 501.
import { sendJson, sendText } from './util';
import { Ctx, allow } from './context';
import type { Gateway } from '../app';

/**
 * `/scan` (GET: the networks in range) and `/apoff` (GET/POST: the access point off in 1 s); for
 * any other path, the captive portal's redirect, true when it answered (one function for both:
 * each costs JsVars on the device).
 *
 * While provisioning (access point up, station without an address), a GET for any path other
 * than `/` that no handler knows is sent to the UI's WiFi setup, which is how the operating
 * systems' connectivity probes (/generate_204, /hotspot-detect.html, /connecttest.txt, /ncsi.txt,
 * ...) open the setup page on a phone that joins the access point.
 * (The reference: 301 to http://192.168.4.1; a 302 is not cached by the browser, which matters
 * once the gateway is on the user's network. `/` itself is served: the UI starts on its setup
 * page in AP mode.)
 */
export function handleWifi(gw: Gateway, ctx: Ctx): boolean {
  var w = gw.wifi;
  var name = ctx.parts[0];
  if (ctx.parts.length !== 1 || (name !== 'scan' && name !== 'apoff')) {
    if (!w || !w.captive || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return false;
    if (ctx.parts.length === 1 && name === '') return false;
    var to = 'http://' + w.wifi.apIp() + '/#/setup';
    ctx.res.writeHead(302, { Location: to, 'Content-Type': 'text/html', 'Cache-Control': 'no-cache, no-store' });
    ctx.res.end('<a href="' + to + '">WiFi setup</a>');
    return true;
  }
  if (!allow(ctx, name === 'scan' ? 'GET' : 'GET,POST')) return true;
  if (!w) {
    sendJson(ctx.res, 501, { msg: 'Not implemented on this host (no WiFi radio): /' + name });
    return true;
  }
  if (name === 'scan') {
    w.steps().scan(w, function (list) {
      sendJson(ctx.res, 200, list);
    });
    return true;
  }
  var why = w.steps().apOff(w);
  if (why) sendJson(ctx.res, 409, { msg: why });
  else sendText(ctx.res, 200, 'text/plain', 'Turning AP Off');
  return true;
}
