#!/usr/bin/env node
// npm run flash -- --port /dev/ttyUSB0 [--board NAME|FILE.json] [--baud N] [--set key=value]... [--no-build] [--keep-ble]
//                  --port tcp://192.168.4.1[:23]  (Espruino's Telnet console, over WiFi)
//
// Puts the gateway onto an ESP32 that runs the Espruino interpreter, through its JavaScript
// console: board.json, the web UI (index.html.gz), the image and the OTA loader go into Storage,
// each file in 1 KB pieces as `require("Storage").write(name, atob(piece), offset, total)`, each
// piece acknowledged by the device; every file is then read back (length and CRC-32) and compared;
// last, load() boots it. The `espruino` npm CLI would do the upload too, but it brings its own
// serialport, noble (Bluetooth, native build) and more; this needs only `serialport`.
//
// The console protocol: a line starting with \x10 is run without echo; each line here is
//   \x10try{print("@ok N "+JSON.stringify(EXPR))}catch(e){print("@err N "+e)}
// and the script waits for "@ok N" / "@err N" (other output, like boot messages, is skipped).
'use strict';
const fs = require('fs');
const net = require('net');
const path = require('path');
const { crc32 } = require('./crc32');
const { spawnSync } = require('child_process');

const root = path.join(__dirname, '..');
const CHUNK = 1024;
/** Storage file names (src/core/ota/slots.ts, src/http/static.ts). */
const IMAGE_FILE = 'app-a.js';
const OTA_STATE = 'ota.json';
const UI_FILE = 'index.html.gz';

function usage(msg) {
  if (msg) console.error('flash: ' + msg);
  console.error('usage: npm run flash -- --port /dev/ttyUSB0|tcp://HOST[:23] [--board NAME|FILE.json] [--baud 115200] [--set key=value]... [--no-build] [--keep-ble]');
  console.error('boards: ' + fs.readdirSync(path.join(root, 'boards')).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).join(', '));
  process.exit(2);
}

function parseArgs(argv) {
  const a = { board: 'openevse_wifi_v1', baud: 115200, set: [], build: true };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--help' || k === '-h') usage();
    else if (k === '--no-build') a.build = false;
    else if (k === '--keep-ble') a.ble = true;
    else if (['--port', '--board', '--baud', '--set'].includes(k) && i + 1 < argv.length) {
      const v = argv[++i];
      if (k === '--set') a.set.push(v);
      else a[k.slice(2)] = k === '--baud' ? parseInt(v, 10) : v;
    } else usage('bad argument ' + k);
  }
  if (!a.port) usage('--port is required');
  if (!(a.baud > 0)) usage('--baud must be a number');
  return a;
}

/** boards/NAME.json or a JSON file, with --set key=value over it (numbers and booleans parsed). */
function loadBoard(name, sets) {
  const file = name.endsWith('.json') ? name : path.join(root, 'boards', name + '.json');
  if (!fs.existsSync(file)) usage('no board ' + name);
  const board = JSON.parse(fs.readFileSync(file, 'utf8'));
  // the description is for people; on the device it would only cost memory
  delete board.description;
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq < 1) usage('--set wants key=value');
    const v = s.slice(eq + 1);
    board[s.slice(0, eq)] = /^-?\d+$/.test(v) ? parseInt(v, 10) : v === 'true' ? true : v === 'false' ? false : v;
  }
  return board;
}

/** The files to write, in order: the loader last, so a cut upload leaves no boot code pointing at half an image. */
function filesToFlash(board) {
  const need = (p) => {
    const f = path.join(root, p);
    if (!fs.existsSync(f)) throw new Error(p + ' is missing: run `npm run build` (or drop --no-build)');
    return fs.readFileSync(f);
  };
  const image = need('dist/esp32/image.js');
  const files = [
    { name: 'board.json', data: Buffer.from(JSON.stringify(board)) },
    { name: UI_FILE, data: need('dist/web/index.html.gz') },
  ];
  if (fs.existsSync(path.join(root, 'dist/esp32/boot.js'))) {
    // The OTA loader boots ota.json's image: the flashed one, in slot A.
    files.push({ name: IMAGE_FILE, data: image });
    files.push({ name: OTA_STATE, data: Buffer.from(JSON.stringify({ cur: IMAGE_FILE })) });
    files.push({ name: '.bootcde', data: need('dist/esp32/boot.js') });
  } else {
    files.push({ name: '.bootcde', data: image });
  }
  return files;
}


