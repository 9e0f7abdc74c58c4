// The web UI: one page (web/, built to index.html.gz with its CSS and script inlined), sent as the
// build left it, gzipped, with Content-Encoding: gzip; answered for `/` and any unknown GET path
// (the reference does the same, so that links into the app's #/routes work). While provisioning,
// unknown paths are redirected to the UI's WiFi setup before they get here (http/wifi.ts).
//
// Where the bytes come from: anything with the Storage HAL's `read(name)`. On the device that is
// the Storage HAL itself: the flash procedure writes `index.html.gz` into Storage beside the
// image, and Espruino's require("Storage").read() returns a string that points into flash, so the
// page is never copied into RAM as a whole; it leaves in CHUNK-sized pieces (substr of a flash
// string copies only that piece), each once the last has gone (sendPaced: written at once, all
// 18 KB would wait in RAM and ran a 4,000-var device out of memory). On Node, src/main/node.ts
// (and the e2e suite) point the source at
// folderStorage('dist/web'). A generated module was the other choice: it would put 14 KB of string
// literal into the image, which has to be loaded and checked on every boot, and couple the UI's
// release to the gateway's; a file in Storage can be replaced on its own.
import { Storage } from '../hal/types';
import { Ctx } from './context';
import { sendPaced } from './util';
import type { Gateway } from '../app';

/** The one asset: the page the build writes (dist/web/index.html.gz). */
export var PAGE = 'index.html.gz';
/** Bytes per write: small enough to stay cheap on the device. */
var CHUNK = 1024;

var source: { read: Storage['read'] } | null = null;

/** Where the UI's files are read from; without a call, the gateway's own Storage (the device's layout). */
export function setAssetSource(s: { read: Storage['read'] } | null): void {
  source = s;
}

/** Answers a GET or HEAD with the UI page and returns true; false when there is no page to serve. */
export function serveStatic(gw: Gateway, ctx: Ctx): boolean {
  if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return false;
  var page = (source || gw.hal.storage).read(PAGE);
  if (page === undefined) return false;
  var res = ctx.res;
  res.writeHead(200, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Encoding': 'gzip',
    'Content-Length': '' + page.length,
    'Cache-Control': 'no-cache',
  });
  if (ctx.method !== 'GET') {
    res.end();
    return true;
  }
  var body: string = page;
  var at = 0;
  sendPaced(res, function () {
    at += CHUNK;
    return body.substr(at - CHUNK, CHUNK);
  });
  return true;
}
