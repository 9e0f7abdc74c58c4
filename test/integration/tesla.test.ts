// TeslaService on a whole gateway (in-process controller emulator) with `tesla_api_url` pointed at a
// local HTTP server that answers like the Tesla owner API and checks every request exactly:
//   GET  /api/1/vehicles                                  Authorization: Bearer <access token>
//   GET  /api/1/vehicles/<id>/data_request/charge_state   Authorization: Bearer <access token>
//   POST /oauth/token  {"grant_type":"refresh_token","client_id":"ownerapi","refresh_token":…}
// Answers have the API's shape: {"response": …, "count": n}; errors {"error": "…"}; one vehicle
// id is past 2^53 with no id_s (as older answers were), so it must come out digit for digit.
// The service polls every 200 ms here (the intervalMs option), the gateway's clock is the real one.
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { TeslaService } from '../../src/services/tesla';
import * as teslaRequest from '../../src/services/tesla-request';
import { nodeHttpClient } from '../../src/hal/node/http-client';
import { CLIENT_LIMIT } from '../../src/core/evse/claims';
import { startGateway, waitFor, TestGateway } from '../helpers/gateway';
import { call } from '../helpers/http';

jest.setTimeout(20000);

const BIG_ID = '12345678901234567890'; // JSON.parse makes this 12345678901234567000
const ID2 = '1492931337';

interface Seen {
  method: string;
  path: string;
  auth: string | undefined;
  type: string | undefined;
  body: string;
  at: number;
}

let server: http.Server;
let base = '';
const seen: Seen[] = [];
/** What the server takes as valid. */
let token = 'AT1';
let refreshToken = 'RT1';
/** The next tokens /oauth/token hands out. */
let nextTokens = { access_token: 'AT2', refresh_token: 'RT2', expires_in: 28800 };
/** Overrides every answer: [status, raw body], or 'hang' for no answer. */
let forced: [number, string] | 'hang' | null = null;
const hanging: http.ServerResponse[] = [];
const charge: { [id: string]: any } = {};

let g: TestGateway;
let svc: TeslaService;
/** How often the service fetched its request module (on the device each fetch defines it anew). */
let loads = 0;
const loadRequest = () => (loads++, teslaRequest);

function send(res: http.ServerResponse, status: number, body: string) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(body);
}

function vehicleList(): string {
  // written by hand: the big id must reach the gateway as digits, not as a rounded double
  return (
    '{"response":[{"id":' + BIG_ID + ',"vehicle_id":1,"vin":"5YJ3E1EA7KF000001","display_name":"Red","state":"online"},' +
    '{"id":' + ID2 + ',"id_s":"' + ID2 + '","vehicle_id":2,"vin":"5YJ3E1EA7KF000002","display_name":"Blue","state":"asleep"}],"count":2}'
  );
}

function chargeState(o: any): any {
  return {
    battery_level: 50,
    battery_range: 100,
    charge_energy_added: 12.5,
    charge_miles_added_rated: 40,
    charge_limit_soc: 90,
    time_to_full_charge: 1.5,
    charger_voltage: 240,
    charging_state: 'Charging',
    ...o,
  };
}

async function status(): Promise<any> {
  return (await call(g.url, 'GET', '/status')).json;
}

async function setConfig(patch: any): Promise<void> {
  const r = await call(g.url, 'POST', '/config', patch);
  expect([r.status, r.text]).toEqual([200, expect.any(String)]);
}

