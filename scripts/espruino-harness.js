// Runs the ESP32 image on an Espruino interpreter (its Linux build) as the device would: the image
// is written into the interpreter's Storage and load()ed from there (function bodies then stay in
// the fake flash, as on the ESP32), with RAPI on a pseudo-terminal to the emulated controller.
// Shared by scripts/espruino-run.js and scripts/bench-memory.js.
'use strict';
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const net = require('net');

const root = path.join(__dirname, '..');

/**
 * A stand-in for the ESP32's Wifi module (the Linux build has none): it answers at once as a radio
 * would when all goes well: defined as global WIFI_STANDIN, handed to the image as global OEVSE_WIFI
 * (src/hal/espruino/hal.ts). Its own JsVars: E.getSizeOf(global.WIFI_STANDIN).
 */
const WIFI_STANDIN =
  'global.WIFI_STANDIN={connect:function(s,o,cb){var w=this;setTimeout(function(){w.ip="192.168.1.50";cb()},10)},' +
  'disconnect:function(){},startAP:function(s,o,cb){setTimeout(cb,10)},stopAP:function(){},setHostname:function(){},' +
  'scan:function(cb){setTimeout(function(){cb([])},10)},getIP:function(){return{ip:this.ip||"0.0.0.0"}},' +
  'getAPIP:function(){return{ip:"192.168.4.1"}},getStatus:function(){return{rssi:-60}},on:function(){}};';

/** The interpreter named by ESPRUINO, or exit with how to get one. */
function interpreter() {
  const bin = process.env.ESPRUINO;
  if (!bin || !fs.existsSync(bin)) {
    console.error(
      'Set ESPRUINO to the path of an Espruino interpreter built for Linux: build espruino/Espruino yourself\n' +
        '(`make`, or `VARIABLES=4000 make` for a fixed pool of 4,000 variables like an ESP32).'
    );
    process.exit(2);
  }
  return bin;
}

/**
 * A port nothing listens on now. Random rather than the kernel's next one: the interpreter binds
 * it seconds later, and two runs side by side would otherwise be handed the same port.
 */
function freePort() {
  const tryPort = (port) =>
    new Promise((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(tryPort(0)));
      s.listen(port, '127.0.0.1', () => {
        const p = s.address().port;
        s.close(() => resolve(p));
      });
    });
  return tryPort(20000 + Math.floor(Math.random() * 30000));
}

/** Resolves with the match once `pattern` is found in getText(). */
function waitFor(getText, pattern, ms, what) {
  return new Promise((resolve, reject) => {
    const end = Date.now() + ms;
    const t = setInterval(() => {
      const m = pattern.exec(getText());
      if (m) {
        clearInterval(t);
        resolve(m);
      } else if (Date.now() > end) {
        clearInterval(t);
        reject(new Error('no ' + what + ' in ' + ms + ' ms:\n' + getText().slice(-500)));
      }
    }, 50);
  });
}

/**
 * Boots `image` (a string) on interpreter `bin` against the emulator; resolves once /status says
 * the controller is connected. `output()` is everything the interpreter printed; `control` is the
 * emulator's control interface (http://127.0.0.1:PORT); `stop()` ends it all.
 * `opts.grow`: on an interpreter whose pool grows on demand, grow it to at least that many vars
 * before the image starts (load() keeps the size): the image sizes its optional features by
 * process.memory().free, which only counts the pool as it is.
 * `opts.files`: {name: binary string} written into Storage beside the image (the web UI page).
 */
async function boot(bin, image, opts) {
  opts = opts || {};
  const children = [];
  let work = null;
  const stop = () => {
    children.forEach((c) => c.kill('SIGKILL'));
    // the interpreter's fake flash (256 KB) and the image's pieces
    if (work) fs.rmSync(work, { recursive: true, force: true });
    work = null;
  };
  try {
    const emu = spawn(process.execPath, [path.join(root, 'dist/node/emulator.js'), '--pty', '--control-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(emu);
    let emuOut = '';
    emu.stdout.on('data', (b) => (emuOut += b));
    const pty = (await waitFor(() => emuOut, /pty: (\S+)/, 10000, 'pty from the emulator'))[1];
    // the emulator's control interface (src/emulator/control-server.ts): plug in, charge, faults
    const control = (await waitFor(() => emuOut, /control: (http:\/\/\S+)/, 10000, 'control port from the emulator'))[1];
    const port = await freePort();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'espruino-'));
    // A script is held in RAM while it runs: Storage is written in 2 KB pieces.
    const step = (code) => {
      fs.writeFileSync(path.join(work, 'step.js'), code);
      const r = spawnSync(bin, ['step.js'], { cwd: work, input: '', timeout: 30000, encoding: 'latin1' });
      if (r.status !== 0 || /Uncaught|ERROR/.test(r.stdout)) throw new Error('interpreter step failed:\n' + r.stdout + r.stderr);
    };
    const board = JSON.parse(fs.readFileSync(path.join(root, 'boards/linux.json'), 'utf8'));
    delete board.description;
    board.rapi_path = pty;
    board.http_port = port;
    step('require("Storage").write("board.json", ' + JSON.stringify(JSON.stringify(board)) + ');');
    const files = Object.assign({ 'app.js': image }, opts.files || {});
    for (const name of Object.keys(files)) {
      const data = files[name];
      for (let off = 0; off < data.length; off += 2048) {
        // bytes above 0x7E as \xHH: the step file is read byte for byte
        const piece = JSON.stringify(data.substr(off, 2048)).replace(/[\u007f-\u00ff]/g, (c) => '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0'));
        step('require("Storage").write(' + JSON.stringify(name) + ', ' + piece + ', ' + off + ', ' + data.length + ');');
      }
    }
    // filled until the pool has grown (by 4,096 vars at a time), then let go; tried on its own
    // first: a fixed pool runs out of memory instead, and would not go on to load the image
    let grow = opts.grow ? 'var a=[];while(process.memory().total<' + Number(opts.grow) + ')for(var i=0;i<256;i++)a.push(i);a=0;' : '';
    if (grow) {
      const r = spawnSync(bin, ['-e', grow + 'print("POOL",process.memory().total)'], { cwd: work, input: '', timeout: 30000, encoding: 'latin1' });
      if (!/POOL \d+/.test(r.stdout) || /MEMORY/.test(r.stdout)) grow = '';
    }
    const app = spawn(bin, ['-e', grow + 'load("app.js")'], { cwd: work, stdio: ['pipe', 'pipe', 'pipe'] });
    children.push(app);
    let out = '';
    app.stdout.on('data', (b) => (out += b.toString('latin1')));
    app.stderr.on('data', (b) => (out += b.toString('latin1')));
    const url = 'http://127.0.0.1:' + port;
    const end = Date.now() + 30000;
    for (;;) {
      try {
        const s = await (await fetch(url + '/status', { signal: AbortSignal.timeout(5000) })).json();
        if (s.evse_connected === 1) return { url, port, control, board, app, output: () => out, stop };
      } catch (e) {
        // not listening yet
      }
      if (Date.now() > end) throw new Error('no live /status from the interpreter within 30 s:\n' + out.slice(-500));
      await new Promise((r) => setTimeout(r, 500));
    }
  } catch (e) {
    stop();
    throw e;
  }
}

module.exports = { root, interpreter, freePort, waitFor, boot, WIFI_STANDIN };