/** A byte stream to the console: a serial port or a TCP (Telnet) connection. */
function openLink(port, baud) {
  return new Promise((resolve, reject) => {
    if (port.startsWith('tcp://')) {
      const hp = port.slice(6).split(':');
      const sock = net.connect({ host: hp[0], port: hp[1] ? parseInt(hp[1], 10) : 23 }, () =>
        resolve({ write: (s) => sock.write(Buffer.from(s, 'latin1')), onData: (cb) => sock.on('data', (b) => cb(b.toString('latin1'))), close: () => sock.destroy() })
      );
      // one short line per round trip: Nagle's algorithm would add ~40 ms to each
      sock.setNoDelay(true);
      sock.once('error', reject);
      return;
    }
    const { SerialPort } = require('serialport');
    const sp = new SerialPort({ path: port, baudRate: baud }, (err) => {
      if (err) return reject(new Error('cannot open ' + port + ': ' + err.message));
      resolve({
        write: (s) => sp.write(Buffer.from(s, 'latin1')),
        onData: (cb) => sp.on('data', (b) => cb(b.toString('latin1'))),
        close: () => new Promise((r) => sp.close(() => r())),
      });
    });
  });
}

/** Runs expressions on the device one line at a time; resolves each with its JSON value. */
class Console {
  constructor(link, verbose) {
    this.link = link;
    this.buf = '';
    this.seq = 0;
    this.waiting = null;
    this.verbose = verbose;
    link.onData((s) => {
      this.buf += s;
      let nl;
      while ((nl = this.buf.search(/[\r\n]/)) >= 0) {
        const line = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        this.line(line);
      }
    });
  }
  line(text) {
    const m = /^>*@(ok|err) (\d+) ?(.*)$/.exec(text);
    const w = this.waiting;
    if (m && w && parseInt(m[2], 10) === w.seq) {
      this.waiting = null;
      clearTimeout(w.timer);
      if (m[1] === 'ok') w.resolve(m[3] === 'undefined' || m[3] === '' ? undefined : JSON.parse(m[3]));
      else w.reject(new Error('device: ' + m[3]));
    } else if (this.verbose && text.trim() && !/^>*$/.test(text)) console.error('device> ' + text);
  }
  /** `expr` evaluated on the device; rejects on its error or after `ms` without an answer. */
  run(expr, ms) {
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.waiting = {
        seq,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiting = null;
          reject(new Error('no answer from the device within ' + (ms || 10000) + ' ms to: ' + expr.slice(0, 80)));
        }, ms || 10000),
      };
      this.link.write('\x10try{print("@ok ' + seq + ' "+JSON.stringify(' + expr + '))}catch(e){print("@err ' + seq + ' "+e)}\n');
    });
  }
  /** Retries a harmless expression until the console answers (a port opening may reset the chip). */
  async sync(tries) {
    for (let i = 0; i < tries; i++) {
      // Ctrl-C drops any half-typed line
      this.link.write('\x03');
      try {
        return await this.run('[process.env.VERSION,process.env.BOARD]', 1500);
      } catch (e) {
        if (i === tries - 1) throw new Error('the device does not answer on its console (is the Espruino interpreter flashed, at this baud rate, and is the console not switched off by a running image?)');
      }
    }
  }
}

function progress(name, done, total) {
  const pct = Math.floor((done * 100) / total);
  const line = '  ' + name.padEnd(14) + ' ' + (done / 1024).toFixed(1).padStart(6) + ' / ' + (total / 1024).toFixed(1) + ' KB ' + String(pct).padStart(3) + '%';
  if (process.stderr.isTTY) process.stderr.write('\r' + line + (done === total ? '\n' : ''));
  else if (done === total) console.error(line);
}

