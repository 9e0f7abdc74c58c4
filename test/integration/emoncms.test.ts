// EmoncmsService on a whole gateway (in-process controller emulator) against a local HTTP server
// standing in for emoncms: the exact GET (path, node, apikey, fulljson with the status values),
// `ok` and `{"success":true}` answers, and failures (401, 500, timeout, refused) that leave
// packets_success alone, set emoncms_connected 0 with a message, and back off; and a post of the
// divert fields on every solar / grid_ie feed, from POST /status and from MQTT (aedes broker).
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { EmoncmsService } from '../../src/services/emoncms';
import * as emoncmsPost from '../../src/services/emoncms-post';
import { nodeHttpClient } from '../../src/hal/node/http-client';
import { startGateway, waitFor, TestGateway } from '../helpers/gateway';
import { startBroker, TestBroker } from '../helpers/broker';
import { call } from '../helpers/http';
import { MqttClient } from '../../src/services/mqtt/client';
import { nodeNet } from '../../src/hal/node/net';
import { nodeClock } from '../../src/hal/node/clock';

jest.setTimeout(30000);

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
}

let server: http.Server;
let port = 0;
const seen: Seen[] = [];
/** How the server answers the next requests: [status, body], or null for never. */
let reply: [number, string] | null = [200, 'ok'];
const hanging: http.ServerResponse[] = [];
let g: TestGateway;
let svc: EmoncmsService;
const events: any[] = [];
/** How often the service fetched the request module (once per post, as on the ESP32). */
let loads = 0;
const loadRequest = () => {
  loads++;
  return emoncmsPost;
};

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const u = new URL(req.url || '/', 'http://x');
    seen.push({ method: req.method || '', path: u.pathname, query: u.searchParams });
    if (!reply) {
      hanging.push(res);
      return;
    }
    res.writeHead(reply[0], { 'content-type': reply[1].charAt(0) === '{' ? 'application/json' : 'text/plain' });
    res.end(reply[1]);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as AddressInfo).port;
  g = await startGateway({
    config: {
      emoncms_enabled: true,
      emoncms_server: 'http://127.0.0.1:' + port + '/emoncms/',
      emoncms_node: 'garage',
      emoncms_apikey: 'k3y&x=1',
    },
    services: false, // this test builds its own, with a short timeout
  });
  const gw = g.gateway;
  const orig = gw.publish.bind(gw);
  gw.publish = (c: any) => {
    events.push(c);
    orig(c);
  };
  svc = new EmoncmsService(gw, nodeHttpClient, { timeoutMs: 300, loadRequest });
});

