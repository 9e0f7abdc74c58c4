// The built ESP32 image (dist/esp32/image.js, `npm test` builds it first) booted from Storage on
// the espruino-sim harness: Espruino's globals on Node, RAPI over a REAL pseudo-terminal to the
// emulated controller, Storage in a temp folder, HTTP on a real port. A reboot is a new vm context
// against the same Storage folder, as a restart of the ESP32 is.
import * as fs from 'fs';
import * as path from 'path';
import { ControllerEmulator } from '../../src/emulator/controller';
import { openPtyPair, PtyPair } from '../../src/emulator/pty';
import { attachSerialPort, Closable } from '../../src/emulator/cli';
import { nodeClock } from '../../src/hal/node/clock';
import { deviceHttp } from '../helpers/device-http';
import { WsTestClient } from '../helpers/ws-client';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { bootDevice, IMAGE } = require('../espruino-sim');

jest.setTimeout(60000);

const CHARGING = 3;
const SLEEPING = 0xfe;

let pair: PtyPair;
let emuSide: Closable;
let emu: ControllerEmulator;
let dev: any;

const { until, get: getJson } = deviceHttp(() => dev);

async function send(method: string, p: string, body: any): Promise<{ status: number; json: any }> {
  const r = await fetch(dev.url + p, { method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, json: await r.json() };
}

beforeAll(async () => {
  expect(fs.existsSync(IMAGE)).toBe(true);
  pair = await openPtyPair();
  let toGateway: (b: string) => void = () => undefined;
  emu = new ControllerEmulator({ clock: nodeClock, timing: 'fast', write: (b) => toGateway(b) });
  emuSide = await attachSerialPort(emu, (s) => (toGateway = s || (() => undefined)), pair.emulatorPath);
  emu.powerOn();
  // The image as a named Storage file started by load(), as the OTA loader starts it.
  dev = await bootDevice({
    files: { '.bootcde': 'load("app-a.js")', 'index.html.gz': fs.readFileSync(path.join(path.dirname(IMAGE), '../web/index.html.gz')) },
    image: true,
    bootFile: 'app-a.js',
    board: { rapi_path: pair.gatewayPath },
  });
});

afterAll(async () => {
  if (dev) await dev.stop();
  emu.powerOff();
  await emuSide.close();
  await pair.close();
});

test('/status answers from the image, with the controller reached over the pty', async () => {
  await until('evse_connected 1', async () => (await getJson('/status')).evse_connected === 1);
  const s = await getJson('/status');
  expect(s).toMatchObject({ evse_connected: 1, state: emu.snapshot().state, max_current: emu.snapshot().currentCapacity });
  // The answer is Espruino's: no keep-alive, the server named.
  const r = await fetch(dev.url + '/status');
  expect(r.headers.get('server')).toMatch(/^Espruino /);
  await r.arrayBuffer();
});


test('/ws from the image: the status at once, then changes; two browsers at once, each closed cleanly', async () => {
  // (the connection's class is defined for each connection on the device: hal/espruino/upgraded.ts)
  await until('evse_connected 1', async () => (await getJson('/status')).evse_connected === 1);
  const port = Number(new URL(dev.url).port);
  const a = new WsTestClient(port);
  const b = new WsTestClient(port);
  await a.opened();
  await b.opened();
  expect([a.status, b.status]).toEqual([101, 101]);
  await a.nextText(1);
  await b.nextText(1);
  expect(a.texts()[0]).toMatchObject({ evse_connected: 1, state: emu.snapshot().state });
  const n = a.texts().length;
  expect((await send('POST', '/config', { divert_PV_ratio: 1.2 })).status).toBe(200);
  await a.until(() => a.texts().slice(n).some((t) => t.config_version !== undefined), 'the config change pushed');
  a.send(8, Buffer.from([0x03, 0xe8]));
  await a.until(() => a.closed, 'closed after the close frame');
  b.destroy();
  // and a third one after both are gone
  const c = new WsTestClient(port);
  await c.opened();
  await c.nextText(1);
  expect(c.status).toBe(101);
  c.destroy();
});
test('/config answers; a POST is stored in the Storage folder and survives a reboot', async () => {
  const before = await getJson('/config');
  expect(before).toHaveProperty('mqtt_server');
  expect(before.mqtt_server).not.toBe('broker.lan');

  const r = await send('POST', '/config', { mqtt_server: 'broker.lan', divert_PV_ratio: 1.5 });
  expect(r.status).toBe(200);
  // Written by the image through require("Storage") into the folder, one file per name.
  const stored = fs.readdirSync(dev.storageDir).filter((f) => f.startsWith('cfg.'));
  expect(stored.length).toBeGreaterThan(0);
  expect(stored.some((f) => fs.readFileSync(path.join(dev.storageDir, f), 'latin1').includes('broker.lan'))).toBe(true);

  const boots = dev.bootCount;
  await dev.reboot();
  expect(dev.bootCount).toBe(boots + 2); // E.reboot() runs .bootcde, which load()s app-a.js
  expect(dev.output()).toMatch(/boot \d+ \(load app-a\.js\)/);
  const after = await getJson('/config');
  expect(after).toMatchObject({ mqtt_server: 'broker.lan', divert_PV_ratio: 1.5 });
  await until('evse_connected 1 after the reboot', async () => (await getJson('/status')).evse_connected === 1);
});

test('a bad config POST is refused and changes nothing in Storage', async () => {
  const files = () => fs.readdirSync(dev.storageDir).map((f) => f + ':' + fs.readFileSync(path.join(dev.storageDir, f), 'latin1'));
  const before = files();
  const r = await send('POST', '/config', { divert_PV_ratio: 'lots' });
  expect(r.status).toBe(400);
  expect(files()).toEqual(before);
});

test('an /override makes the emulated controller sleep, then charge at the given current', async () => {
  emu.plugIn();
  emu.requestCharge();
  let r = await send('POST', '/override', { state: 'disabled' });
  expect(r.status).toBe(201);
  await until('controller sleeping', () => emu.snapshot().state === SLEEPING);

  r = await send('POST', '/override', { state: 'active', charge_current: 12 });
  expect(r.status).toBe(201);
  await until('controller charging at 12 A', () => emu.snapshot().state === CHARGING && emu.snapshot().currentCapacity === 12);
  await until('/status says charging', async () => (await getJson('/status')).state === CHARGING);
});

test("the harness's Storage keeps the interpreter's write rules (an update depends on them)", async () => {
  const S = 'require("Storage")';
  // a file made at its full size, then filled in at offsets: only erased (0xFF) bytes take data
  expect(await dev.evaluate(S + '.write("t.bin","hello",0,10)')).toBe(true);
  expect(await dev.evaluate(S + '.read("t.bin")')).toBe('hello' + '\xff'.repeat(5));
  await dev.evaluate(S + '.write("t.bin","world",5)');
  expect(await dev.evaluate(S + '.read("t.bin",3,4)')).toBe('lowo');
  await expect(dev.evaluate(S + '.write("t.bin","x",3)')).rejects.toThrow('File already written with different data');
  await expect(dev.evaluate(S + '.write("t.bin","xx",9)')).rejects.toThrow('Too much data for file size');
  await expect(dev.evaluate(S + '.write("none.bin","x",5)')).rejects.toThrow('Unable to find or create file');
  await expect(dev.evaluate(S + '.write("e.bin","")')).rejects.toThrow("Can't create zero length file");
  await expect(dev.evaluate(S + '.write("a-name-longer-than-28-characters","x")')).rejects.toThrow(/longer than 28/);
  expect(await dev.evaluate(S + '.readJSON("t.bin",true)')).toBeUndefined();
  await expect(dev.evaluate(S + '.readJSON("t.bin")')).rejects.toThrow();
  // binary bytes as one char each, on the device and in the folder
  await dev.evaluate(S + '.write("b.bin",atob("AP+A"))');
  expect(fs.readFileSync(path.join(dev.storageDir, 'b.bin'))).toEqual(Buffer.from([0, 255, 128]));
  await dev.evaluate(S + '.erase("t.bin");' + S + '.erase("b.bin")');
  expect(await dev.evaluate(S + '.list().filter(function(n){return n.indexOf(".bin")>0}).length')).toBe(0);
});

test('the routes defined for each request (http/routes.ts) answer from the image, one after another and twice', async () => {
  // on the device their module is built for the request and dropped after it: a second round
  // builds it again
  for (let round = 0; round < 2; round++) {
    expect(await getJson('/schedule')).toEqual(expect.any(Array));
    expect(await getJson('/limit')).toEqual(expect.any(Object));
    expect(await getJson('/history')).toMatchObject({ interval: expect.any(Number) });
    expect(await getJson('/time')).toMatchObject({ time: expect.stringMatching(/Z$/) });
    // the event log: its range, and the first block with the boot's state changes in it
    const range = await getJson('/logs');
    expect(range).toMatchObject({ min: expect.any(Number), max: expect.any(Number) });
    expect(await getJson('/logs/' + range.min)).toEqual(expect.arrayContaining([expect.objectContaining({ evseState: expect.any(Number) })]));
    const eco = await fetch(dev.url + '/divertmode?divertmode=2');
    expect([eco.status, await eco.text()]).toEqual([200, 'Divert Mode changed']);
    expect((await getJson('/status')).divertmode).toBe(2);
    await (await fetch(dev.url + '/divertmode?divertmode=1')).text();
  }
  // a path none of them knows still ends at the 404 of the router
  const r = await fetch(dev.url + '/nothing/here', { method: 'POST' });
  expect(r.status).toBe(404);
  await r.text();
});

test('the web page (18 KB), /config and /status go out a piece at a time, each after the last has gone', async () => {
  const r = await fetch(dev.url + '/');
  expect(r.headers.get('content-encoding')).toBe('gzip');
  expect(Buffer.from(await r.arrayBuffer()).equals(fs.readFileSync(path.join(path.dirname(IMAGE), '../web/index.html')))).toBe(true);
  const c = await getJson('/config');
  expect(Object.keys(c).length).toBeGreaterThan(100);
  expect(await getJson('/status')).toHaveProperty('amp');
  // espruino-sim reports a response that wrote over 4 KB without waiting for 'drain'
  expect(dev.errors().filter((e: string) => /without waiting for drain/.test(e))).toEqual([]);
});

test('the image used nothing the harness does not simulate, and threw nothing uncaught', () => {
  expect(dev.errors()).toEqual([]);
});

describe('the OTA loader (dist/esp32/boot.js) as .bootcde', () => {
  let pair2: PtyPair;
  let side2: Closable;
  let emu2: ControllerEmulator;
  let dev2: any;
  afterAll(async () => {
    if (dev2) await dev2.stop();
    if (emu2) emu2.powerOff();
    if (side2) await side2.close();
    if (pair2) await pair2.close();
  });

  test('an image on trial that never comes up is restarted by the watchdog, then left for the previous one', async () => {
    pair2 = await openPtyPair();
    let toGateway: (b: string) => void = () => undefined;
    emu2 = new ControllerEmulator({ clock: nodeClock, timing: 'fast', write: (b) => toGateway(b) });
    side2 = await attachSerialPort(emu2, (s) => (toGateway = s || (() => undefined)), pair2.emulatorPath);
    emu2.powerOn();
    dev2 = await bootDevice({
      files: {
        '.bootcde': fs.readFileSync(path.join(path.dirname(IMAGE), 'boot.js'), 'latin1'),
        'app-a.js': fs.readFileSync(IMAGE, 'latin1'),
        'app-b.js': 'throw new Error("broken image")',
        'ota.json': JSON.stringify({ cur: 'app-b.js', prev: 'app-a.js', trial: 1 }),
      },
      board: { rapi_path: pair2.gatewayPath },
      // the loader asks for 30 s; the test need not wait that long for each restart
      watchdogSeconds: 0.3,
    });
    // Three boots of app-b (trial 2, 3, 4), each ended by the watchdog, then the loader's way back.
    expect(dev2.errors().filter((e: string) => e === 'broken image').length).toBe(3);
    expect((dev2.output().match(/watchdog timeout/g) || []).length).toBe(3);
    expect(JSON.parse(fs.readFileSync(path.join(dev2.storageDir, 'ota.json'), 'latin1'))).toEqual({ cur: 'app-a.js', failed: 'app-b.js' });
    await until('evse_connected 1 on the previous image', async () => ((await (await fetch(dev2.url + "/status")).json()) as any).evse_connected === 1);
  });
});
