// MqttClient against a real broker (aedes, in this process) over real TCP, with the Node HAL:
// connect, auth failure with backoff, last will, retained state across a broker restart, QoS 1,
// wildcards, resubscribe, keep-alive dead link, connect timeout, oversize packet.
import * as net from 'node:net';
import { MqttClient, MqttOptions, topicMatches } from '../../src/services/mqtt/client';
import { encodeConnack } from '../../src/services/mqtt/codec';
import { nodeNet } from '../../src/hal/node/net';
import { nodeClock } from '../../src/hal/node/clock';

// aedes 0.51 is CommonJS (1.x is ESM only, which jest's CommonJS runtime cannot load)
// eslint-disable-next-line @typescript-eslint/no-var-requires
const Aedes = require('aedes');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<number> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out after ' + ms + ' ms waiting for ' + what);
    await sleep(10);
  }
  return Date.now() - t0;
}

interface Broker {
  aedes: any;
  server: net.Server;
  port: number;
  sockets: Set<net.Socket>;
  /** concurrent client connections, highest seen */
  maxOpen: number;
  connects: number;
  published: { topic: string; payload: string; retain: boolean; qos: number }[];
  stop(): Promise<void>;
  retained(): Promise<{ [topic: string]: string }>;
}

async function startBroker(port = 0, auth?: { user: string; pass: string }): Promise<Broker> {
  const aedes = new Aedes();
  if (auth)
    aedes.authenticate = (_c: any, u: string, p: Buffer, cb: any) => {
      if (u === auth.user && p && p.toString() === auth.pass) return cb(null, true);
      const e: any = new Error('bad user name or password');
      e.returnCode = 4;
      cb(e, null);
    };
  const sockets = new Set<net.Socket>();
  const server = net.createServer(aedes.handle);
  const b: Broker = {
    aedes,
    server,
    port: 0,
    sockets,
    maxOpen: 0,
    connects: 0,
    published: [],
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => aedes.close(() => resolve()));
      }),
    retained: () =>
      new Promise((resolve, reject) => {
        const out: { [topic: string]: string } = {};
        aedes.persistence
          .createRetainedStream('#')
          .on('data', (p: any) => (out[p.topic] = p.payload.toString()))
          .on('end', () => resolve(out))
          .on('error', reject);
      }),
  };
  server.on('connection', (s) => {
    sockets.add(s);
    b.maxOpen = Math.max(b.maxOpen, sockets.size);
    s.on('close', () => sockets.delete(s));
  });
  aedes.on('client', () => b.connects++);
  aedes.on('publish', (p: any, client: any) => {
    if (client) b.published.push({ topic: p.topic, payload: p.payload.toString(), retain: p.retain, qos: p.qos });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  b.port = (server.address() as net.AddressInfo).port;
  return b;
}

const clients: MqttClient[] = [];
const brokers: Broker[] = [];
const servers: net.Server[] = [];

function client(port: number, extra?: Partial<MqttOptions>): MqttClient {
  const o: MqttOptions = Object.assign(
    { host: '127.0.0.1', port, clientId: 'openevse-test-' + clients.length, keepAlive: 10, connectTimeoutMs: 2000, backoffMinMs: 100, backoffMaxMs: 800, stableMs: 1000, closeWaitMs: 500 },
    extra || {}
  );
  const c = new MqttClient(nodeNet, nodeClock, o);
  clients.push(c);
  return c;
}

/** QoS 1 publishes not yet acknowledged (the client's in-flight list). */
const inflight = (c: MqttClient): number => (c as any).flights.length;

async function broker(port = 0, auth?: { user: string; pass: string }) {
  const b = await startBroker(port, auth);
  brokers.push(b);
  return b;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.stop();
  for (const b of brokers.splice(0)) await b.stop();
  for (const s of servers.splice(0)) {
    s.close();
  }
  await sleep(20);
});

