#!/usr/bin/env node
// The ESP32 image on an Espruino interpreter (its Linux build) against the emulated controller on a
// pseudo-terminal (scripts/espruino-harness.js): checks /status and /config and prints the
// interpreter's memory line, then stops; with --keep it leaves everything running.
//
//   ESPRUINO=/path/to/espruino npm run espruino-smoke [-- --keep]
'use strict';
const fs = require('fs');
const path = require('path');
const { root, interpreter, waitFor, boot } = require('./espruino-harness');

async function main() {
  const bin = interpreter();
  const image = fs.readFileSync(path.join(root, 'dist/esp32/image.js'), 'latin1');
  const run = await boot(bin, image);
  console.log('image in Storage: ' + image.length + ' bytes; board ' + JSON.stringify(run.board));
  const status = await (await fetch(run.url + '/status')).json();
  console.log('/status from the interpreter: state ' + status.state + ', pilot ' + status.pilot + ' A, free_heap ' + status.free_heap);
  const config = await (await fetch(run.url + '/config')).json();
  console.log('/config from the interpreter: version ' + config.version + ', controller firmware ' + config.firmware);
  console.log((await waitFor(run.output, /memory: \d+\/\d+ vars used/, 20000, 'memory line'))[0]);
  if (/Uncaught|OUT OF MEMORY/.test(run.output())) throw new Error('interpreter errors:\n' + run.output());
  if (process.argv.includes('--keep')) {
    console.log('running: ' + run.url + ' (Ctrl-C stops)');
    process.on('SIGINT', () => (run.stop(), process.exit(0)));
    return;
  }
  run.stop();
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
