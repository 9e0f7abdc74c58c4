#!/usr/bin/env node
// Runs the ESP32 image on an Espruino interpreter (its Linux build) against the emulated
// controller on a pseudo-terminal, as the device would run it: the image is written to Storage
// and loaded from there, so function bodies stay in (fake) flash as on the ESP32.
//
//   ESPRUINO=/path/to/espruino npm run espruino-smoke [-- --keep]
//
// The interpreter is not part of this project: build it yourself (espruino/Espruino, `make`;
// `VARIABLES=4000 make` gives a fixed pool like an ESP32's). The script checks /status and /config,
// prints the interpreter's memory lines, and stops (with --keep it leaves everything running).
'use strict';
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const net = require('net');

const root = path.join(__dirname, '..');
const bin = process.env.ESPRUINO;
if (!bin || !fs.existsSync(bin)) {
  console.error('Set ESPRUINO to the path of an Espruino interpreter built for Linux (see the comment at the top of this script).');
  process.exit(2);
}
const keep = process.argv.includes('--keep');
const image = fs.readFileSync(path.join(root, 'dist/esp32/image.js'), 'latin1');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'espruino-run-'));
const children = [];
const stop = (code) => {
  for (const c of children) c.kill('SIGKILL');
  process.exit(code);
};

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

/** Runs a one-off script on the interpreter in `work` (Storage is ./espruino.flash there). */
function runScript(code) {
  fs.writeFileSync(path.join(work, 'step.js'), code);
  const r = spawnSync(bin, ['step.js'], { cwd: work, input: '', timeout: 30000, encoding: 'latin1' });
  if (r.status !== 0 || /Uncaught|ERROR/.test(r.stdout)) throw new Error('interpreter step failed:\n' + r.stdout + r.stderr);
}

function waitForLine(proc, pattern, ms, what) {
  let out = '';
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no ' + what + ' in ' + ms + ' ms:\n' + out)), ms);
    const on = (b) => {
      out += b.toString('latin1');
      const m = pattern.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m);
      }
    };
    proc.stdout.on('data', on);
    proc.stderr.on('data', on);
  });
}

async function main() {
  const emu = spawn(process.execPath, [path.join(root, 'dist/node/emulator.js'), '--pty', '--control-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(emu);
  const pty = (await waitForLine(emu, /pty: (\S+)/, 10000, 'pty from the emulator'))[1];
  const port = await freePort();

  // Storage writes in 2 KB pieces: a script is held in RAM while it runs, a 4,000-var pool is small.
  const board = JSON.parse(fs.readFileSync(path.join(root, 'boards/linux.json'), 'utf8'));
  delete board.description;
  board.rapi_path = pty;
  board.http_port = port;
  runScript('require("Storage").write("board.json", ' + JSON.stringify(JSON.stringify(board)) + ');');
  for (let off = 0; off < image.length; off += 2048) {
    const piece = image.substr(off, 2048);
    runScript('require("Storage").write("app.js", ' + JSON.stringify(piece) + ', ' + off + ', ' + image.length + ');');
  }
  console.log('image in Storage: ' + image.length + ' bytes; board ' + JSON.stringify(board));

  const app = spawn(bin, ['-e', 'load("app.js")'], { cwd: work, stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(app);
  app.stdout.on('data', (b) => process.stdout.write(b.toString('latin1').replace(/\x1b\[[0-9;]*[A-Za-z]/g, '')));
  const url = 'http://127.0.0.1:' + port;
  const end = Date.now() + 30000;
  let status = null;
  while (Date.now() < end) {
    try {
      status = await (await fetch(url + '/status')).json();
      if (status.evse_connected === 1) break;
    } catch (e) {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  if (!status || status.evse_connected !== 1) throw new Error('no live /status from the interpreter within 30 s: ' + JSON.stringify(status));
  console.log('/status from the interpreter: state ' + status.state + ', pilot ' + status.pilot + ' A, free_heap ' + status.free_heap);
  const config = await (await fetch(url + '/config')).json();
  console.log('/config from the interpreter: version ' + config.version + ', controller firmware ' + config.firmware);
  await waitForLine(app, /memory: \d+\/\d+ vars used/, 20000, 'memory line');
  if (keep) {
    console.log('running: ' + url + ' (Ctrl-C stops)');
    return;
  }
  stop(0);
}

main().catch((e) => {
  console.error(e.message);
  stop(1);
});
