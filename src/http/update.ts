// /update: a new image (the build's dist/esp32/image.bin, format in src/core/ota/image.ts) is
// streamed into the spare Storage slot in pieces as it arrives — never whole in RAM — then checked
// (length and SHA-256 from its header line) before the device switches to it and restarts.
// POST multipart/form-data (any file field: the web UI and the reference use `firmware`, curl
// `-F file=@image.bin`) or a raw body (application/octet-stream). GET gives a small upload form.
// Answers: 200 `OK`; 400/408/413/500 `Error: <reason>` and the running image untouched; 409 while
// another update runs. On Node the image is checked and stored but the running program stays
// (a Node install updates with git/npm): the answer says so, nothing restarts.
// The web UI page comes the same way (dist/esp32/web.bin, tag OEVSE-WEB1): streamed into the page
// file not served, checked alike, then served in place of the old one (static.ts says how the
// switch survives a power cut) — no restart, on both hosts (on Node into the folder it is served
// from). Only the tag in the header line tells the two apart.
// The router hands requests for /update here before its 8 KB body limit applies. A refusal drops
// the body as it comes (util.ts dropBody): on the device it would otherwise pile up in RAM.
import { HttpRequest, HttpResponse, Storage } from '../hal/types';
import { MultipartReader, multipartReader, boundaryOf } from '../core/ota/multipart';
import { parseImageHead, toHex, ImageHead } from '../core/ota/image';
import { readOtaState, switching } from '../core/ota/slots';
import { spareSlot, switchTo } from '../core/ota/switch';
import { assetSource, PAGE, PAGE_B, PAGE_CUR } from './static';
import { find } from '../core/text';
import { dropBody } from './util';
import type { Gateway } from '../app';

/** The largest image accepted: Storage (896 KB on the ESP32) holds two, the web UI and the data. */
export var MAX_IMAGE = 393216;
/** The largest web page accepted (gzipped; the UI is about 19 KB). */
export var MAX_PAGE = 65536;
/** An upload that sends nothing for this long is given up. */
export var UPLOAD_IDLE_MS = 20000;
/** Time for the answer to leave before the device restarts. */
var RESTART_DELAY_MS = 1000;
/** Storage kept free beyond the image (file headers, the state file). */
var STORAGE_MARGIN = 1024;

/** One upload as the request handlers drive it. */
interface Upload {
  data(chunk: string): void;
  end(): void;
  fail(code: number, msg: string): void;
}

/** The update running, if any: one at a time. */
var running: Upload | null = null;