test('topic filter matching', () => {
  expect(topicMatches('a/+/c', 'a/b/c')).toBe(true);
  expect(topicMatches('a/+/c', 'a/b/d')).toBe(false);
  expect(topicMatches('a/+', 'a/b/c')).toBe(false);
  expect(topicMatches('a/#', 'a')).toBe(true);
  expect(topicMatches('a/#', 'a/b/c')).toBe(true);
  expect(topicMatches('#', 'x/y')).toBe(true);
  expect(topicMatches('#', '$SYS/broker/version')).toBe(false);
  expect(topicMatches('+/broker/version', '$SYS/broker/version')).toBe(false);
  expect(topicMatches('$SYS/broker/version', '$SYS/broker/version')).toBe(true);
  expect(topicMatches('openevse/rapi/in/#', 'openevse/rapi/in/$SC')).toBe(true);
  expect(topicMatches('a/+', 'a/')).toBe(true);
  expect(topicMatches('a/b', 'a/b/')).toBe(false);
});

test('connects, publishes QoS 0 and 1, receives on wildcard subscriptions with QoS 1', async () => {
  const b = await broker();
  const c = client(b.port);
  const got: string[] = [];
  const viaCb: string[] = [];
  let connects = 0;
  c.onConnect = () => connects++;
  c.onMessage = (t, p, r) => got.push(t + '=' + p + (r ? ' (r)' : ''));
  expect(c.statusFields({}).mqtt_status).toBe('disabled');
  c.subscribe('openevse/rapi/in/#', 1);
  c.subscribe('emon/+/power1', 0, (t, p) => viaCb.push(t + '=' + p));
  c.start();
  expect(c.statusFields({}).mqtt_status).toBe('connecting');
  await waitFor(() => c.connected(), 3000, 'connect');
  expect(connects).toBe(1);
  expect(c.statusFields({})).toMatchObject({ mqtt_connected: 1, mqtt_status: 'connected', mqtt_error: '' });
  await sleep(100); // SUBACKs

  expect(c.publish('openevse/amp', '15800')).toBe(true);
  expect(c.publish('openevse/état', 'chargé ✓', 1)).toBe(true);
  await waitFor(() => b.published.length >= 2 && inflight(c) === 0, 2000, 'publishes and PUBACK');
  expect(b.published).toEqual([
    { topic: 'openevse/amp', payload: '15800', retain: false, qos: 0 },
    { topic: 'openevse/état', payload: 'chargé ✓', retain: false, qos: 1 },
  ]);

  const pub = (topic: string, payload: string, qos = 0, retain = false) =>
    new Promise<void>((r) => b.aedes.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos, retain, dup: false }, () => r()));
  await pub('openevse/rapi/in/$SC', '16', 1);
  await pub('emon/emonpi/power1', '-1200');
  await pub('emon/emonpi/power2', 'ignored');
  await pub('other/topic', 'ignored');
  await waitFor(() => got.length >= 1 && viaCb.length >= 1, 2000, 'messages');
  await sleep(100);
  expect(got).toEqual(['openevse/rapi/in/$SC=16']);
  expect(viaCb).toEqual(['emon/emonpi/power1=-1200']);
});

test('wrong password: error "auth", retries with growing backoff, then connects with the right one', async () => {
  const b = await broker(0, { user: 'evse', pass: 'secret' });
  const tries: number[] = [];
  const c = client(b.port, { username: 'evse', password: 'wrong', backoffMinMs: 100, backoffMaxMs: 800 });
  c.onDisconnect = () => tries.push(Date.now());
  c.start();
  await waitFor(() => tries.length >= 4, 5000, '4 refused attempts');
  expect(c.connected()).toBe(false);
  expect(c.statusFields({})).toMatchObject({ mqtt_connected: 0, mqtt_error: 'auth' });
  expect(c.errorDetail).toMatch(/return code 4/);
  expect(['connecting', 'disconnected']).toContain(c.statusFields({}).mqtt_status);
  // delays between attempts: jittered 50-100 % of 100, 200, 400 ms
  const gaps = [tries[1] - tries[0], tries[2] - tries[1], tries[3] - tries[2]];
  expect(gaps[0]).toBeGreaterThanOrEqual(45);
  expect(gaps[0]).toBeLessThan(100 + 200);
  expect(gaps[2]).toBeGreaterThanOrEqual(190);
  expect(gaps[2]).toBeLessThan(400 + 200);
  expect(b.connects).toBe(0);
  // the password changed (the service makes a new client from the settings)
  c.stop();
  const right = client(b.port, { username: 'evse', password: 'secret' });
  right.start();
  await waitFor(() => right.connected(), 3000, 'connect with the right password');
  expect(right.error).toBe('');
  right.stop();
});

