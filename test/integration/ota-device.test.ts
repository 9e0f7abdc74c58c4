// The ESP32 image on the Espruino simulator (test/espruino-sim), booted from Storage through the
// OTA loader as on the device: an update over /update reboots it into the new image; a corrupt
// one is refused and the old image keeps running; an image that never comes up healthy is left
// after its trial boots, back on the previous image. The controller is the emulator on a pty.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as http from 'node:http';
import * as zlib from 'node:zlib';
import * as crypto from 'node:crypto';
import { ControllerEmulator } from '../../src/emulator/controller';
import { openPtyPair, PtyPair } from '../../src/emulator/pty';
import { attachSerialPort, Closable } from '../../src/emulator/cli';
import { nodeClock } from '../../src/hal/node/clock';
import { waitFor } from '../helpers/gateway';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { bootDevice } = require('../espruino-sim');
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { imageFile, pageFile } = require('../../scripts/ota-image.js');

const DIST = path.join(__dirname, '../../dist/esp32');

/** The built image with a marker that tells the images apart. */
function image(mark: string): Buffer {
  return Buffer.concat([fs.readFileSync(path.join(DIST, 'image.js')), Buffer.from('\nvar OTA_MARK=' + JSON.stringify(mark) + ';\n')]);
}

function upload(url: string, file: Buffer): Promise<{ status: number; text: string }> {
  const b = 'simBoundary' + Date.now();
  const body = Buffer.concat([
    Buffer.from('--' + b + '\r\nContent-Disposition: form-data; name="firmware"; filename="image.bin"\r\nContent-Type: application/octet-stream\r\n\r\n'),
    file,
    Buffer.from('\r\n--' + b + '--\r\n'),
  ]);
  const u = new URL(url + '/update');
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: Number(u.port), method: 'POST', path: '/update', agent: false, headers: { 'Content-Type': 'multipart/form-data; boundary=' + b, 'Content-Length': String(body.length) } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode || 0, text }));
    });
    req.on('error', reject);
    // The head alone first: espruino-sim hands the bytes that came with the head to the handler
    // one tick later, and bytes arriving before that tick would overtake them.
    req.flushHeaders();
    setTimeout(() => {
      for (let i = 0; i < body.length; i += 1460) req.write(body.subarray(i, i + 1460));
      req.end();
    }, 50);
  });
}

/** A gzipped page that tells itself apart from any other. */
function makePage(mark: string): Buffer {
  // random text: it stays about 8 KB gzipped, so a byte flipped from the end is in the page, not the header line
  return zlib.gzipSync('<!DOCTYPE html><title>' + mark + '</title><p>' + crypto.randomBytes(6000).toString('base64') + '</p>');
}

