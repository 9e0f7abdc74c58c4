// Emoncms on the built ESP32 image (dist/esp32/image.js on the espruino-sim harness, RAPI over a
// real pseudo-terminal to the emulated controller) against a real HTTP server on 127.0.0.1 standing
// in for emoncms. On the device each post is a `lazy:` feature of its own
// (services/emoncms-post.ts), defined for the post and dropped after it: this checks that wiring in
// the image itself — turning emoncms on posts the status with node and apikey, a divert feed posts
// again through a freshly defined module, the status fields follow the answers, and the image uses
// nothing the harness does not simulate. (Memory is not simulated here: the JsVars saved are
// measured on the interpreter with scripts/bench-features.js.)
import * as http from 'node:http';
import * as fs from 'fs';
import { AddressInfo } from 'node:net';
import { bootOnEmulator, deviceHttp, DeviceOnEmulator } from '../helpers/device-http';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { IMAGE } = require('../espruino-sim');

jest.setTimeout(60000);

let board: DeviceOnEmulator | undefined;
let dev: any;
let server: http.Server;
let port = 0;
const seen: URL[] = [];
let reply: [number, string] = [200, 'ok'];

const { until, get, post } = deviceHttp(() => dev);
const status = () => get('/status');

beforeAll(async () => {
  expect(fs.existsSync(IMAGE)).toBe(true);
  server = http.createServer((req, res) => {
    seen.push(new URL(req.url || '/', 'http://x'));
    res.writeHead(reply[0], { 'content-type': 'text/plain' });
    res.end(reply[1]);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as AddressInfo).port;
  board = await bootOnEmulator();
  dev = board.dev;
});

afterAll(async () => {
  if (board) await board.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

test('turning emoncms on posts the status through the lazily defined request', async () => {
  expect((await status()).emoncms_message).toBeUndefined(); // not built while off
  expect(await post('/config', { emoncms_enabled: true, emoncms_server: 'http://127.0.0.1:' + port + '/emon', emoncms_node: 'dev', emoncms_apikey: 'k3y' })).toBe(200);
  await until('a post answered', async () => (await status()).packets_success >= 1);
  // (the config change builds and starts the feature, then restarts it: the first post may go out
  // twice, the first answer dropped, as before the request module was split off)
  expect(seen.length).toBeLessThanOrEqual(2);
  expect((await status()).packets_sent).toBe(seen.length);
  for (const u of seen) {
    expect(u.pathname).toBe('/emon/input/post');
    expect(u.searchParams.get('node')).toBe('dev');
    expect(u.searchParams.get('apikey')).toBe('k3y');
    const doc = JSON.parse(u.searchParams.get('fulljson') || '');
    expect(doc).toHaveProperty('amp');
    expect(doc).toHaveProperty('state');
  }
  const st = await status();
  expect([st.emoncms_connected, st.emoncms_message]).toEqual([1, 'Connected']);
});

test('a divert feed posts again through the request module; a failure answer is reported', async () => {
  reply = [401, 'bad key'];
  const n = seen.length;
  const ok = (await status()).packets_success;
  expect(await post('/status', { solar: 2100 })).toBe(200);
  await until('the divert post answered', async () => (await status()).emoncms_connected === 0);
  expect(seen.length).toBe(n + 1);
  expect(JSON.parse(seen[n].searchParams.get('fulljson') || '').solar).toBe(2100);
  const st = await status();
  expect([st.emoncms_message, st.packets_sent, st.packets_success]).toEqual(['HTTP 401: bad key', n + 1, ok]);
});

test('the image used nothing the harness does not simulate, and threw nothing uncaught', () => {
  expect(dev.errors()).toEqual([]);
});
