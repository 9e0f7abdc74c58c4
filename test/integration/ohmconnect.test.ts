// OhmConnectService on a whole gateway (in-process controller emulator) against a local HTTP server
// standing in for login.ohmconnect.com/verify-ohm-hour/<key>. Assumed answer format (ref §4: the
// firmware takes the text between <active> and </active>, both after the first character):
//   <ohmhour><active>True</active><start>…</start><end>…</end></ohmhour>
// During an OhmHour the charger is paused by a CLIENT_OHM claim (state disabled), released after;
// a dead or broken server gives no claim and ohm_hour "NotConnected" with a message.
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { OhmConnectService } from '../../src/services/ohmconnect';
import * as ohmPoll from '../../src/services/ohmconnect-poll';
import { nodeHttpClient } from '../../src/hal/node/http-client';
import { CLIENT_OHM, PRIORITY_OHM } from '../../src/core/evse/claims';
import { startGateway, waitFor, TestGateway } from '../helpers/gateway';

jest.setTimeout(30000);

let server: http.Server;
let port = 0;
const paths: string[] = [];
const methods: string[] = [];
let reply: [number, string] = [200, ''];
let g: TestGateway;
let svc: OhmConnectService;
const events: any[] = [];
/** How often the service fetched the request module (once per poll, as on the ESP32). */
let loads = 0;
const loadRequest = () => {
  loads++;
  return ohmPoll;
};

function ohm(active: string): string {
  return '<ohmhour><active>' + active + '</active><start>2026-11-24T17:00:00Z</start><end>2026-11-24T18:00:00Z</end></ohmhour>';
}

/** Polls now and waits for the answer to be handled. */
async function pollNow(): Promise<void> {
  const n = paths.length;
  svc.poll();
  await waitFor(() => paths.length > n && (svc as any).busy === 0, 'poll answered');
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    paths.push(req.url || '');
    methods.push(req.method || '');
    res.writeHead(reply[0], { 'content-type': 'text/xml' });
    res.end(reply[1]);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as AddressInfo).port;
  // (services: false — the gateway's own would ask the real OhmConnect; this test builds one on a local server)
  g = await startGateway({ config: { ohm_enabled: true, ohm: 'ABC123' }, services: false });
  const gw = g.gateway;
  const orig = gw.publish.bind(gw);
  gw.publish = (c: any) => {
    events.push(c);
    orig(c);
  };
  svc = new OhmConnectService(gw, nodeHttpClient, { url: 'http://127.0.0.1:' + port + '/verify-ohm-hour/', timeoutMs: 300, loadRequest });
});

