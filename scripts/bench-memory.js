#!/usr/bin/env node
// JsVar use of the ESP32 image on an Espruino interpreter (its Linux build), as on the device:
// the image is written to Storage and loaded from there (scripts/espruino-run.js does the same),
// against the emulated controller on a pseudo-terminal. Prints process.memory() usage
//   - after boot (idle, nothing connected),
//   - with one /ws client connected,
//   - during bursts of HTTP requests (4 at once, the router's cap): the highest usage seen by
//     the requests themselves (/status free_heap is computed while the request is alive),
//   - after N minutes idle (the /ws client gone), which must equal the after-boot figure.
// Figures other than the burst are read on the interpreter's console (stdin is its REPL):
// process.memory() collects garbage first, so they are live vars only.
//
//   ESPRUINO=/path/to/espruino-4000 node scripts/bench-memory.js [--minutes 2] [--image dist/esp32/image.js]
'use strict';
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const net = require('net');
const crypto = require('crypto');

const root = path.join(__dirname, '..');
const bin = process.env.ESPRUINO;
if (!bin || !fs.existsSync(bin)) {
  console.error('Set ESPRUINO to the path of an Espruino interpreter built for Linux (see scripts/espruino-run.js).');
  process.exit(2);
}
const mi = process.argv.indexOf('--minutes');
const minutes = mi > 0 ? Number(process.argv[mi + 1]) : 2;
const ii = process.argv.indexOf('--image');
const imagePath = ii > 0 ? process.argv[ii + 1] : path.join(root, 'dist/esp32/image.js');
const image = fs.readFileSync(imagePath, 'latin1');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-memory-'));
const children = [];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
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

function runScript(code) {
  fs.writeFileSync(path.join(work, 'step.js'), code);
  const r = spawnSync(bin, ['step.js'], { cwd: work, input: '', timeout: 30000, encoding: 'latin1' });
  if (r.status !== 0 || /Uncaught|ERROR/.test(r.stdout)) throw new Error('interpreter step failed:\n' + r.stdout + r.stderr);
}

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
        reject(new Error('no ' + what + ' in ' + ms + ' ms'));
      }
    }, 50);
  });
}

/** A /ws client on a raw socket: the handshake, then it only listens (frames are dropped). */
function wsConnect(port) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    const key = crypto.randomBytes(16).toString('base64');
    let head = '';
    s.on('error', reject);
    s.on('data', (b) => {
      if (head === null) return;
      head += b.toString('latin1');
      if (head.indexOf('\r\n\r\n') < 0) return;
      if (!/^HTTP\/1\.1 101/.test(head)) return reject(new Error('no 101 from /ws: ' + head.split('\r\n')[0]));
      head = null;
      resolve(s);
    });
    s.write('GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ' + key + '\r\n\r\n');
  });
}

async function main() {
  const emu = spawn(process.execPath, [path.join(root, 'dist/node/emulator.js'), '--pty', '--control-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(emu);
  let emuOut = '';
  emu.stdout.on('data', (b) => (emuOut += b));
  const pty = (await waitFor(() => emuOut, /pty: (\S+)/, 10000, 'pty from the emulator'))[1];
  const port = await freePort();
  const board = { name: 'linux', rapi_serial: 'Serial1', rapi_path: pty, http_port: port };
  runScript('require("Storage").write("board.json", ' + JSON.stringify(JSON.stringify(board)) + ');');
  // 2 KB pieces: a script is held in RAM while it runs
  for (let off = 0; off < image.length; off += 2048) {
    runScript('require("Storage").write("app.js", ' + JSON.stringify(image.substr(off, 2048)) + ', ' + off + ', ' + image.length + ');');
  }
  const app = spawn(bin, ['-e', 'load("app.js")'], { cwd: work, stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(app);
  let out = '';
  app.stdout.on('data', (b) => (out += b.toString('latin1')));
  app.stderr.on('data', (b) => (out += b.toString('latin1')));
  let asked = 0;
  /** process.memory() through the REPL (\x10: no echo of the command line). */
  async function memory() {
    const tag = 'MEM' + ++asked + ' ';
    app.stdin.write('\x10print("' + tag + '"+JSON.stringify(process.memory()))\n');
    return JSON.parse((await waitFor(() => out, new RegExp(tag + '(\\{[^\\n]*\\})'), 10000, 'memory reading ' + tag + '(console: ' + out.slice(-300) + ')'))[1]);
  }
  const url = 'http://127.0.0.1:' + port;
  const end = Date.now() + 30000;
  for (;;) {
    try {
      if ((await (await fetch(url + '/status')).json()).evse_connected === 1) break;
    } catch (e) {
      // not up yet
    }
    if (Date.now() > end) throw new Error('no live /status from the interpreter within 30 s');
    await sleep(500);
  }
  // the monitor's boot queries and the first slow poll are done by then
  await waitFor(() => out, /memory: \d+\/\d+ vars used/, 20000, 'the image\'s memory line');
  const m0 = await memory();
  const total = m0.total;
  const block = m0.blocksize || 14;
  const rows = [['after boot, idle', m0.usage]];

  const ws = await wsConnect(port);
  await sleep(1500);
  rows.push(['one /ws client connected', (await memory()).usage]);

  // One request alone: the usage it sees while it is being answered.
  const usedBy = (doc) => total - Math.round(doc.free_heap / block);
  const one = usedBy(await (await fetch(url + '/status')).json());
  rows.push(['during one GET /status (+ /ws)', one]);
  let peak = 0;
  const paths = ['/status', '/config', '/claims', '/override'];
  for (let round = 0; round < 10; round++) {
    await Promise.all(
      paths.map((p) =>
        fetch(url + p)
          .then((r) => r.text())
          .then(() => fetch(url + '/status'))
          .then((r) => r.json())
          .then((d) => (peak = Math.max(peak, usedBy(d))))
      )
    );
  }
  rows.push(['HTTP burst (4 at once x 10), peak (+ /ws)', peak]);
  ws.destroy();
  await sleep(2000);
  rows.push(['/ws client gone, after the burst', (await memory()).usage]);

  const step = Math.max(1, Math.round(minutes * 60000 / 4));
  for (let t = step; t <= minutes * 60000; t += step) {
    await sleep(step);
    rows.push(['idle ' + (t / 60000).toFixed(1) + ' min', (await memory()).usage]);
  }

  console.log('command: ESPRUINO=' + bin + ' node scripts/bench-memory.js --minutes ' + minutes + (ii > 0 ? ' --image ' + imagePath : ''));
  console.log('image: ' + image.length + ' bytes from Storage; pool ' + total + ' vars of ' + block + ' bytes');
  for (const [what, used] of rows) console.log(('  ' + what).padEnd(46) + String(used).padStart(5) + ' / ' + total + ' (' + ((100 * used) / total).toFixed(1) + ' %)');
  const growth = rows[rows.length - 1][1] - m0.usage;
  console.log('idle growth since boot: ' + growth + ' vars');
  if (/Uncaught|OUT OF MEMORY/.test(out)) {
    console.log('interpreter errors:\n' + out.split('\n').filter((l) => /Uncaught|OUT OF MEMORY/.test(l)).join('\n'));
    stop(1);
  }
  stop(0);
}

main().catch((e) => {
  console.error(e.message);
  stop(1);
});