function sendText(res: HttpResponse, code: number, text: string) {
  res.writeHead(code, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private, no-store, must-revalidate' });
  res.end(text);
}

/** An upload refused before it starts: the answer, and its body dropped as it comes (util.ts). */
function refuse(req: HttpRequest, res: HttpResponse, code: number, text: string) {
  dropBody(req);
  sendText(res, code, text);
}

export function handleUpdate(gw: Gateway, req: HttpRequest, res: HttpResponse): void {
  if (req.method === 'GET') {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<!DOCTYPE html><html><head><meta name="viewport" content="width=device-width"><title>Update</title></head><body><h1>Firmware update</h1><form method="POST" action="/update" enctype="multipart/form-data"><input type="file" name="firmware"> <input type="submit" value="Update"></form></body></html>');
    return;
  }
  if (req.method !== 'POST') {
    refuse(req, res, 405, 'Error: use GET or POST');
    return;
  }
  if (running) {
    refuse(req, res, 409, 'Error: another update is in progress');
    return;
  }
  if (switching.refuse) {
    refuse(req, res, 500, 'Error: ' + switching.refuse);
    return;
  }
  var type = (req.headers['content-type'] || '').toLowerCase();
  var boundary = '';
  if (find(type, 'multipart/') >= 0) {
    boundary = boundaryOf(req.headers['content-type']);
    if (!boundary) {
      refuse(req, res, 400, 'Error: multipart upload without a boundary');
      return;
    }
  }
  var cl = req.headers['content-length'];
  var total = cl ? parseInt(cl, 10) : -1;
  if (total > MAX_IMAGE + 4096) {
    refuse(req, res, 413, 'Error: upload too large (' + total + ' bytes; an image may have ' + MAX_IMAGE + ')');
    return;
  }
  var u = startUpload(gw, res, boundary, total);
  running = u;
  req.on('data', function (chunk) {
    u.data(chunk);
  });
  req.on('end', function () {
    u.end();
  });
  // a client that goes away mid-upload: its half image must go
  req.on('close', function () {
    u.fail(0, 'the client went away');
  });
  gw.ws.broadcast({ ota: 'started' });
}

/**
 * The class is defined at the call, not when the image loads: its methods cost JsVars only while
 * an upload runs. One object per upload, dropped when it ends.
 */
function startUpload(gw: Gateway, res: HttpResponse, boundary: string, total: number): Upload {
  class Upload {
    /** null for a raw body. */
    reader: MultipartReader | null;
    head: ImageHead | null = null;
    /** The header line until it is complete. */
    headText = '';
    slot = '';
    /** Where `slot` is: the gateway's Storage, or for a page wherever the page is served from. */
    store: Storage;
    written = 0;
    done = false;
    lastData: number;
    percent = 0;
    timer: any;

    constructor(public gw: Gateway, public res: HttpResponse, public boundary: string, public total: number) {
      this.reader = boundary ? multipartReader(boundary, this) : null;
      this.store = gw.hal.storage;
      var self = this;
      var clock = gw.hal.clock;
      this.lastData = clock.now();
      this.timer = clock.setInterval(function () {
        if (clock.now() - self.lastData > UPLOAD_IDLE_MS) self.fail(408, 'upload stalled');
      }, UPLOAD_IDLE_MS / 4);
    }

    data(chunk: string): void {
      if (this.done) return;
      this.lastData = this.gw.hal.clock.now();
      if (!this.reader) this.part(chunk);
      else if (!this.reader.push(chunk)) this.fail(400, this.reader.error);
    }

    /** The image file's bytes (the whole raw body, or the multipart file part). */
    part(data: string): void {
      if (this.done) return;
      if (!this.head) {
        this.headText += data;
        var h = parseImageHead(this.headText);
        if (h === null) return;
        if (typeof h === 'string') return this.fail(400, h);
        if (!this.begin(h)) return;
        data = this.headText.substr(h.headLength);
        this.headText = '';
        if (!data.length) return;
      }
      var head = this.head as ImageHead;
      if (this.written + data.length > head.length) return this.fail(400, 'the upload has more bytes than the ' + (head.page ? 'web page' : 'image') + ' header says (' + head.length + ')');
      try {
        this.store.write(this.slot, data, this.written, head.length);
      } catch (e) {
        return this.fail(500, 'Storage: ' + ((e as any).message || e));
      }
      this.written += data.length;
      var p = Math.floor((this.written * 100) / head.length);
      // every 5 %: a frame per piece would cost the device more than the writing
      if (p >= this.percent + 5 || p === 100) {
        this.percent = p;
        this.gw.ws.broadcast({ ota_progress: p });
      }
    }

    /** The header is in: checks the size against the room there is, picks the slot. */
    begin(h: ImageHead): boolean {
      var storage = h.page ? assetSource || this.gw.hal.storage : this.gw.hal.storage;
      var what = h.page ? 'web page' : 'image';
      var limit = h.page ? MAX_PAGE : MAX_IMAGE;
      if (storage.getFree) limit = Math.min(limit, storage.getFree() - STORAGE_MARGIN);
      if (h.length > limit) {
        this.fail(413, what + ' of ' + h.length + ' bytes too large (room for ' + Math.max(limit, 0) + ')');
        return false;
      }
      if (this.total >= 0) {
        // what the body can still hold after the bytes before the image and the closing delimiter
        var room = this.reader ? this.total - this.reader.before - (this.boundary.length + 6) : this.total;
        if (room < h.headLength + h.length) {
          this.fail(400, 'the upload is shorter than the ' + what + ' header says (' + h.length + ' bytes)');
          return false;
        }
      }
      this.head = h;
      this.store = storage;
      // the page file not served now, as static.ts picks it
      if (h.page) this.slot = storage.read(PAGE_CUR) === PAGE_B && storage.read(PAGE_B) ? PAGE : PAGE_B;
      else this.slot = spareSlot(readOtaState(storage));
      storage.erase(this.slot);
      return true;
    }

    end(): void {
      if (this.done) return;
      if (this.reader && !this.reader.end()) return this.fail(400, this.reader.error);
      if (!this.head) {
        var h = parseImageHead(this.headText);
        return this.fail(400, typeof h === 'string' ? h : 'no image in the upload');
      }
      if (this.written < this.head.length) return this.fail(400, 'the upload ended early (' + this.written + ' of ' + this.head.length + ' bytes)');
      var hal = this.gw.hal;
      if (!hal.crypto.sha256) return this.fail(500, 'this host cannot compute SHA-256');
      // On the device the read is a view of the flash, not a copy.
      var got = toHex(hal.crypto.sha256(this.store.read(this.slot) || ''));
      if (got !== this.head.sha256) return this.fail(400, 'SHA-256 mismatch: the ' + (this.head.page ? 'web page' : 'image') + ' is corrupt');
      var slot = this.slot;
      if (this.head.page) {
        try {
          if (slot === PAGE_B) this.store.write(PAGE_CUR, PAGE_B);
          else this.store.erase(PAGE_CUR);
        } catch (e) {
          return this.fail(500, 'Storage: ' + ((e as any).message || e));
        }
        this.finish();
        this.gw.ws.broadcast({ ota_progress: 100, ota: 'completed' });
        hal.log('info', 'update: new web page in ' + slot);
        sendText(this.res, 200, 'OK (new web page in use: reload it)');
        return;
      }
      this.finish();
      this.gw.ws.broadcast({ ota_progress: 100, ota: 'completed' });
      if (!switching.on) {
        hal.log('info', 'update: image stored as ' + slot + ' (not switched: this host does not boot images)');
        sendText(this.res, 200, 'OK (stored as ' + slot + '; a Node install updates with git/npm)');
        return;
      }
      switchTo(hal.storage, slot);
      hal.log('warn', 'update: switching to ' + slot + ', restarting');
      sendText(this.res, 200, 'OK');
      // Right away: a Storage compaction now could move the running code (espruino.md §5).
      hal.clock.setTimeout(function () {
        hal.system.restart();
      }, RESTART_DELAY_MS);
    }

    /** Gives up: the partial image goes, the running one stays. `code` 0: nobody to answer. */
    fail(code: number, msg: string): void {
      if (this.done) return;
      var hal = this.gw.hal;
      if (this.slot) {
        try {
          this.store.erase(this.slot);
        } catch (e) {
          // the state file still names the running image: a leftover file is harmless
        }
      }
      this.finish();
      hal.log('warn', 'update failed: ' + msg);
      this.gw.ws.broadcast({ ota: 'failed' });
      if (code) sendText(this.res, code, 'Error: ' + msg);
    }

    finish(): void {
      this.done = true;
      this.gw.hal.clock.clearInterval(this.timer);
      this.reader = null;
      if (running === this) running = null;
    }
  }
  return new Upload(gw, res, boundary, total);
}
