// The resident features of the built image (scripts/rollup-resident.js, src/hal/espruino/resident.ts)
// on the espruino-sim harness: their code is read from the image's own file in Storage, at the
// place the build recorded, and run at the top level. Also when something precedes the image in its
// file (test harnesses prepend stand-ins), and, with no copy of the image in Storage at all (code
// sent over the console), from the image's text itself.
import * as fs from 'fs';
import { ControllerEmulator } from '../../src/emulator/controller';
import { openPtyPair, PtyPair } from '../../src/emulator/pty';
import { attachSerialPort, Closable } from '../../src/emulator/cli';
import { nodeClock } from '../../src/hal/node/clock';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { bootDevice, IMAGE } = require('../espruino-sim');
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { FolderStorage } = require('../espruino-sim/storage');

jest.setTimeout(60000);

let pair: PtyPair;
let emuSide: Closable;
let emu: ControllerEmulator;
const image: string = fs.readFileSync(IMAGE, 'latin1');
/** Storage reads with an offset: [file, offset, length]. */
let reads: [string, number, number][] = [];
const read = FolderStorage.prototype.read;

beforeAll(async () => {
  pair = await openPtyPair();
  let toGateway: (b: string) => void = () => undefined;
  emu = new ControllerEmulator({ clock: nodeClock, timing: 'fast', write: (b) => toGateway(b) });
  emuSide = await attachSerialPort(emu, (s) => (toGateway = s || (() => undefined)), pair.emulatorPath);
  emu.powerOn();
  FolderStorage.prototype.read = function (name: string, offset?: number, length?: number) {
    if (offset) reads.push([name, offset, length as number]);
    return read.call(this, name, offset, length);
  };
});

afterAll(async () => {
  FolderStorage.prototype.read = read;
  emu.powerOff();
  await emuSide.close();
  await pair.close();
});

/** The places of the resident bodies the build wrote into the loaders: [offset, length]. */
function bodies(): [number, number][] {
  const out: [number, number][] = [];
  // (each number as wide as the placeholder it replaced, `"#resident#"`)
  for (const m of image.matchAll(/,( *\d+),( *\d+)\)/g)) {
    const at = Number(m[1]);
    const length = Number(m[2]);
    if (m[1].length === 12 && image[at - 1] === '{' && image[at + length] === '}') out.push([at, length]);
  }
  return out;
}

/** Boots `files` (the image somewhere in them), waits for planning's fields in /status, returns them. */
async function boot(files: { [name: string]: string }) {
  reads = [];
  const dev = await bootDevice({ files, board: { rapi_path: pair.gatewayPath } });
  try {
    const s: any = await (await fetch(dev.url + '/status')).json();
    expect(dev.errors()).toEqual([]);
    return { status: s, output: dev.output() };
  } finally {
    await dev.stop();
  }
}

test('the build recorded where each resident body is in the image', () => {
  const found = bodies();
  // WiFi, SNTP, MQTT, planning, emoncms, OhmConnect, Tesla
  expect(found.length).toBe(7);
  for (const [at, length] of found) expect(image.slice(at, at + length)).toMatch(/\$\$=/);
});

test('planning (a resident feature) is read from the image file at its place, and runs', async () => {
  const planning = bodies().find(([at, length]) => /Planning:/.test(image.slice(at, at + length)))!;
  const { status } = await boot({ '.bootcde': 'load("app-a.js")', 'app-a.js': image });
  expect(status).toMatchObject({ divertmode: 1 });
  expect(status.features_off).toBeUndefined();
  expect(reads).toContainEqual(['app-a.js', planning[0], planning[1]]);
});

test('with code before the image in its file, the image finds itself and reads past it', async () => {
  const prefix = 'var standIn = { note: "before the image" };\n';
  const planning = bodies().find(([at, length]) => /Planning:/.test(image.slice(at, at + length)))!;
  const { status } = await boot({ '.bootcde': prefix + image });
  expect(status).toMatchObject({ divertmode: 1 });
  expect(reads).toContainEqual(['.bootcde', prefix.length + planning[0], planning[1]]);
});

test('with no copy of the image in Storage, the features run from the image text itself', async () => {
  // the image arrives encoded, as it would through a console: its mark is in no file
  const { status } = await boot({ '.bootcde': 'eval(atob(' + JSON.stringify(Buffer.from(image, 'latin1').toString('base64')) + '))' });
  expect(status).toMatchObject({ divertmode: 1 });
  expect(reads.filter(([, , length]) => length > 1000)).toEqual([]);
});
