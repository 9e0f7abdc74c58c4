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
const fs = require('fs');
const path = require('path');
const net = require('net');
const crypto = require('crypto');
const { root, interpreter, waitFor, boot } = require('./espruino-harness');

const bin = interpreter();
const mi = process.argv.indexOf('--minutes');
const minutes = mi > 0 ? Number(process.argv[mi + 1]) : 2;
const ii = process.argv.indexOf('--image');
const imagePath = ii > 0 ? process.argv[ii + 1] : path.join(root, 'dist/esp32/image.js');
const image = fs.readFileSync(imagePath, 'latin1');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let run = null;
const stop = (code) => {
  if (run) run.stop();
  process.exit(code);
};

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
  run = await boot(bin, image);
  const app = run.app;
  const out = () => run.output();
  const url = run.url;
  const port = run.port;
  let asked = 0;
  /** process.memory() through the REPL (\x10: no echo of the command line). */
  async function memory() {
    const tag = 'MEM' + ++asked + ' ';
    app.stdin.write('\x10print("' + tag + '"+JSON.stringify(process.memory()))\n');
    return JSON.parse((await waitFor(out, new RegExp(tag + '(\\{[^\\n]*\\})'), 10000, 'memory reading ' + tag))[1]);
  }
  // the monitor's boot queries and the first slow poll are done by then
  await waitFor(out, /memory: \d+\/\d+ vars used/, 20000, 'the image\'s memory line');
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
  if (/Uncaught|OUT OF MEMORY/.test(out())) {
    console.log('interpreter errors:\n' + out().split('\n').filter((l) => /Uncaught|OUT OF MEMORY/.test(l)).join('\n'));
    stop(1);
  }
  stop(0);
}

main().catch((e) => {
  console.error(e.message);
  stop(1);
});
