// Espruino's `require("Storage")` on a host folder: one file per Storage name, bytes as they are.
// The rules are those of the interpreter's jsfWriteFile (src/jsflash.c, 2v29), because the image
// and the flash script depend on them:
//  - write(name, data) replaces the file (unless the bytes are already the same);
//  - write(name, data, 0, size) creates a file of `size` bytes, all 0xFF (erased flash), and puts
//    `data` at its start; later write(name, data, offset) fill it in, only into bytes still 0xFF
//    ("File already written with different data"), never past its end ("Too much data");
//  - an offset write to a missing file fails ("Unable to find or create file");
//  - no zero-length files, names up to 28 characters, and the ESP32 partition's 896 KB in total;
//  - an erased or replaced file becomes trash: its space comes back only with compact(), which
//    the interpreter also does by itself when a new file finds no free room but trash would make
//    room. That moves the files under any code running from them (on the ESP32 functions point
//    into the memory-mapped flash), so here it calls `onCompact(why)`: the device reports it.
// Strings cross as binary strings (one char per byte); a char above 255 cannot exist on the ESP32
// (8-bit strings), so it is an error here rather than silently mangled.
'use strict';
const fs = require('fs');
const path = require('path');

/** The storage partition of the ESP32 (ref/espruino.md §1: 0x320000, 896 KB). */
const CAPACITY = 896 * 1024;
/** Bytes of flash a file header takes (jsflash.c JsfFileHeader, 4-byte aligned). */
const HEADER = 32;
const MAX_NAME = 28;
/** Where the trash is counted, inside the folder: longer than any Storage name, so never listed. */
const TRASH_FILE = '.espruino-sim-trash-accounting';
/** The flash a file of `size` bytes takes. */
const space = (size) => HEADER + ((size + 3) & ~3);