afterAll(async () => {
  if (svc) svc.stop();
  for (const r of hanging) r.destroy();
  if (g) await g.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

test('start posts the status document as fulljson with node and apikey; `ok` is success', async () => {
  svc.start();
  await waitFor(() => svc.success === 1, 'first post answered');
  expect(seen.length).toBe(1);
  const r = seen[0];
  expect(r.method).toBe('GET');
  expect(r.path).toBe('/emoncms/input/post');
  expect(r.query.get('node')).toBe('garage');
  expect(r.query.get('apikey')).toBe('k3y&x=1');
  const doc = JSON.parse(r.query.get('fulljson') || '');
  const st = g.gateway.monitor.status;
  for (const k of ['amp', 'voltage', 'pilot', 'temp', 'state']) {
    expect(doc).toHaveProperty(k);
    expect(doc[k]).toEqual(st[k]);
  }
  expect(doc.evse_connected).toBe(1);
  expect(typeof doc.status).toBe('string');
  // only plain values travel
  for (const k in doc) expect(['number', 'string', 'boolean']).toContain(typeof doc[k]);
  expect(svc.statusFields({})).toEqual({ emoncms_connected: 1, emoncms_message: 'Connected', packets_sent: 1, packets_success: 1 });
  expect(events).toContainEqual({ emoncms_connected: 1, emoncms_message: 'Connected', packets_sent: 1, packets_success: 1 });
});

test('{"success":true} is success; a divert update posts the event object', async () => {
  reply = [200, '{"success":true,"message":"inputs processed"}'];
  svc.divertUpdate({ solar: 1500, grid_ie: -300, charge_rate: 6 });
  await waitFor(() => svc.success === 2, 'divert post answered');
  const r = seen[seen.length - 1];
  expect(JSON.parse(r.query.get('fulljson') || '')).toEqual({ solar: 1500, grid_ie: -300, charge_rate: 6 });
  expect(r.query.get('node')).toBe('garage');
  expect(svc.connected).toBe(1);
  expect(svc.sent).toBe(2);
});

test('the request module is fetched for each post and not kept between posts', async () => {
  reply = [200, 'ok'];
  loads = 0;
  const sent = svc.sent;
  svc.post(null);
  expect(loads).toBe(1);
  // Divert updates due while that one is out (the real path: a feed into planning, which hands
  // the divert's fields to the service attached as gw.emoncms): not sent beside it, and the module
  // is not fetched for them; a 30 s post due meanwhile is dropped (the next one comes anyway).
  const gw = g.gateway;
  const n = seen.length;
  gw.emoncms = svc;
  try {
    gw.planning!.feed('solar', 1111);
    svc.post(null);
    gw.planning!.feed('solar', 2222);
  } finally {
    gw.emoncms = null;
  }
  expect(loads).toBe(1);
  expect(svc.sent).toBe(sent + 1);
  // one follow-up right after the answer, with the newest values (not one per update)
  await waitFor(() => svc.sent === sent + 2 && (svc as any).busy === 0, 'the follow-up answered');
  expect(loads).toBe(2);
  expect(seen.length).toBe(n + 2);
  const follow = JSON.parse(seen[n + 1].query.get('fulljson') || '');
  expect(follow.solar).toBe(2222);
  expect(Object.keys(follow).sort()).toEqual(Object.keys(gw.planning!.divert.statusFields()).sort());
  expect(svc.success).toBe(svc.sent);
  expect((svc as any).pending).toBe(false);
  // between posts the service holds no part of the module (not it, not one of its functions);
  // the 30 s timer is the service's own
  const kept = Object.values(svc);
  for (const part of [emoncmsPost, ...Object.values(emoncmsPost)]) expect(kept).not.toContain(part);
  expect((svc as any).timer).not.toBeNull();
  // nothing is fetched while stopped
  svc.stop();
  svc.post(null);
  svc.divertUpdate({ solar: 3 });
  expect(loads).toBe(2);
  // the first post comes a few seconds after the start (not in the same moment as the other
  // work of the settings change that started it)
  svc.start();
  expect(loads).toBe(2);
  await waitFor(() => loads === 3, 'the post after start', 6000);
  await waitFor(() => svc.sent === sent + 3 && (svc as any).busy === 0, 'the post after start answered');
});

async function failWith(r: [number, string] | null): Promise<void> {
  reply = r;
  const sent = svc.sent;
  const ok = svc.success;
  g.clock.skip(400000); // past any back-off
  svc.post(null);
  expect(svc.sent).toBe(sent + 1);
  // a divert update owed behind the failing post is not sent after it: the back-off holds it too
  svc.divertUpdate({ solar: 5 });
  await waitFor(() => svc.connected === 0 && (svc as any).busy === 0, 'failure seen');
  expect((svc as any).pending).toBe(false);
  expect(svc.success).toBe(ok);
  // backing off: the next post does not go out
  const n = seen.length;
  svc.post(null);
  expect(svc.sent).toBe(sent + 1);
  expect(seen.length).toBe(n);
}

/** The divert keys the controller publishes on each update (and nothing of the status document). */
function divertKeys(): string[] {
  return Object.keys(g.gateway.planning!.divert.statusFields()).sort();
}

test('every grid_ie / solar feed from POST /status posts the divert fields', async () => {
  g.gateway.emoncms = svc; // attached as src/main/node.ts does, so the feed reaches it
  reply = [200, 'ok'];
  for (const [body, key, value] of [
    [{ grid_ie: -1200 }, 'grid_ie', -1200],
    [{ solar: 2300 }, 'solar', 2300],
  ] as [any, string, number][]) {
    const n = seen.length;
    const sent = svc.sent;
    const r = await call(g.url, 'POST', '/status', body);
    expect(r.status).toBe(200);
    await waitFor(() => seen.length === n + 1 && (svc as any).busy === 0, 'the divert post');
    expect(svc.sent).toBe(sent + 1);
    const q = seen[n].query;
    expect(seen[n].path).toBe('/emoncms/input/post');
    expect(q.get('node')).toBe('garage');
    expect(q.get('apikey')).toBe('k3y&x=1');
    const doc = JSON.parse(q.get('fulljson') || '');
    expect(doc[key]).toBe(value);
    expect(doc.divertmode).toBe(1);
    expect(doc.divert_update).toBe(0);
    expect(Object.keys(doc).sort()).toEqual(divertKeys());
    expect(doc).not.toHaveProperty('amp');
  }
  // a feed the divert does not use (vehicle data) posts nothing
  const n = seen.length;
  const r = await call(g.url, 'POST', '/status', { shaper_live_pwr: 900 });
  expect(r.status).toBe(200);
  await new Promise((res) => setTimeout(res, 100));
  expect(seen.length).toBe(n);
});

test('every solar feed message over MQTT posts the divert fields', async () => {
  const broker: TestBroker = await startBroker();
  const gw = g.gateway;
  const mqtt = gw.mqtt!;
  const pub = new MqttClient(nodeNet, nodeClock, { host: '127.0.0.1', port: broker.port, clientId: 'emon', keepAlive: 10 });
  try {
    const c = gw.config.update({ mqtt_enabled: true, mqtt_server: '127.0.0.1', mqtt_port: broker.port, mqtt_solar: 'emon/solar' });
    expect(c.ok).toBe(true);
    if (c.ok) gw.configChanged(c.changed);
    await waitFor(() => mqtt.client !== null && mqtt.client.connected(), 'the gateway on the broker');
    pub.start();
    await waitFor(() => pub.connected(), 'the publisher');
    // the gateway's SUBSCRIBE may still be on its way: repeat the first value until it lands
    const n0 = seen.length;
    let at = 0;
    await waitFor(() => {
      if (Date.now() - at > 300) {
        pub.publish('emon/solar', '1800', 0, false);
        at = Date.now();
      }
      return seen.length > n0;
    }, 'the first post from MQTT');
    await waitFor(() => (svc as any).busy === 0, 'its answer');
    for (const w of [2500, 3100]) {
      const n = seen.length;
      pub.publish('emon/solar', String(w), 0, false);
      await waitFor(() => seen.length === n + 1 && (svc as any).busy === 0, 'the post for ' + w);
      const doc = JSON.parse(seen[n].query.get('fulljson') || '');
      expect(doc.solar).toBe(w);
      expect(Object.keys(doc).sort()).toEqual(divertKeys());
    }
    // a bad payload changes nothing and posts nothing
    const n = seen.length;
    pub.publish('emon/solar', 'sunny', 0, false);
    await new Promise((res) => setTimeout(res, 150));
    expect(seen.length).toBe(n);
  } finally {
    pub.stop();
    mqtt.stop();
    await broker.close();
  }
});

test('401 with an emoncms message → not connected, that message, no success', async () => {
  events.length = 0;
  await failWith([401, '{"success":false,"message":"Username or password invalid"}']);
  expect(svc.message).toBe('Username or password invalid');
  expect(events).toContainEqual(expect.objectContaining({ emoncms_connected: 0, emoncms_message: 'Username or password invalid' }));
});

test('500 → not connected, HTTP status in the message', async () => {
  await failWith([500, 'Internal Server Error']);
  expect(svc.message).toBe('HTTP 500: Internal Server Error');
  // success again clears the back-off and the state
  reply = [200, 'ok'];
  g.clock.skip(400000);
  const ok = svc.success;
  svc.post(null);
  await waitFor(() => svc.success === ok + 1 && svc.connected === 1, 'recovered');
  expect(svc.message).toBe('Connected');
});

test('a server that never answers → timeout; a refused connection → failed to connect', async () => {
  const t0 = Date.now();
  await failWith(null);
  expect(svc.message).toBe('Failed to connect: timeout');
  expect(Date.now() - t0).toBeLessThan(3000);
  // nothing listening
  const dead = http.createServer();
  await new Promise<void>((r) => dead.listen(0, '127.0.0.1', () => r()));
  const deadPort = (dead.address() as AddressInfo).port;
  await new Promise((r) => dead.close(r));
  svc.stop();
  expect(svc.statusFields({}).emoncms_message).toBe('Disabled');
  g.gateway.config.update({ emoncms_server: 'http://127.0.0.1:' + deadPort });
  const n = seen.length;
  svc.start();
  await waitFor(() => (svc as any).busy === 0 && svc.message !== 'Disabled', 'refused');
  expect(svc.connected).toBe(0);
  expect(svc.message).toMatch(/^Failed to connect: .*ECONNREFUSED/);
  expect(seen.length).toBe(n);
});

test('turning emoncms_enabled off stops the posts', async () => {
  const r = g.gateway.config.update({ emoncms_enabled: false });
  expect(r.ok).toBe(true);
  svc.configChanged(['emoncms_enabled']);
  expect(svc.statusFields({})).toMatchObject({ emoncms_connected: 0, emoncms_message: 'Disabled' });
  const sent = svc.sent;
  g.clock.skip(400000);
  svc.post(null);
  svc.divertUpdate({ solar: 1 });
  expect(svc.sent).toBe(sent);
});