async function flash(opts) {
  const board = loadBoard(opts.board, opts.set);
  const files = filesToFlash(board);
  const link = await openLink(opts.port, opts.baud);
  const con = new Console(link, opts.verbose);
  try {
    const who = await con.sync(8);
    console.error('connected: Espruino ' + who[0] + ' on ' + who[1] + ' (' + opts.port + ')');
    // Bluetooth off gives the JS heap ~1,800 more variables (the gateway has no use for BLE). The
    // interpreter then erases saved code and restarts, so it comes before the upload.
    if (opts.ble !== true && (await con.run('typeof ESP32!=="undefined"&&!!ESP32.getState().BLE', 5000))) {
      console.error('turning Bluetooth off (ESP32.enableBLE(false)); the ESP32 restarts...');
      link.write('\x10ESP32.enableBLE(false)\n');
      await new Promise((r) => setTimeout(r, 3000));
      await con.sync(15);
    }
    // Stops a running image (timers, servers) so that it neither uses the memory nor the files.
    await con.run('reset()', 5000);
    await con.sync(8);
    const S = 'require("Storage")';
    // Old boot files would take precedence (.bootrst) or boot a stale image (ota.json → app-b.js);
    // a page from an earlier update (web.cur → index-b.html.gz) would be served instead of this one.
    for (const n of ['.bootrst', '.varimg', 'app-b.js', OTA_STATE, 'web.cur', 'index-b.html.gz'].concat(files.map((f) => f.name))) await con.run(S + '.erase(' + JSON.stringify(n) + ')', 10000);
    const need = files.reduce((n, f) => n + f.data.length + 32, 0);
    let free = await con.run(S + '.getFree()', 10000);
    if (free < need) {
      console.error('compacting Storage (' + free + ' bytes free, ' + need + ' needed)...');
      await con.run(S + '.compact()', 120000);
      free = await con.run(S + '.getFree()', 10000);
      if (free < need) throw new Error('Storage has ' + free + ' bytes free, the files need ' + need);
    }
    for (const f of files) {
      const total = f.data.length;
      for (let off = 0; off < total; off += CHUNK) {
        const piece = f.data.subarray(off, Math.min(total, off + CHUNK)).toString('base64');
        await con.run(S + '.write(' + JSON.stringify(f.name) + ',atob("' + piece + '"),' + off + ',' + total + ')', 30000);
        progress(f.name, Math.min(total, off + CHUNK), total);
      }
      const got = await con.run('[' + S + '.read(' + JSON.stringify(f.name) + ').length,E.CRC32(' + S + '.read(' + JSON.stringify(f.name) + '))]', 10000);
      const want = [total, crc32(f.data)];
      if (!got || got[0] !== want[0] || got[1] >>> 0 !== want[1]) throw new Error(f.name + ' reads back wrong: length/CRC ' + JSON.stringify(got) + ', expected ' + JSON.stringify(want));
    }
    console.error('verified ' + files.length + ' files (' + (need / 1024).toFixed(1) + ' KB); booting');
    // load() runs .bootcde: the loader, then the image. Not waited for: the image may switch the console off.
    link.write('\x10load()\n');
    await new Promise((r) => setTimeout(r, 300));
  } finally {
    await link.close();
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  opts.verbose = !!process.env.FLASH_VERBOSE;
  if (opts.build) {
    const r = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('npm run build failed');
  }
  await flash(opts);
  const b = loadBoard(opts.board, opts.set);
  console.error('done. ' + (b.name === 'linux' ? 'HTTP on port ' + b.http_port : 'On first boot the gateway opens the WiFi network OpenEVSE_xxxx (password "openevse"); join it and open http://192.168.4.1 to set up WiFi.'));
}

if (require.main === module) {
  main().catch((e) => {
    console.error('flash: ' + e.message);
    process.exit(1);
  });
}

module.exports = { flash, loadBoard, filesToFlash };