test('last will is published (retained) when the client connection dies; the client reconnects', async () => {
  const b = await broker();
  const c = client(b.port, {
    clientId: 'openevse-ab12',
    will: { topic: 'openevse/announce/ab12', payload: '{"state":"disconnected","id":"ab12"}', qos: 0, retain: true },
  });
  c.start();
  await waitFor(() => c.connected(), 3000, 'connect');
  c.publish('openevse/announce/ab12', '{"state":"connected","id":"ab12"}', 0, true);
  await waitFor(() => b.published.length === 1, 2000, 'announce');
  expect((await b.retained())['openevse/announce/ab12']).toMatch(/"connected"/);
  // the connection dies without DISCONNECT
  for (const s of b.sockets) s.destroy();
  await waitFor(() => !c.connected(), 2000, 'client notices');
  expect(c.error).toBe('network');
  await sleep(50);
  // the broker sent the will... (the will is published by the broker, so not in b.published)
  // ...and the client, back, announces itself again from its remembered retained state
  await waitFor(() => c.connected(), 3000, 'reconnect');
  await waitFor(() => b.published.filter((p) => /"connected"/.test(p.payload)).length === 2, 2000, 'announce again');
  expect((await b.retained())['openevse/announce/ab12']).toMatch(/"connected"/);
});

test('the will itself reaches a subscriber', async () => {
  const b = await broker();
  const wills: string[] = [];
  b.aedes.subscribe('openevse/announce/#', (p: any, cb: any) => {
    wills.push(p.payload.toString() + (p.retain ? ' (r)' : ''));
    cb();
  }, () => {});
  const c = client(b.port, { will: { topic: 'openevse/announce/cd34', payload: 'gone', retain: true }, backoffMinMs: 5000, backoffMaxMs: 5000 });
  c.start();
  await waitFor(() => c.connected(), 3000, 'connect');
  for (const s of b.sockets) s.destroy();
  await waitFor(() => wills.length === 1, 2000, 'will');
  expect(wills[0]).toBe('gone (r)');
  expect((await b.retained())['openevse/announce/cd34']).toBe('gone');
  // a clean stop() sends DISCONNECT: no will
  const c2 = client(b.port, { will: { topic: 'openevse/announce/ef56', payload: 'gone2', retain: true } });
  c2.start();
  await waitFor(() => c2.connected(), 3000, 'connect 2');
  c2.stop();
  await sleep(200);
  expect(wills.length).toBe(1);
  expect(c2.statusFields({}).mqtt_status).toBe('disabled');
});