afterAll(async () => {
  if (svc) svc.stop();
  if (g) await g.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

test('no OhmHour: polls with the key, ohm_hour "False", no claim', async () => {
  reply = [200, ohm('False')];
  expect(svc.statusFields({}).ohm_hour).toBe('NotConnected');
  svc.start();
  await waitFor(() => svc.ohmHour === 'False', 'first poll');
  expect(paths).toEqual(['/verify-ohm-hour/ABC123']);
  expect(methods).toEqual(['GET']);
  expect(g.gateway.claims.get(CLIENT_OHM)).toBeNull();
  expect(events).toContainEqual({ ohm_hour: 'False', ohm_message: 'Connected' });
  // the next poll is 30 s away (a timer on the gateway's clock), not a busy loop
  expect((svc as any).timer).not.toBeNull();
});

test('the request module is fetched for each poll and not kept between polls', async () => {
  reply = [200, ohm('False')];
  loads = 0;
  const n = paths.length;
  svc.poll();
  // a poll while one is out does nothing, and does not fetch the module
  svc.poll();
  expect(loads).toBe(1);
  await waitFor(() => paths.length === n + 1 && (svc as any).busy === 0, 'the first poll answered');
  await pollNow();
  expect(paths.length).toBe(n + 2);
  expect(loads).toBe(2);
  // between polls the service holds no part of the module (not it, not one of its functions);
  // the timer of the next poll is the service's own
  const kept = Object.values(svc);
  for (const part of [ohmPoll, ...Object.values(ohmPoll)]) expect(kept).not.toContain(part);
  expect((svc as any).timer).not.toBeNull();
  expect(svc.statusFields({})).toEqual({ ohm_hour: 'False', ohm_message: 'Connected' });
});

test('OhmHour: a disabled claim pauses the charger; released after', async () => {
  reply = [200, ohm('True')];
  await pollNow();
  expect(svc.ohmHour).toBe('True');
  const c = g.gateway.claims.list().filter((x) => x.client === CLIENT_OHM);
  expect(c).toEqual([{ client: CLIENT_OHM, priority: PRIORITY_OHM, state: 'disabled', auto_release: false }]);
  await waitFor(() => g.gateway.claims.statusFields().status === 'disabled', 'target disabled');
  await waitFor(() => g.gateway.monitor.status.state === 254 || g.gateway.monitor.status.state === 255, 'controller paused');
  // still True: one claim, unchanged
  await pollNow();
  expect(g.gateway.claims.list().filter((x) => x.client === CLIENT_OHM).length).toBe(1);

  reply = [200, ohm('False')];
  await pollNow();
  expect(svc.ohmHour).toBe('False');
  expect(g.gateway.claims.get(CLIENT_OHM)).toBeNull();
  await waitFor(() => g.gateway.claims.statusFields().status === 'active', 'target active again');
});

test('a broken answer or a dead server: no claim, ohm_hour NotConnected with a message', async () => {
  reply = [200, ohm('True')];
  await pollNow();
  expect(g.gateway.claims.get(CLIENT_OHM)).not.toBeNull();

  reply = [200, '<html>maintenance</html>'];
  await pollNow();
  expect(svc.statusFields({})).toEqual({ ohm_hour: 'NotConnected', ohm_message: 'No <active> in the answer' });
  expect(g.gateway.claims.get(CLIENT_OHM)).toBeNull();

  reply = [500, ohm('True')];
  await pollNow();
  expect(svc.statusFields({})).toEqual({ ohm_hour: 'NotConnected', ohm_message: 'HTTP 500' });
  expect(g.gateway.claims.get(CLIENT_OHM)).toBeNull();
  // backing off: two failures in a row, the next poll waits 30 s × 2 × 2
  expect((svc as any).delay).toBe(120000);

  // nothing listening at all
  const dead = http.createServer();
  await new Promise<void>((r) => dead.listen(0, '127.0.0.1', () => r()));
  const deadPort = (dead.address() as AddressInfo).port;
  await new Promise((r) => dead.close(r));
  svc.stop();
  const dsvc = new OhmConnectService(g.gateway, nodeHttpClient, { url: 'http://127.0.0.1:' + deadPort + '/verify-ohm-hour/', timeoutMs: 300, loadRequest });
  dsvc.start();
  await waitFor(() => dsvc.message !== 'Disabled', 'dead server seen');
  expect(dsvc.ohmHour).toBe('NotConnected');
  expect(dsvc.message).toMatch(/^Failed to connect: .*ECONNREFUSED/);
  expect(g.gateway.claims.get(CLIENT_OHM)).toBeNull();
  dsvc.stop();
});

test('disabling stops the polls and releases', async () => {
  reply = [200, ohm('True')];
  svc.start();
  await waitFor(() => g.gateway.claims.get(CLIENT_OHM) !== null, 'OhmHour claim');
  g.gateway.config.update({ ohm_enabled: false });
  svc.configChanged(['ohm_enabled']);
  expect(g.gateway.claims.get(CLIENT_OHM)).toBeNull();
  expect(svc.statusFields({})).toEqual({ ohm_hour: 'NotConnected', ohm_message: 'Disabled' });
  expect((svc as any).timer).toBeNull();
});
