// `npm run flash` (scripts/flash.js, run as the real CLI) into a blank simulated ESP32 through its
// JavaScript console, as a USB serial port would carry it: a REAL pseudo-terminal pair, and
// Espruino's Telnet console as a TCP port. Then the device boots what was flashed: /status answers
// with the emulated controller over another pty, and the web UI is served gzipped from Storage.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { ControllerEmulator } from '../../src/emulator/controller';
import { openPtyPair, PtyPair } from '../../src/emulator/pty';
import { attachSerialPort, Closable } from '../../src/emulator/cli';
import { nodeClock } from '../../src/hal/node/clock';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { bootDevice, freePort } = require('../espruino-sim');

jest.setTimeout(120000);

const ROOT = path.join(__dirname, '..', '..');

/** Each device gets its own controller: a pty pair ends when its gateway side is closed. */
const cleanup: Array<() => Promise<void>> = [];

async function controller(): Promise<PtyPair> {
  const pair = await openPtyPair();
  let toGateway: (b: string) => void = () => undefined;
  const emu = new ControllerEmulator({ clock: nodeClock, timing: 'fast', write: (b) => toGateway(b) });
  const emuSide: Closable = await attachSerialPort(emu, (s) => (toGateway = s || (() => undefined)), pair.emulatorPath);
  emu.powerOn();
  cleanup.push(async () => {
    emu.powerOff();
    await emuSide.close();
    await pair.close();
  });
  return pair;
}

afterAll(async () => {
  // devices first (pushed later), then their controllers
  for (const c of cleanup.reverse()) await c();
});

function runFlash(args: string[]): Promise<{ code: number; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [path.join(ROOT, 'scripts/flash.js'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    p.stdout.on('data', (b) => (err += b));
    p.stderr.on('data', (b) => (err += b));
    p.on('exit', (code) => resolve({ code: code === null ? -1 : code, err }));
  });
}

/** GET without decompression: the bytes and headers as sent. */
function rawGet(url: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (b) => parts.push(b));
        res.on('end', () => resolve({ status: res.statusCode || 0, headers: res.headers, body: Buffer.concat(parts) }));
      })
      .on('error', reject);
  });
}

async function flashAndCheck(consoleKind: 'pty' | 'tcp') {
  const pair = await controller();
  const dev = await bootDevice({ console: consoleKind });
  cleanup.push(() => dev.stop());
  dev.pair = pair;
  // Blank: the interpreter alone, nothing in Storage, nothing booted.
  expect(fs.readdirSync(dev.storageDir)).toEqual([]);
  expect(dev.url).toBeNull();

  const httpPort = await freePort();
  const port = consoleKind === 'pty' ? dev.consolePath : 'tcp://127.0.0.1:' + dev.consolePort;
  const r = await runFlash(['--port', port, '--board', 'linux', '--set', 'rapi_path=' + pair.gatewayPath, '--set', 'http_port=' + httpPort, '--no-build']);
  expect(r.err).toMatch(/connected: Espruino 2v29/);
  expect(r.err).toMatch(/app-a\.js .*100%/);
  expect(r.err).toMatch(/verified/);
  expect(r.code).toBe(0);

  // What the device holds is what the build made, byte for byte.
  const same = (name: string, file: string) => expect(Buffer.compare(fs.readFileSync(path.join(dev.storageDir, name)), fs.readFileSync(path.join(ROOT, file)))).toBe(0);
  same('app-a.js', 'dist/esp32/image.js');
  same('.bootcde', 'dist/esp32/boot.js');
  same('index.html.gz', 'dist/web/index.html.gz');
  expect(JSON.parse(fs.readFileSync(path.join(dev.storageDir, 'board.json'), 'latin1'))).toMatchObject({ name: 'linux', rapi_path: pair.gatewayPath, http_port: httpPort });
  expect(JSON.parse(fs.readFileSync(path.join(dev.storageDir, 'ota.json'), 'latin1'))).toEqual({ cur: 'app-a.js' });

  // load() at the end of the flash booted the loader, which load()ed the image.
  await dev.ready();
  expect(dev.url).toBe('http://127.0.0.1:' + httpPort);
  expect(dev.output()).toMatch(/boot \d+ \(load app-a\.js\)/);
  const end = Date.now() + 10000;
  let status: any = null;
  while (Date.now() < end) {
    status = await (await fetch(dev.url + '/status')).json();
    if (status.evse_connected === 1) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  expect(status.evse_connected).toBe(1);

  const ui = await rawGet(dev.url + '/');
  expect(ui.status).toBe(200);
  expect(ui.headers['content-encoding']).toBe('gzip');
  expect(Buffer.compare(ui.body, fs.readFileSync(path.join(ROOT, 'dist/web/index.html.gz')))).toBe(0);
  expect(dev.errors()).toEqual([]);
  return dev;
}

test('flash over a serial port (pty) into a blank device: it boots, /status answers, the UI is served gzipped', async () => {
  await flashAndCheck('pty');
});

test('flash over the Telnet console (tcp://) too, and again over a running image', async () => {
  const dev = await flashAndCheck('tcp');
  const pair = dev.pair;
  // A second flash reaches the console of the running image, stops it (reset()) and replaces it.
  const boots = dev.bootCount;
  const httpPort = await freePort();
  const r = await runFlash(['--port', 'tcp://127.0.0.1:' + dev.consolePort, '--board', 'linux', '--set', 'rapi_path=' + pair.gatewayPath, '--set', 'http_port=' + httpPort, '--no-build']);
  expect(r.code).toBe(0);
  await dev.ready();
  expect(dev.url).toBe('http://127.0.0.1:' + httpPort);
  expect(dev.bootCount).toBeGreaterThan(boots);
  expect(dev.errors()).toEqual([]);
});

test('a device that does not answer on its console fails the flash with a clear message', async () => {
  // A TCP port that accepts and never answers like an Espruino console.
  const net = await import('net');
  const silent = net.createServer((s) => s.on('data', () => undefined));
  await new Promise<void>((res) => silent.listen(0, '127.0.0.1', () => res()));
  const port = (silent.address() as any).port;
  const r = await runFlash(['--port', 'tcp://127.0.0.1:' + port, '--board', 'linux', '--no-build']);
  silent.close();
  expect(r.code).toBe(1);
  expect(r.err).toMatch(/does not answer on its console/);
});
