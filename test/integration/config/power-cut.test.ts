// A real kill test of the config's persistence: a child process saves the config again and
// again, cycling through three known versions, and is killed with SIGKILL at random moments.
// After every kill a fresh store loads from the files: it must hold exactly the last version the
// child reported saved (old), or the one it was writing when killed (new), never anything else.
// Three versions rather than two: with two, each slot would always get the same one back, and a
// torn overwrite of nearly identical bytes would prove little.
//
// Three Storages: the Node HAL's folderStorage (temp file + rename), and two that write in place
// in small synced pieces as the ESP32 flash does (no rename). The in-place ones leave torn files
// behind, which we count to show that the kills land mid-write; a control run that rewrites one
// file in place without the two slots shows what those torn writes do to a naive scheme.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';
import { ConfigStore, parseSlot } from '../../../src/core/config/store';
import { folderStorage } from '../../../src/hal/node/storage';
import { Storage } from '../../../src/hal/types';

const REPO = path.join(__dirname, '../../..');
const CHILD = path.join(__dirname, 'power-cut-child.js');
const ID = 'AABBCCDDEEFF';
const KILLS = 100;
const MAX_DELAY_MS = 60;

// Versions that differ in every kind of field, and in length, so a torn mix shows.
const A = {
  ssid: 'home-a', pass: 'password-a', mqtt_enabled: true, mqtt_server: 'broker-a.local', mqtt_port: 1883,
  mqtt_pass: 'pw-a', divert_enabled: true, charge_mode: 'eco', divert_PV_ratio: 1.2, time_zone: 'America/Phoenix|MST7',
  emoncms_apikey: 'k'.repeat(32), tesla_access_token: 'a'.repeat(300),
};
const B = {
  ssid: 'home-b-longer-name', pass: 'password-bbbb', mqtt_enabled: false, mqtt_server: 'broker-b.example.org', mqtt_port: 8883,
  mqtt_pass: 'pw-bb', divert_enabled: false, charge_mode: 'fast', divert_PV_ratio: 1.1, time_zone: 'UTC0',
  emoncms_apikey: 'j'.repeat(40), tesla_access_token: 'b'.repeat(520),
};
const C = {
  ssid: 'c', pass: '', mqtt_enabled: true, mqtt_server: '10.0.0.3', mqtt_port: 1884,
  mqtt_pass: '', divert_enabled: true, charge_mode: 'fast', divert_PV_ratio: 2, time_zone: 'Europe/Paris|CET-1CEST,M3.5.0,M10.5.0/3',
  emoncms_apikey: '', tesla_access_token: 'c'.repeat(100),
};
const VERSIONS = [A, B, C];

function memStorage(): Storage {
  const files: { [n: string]: string } = {};
  return { read: (n) => files[n], write: (n, d) => void (files[n] = d), erase: (n) => void delete files[n] };
}
function fullDoc(patch: object) {
  const s = new ConfigStore(memStorage(), ID);
  s.update(patch);
  return s.getAll(true);
}
/** The full document each generation must hold: generation 1 is A, 2 is B, 3 is C, 4 is A ... */
const DOCS = VERSIONS.map(fullDoc);

let lib = '';
beforeAll(() => {
  // ts-node is not installed: transpile the few files the child needs (ES5, as on the device).
  lib = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-lib-'));
  for (const rel of ['core/config/schema.ts', 'core/config/store.ts', 'core/slots.ts', 'hal/node/storage.ts', 'hal/types.ts']) {
    const src = fs.readFileSync(path.join(REPO, 'src', rel), 'utf8');
    const out = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES5 } });
    fs.mkdirSync(path.dirname(path.join(lib, rel)), { recursive: true });
    fs.writeFileSync(path.join(lib, rel.replace(/\.ts$/, '.js')), out.outputText);
  }
});
afterAll(() => {
  if (lib) fs.rmSync(lib, { recursive: true, force: true });
});

/** Runs the child until a random moment after it is ready, kills it, returns what it printed. */
function runAndKill(dir: string, mode: string, naive: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const args = [CHILD, lib, dir, mode, JSON.stringify(VERSIONS)].concat(naive ? ['naive'] : []);
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timer: any = null;
    child.stdout.on('data', (d) => {
      out += d;
      if (!timer && out.indexOf('ready') >= 0) timer = setTimeout(() => child.kill('SIGKILL'), Math.random() * MAX_DELAY_MS);
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error('child ended by itself (' + code + '): ' + err));
      else resolve(out);
    });
  });
}

/** The generation the child last reported saved (or found at start). */
function lastAcked(out: string): number {
  const m = out.match(/(?:ready|saved) (\d+)\n(?![\s\S]*(?:ready|saved) \d+\n)/);
  if (!m) throw new Error('no ack in ' + JSON.stringify(out.slice(-200)));
  return +m[1];
}

describe.each(['rename', 'erase', 'overlay'])('config survives SIGKILL at any instant, %s storage', (mode) => {
  test(`${KILLS} kills: always exactly the old or the new version`, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-cut-'));
    try {
      const reader = folderStorage(dir);
      expect(new ConfigStore(reader, ID).update(A).ok).toBe(true); // generation 1 = A
      let torn = 0;
      let prev = 1;
      for (let i = 0; i < KILLS; i++) {
        const acked = lastAcked(await runAndKill(dir, mode, false));
        expect(acked).toBeGreaterThanOrEqual(prev);
        const store = new ConfigStore(reader, ID);
        const gen = store.generation;
        if (gen !== acked && gen !== acked + 1) throw new Error(`kill ${i}: loaded generation ${gen}, child had saved ${acked}`);
        expect(store.getAll(true)).toEqual(DOCS[(gen - 1) % 3]);
        prev = gen;
        for (const n of ['cfg.a', 'cfg.b']) {
          const f = path.join(dir, n);
          if (mode === 'rename' && fs.existsSync(f + '.tmp')) {
            torn++;
            fs.unlinkSync(f + '.tmp');
          }
          if (mode !== 'rename' && fs.existsSync(f) && !parseSlot(fs.readFileSync(f, 'latin1'))) torn++;
        }
      }
      // The kills must have hit writes for the test to mean anything.
      if (mode !== 'rename') expect(torn).toBeGreaterThanOrEqual(KILLS / 10);
      console.log(mode + ': ' + KILLS + ' kills, ' + torn + ' left a torn slot' + (mode === 'rename' ? ' (.tmp)' : '') + ', generation ' + prev);
      // ... and many saves must have completed, so that both slots took turns
      expect(prev).toBeGreaterThan(KILLS / 4);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 300000);
});

test('control: one file rewritten in place without the two slots does break', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-cut-'));
  try {
    let broken = 0;
    for (let i = 0; i < 40 && broken < 3; i++) {
      await runAndKill(dir, 'overlay', true);
      let doc: any = null;
      try {
        doc = JSON.parse(fs.readFileSync(path.join(dir, 'naive.json'), 'latin1'));
      } catch (e) {
        /* torn */
      }
      if (!VERSIONS.some((v) => JSON.stringify(v) === JSON.stringify(doc))) broken++;
    }
    expect(broken).toBeGreaterThanOrEqual(3);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120000);
