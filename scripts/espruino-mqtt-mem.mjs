#!/usr/bin/env node
// Measures the MQTT client's JsVar cost on the Espruino interpreter (Linux build with a fixed
// pool), connected to a real broker (aedes). The client is bundled as the image is (rollup, TS ES5,
// terser), written to Storage and load()ed from there, as on the device.
//
//   ESPRUINO=/work/tools/espruino/espruino-4000 node scripts/espruino-mqtt-mem.mjs
import { rollup } from 'rollup';
import typescript from '@rollup/plugin-typescript';
import terser from '@rollup/plugin-terser';
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';

const require = createRequire(import.meta.url);
const bin = process.env.ESPRUINO || '/work/tools/espruino/espruino-4000';
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
process.chdir(root);

const bundle = await rollup({
  input: 'scripts/mqtt-espruino-entry.ts',
  plugins: [
    { name: 'espruino-tslib', resolveId: (id) => (id === 'tslib' ? path.resolve('src/hal/espruino/tslib.ts') : null) },
    // tsconfig.esp32.json's settings, with this entry (outside src/) in the program
    typescript({
      tsconfig: false,
      include: ['src/**/*.ts', 'scripts/mqtt-espruino-entry.ts'],
      compilerOptions: { target: 'ES5', module: 'ESNext', moduleResolution: 'Bundler', lib: ['ES5', 'ES2015.Promise'], types: [], importHelpers: true, strict: true, noImplicitAny: false, skipLibCheck: true, useDefineForClassFields: false, isolatedModules: true },
    }),
    terser({ ecma: 5, toplevel: true, compress: { passes: 2, hoist_funs: false, reduce_funcs: false, inline: 1, arrows: false, unsafe_arrows: false }, mangle: true, format: { comments: false } }),
  ],
});
const { output } = await bundle.generate({ format: 'iife', strict: false });
const code = output[0].code;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'espruino-mqtt-'));
fs.writeFileSync(path.join(work, 'mqtt.js'), code);
const { checkSource } = require('./check-image.js');
const problems = checkSource(code, 'mqtt.js');
if (problems.length) {
  console.error(problems);
  process.exit(1);
}
console.log('bundle: ' + code.length + ' bytes, check-image: ok');

const Aedes = require('aedes');
const aedes = new Aedes();
const server = net.createServer(aedes.handle);
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const port = server.address().port;
const retained = {};
aedes.on('publish', (p, client) => {
  if (client) console.log('broker got ' + p.topic + ' = ' + p.payload.toString() + (p.retain ? ' (retained)' : '') + ' qos ' + p.qos);
});

function step(js) {
  fs.writeFileSync(path.join(work, 'step.js'), js);
  const r = spawnSync(bin, ['step.js'], { cwd: work, input: '', timeout: 30000, encoding: 'latin1' });
  if (r.status !== 0 || /Uncaught|ERROR/.test(r.stdout)) throw new Error('interpreter step failed:\n' + r.stdout + r.stderr);
}
step('require("Storage").write("mqttport", "' + port + '");');
// The interpreter's own use after load() of an empty file, to subtract.
step('require("Storage").write("empty.js", "print(\\"EMPTY \\" + process.memory().usage)");');
const base = spawnSync(bin, ['-e', 'load("empty.js")'], { cwd: work, input: '', timeout: 10000, encoding: 'latin1' });
console.log((/EMPTY \d+/.exec(base.stdout) || ['EMPTY ?'])[0] + ' vars used after load() of an empty file');
for (let off = 0; off < code.length; off += 2048) {
  step('require("Storage").write("mqtt.js", ' + JSON.stringify(code.substr(off, 2048)) + ', ' + off + ', ' + code.length + ');');
}
const app = spawn(bin, ['-e', 'print("BASE " + process.memory().usage); load("mqtt.js")'], { cwd: work, stdio: ['pipe', 'pipe', 'pipe'] });
let out = '';
app.stdout.on('data', (b) => {
  out += b.toString('latin1');
  process.stdout.write(b.toString('latin1').replace(/\x1b\[[0-9;]*[A-Za-z]/g, ''));
});
setTimeout(() => {
  aedes.publish({ cmd: 'publish', topic: 'openevse/rapi/in/GS', payload: Buffer.from('x'), qos: 1, messageId: 42, retain: false, dup: false }, () => {});
  aedes.publish({ cmd: 'publish', topic: 'openevse/override/set', payload: Buffer.from('toggle'), qos: 0, retain: false, dup: false }, () => {});
}, 2500);
const t = setTimeout(() => finish(1), 15000);
const iv = setInterval(() => {
  if (/MEM .*total \d+/.test(out)) finish(0);
}, 100);
function finish(code) {
  clearTimeout(t);
  clearInterval(iv);
  app.kill('SIGKILL');
  server.close();
  aedes.close();
  if (code) console.error('no MEM line within 15 s');
  process.exit(code);
}