/** Requests seen from index `from` on, as "METHOD path". */
function lines(from = 0): string[] {
  return seen.slice(from).map((s) => s.method + ' ' + s.path);
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('latin1');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const path = req.url || '';
      seen.push({ method: req.method || '', path, auth: req.headers.authorization, type: req.headers['content-type'], body, at: Date.now() });
      if (forced === 'hang') {
        hanging.push(res);
        return;
      }
      if (forced) return send(res, forced[0], forced[1]);
      if (req.method === 'POST' && path === '/oauth/token') {
        let b: any = null;
        try {
          b = JSON.parse(body);
        } catch (e) {
          b = null;
        }
        if (!b || b.grant_type !== 'refresh_token' || b.refresh_token !== refreshToken) return send(res, 401, '{"error":"invalid_grant"}');
        token = nextTokens.access_token;
        refreshToken = nextTokens.refresh_token;
        return send(res, 200, JSON.stringify({ ...nextTokens, token_type: 'bearer', created_at: Math.floor(Date.now() / 1000) }));
      }
      if (req.method !== 'GET') return send(res, 405, '{"error":"method"}');
      if (req.headers.authorization !== 'Bearer ' + token) return send(res, 401, '{"error":"invalid bearer token"}');
      if (path === '/api/1/vehicles') return send(res, 200, vehicleList());
      const m = /^\/api\/1\/vehicles\/(\d+)\/data_request\/charge_state$/.exec(path);
      if (m && charge[m[1]]) return send(res, 200, JSON.stringify({ response: charge[m[1]] }));
      if (m) return send(res, 408, '{"response":null,"error":"vehicle unavailable: {:error=>\\"vehicle unavailable:\\"}","error_description":""}');
      send(res, 404, '{"error":"not found"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = 'http://127.0.0.1:' + (server.address() as AddressInfo).port;
  // (services: false — the gateway's own would ask the real services; the Tesla service is built
  // here with a 200 ms poll, attached as src/main/node.ts attaches it)
  g = await startGateway({
    services: false,
    config: { tesla_api_url: base, tesla_access_token: 'AT1', tesla_refresh_token: 'RT1', tesla_enabled: false },
  });
  svc = new TeslaService(g.gateway, nodeHttpClient, { loadRequest, intervalMs: 200, timeoutMs: 400 });
  g.gateway.tesla = svc;
  svc.start();
});

