// The gateway as the ESP32 image composes it for now: without eco mode and charge planning
// (src/planning.ts), whose endpoints then answer 501 and whose status fields fall back.
import { startGateway, TestGateway } from '../helpers/gateway';
import { call } from '../helpers/http';

let g: TestGateway;
beforeAll(async () => {
  g = await startGateway({ planning: false });
});
afterAll(async () => {
  await g.close();
});

test.each([
  ['GET', '/schedule'],
  ['GET', '/limit'],
  ['DELETE', '/emeter'],
  ['GET', '/logs'],
])('%s %s → 501 with a JSON msg', async (method, path) => {
  const r = await call(g.url, method, path);
  expect(r.status).toBe(501);
  expect(r.json.msg).toBe('Not implemented in this build: ' + path);
});

test('/shaper → 501; /divertmode still keeps the mode; /status has the controller energy counters', async () => {
  expect((await call(g.url, 'GET', '/shaper?shaper=1')).status).toBe(501);
  expect((await call(g.url, 'GET', '/divertmode?divertmode=2')).status).toBe(200);
  const s = (await call(g.url, 'GET', '/status')).json;
  expect(s.divertmode).toBe(2);
  expect(typeof s.session_energy).toBe('number');
  expect(typeof s.total_energy).toBe('number');
  // a solar value is kept as pushed, for display
  expect((await call(g.url, 'POST', '/status', { solar: 1200 })).status).toBe(200);
  expect((await call(g.url, 'GET', '/status')).json.solar).toBe(1200);
});

describe('left off by the device for lack of memory (features_off)', () => {
  beforeAll(() => {
    g.gateway.external.features_off = 'sntp,planning,tesla';
  });
  afterAll(() => {
    delete g.gateway.external.features_off;
  });

  test.each([
    ['GET', '/schedule'],
    ['GET', '/limit'],
    ['GET', '/logs'],
    ['GET', '/shaper?shaper=1'],
  ])('%s %s → 503 saying that planning is off for memory', async (method, path) => {
    const r = await call(g.url, method, path);
    expect(r.status).toBe(503);
    expect(r.json.msg).toBe(path.split('?')[0] + ': planning is not running, not enough memory on this device');
  });

  test('the Tesla endpoints → 503 for tesla', async () => {
    expect(g.gateway.tesla).toBeFalsy();
    const r = await call(g.url, 'GET', '/teslaveh');
    expect(r.status).toBe(503);
    expect(r.json.msg).toBe('/teslaveh: tesla is not running, not enough memory on this device');
  });

  test('a feature not named there still answers 501; /status names what is off', async () => {
    g.gateway.history = null;
    expect((await call(g.url, 'GET', '/history')).status).toBe(501);
    expect((await call(g.url, 'GET', '/status')).json.features_off).toBe('sntp,planning,tesla');
  });
});