test('broker restart: reconnects within the backoff bound, resubscribes, loses no retained state, one connection at a time', async () => {
  let b = await broker();
  const port = b.port;
  const c = client(port, { backoffMinMs: 100, backoffMaxMs: 800 });
  const got: string[] = [];
  c.onMessage = (t, p) => got.push(t + '=' + p);
  c.subscribe('openevse/+/set', 1);
  c.start();
  await waitFor(() => c.connected(), 3000, 'connect');
  c.publish('openevse/config', '{"v":1}', 0, true);
  c.publish('openevse/claim', '{"state":"null"}', 1, true);
  await waitFor(() => b.published.length === 2, 2000, 'retained publishes');

  for (let round = 0; round < 3; round++) {
    await b.stop();
    brokers.splice(brokers.indexOf(b), 1);
    await waitFor(() => !c.connected(), 2000, 'client notices');
    // offline: QoS 0 dropped, retained remembered, QoS 1 queued
    expect(c.publish('openevse/amp', '1')).toBe(false);
    expect(c.publish('openevse/config', '{"v":' + (round + 2) + '}', 0, true)).toBe(true);
    expect(c.publish('openevse/event', 'e' + round, 1)).toBe(true);
    await sleep(300);
    b = await broker(port); // a new broker: empty retained store
    const t0 = Date.now();
    await waitFor(() => c.connected(), 800 + 2000, 'reconnect');
    // the bound: one backoff delay (max 800 ms) after the broker is back, plus connect time
    expect(Date.now() - t0).toBeLessThan(800 + 500);
    await waitFor(() => inflight(c) === 0, 2000, 'QoS 1 acknowledged');
    await sleep(100);
    const r = await b.retained();
    expect(r['openevse/config']).toBe('{"v":' + (round + 2) + '}');
    expect(r['openevse/claim']).toBe('{"state":"null"}');
    expect(b.published.filter((p) => p.topic === 'openevse/event').map((p) => p.payload)).toEqual(['e' + round]);
    expect(b.published.some((p) => p.topic === 'openevse/amp')).toBe(false);
    // resubscribed
    await new Promise<void>((res) => b.aedes.publish({ cmd: 'publish', topic: 'openevse/override/set', payload: Buffer.from('toggle' + round), qos: 0, retain: false, dup: false }, () => res()));
    await waitFor(() => got.length === round + 1, 2000, 'message after resubscribe');
    expect(got[round]).toBe('openevse/override/set=toggle' + round);
    expect(b.maxOpen).toBe(1);
  }
});

test('keep-alive: a broker that stops answering PINGREQ is a dead link: timeout, reconnect', async () => {
  // A fake broker: CONNACK, then silence (the TCP connection stays up).
  let conns = 0;
  const server = net.createServer((s) => {
    conns++;
    s.on('data', (d) => {
      if (d[0] === 0x10) s.write(Buffer.from(encodeConnack(0, false), 'latin1'));
    });
    s.on('error', () => {});
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  const c = client(port, { keepAlive: 1, closeWaitMs: 300 });
  let downs = 0;
  c.onDisconnect = () => downs++;
  c.start();
  await waitFor(() => c.connected(), 2000, 'connect');
  const t0 = Date.now();
  await waitFor(() => downs === 1, 4000, 'dead link detected');
  const took = Date.now() - t0;
  expect(took).toBeGreaterThanOrEqual(900);
  expect(took).toBeLessThan(2500);
  expect(c.error).toBe('timeout');
  expect(c.errorDetail).toMatch(/PINGREQ/);
  await waitFor(() => conns === 2 && c.connected(), 3000, 'reconnect');
});

test('connect timeout: a server that never answers CONNECT', async () => {
  // It reads (and ignores) what comes, so the client's FIN is seen and the connection closes.
  const server = net.createServer((s) => s.on('error', () => {}).resume());
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const c = client((server.address() as net.AddressInfo).port, { connectTimeoutMs: 300, closeWaitMs: 200 });
  c.start();
  await waitFor(() => c.error === 'timeout', 2000, 'timeout');
  expect(c.errorDetail).toMatch(/CONNACK/);
  expect(c.connected()).toBe(false);
});

test('refused connection (nothing listening): error "network", keeps retrying', async () => {
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const c = client(port);
  c.start();
  await waitFor(() => c.attempts >= 3, 3000, 'retries');
  expect(c.error).toBe('network');
  expect(c.errorDetail).toMatch(/ECONNREFUSED/);
  const b = await broker(port);
  await waitFor(() => c.connected(), 2000, 'connect once the broker is up');
  expect(b.maxOpen).toBe(1);
});

test('a packet over the maximum size drops the connection with an error instead of buffering', async () => {
  const b = await broker();
  const c = client(b.port, { maxPacket: 1024, backoffMinMs: 5000, backoffMaxMs: 5000 });
  c.subscribe('big/#', 0);
  c.start();
  await waitFor(() => c.connected(), 3000, 'connect');
  await sleep(100);
  b.aedes.publish({ cmd: 'publish', topic: 'big/one', payload: Buffer.alloc(5000, 120), qos: 0, retain: false, dup: false }, () => {});
  await waitFor(() => !c.connected(), 2000, 'drop');
  expect(c.error).toBe('protocol');
  expect(c.errorDetail).toMatch(/too large/);
});
