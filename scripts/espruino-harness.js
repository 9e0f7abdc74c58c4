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

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
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
 * the controller is connected. `output()` is everything the interpreter printed; `stop()` ends it all.
 */
async function boot(bin, image) {
  const children = [];
  const stop = () => children.forEach((c) => c.kill('SIGKILL'));
  try {
    const emu = spawn(process.execPath, [path.join(root, 'dist/node/emulator.js'), '--pty', '--control-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(emu);
    let emuOut = '';
    emu.stdout.on('data', (b) => (emuOut += b));
    const pty = (await waitFor(() => emuOut, /pty: (\S+)/, 10000, 'pty from the emulator'))[1];
    const port = await freePort();
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'espruino-'));
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
    for (let off = 0; off < image.length; off += 2048) {
      step('require("Storage").write("app.js", ' + JSON.stringify(image.substr(off, 2048)) + ', ' + off + ', ' + image.length + ');');
    }
    const app = spawn(bin, ['-e', 'load("app.js")'], { cwd: work, stdio: ['pipe', 'pipe', 'pipe'] });
    children.push(app);
    let out = '';
    app.stdout.on('data', (b) => (out += b.toString('latin1')));
    app.stderr.on('data', (b) => (out += b.toString('latin1')));
    const url = 'http://127.0.0.1:' + port;
    const end = Date.now() + 30000;
    for (;;) {
      try {
        const s = await (await fetch(url + '/status')).json();
        if (s.evse_connected === 1) return { url, port, board, app, output: () => out, stop };
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

module.exports = { root, interpreter, freePort, waitFor, boot };