/** GET / as the bytes that came (no decompression) and the encoding. */
function getPage(url: string): Promise<{ status: number; encoding: string | undefined; body: Buffer }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    http
      .get({ host: u.hostname, port: Number(u.port), path: '/', agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode || 0, encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

let pair: PtyPair;
let emu: ControllerEmulator;
let emuSide: Closable;
let dev: any;

beforeAll(async () => {
  if (!fs.existsSync(path.join(DIST, 'boot.js'))) throw new Error('run npm run build first');
  pair = await openPtyPair();
  let toGateway: (b: string) => void = () => undefined;
  emu = new ControllerEmulator({ clock: nodeClock, timing: 'fast', write: (b) => toGateway(b) });
  emuSide = await attachSerialPort(emu, (s) => (toGateway = s || (() => undefined)), pair.emulatorPath);
});

afterAll(async () => {
  if (dev) await dev.stop();
  if (dev) fs.rmSync(dev.storageDir, { recursive: true, force: true });
  emu.powerOff();
  await emuSide.close();
  await pair.close();
});

/** Which Storage file the device runs and its marker, once it answers /status. */
async function running(): Promise<string> {
  return dev.evaluate('__FILE__ + ":" + (typeof OTA_MARK === "undefined" ? "-" : OTA_MARK)');
}

function state(): any {
  return JSON.parse(dev.storage.read('ota.json'));
}

async function waitRunning(what: string, ms: number): Promise<void> {
  await waitFor(
    async () => {
      try {
        await dev.settled();
        if ((await running()) !== what) return false;
        const r = await fetch(dev.url + '/status');
        await r.arrayBuffer();
        return r.status === 200;
      } catch (e) {
        return false;
      }
    },
    'the device running ' + what,
    ms
  );
}

describe('OTA on the simulated ESP32', () => {
  test('boots the first image through the loader', async () => {
    dev = await bootDevice({
      files: { '.bootcde': fs.readFileSync(path.join(DIST, 'boot.js')), 'app-a.js': image('a') },
      board: { rapi_path: pair.gatewayPath },
    });
    expect(await running()).toBe('app-a.js:a');
    expect(dev.storage.read('ota.json')).toBe(undefined);
  });

  test('a new image over /update: OK, reboot into it, on trial until it marks itself healthy', async () => {
    const boots = dev.bootCount;
    const r = await upload(dev.url, imageFile(image('b')));
    expect(r).toEqual({ status: 200, text: 'OK' });
    await waitRunning('app-b.js:b', 10000);
    // power-on from E.reboot() runs the loader, which load()s the image: two boots
    expect(dev.bootCount).toBe(boots + 2);
    expect(state()).toEqual({ cur: 'app-b.js', prev: 'app-a.js', trial: 2 });
    // the watchdog is the image's to kick while on trial
    expect(dev.device.watchdog && dev.device.watchdog.ms).toBe(30000);
    await waitFor(() => !state().trial, 'the healthy mark', 20000);
    expect(state()).toEqual({ cur: 'app-b.js', prev: 'app-a.js' });
    expect(dev.device.watchdog).toBe(null);
    expect(dev.output()).toMatch(/OTA: this image is healthy, kept/);
  }, 40000);

  test('a corrupt image is refused: still the same image, no reboot, the state untouched', async () => {
    const boots = dev.bootCount;
    const before = dev.storage.read('ota.json');
    const bin: Buffer = imageFile(image('c'));
    bin[bin.length - 5000] ^= 0x20;
    const r = await upload(dev.url, bin);
    expect(r).toEqual({ status: 400, text: 'Error: SHA-256 mismatch: the image is corrupt' });
    await new Promise((res) => setTimeout(res, 1500));
    expect(dev.bootCount).toBe(boots);
    expect(await running()).toBe('app-b.js:b');
    expect(dev.storage.read('ota.json')).toBe(before);
    // the partial upload went from the spare slot
    expect(dev.storage.read('app-a.js')).toBe(undefined);
  });

  test('an image that throws at start: the watchdog restarts it, and after 3 trial boots it is back on the previous image', async () => {
    const r = await upload(dev.url, imageFile(Buffer.from('var OTA_MARK="broken";\nthrow new Error("this image is broken");\n')));
    expect(r).toEqual({ status: 200, text: 'OK' });
    await waitFor(
      async () => {
        await dev.settled();
        try {
          return (await running()) === 'app-a.js:broken';
        } catch (e) {
          return false;
        }
      },
      'the broken image on trial',
      10000
    );
    expect(state()).toEqual({ cur: 'app-a.js', prev: 'app-b.js', trial: 2 });
    // nothing kicks the watchdog: the chip restarts by itself (30 s), into the loader
    const boots = dev.bootCount;
    await waitFor(() => dev.bootCount >= boots + 2, 'the watchdog reset', 40000);
    await dev.settled();
    expect(state().trial).toBe(3);
    expect(await running()).toBe('app-a.js:broken');
    // the next watchdog reset, done at once rather than waited for
    await dev.reboot({ wait: false });
    expect(state().trial).toBe(4);
    expect(await running()).toBe('app-a.js:broken');
    await dev.reboot({ wait: false });
    await waitRunning('app-b.js:b', 10000);
    expect(state()).toEqual({ cur: 'app-b.js', failed: 'app-a.js' });
    expect(dev.output()).toMatch(/this image is broken/);
  }, 90000);

  test('a device flashed without the loader (the image as .bootcde) refuses updates rather than ignoring them', async () => {
    await dev.stop();
    fs.rmSync(dev.storageDir, { recursive: true, force: true });
    dev = await bootDevice({ files: { '.bootcde': image('plain') }, board: { rapi_path: pair.gatewayPath } });
    const r = await upload(dev.url, imageFile(image('b')));
    expect(r).toEqual({ status: 500, text: 'Error: .bootcde is not the OTA loader: flash dist/esp32/boot.js as .bootcde and the image as app-a.js' });
    expect(dev.storage.read('app-b.js')).toBe(undefined);
    expect(dev.storage.read('ota.json')).toBe(undefined);
  });
});

describe('Storage trash on the simulated ESP32 (espruino-sim counts it as the flash does)', () => {
  const compactedUnder = () => dev.errors().filter((e: string) => /compacted itself/.test(e));

  beforeAll(async () => {
    if (dev) await dev.stop();
    if (dev) fs.rmSync(dev.storageDir, { recursive: true, force: true });
    dev = await bootDevice({
      files: { '.bootcde': fs.readFileSync(path.join(DIST, 'boot.js')), 'app-a.js': image('a') },
      board: { rapi_path: pair.gatewayPath },
    });
  });

  test('update after update: each replaced image is trash that the loader compacts at boot, never under a running image', async () => {
    // Without the loader's compaction the sixth would not fit: 896 KB less two images less the
    // trash of four more leaves less than an image.
    const size = imageFile(image('u1')).length;
    expect(896 * 1024 - 6 * size).toBeLessThan(size);
    for (const mark of ['u1', 'u2', 'u3', 'u4', 'u5', 'u6']) {
      const r = await upload(dev.url, imageFile(image(mark)));
      expect([mark, r]).toEqual([mark, { status: 200, text: 'OK' }]);
      await waitRunning((state().cur as string) + ':' + mark, 15000);
    }
    expect(dev.storage.getFree()).toBeGreaterThan(size); // and the next one fits too
    expect(compactedUnder()).toEqual([]);
  }, 90000);

  test('a write that only a compaction could fit is refused and the device restarts; the loader compacts, the next write lands', async () => {
    // Fill the free space, then turn one file to trash: the room is there, but only after a compaction.
    const st = dev.storage;
    st.write('junk-1', Buffer.alloc(200 * 1024, 1).toString('latin1'));
    let n = 2;
    while (st.getFree() > 100) st.write('junk-' + n++, Buffer.alloc(Math.min(64 * 1024, st.getFree() - 40), 1).toString('latin1'));
    st.erase('junk-1');
    expect(st.getFree()).toBeLessThan(100); // no room for the config file
    const boots = dev.bootCount;
    const image = await running();
    const r = await fetch(dev.url + '/config', { method: 'POST', body: JSON.stringify({ mqtt_server: 'broker.local' }) });
    const text = await r.text();
    expect(r.status).not.toBe(200);
    expect(text).toMatch(/Storage full: restarting to compact it/);
    await waitFor(() => dev.bootCount >= boots + 2, 'the restart', 15000);
    await waitRunning(image, 15000);
    expect(st.getStats().trashBytes).toBeLessThan(1024); // (what the new boot wrote since)
    expect(st.getFree()).toBeGreaterThan(150 * 1024);
    const again = await fetch(dev.url + '/config', { method: 'POST', body: JSON.stringify({ mqtt_server: 'broker.local' }) });
    expect(again.status).toBe(200);
    await again.arrayBuffer();
    await dev.reboot();
    expect(JSON.parse(await (await fetch(dev.url + '/config')).text()).mqtt_server).toBe('broker.local');
    expect(compactedUnder()).toEqual([]);
  }, 60000);
});

describe('the web page over /update on the simulated ESP32', () => {
  const OK_PAGE = 'OK (new web page in use: reload it)';
  const flashed = makePage('flashed');
  const first = makePage('first');
  /** Storage as bytes (the simulator keeps binary strings). */
  const file = (name: string): Buffer | undefined => {
    const t = dev.storage.read(name);
    return t === undefined ? undefined : Buffer.from(t, 'latin1');
  };

  beforeAll(async () => {
    if (dev) await dev.stop();
    if (dev) fs.rmSync(dev.storageDir, { recursive: true, force: true });
    dev = await bootDevice({
      files: { '.bootcde': fs.readFileSync(path.join(DIST, 'boot.js')), 'app-a.js': image('a'), 'index.html.gz': flashed },
      board: { rapi_path: pair.gatewayPath },
    });
    const page = await getPage(dev.url);
    expect(page.body.equals(flashed)).toBe(true);
  });

  test('a new page lands: 200, GET / serves its bytes gzipped at once, no restart; it stays after a reboot', async () => {
    const boots = dev.bootCount;
    const r = await upload(dev.url, pageFile(first));
    expect(r).toEqual({ status: 200, text: OK_PAGE });
    const page = await getPage(dev.url);
    expect(page.status).toBe(200);
    expect(page.encoding).toBe('gzip');
    expect(page.body.equals(first)).toBe(true);
    expect(dev.storage.read('web.cur')).toBe('index-b.html.gz');
    expect(file('index.html.gz')!.equals(flashed)).toBe(true);
    await new Promise((res) => setTimeout(res, 1500));
    expect(dev.bootCount).toBe(boots);
    expect(await running()).toBe('app-a.js:a');
    expect(dev.storage.read('ota.json')).toBe(undefined);
    await dev.reboot();
    expect((await getPage(dev.url)).body.equals(first)).toBe(true);
  }, 30000);

  test('a corrupt page (bad SHA-256) is refused: 400, the page before it still served', async () => {
    const bin: Buffer = pageFile(makePage('corrupt'));
    bin[bin.length - 200] ^= 0x20;
    const r = await upload(dev.url, bin);
    expect(r).toEqual({ status: 400, text: 'Error: SHA-256 mismatch: the web page is corrupt' });
    const page = await getPage(dev.url);
    expect(page.encoding).toBe('gzip');
    expect(page.body.equals(first)).toBe(true);
    expect(dev.storage.read('web.cur')).toBe('index-b.html.gz');
    // the partial page went from the file not served
    expect(dev.storage.read('index.html.gz')).toBe(undefined);
  });

  test('the next page takes index.html.gz again; an image update after it keeps the page', async () => {
    const second = makePage('second');
    expect(await upload(dev.url, pageFile(second))).toEqual({ status: 200, text: OK_PAGE });
    expect(dev.storage.read('web.cur')).toBe(undefined);
    expect(file('index.html.gz')!.equals(second)).toBe(true);
    expect((await getPage(dev.url)).body.equals(second)).toBe(true);
    expect(await upload(dev.url, imageFile(image('b')))).toEqual({ status: 200, text: 'OK' });
    await waitRunning('app-b.js:b', 10000);
    const page = await getPage(dev.url);
    expect(page.encoding).toBe('gzip');
    expect(page.body.equals(second)).toBe(true);
  }, 30000);
});
