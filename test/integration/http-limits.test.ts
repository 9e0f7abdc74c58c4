// The router's device limits over real sockets: a body over MAX_BODY is refused with 413 before it
// is read; more than MAX_REQUESTS requests at once get 503; a refused request changes nothing, and
// a refused or abandoned request does not keep its slot.
import { startGateway, TestGateway, waitFor } from '../helpers/gateway';
import { call, RawConn } from '../helpers/http';
import { MAX_BODY, MAX_REQUESTS } from '../../src/http/router';

let g: TestGateway;
const conns: RawConn[] = [];

function conn(): RawConn {
  const c = new RawConn(g.port);
  conns.push(c);
  return c;
}

/** A POST whose body is announced but not (yet) sent: the gateway holds it as a request in progress. */
async function slowPost(path: string, body: string): Promise<RawConn> {
  const c = conn();
  await c.connected();
  c.write('POST ' + path + ' HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ' + body.length + '\r\nConnection: close\r\n\r\n');
  c.write(body.substring(0, 5));
  return c;
}

/** Resolves once the gateway has the request's head and first bytes (no way to see it from outside but time). */
const settle = () => new Promise((r) => setTimeout(r, 100));

beforeAll(async () => {
  g = await startGateway();
});
afterAll(async () => {
  await g.close();
});
afterEach(() => {
  while (conns.length) conns.pop()!.destroy();
});

test('the limits are the device ones', () => {
  expect(MAX_BODY).toBe(8192);
  expect(MAX_REQUESTS).toBe(4);
});

test('413 before the body is read (Content-Length over the limit), and nothing changed', async () => {
  const before = g.gateway.config.getAll(true);
  const c = conn();
  c.write('POST /config HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n');
  // not a byte of the body is sent: the answer must come anyway
  const r = await c.response(2000);
  expect(r.status).toBe(413);
  expect(r.headers['content-type']).toBe('application/json');
  expect(typeof r.json.msg).toBe('string');
  // sending the body now changes nothing
  c.write('{"mqtt_server":"late"' + ' '.repeat(100));
  await settle();
  expect(g.gateway.config.getAll(true)).toEqual(before);
  expect((await call(g.url, 'GET', '/status')).status).toBe(200);
});

test('413 on a chunked body once it grows past the limit; the rest of it is ignored', async () => {
  const before = g.gateway.config.getAll(true);
  const c = conn();
  c.write('POST /config HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
  const first = '{"mqtt_server":"chunked"' + ' '.repeat(6000);
  c.write(first.length.toString(16) + '\r\n' + first + '\r\n');
  await settle();
  expect(c.status()).toBe(0); // 6 KB: still fine
  const second = ' '.repeat(3000) + '}';
  c.write(second.length.toString(16) + '\r\n' + second + '\r\n');
  const r = await c.response(2000);
  expect(r.status).toBe(413);
  c.write('0\r\n\r\n');
  await settle();
  expect(g.gateway.config.getAll(true)).toEqual(before);
});

test('5 simultaneous slow requests: the 5th gets 503 and changes nothing; the others complete', async () => {
  const slow: RawConn[] = [];
  for (let i = 0; i < MAX_REQUESTS; i++) slow.push(await slowPost('/status', JSON.stringify({ solar: 1000 + i })));
  await settle();
  for (const c of slow) expect(c.status()).toBe(0);

  // the 5th, a POST that would change config, and a plain GET: both refused
  let r = await call(g.url, 'POST', '/config', { mqtt_server: 'fifth' });
  expect(r.status).toBe(503);
  expect(r.headers['content-type']).toBe('application/json');
  expect(typeof r.json.msg).toBe('string');
  expect(g.gateway.config.get('mqtt_server')).toBe('');
  r = await call(g.url, 'GET', '/status');
  expect(r.status).toBe(503);
  r = await call(g.url, 'POST', '/override', { state: 'disabled' });
  expect(r.status).toBe(503);
  expect(g.gateway.claims.list()).toEqual([]);

  // the slow ones finish their bodies and are answered
  for (let i = 0; i < slow.length; i++) slow[i].write(JSON.stringify({ solar: 1000 + i }).substring(5));
  for (const c of slow) {
    const rr = await c.response();
    expect(rr.status).toBe(200);
    expect(rr.json.solar).toBeGreaterThanOrEqual(1000);
  }
  // slots are free again
  r = await call(g.url, 'GET', '/status');
  expect(r.status).toBe(200);
  expect(r.json.solar).toBeGreaterThanOrEqual(1000);
});

test('a refused upgrade (/ws) over the limit also gets 503', async () => {
  for (let i = 0; i < MAX_REQUESTS; i++) await slowPost('/status', JSON.stringify({ solar: 1 }));
  await settle();
  const c = conn();
  c.write('GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
  await c.until(() => c.status() !== 0, 'an answer');
  expect(c.status()).toBe(503);
  expect(g.gateway.ws.clients.length).toBe(0);
});

test('requests abandoned mid-body give their slot back', async () => {
  const before = g.gateway.config.getAll(true);
  for (let i = 0; i < MAX_REQUESTS; i++) await slowPost('/config', JSON.stringify({ mqtt_server: 'abandoned-' + i }));
  await settle();
  expect((await call(g.url, 'GET', '/status')).status).toBe(503);
  while (conns.length) conns.pop()!.destroy();
  // the gateway sees the connections close; the slots must come back (not only after a timeout)
  await waitFor(async () => (await call(g.url, 'GET', '/status')).status === 200, 'a free slot', 2000);
  expect(g.gateway.config.getAll(true)).toEqual(before);
});

test('a refused 413 does not keep its slot', async () => {
  for (let i = 0; i < MAX_REQUESTS + 2; i++) {
    const c = conn();
    c.write('POST /config HTTP/1.1\r\nHost: x\r\nContent-Length: 9000\r\nConnection: close\r\n\r\n');
    expect((await c.response()).status).toBe(413);
  }
  const c = conn();
  c.write('POST /config HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n');
  const big = ' '.repeat(9000);
  c.write(big.length.toString(16) + '\r\n' + big + '\r\n');
  expect((await c.response()).status).toBe(413);
  for (let i = 0; i < MAX_REQUESTS + 1; i++) expect((await call(g.url, 'GET', '/status')).status).toBe(200);
});

test('a request waiting for the controller keeps its slot until it is answered', async () => {
  g.emulator.powerOff(); // the controller goes silent: each /r waits for its timeout
  try {
    const waiting = [1, 2, 3, 4].map(() => call(g.url, 'GET', '/r?rapi=$GS&json=1'));
    await settle();
    expect((await call(g.url, 'GET', '/status')).status).toBe(503);
    const answers = await Promise.all(waiting);
    expect(answers.map((a) => a.status)).toEqual([500, 500, 500, 500]);
    expect((await call(g.url, 'GET', '/status')).status).toBe(200);
  } finally {
    g.emulator.powerOn();
    await waitFor(() => g.gateway.monitor.isReady(), 'the controller back', 10000);
  }
});
