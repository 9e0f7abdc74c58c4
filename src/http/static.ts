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
//
// Replaced over the air (/update with web.bin, src/http/update.ts) without a moment of no page or
// half a page: a new page goes into whichever of PAGE / PAGE_B is not served, and only once it is
// complete and checked does PAGE_CUR change. PAGE_CUR holds "index-b.html.gz" or is absent (then
// PAGE): the switch to PAGE_B writes that short file, the switch back erases it, and a power cut
// that loses the file mid-write leaves PAGE, which at that moment is the other complete page. The
// flash procedure writes PAGE and erases the other two (scripts/flash.js).
import { Storage } from '../hal/types';
import { Ctx } from './context';
import { sendPaced } from './util';
import type { Gateway } from '../app';

/** The one asset: the page the build writes (dist/web/index.html.gz). */
export var PAGE = 'index.html.gz';
/** The other place for it, taken turns with PAGE by updates. */
export var PAGE_B = 'index-b.html.gz';
/** Names PAGE_B when that is the page served. */
export var PAGE_CUR = 'web.cur';
/** Bytes per write: small enough to stay cheap on the device. */
var CHUNK = 1024;

/** Where the UI's files are (and where an update puts a new page); null: the gateway's own Storage. */
export var assetSource: Storage | null = null;

/** Where the UI's files are read from; without a call, the gateway's own Storage (the device's layout). */
export function setAssetSource(s: Storage | null): void {
  assetSource = s;
}

/** Answers a GET or HEAD with the UI page and returns true; false when there is no page to serve. */
export function serveStatic(gw: Gateway, ctx: Ctx): boolean {
  if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return false;
  var st = assetSource || gw.hal.storage;
  var page = (st.read(PAGE_CUR) === PAGE_B && st.read(PAGE_B)) || st.read(PAGE);
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
