// SNTP on the built ESP32 image (dist/esp32/image.js on the espruino-sim harness, RAPI over a real
// pseudo-terminal to the emulated controller) against a real SNTP server on 127.0.0.1. On the
// device the request code is a `lazy:` feature of its own (services/sntp-exchange.ts), defined for
// each request and handed the core's setGatewayTime: this checks that wiring in the image itself —
// a sync sets the device clock years ahead, sync_now asks again with a fresh request, and the image
// uses nothing the harness does not simulate. (Memory is not simulated here: the JsVars saved are
// measured on the interpreter with scripts/bench-features.js.)
import * as dgram from 'node:dgram';
import * as fs from 'fs';
import { bootOnEmulator, deviceHttp, DeviceOnEmulator } from '../helpers/device-http';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { IMAGE } = require('../espruino-sim');

jest.setTimeout(60000);

const NTP_UNIX_S = 2208988800;
/** The server's clock: 2031-06-15T10:00:00Z when the test starts, then running. */
const SERVER_EPOCH = Date.UTC(2031, 5, 15, 10, 0, 0);

let board: DeviceOnEmulator | undefined;
let dev: any;
let server: dgram.Socket;
let started = 0;
const requests: Buffer[] = [];

const serverNow = () => SERVER_EPOCH + (Date.now() - started);

const { until, get, post } = deviceHttp(() => dev);
const time = () => get('/time');

beforeAll(async () => {
  expect(fs.existsSync(IMAGE)).toBe(true);
  // a stratum-2 server answering every request as RFC 4330 wants it
  started = Date.now();
  server = dgram.createSocket('udp4');
  server.on('message', (req, from) => {
    requests.push(req);
    const b = Buffer.alloc(48);
    b[0] = 0x24; // LI 0, VN 4, mode 4
    b[1] = 2;
    req.copy(b, 24, 40, 48); // originate = the request's transmit
    const ms = serverNow();
    for (const at of [32, 40]) {
      b.writeUInt32BE(Math.floor(ms / 1000) + NTP_UNIX_S, at);
      b.writeUInt32BE(Math.floor(((ms % 1000) / 1000) * 4294967296), at + 4);
    }
    server.send(b, from.port, from.address);
  });
  await new Promise<void>((r) => server.bind(0, '127.0.0.1', () => r()));
  board = await bootOnEmulator();
  dev = board.dev;
});

afterAll(async () => {
  if (board) await board.close();
  await new Promise<void>((r) => server.close(() => r()));
});

test('the image syncs its clock from the server through the lazily defined exchange', async () => {
  // (sntp_enabled is on by default; a new host name restarts the client at once)
  expect(await post('/config', { sntp_hostname: '127.0.0.1:' + server.address().port })).toBe(200);
  await until('synchronized', async () => (await time()).ntp_status === 'synchronized');
  expect(requests.length).toBe(1);
  expect(requests[0].length).toBe(48);
  expect(requests[0][0]).toBe(0x23); // LI 0, VN 4, mode 3 (client)
  const doc = await time();
  // the device clock moved years ahead, to the server's time
  expect(Math.abs(Date.parse(doc.time) - serverNow())).toBeLessThan(2000);
  expect(Math.abs(doc.ntp_last_sync * 1000 - serverNow())).toBeLessThan(2000);
  expect(doc.ntp_server_ip).toBe('127.0.0.1');
  expect(doc.ntp_next_sync_ms).toBeGreaterThan(3500000);
});

test('sync_now defines the exchange again and sends a fresh request', async () => {
  expect(await post('/time', { sync_now: true })).toBe(200);
  await until('a second request', () => requests.length === 2);
  expect(requests[1].subarray(40, 48).equals(requests[0].subarray(40, 48))).toBe(false);
  await until('synchronized again', async () => {
    const doc = await time();
    return doc.ntp_status === 'synchronized' && Math.abs(doc.ntp_last_sync * 1000 - serverNow()) < 2000;
  });
});

test('the image used nothing the harness does not simulate, and threw nothing uncaught', () => {
  expect(dev.errors()).toEqual([]);
});