/** `s` as bytes, one per char; throws on a char the ESP32's 8-bit strings cannot hold. */
function bytesOf(data, what) {
  if (typeof data === 'string') {
    for (let i = 0; i < data.length; i++) {
      if (data.charCodeAt(i) > 255) throw new Error(what + ': char ' + data.charCodeAt(i) + ' at ' + i + ' is above 255 (Espruino strings on the ESP32 are 8-bit)');
    }
    return Buffer.from(data, 'latin1');
  }
  if (typeof data === 'number' || typeof data === 'boolean') return Buffer.from(String(data), 'latin1');
  // Typed arrays and ArrayBuffers from the device's realm: instanceof does not hold across vm contexts.
  const tag = Object.prototype.toString.call(data);
  if (tag === '[object ArrayBuffer]') return Buffer.from(new Uint8Array(data));
  if (ArrayBuffer.isView(data)) return Buffer.from(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  if (Array.isArray(data)) return Buffer.from(data.map((n) => n & 255));
  throw new Error(what + ': cannot write ' + tag + ' (espruino-sim takes strings, arrays and typed arrays)');
}

class FolderStorage {
  /** `dir` is created if missing; `onError(message)` hears every error thrown to the device. */
  constructor(dir) {
    this.dir = dir;
    fs.mkdirSync(dir, { recursive: true });
    /** Called with why when the storage compacts itself (a write that found no free room). */
    this.onCompact = null;
  }

  /** {bytes, count} of trash, kept in the folder so that it survives reboots as the flash does. */
  get trash() {
    const f = path.join(this.dir, TRASH_FILE);
    return fs.existsSync(f) ? JSON.parse(fs.readFileSync(f, 'utf8')) : { bytes: 0, count: 0 };
  }

  addTrash(buf) {
    const t = this.trash;
    const next = buf ? { bytes: t.bytes + space(buf.length), count: t.count + 1 } : { bytes: 0, count: 0 };
    fs.writeFileSync(path.join(this.dir, TRASH_FILE), JSON.stringify(next));
  }

  file(name) {
    name = String(name);
    if (!name.length) throw new Error('Storage: empty file name');
    if (name.length > MAX_NAME) throw new Error('Storage: file name "' + name + '" is longer than ' + MAX_NAME + ' characters');
    // One host file per Storage name; '/' and '%' escaped so that every name maps to one file.
    return path.join(this.dir, name.replace(/%/g, '%25').replace(/\//g, '%2F'));
  }

  names() {
    return fs.readdirSync(this.dir).filter((f) => f !== TRASH_FILE).map((f) => f.replace(/%2F/g, '/').replace(/%25/g, '%'));
  }

  bytes(name) {
    const f = this.file(name);
    return fs.existsSync(f) ? fs.readFileSync(f) : null;
  }

  /** Bytes in use, with each file's header, as the flash would count them. */
  used(except) {
    let n = 0;
    for (const name of this.names()) if (name !== except) n += space(fs.statSync(this.file(name)).size);
    return n;
  }

  read(name, offset, length) {
    const b = this.bytes(name);
    if (!b) return undefined;
    const start = offset ? Math.max(0, offset | 0) : 0;
    const end = length !== undefined ? Math.min(b.length, start + (length | 0)) : b.length;
    return b.toString('latin1', start, end);
  }

  readJSON(name, noExceptions) {
    const s = this.read(name);
    if (s === undefined) return undefined;
    try {
      return JSON.parse(s);
    } catch (e) {
      if (noExceptions) return undefined;
      throw new Error('Storage.readJSON("' + name + '"): ' + e.message);
    }
  }

  write(name, data, offset, size) {
    const f = this.file(name);
    const d = bytesOf(data, 'Storage.write("' + name + '")');
    offset = offset ? offset | 0 : 0;
    size = size ? size | 0 : 0;
    if (offset < 0 || size < 0) return false;
    if (!size) size = d.length;
    if (!size) throw new Error("Can't create zero length file");
    let cur = this.bytes(name);
    if ((!cur && offset === 0) || (cur && offset === 0 && (size !== cur.length || !erased(cur, 0, cur.length)))) {
      if (cur && size === cur.length && d.length === size && cur.equals(d)) return true;
      // the old file goes to the trash first (jsfWriteFile)
      if (cur) this.addTrash(cur);
      const free = CAPACITY - this.used(name) - this.trash.bytes;
      if (space(size) > free) {
        if (space(size) > free + this.trash.bytes) {
          if (cur) fs.rmSync(f); // already erased
          throw new Error('Unable to find or create file');
        }
        this.compact();
        if (this.onCompact) this.onCompact('write("' + name + '") found no free room');
      }
      cur = Buffer.alloc(size, 0xff);
    }
    if (!cur) throw new Error('Unable to find or create file');
    if (offset + d.length > cur.length) throw new Error('Too much data for file size');
    if (!erased(cur, offset, offset + d.length)) throw new Error('File already written with different data');
    d.copy(cur, offset);
    fs.writeFileSync(f, cur);
    return true;
  }

  erase(name) {
    const b = this.bytes(name);
    if (b) this.addTrash(b);
    fs.rmSync(this.file(name), { force: true });
  }

  list(pattern, filter) {
    if (filter !== undefined && (typeof filter !== 'object' || Object.keys(filter).some((k) => k !== 'sf'))) {
      throw new Error('Storage.list: espruino-sim knows only the {sf} filter');
    }
    const names = this.names();
    return pattern === undefined ? names : names.filter((n) => n.match(pattern));
  }

  getFree() {
    return CAPACITY - this.used() - this.trash.bytes;
  }

  getStats() {
    const names = this.names();
    const used = this.used();
    const t = this.trash;
    return { totalBytes: CAPACITY, freeBytes: CAPACITY - used - t.bytes, fileBytes: used, fileCount: names.length, trashBytes: t.bytes, trashCount: t.count };
  }

  compact() {
    this.addTrash(null);
  }
}

function erased(buf, from, to) {
  for (let i = from; i < to; i++) if (buf[i] !== 0xff) return false;
  return true;
}

module.exports = { FolderStorage, bytesOf, CAPACITY };