afterAll(async () => {
  if (svc) svc.stop();
  if (g) await g.close();
  for (const r of hanging) r.destroy();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

test('disabled: no request at all, no vehicles, the Tesla fields false', async () => {
  await new Promise((r) => setTimeout(r, 500));
  expect(seen).toEqual([]);
  expect((await call(g.url, 'GET', '/tesla/vehicles')).json).toEqual({ count: 0, vehicles: [] });
  expect(await status()).toMatchObject({ tesla_vehicle_count: false, tesla_vehicle_id: false, tesla_vehicle_name: false, tesla_error: false });
  expect((await status()).battery_level).toBeUndefined();
});

test('/savetesla refuses a password login; /saveteslavi needs a list', async () => {
  let r = await call(g.url, 'GET', '/savetesla?enable=1&user=me%40x.com&pass=secret');
  expect(r.status).toBe(400);
  expect(r.text).toMatch(/password login/);
  r = await call(g.url, 'GET', '/saveteslavi?vi=0');
  expect([r.status, r.text]).toEqual([400, 'No vehicle list yet']);
  expect(g.gateway.config.get('tesla_enabled')).toBe(false);
  expect(seen).toEqual([]);
});

test('enabled through /savetesla: the vehicle list with the Bearer token, over /tesla/vehicles and /teslaveh', async () => {
  // vehicle_data_src is 0: the list only, no charge_state
  const r = await call(g.url, 'POST', '/savetesla', 'enable=true&access_token=AT1&refresh_token=RT1', { 'Content-Type': 'application/x-www-form-urlencoded' });
  expect([r.status, r.text]).toEqual([200, 'Saved']);
  await waitFor(() => svc.ids.length === 2, 'the vehicle list');
  expect(seen).toHaveLength(1);
  expect(seen[0]).toMatchObject({ method: 'GET', path: '/api/1/vehicles', auth: 'Bearer AT1', body: '' });
  const want = { count: 2, vehicles: [{ id: BIG_ID, name: 'Red' }, { id: ID2, name: 'Blue' }] };
  expect((await call(g.url, 'GET', '/tesla/vehicles')).json).toEqual(want);
  expect((await call(g.url, 'GET', '/teslaveh')).json).toEqual(want);
  expect(await status()).toMatchObject({ tesla_vehicle_count: 2, tesla_vehicle_id: BIG_ID, tesla_vehicle_name: 'Red', tesla_error: false });
  await new Promise((r) => setTimeout(r, 500));
  expect(lines()).toEqual(['GET /api/1/vehicles']); // nothing more while vehicle_data_src is not Tesla
  expect((await call(g.url, 'POST', '/tesla/vehicles')).status).toBe(405);
});

test('choosing a vehicle; charge_state every interval feeds SoC, range (km), ETA (s) into /status', async () => {
  charge[ID2] = chargeState({ battery_level: 61, battery_range: 100, time_to_full_charge: 1.5 });
  let r = await call(g.url, 'GET', '/saveteslavi?vi=5');
  expect([r.status, r.text]).toEqual([400, 'vi must be an index from 0 to 1']);
  r = await call(g.url, 'GET', '/saveteslavi?id=999');
  expect([r.status, r.text]).toEqual([400, 'Unknown vehicle id']);
  r = await call(g.url, 'GET', '/saveteslavi?vi=1');
  expect([r.status, r.text]).toEqual([200, 'Saved: 1']);
  expect(g.gateway.config.get('tesla_vehicle_id')).toBe(ID2);
  expect((await status()).tesla_vehicle_name).toBe('Blue');
  const n = seen.length;
  await setConfig({ vehicle_data_src: 1 });
  await waitFor(() => lines(n).filter((l) => l.endsWith('charge_state')).length >= 2, 'two charge_state polls');
  const polls = seen.slice(n).filter((s) => s.path.endsWith('charge_state'));
  expect(polls[0]).toMatchObject({ method: 'GET', path: '/api/1/vehicles/' + ID2 + '/data_request/charge_state', auth: 'Bearer AT1' });
  // every interval, not faster
  expect(polls[1].at - polls[0].at).toBeGreaterThanOrEqual(180);
  const doc = await status();
  expect(doc).toMatchObject({
    tesla_vehicle_count: 2,
    tesla_vehicle_id: ID2,
    tesla_vehicle_name: 'Blue',
    battery_level: 61,
    battery_range: 161, // 100 miles
    time_to_full_charge: 5400,
    vehicle_charge_limit: 90,
    charge_limit_soc: 90,
    charge_energy_added: 12.5,
    charge_miles_added_rated: 40,
    charger_voltage: 240,
    tesla_error: false,
  });
  expect(doc.vehicle_state_update).toBeGreaterThanOrEqual(0);
  expect(doc.vehicle_state_update).toBeLessThanOrEqual(1);
  // battery_range is km whatever the source: the MQTT topic's unit flag does not touch Tesla's
  await setConfig({ mqtt_vehicle_range_miles: true });
  await new Promise((r) => setTimeout(r, 500)); // more than one poll (200 ms here)
  expect((await status()).battery_range).toBe(161);
  await setConfig({ mqtt_vehicle_range_miles: false });
  // POST /status must not override Tesla data (vehicle_data_src is 1)
  expect((await call(g.url, 'POST', '/status', { battery_level: 5 })).status).toBe(400);
});

test('the request module is fetched for each request and not kept between requests', async () => {
  // (charge_state every 200 ms here, from the test before); counted from a moment none is out
  await waitFor(() => (svc as any).busy === 0, 'no request out');
  loads = 0;
  const n = seen.length;
  await waitFor(() => lines(n).filter((l) => l.endsWith('charge_state')).length >= 2 && (svc as any).busy === 0, 'two more polls');
  // once per request, and only then
  expect(loads).toBe(seen.length - n);
  // between requests the service holds no part of the module (not it, not one of its functions);
  // the timer of the next request is the service's own
  const kept = Object.values(svc);
  for (const part of [teslaRequest, ...Object.values(teslaRequest)]) expect(kept).not.toContain(part);
  expect((svc as any).timer).not.toBeNull();
});

test('a SoC limit is reached from Tesla data: the charge stops', async () => {
  charge[ID2] = chargeState({ battery_level: 70 });
  g.emulator.plugIn();
  g.emulator.requestCharge();
  await waitFor(async () => (await status()).state === 3, 'charging', 5000);
  expect((await call(g.url, 'POST', '/limit', { type: 'soc', value: 80 })).status).toBe(201);
  await waitFor(async () => (await status()).battery_level === 70, 'SoC 70');
  await new Promise((r) => setTimeout(r, 1200)); // the limit is checked every second
  expect(g.gateway.claims.get(CLIENT_LIMIT)).toBeNull();
  expect((await status()).state).toBe(3);
  charge[ID2] = chargeState({ battery_level: 80 });
  await waitFor(() => g.gateway.claims.get(CLIENT_LIMIT) !== null, 'the limit claim', 4000);
  await waitFor(async () => (await status()).state !== 3, 'charging stopped', 4000);
  expect((await call(g.url, 'DELETE', '/limit')).status).toBe(200);
  g.emulator.unplug();
});

test('a 401 refreshes the token once (exact POST /oauth/token), stores the new tokens, goes on with them', async () => {
  token = 'AT-NEW'; // the server no longer takes AT1
  nextTokens = { access_token: 'AT-NEW', refresh_token: 'RT2', expires_in: 28800 };
  const n = seen.length;
  const v0 = g.gateway.config.version;
  await waitFor(() => g.gateway.config.get('tesla_access_token') === 'AT-NEW', 'the new token stored');
  await waitFor(() => seen.slice(n).some((s) => s.auth === 'Bearer AT-NEW'), 'a request with the new token');
  const after = seen.slice(n);
  const i = after.findIndex((s) => s.path === '/oauth/token');
  expect(after[i - 1]).toMatchObject({ method: 'GET', auth: 'Bearer AT1' }); // the 401
  expect(after[i]).toMatchObject({ method: 'POST', path: '/oauth/token', type: 'application/json' });
  expect(after[i].auth).toBeUndefined();
  expect(JSON.parse(after[i].body)).toEqual({ grant_type: 'refresh_token', client_id: 'ownerapi', refresh_token: 'RT1' });
  expect(after[i + 1]).toMatchObject({ method: 'GET', auth: 'Bearer AT-NEW' });
  const c = g.gateway.config;
  expect(c.get('tesla_refresh_token')).toBe('RT2');
  expect(c.get('tesla_expires_in')).toBe(28800);
  expect(Math.abs(c.get('tesla_created_at') - Date.now() / 1000)).toBeLessThan(5);
  expect(c.version).toBeGreaterThan(v0);
  // the new tokens survive a restart: they are in the stored config, masked in /config
  expect((await call(g.url, 'GET', '/config')).json.tesla_access_token).toBe('_DUMMY_PASSWORD');
  await waitFor(async () => (await status()).tesla_error === false, 'no error');
});

test('an expired token is refreshed before any other request', async () => {
  nextTokens = { access_token: 'AT3', refresh_token: 'RT3', expires_in: 28800 };
  const n = seen.length;
  // created 9 h ago, valid 8 h: /config restarts the service with these
  await setConfig({ tesla_created_at: Math.floor(Date.now() / 1000) - 9 * 3600, tesla_expires_in: 28800 });
  await waitFor(() => g.gateway.config.get('tesla_access_token') === 'AT3', 'refreshed');
  expect(seen[n]).toMatchObject({ method: 'POST', path: '/oauth/token' });
  expect(JSON.parse(seen[n].body)).toEqual({ grant_type: 'refresh_token', client_id: 'ownerapi', refresh_token: 'RT2' });
  expect(g.gateway.config.get('tesla_refresh_token')).toBe('RT3');
  await waitFor(() => seen.slice(n).some((s) => s.method === 'GET' && s.auth === 'Bearer AT3'), 'on with AT3');
});

test('a refresh token that is refused: tesla_error says so, one attempt per back-off, no loop', async () => {
  token = 'AT-GONE';
  refreshToken = 'RT-OTHER';
  const n = seen.length;
  await waitFor(async () => /^Token refresh failed: HTTP 401/.test(String((await status()).tesla_error)), 'refresh error');
  await new Promise((r) => setTimeout(r, 700));
  // 401 → refresh → 401 on the refresh, then back-off 200, 400 ms ...: a handful, not hundreds
  expect(seen.length - n).toBeLessThan(8);
  // the gateway goes on answering
  expect((await call(g.url, 'GET', '/status')).status).toBe(200);
  // good tokens again (as /savetesla stores them): back to normal
  token = 'AT4';
  refreshToken = 'RT4';
  const r = await call(g.url, 'GET', '/savetesla?access_token=AT4&refresh_token=RT4&created_at=-1&expires_in=-1');
  expect([r.status, r.text]).toEqual([200, 'Saved']);
  await waitFor(async () => (await status()).tesla_error === false && svc.charge !== null, 'recovered');
});

test('malformed JSON and an HTTP error: a clear tesla_error, then recovery', async () => {
  forced = [200, '{"response":{"battery_level":'];
  await waitFor(async () => (await status()).tesla_error === 'Bad JSON in the answer', 'bad JSON error');
  forced = [408, '{"response":null,"error":"vehicle unavailable"}'];
  await waitFor(async () => (await status()).tesla_error === 'HTTP 408: vehicle unavailable', 'HTTP error');
  forced = null;
  await waitFor(async () => (await status()).tesla_error === false, 'recovered', 4000);
});

test('no answer: a timeout error, the next request after the back-off; stale data leaves the status', async () => {
  forced = 'hang';
  const n = seen.length;
  await waitFor(async () => (await status()).tesla_error === 'Failed to connect: timeout', 'timeout error', 4000);
  expect((await status()).battery_level).toBe(80); // still fresh: kept
  // 10 minutes later and still nothing: the SoC is no longer known
  g.clock.skip(11 * 60 * 1000);
  await waitFor(async () => (await status()).battery_level === undefined, 'stale data dropped', 4000);
  const doc = await status();
  expect(doc.battery_range).toBeUndefined();
  expect(doc.time_to_full_charge).toBeUndefined();
  // one request at a time: each hung one timed out before the next went out
  const gaps = seen.slice(n).map((s, i, a) => (i ? s.at - a[i - 1].at : 0)).slice(1);
  for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(380);
  forced = null;
  for (const r of hanging.splice(0)) r.destroy();
  await waitFor(async () => (await status()).battery_level === 80, 'data again', 5000);
});

test('server down: "Failed to connect" in /status, the gateway unharmed; disabling stops the requests', async () => {
  const dead = http.createServer();
  await new Promise<void>((r) => dead.listen(0, '127.0.0.1', () => r()));
  const deadUrl = 'http://127.0.0.1:' + (dead.address() as AddressInfo).port;
  await new Promise((r) => dead.close(r)); // nothing listens there now
  await setConfig({ tesla_api_url: deadUrl });
  await waitFor(async () => /^Failed to connect: /.test(String((await status()).tesla_error)), 'connect error');
  const doc = await status();
  expect(doc.tesla_error).not.toMatch(/timeout/);
  expect(doc.evse_connected).toBe(1);
  // (a restart forgets the vehicles and their data)
  expect(doc.tesla_vehicle_count).toBe(false);
  expect(doc.battery_level).toBeUndefined();
  await setConfig({ tesla_api_url: base, tesla_enabled: false });
  const n = seen.length;
  await new Promise((r) => setTimeout(r, 600));
  expect(seen.length).toBe(n);
  expect(await status()).toMatchObject({ tesla_vehicle_count: false, tesla_error: false });
});
