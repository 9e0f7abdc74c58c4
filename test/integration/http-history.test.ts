// GET /history on a whole gateway: the power history fed by the gateway's own status changes (the
// emulated controller charging, a solar value POSTed to /status), read back as JSON after the
// gateway's clock has moved on (TestClock.skip: the ring closes every slot up to now on request).
import { startGateway, TestGateway, waitFor } from '../helpers/gateway';
import { call } from '../helpers/http';
import { PowerHistory } from '../../src/core/history';

let g: TestGateway;
beforeAll(async () => {
  g = await startGateway();
});
afterAll(async () => {
  await g.close();
});

test('without a history attached: 501 with a JSON msg', async () => {
  const r = await call(g.url, 'GET', '/history');
  expect(r.status).toBe(501);
  expect(r.json.msg).toBe('Not implemented in this build: /history');
});

test('charging power and solar over 100 minutes, missing where the solar feed had stopped', async () => {
  g.gateway.history = new PowerHistory(g.clock, { interval: 60 });
  g.gateway.history.start(g.gateway.monitor.status);
  expect((await call(g.url, 'POST', '/history')).status).toBe(405);
  expect((await call(g.url, 'POST', '/status', { solar: 3000 })).status).toBe(200);
  g.emulator.plugIn();
  g.emulator.requestCharge();
  let power = 0;
  await waitFor(async () => (power = (await call(g.url, 'GET', '/status')).json.power) > 1000, 'charging power', 10000);
  const t = g.clock.now();
  g.clock.skip(100 * 60e3);
  const r = await call(g.url, 'GET', '/history');
  expect(r.status).toBe(200);
  expect(r.headers['content-type']).toBe('application/json');
  const doc = r.json;
  expect(Object.keys(doc)).toEqual(['interval', 'end', 'now', 'power', 'solar', 'grid_ie']);
  expect(doc.interval).toBe(60);
  expect(doc.end % 60).toBe(0);
  expect(doc.now - doc.end).toBeGreaterThanOrEqual(0);
  expect(doc.now - doc.end).toBeLessThan(60);
  expect(Math.abs(doc.now - Math.floor(g.clock.now() / 1000))).toBeLessThanOrEqual(1);
  // every slot from the one the history started in up to the last closed one
  const n = doc.power.length;
  expect(n).toBeGreaterThanOrEqual(100);
  expect(n).toBeLessThanOrEqual(101);
  expect(doc.solar.length).toBe(n);
  expect(doc.grid_ie).toEqual(new Array(n).fill(null));
  // the power in force holds while nothing changes (the emulator's current is steady)
  for (const p of doc.power.slice(2)) expect(Math.abs(p - power)).toBeLessThanOrEqual(0.05 * power);
  // solar counts for 300 s after it arrived (5 to 7 slots, depending on where in a slot it fell), then is missing
  const got = doc.solar.map((v: number | null, i: number) => (v === null ? '' : i)).filter((i: any) => i !== '');
  expect(got.length).toBeGreaterThanOrEqual(5);
  expect(got.length).toBeLessThanOrEqual(7);
  expect(got[got.length - 1] - got[0]).toBe(got.length - 1); // one run
  for (const i of got) expect(doc.solar[i]).toBe(3000);
  expect(doc.solar.slice(-90)).toEqual(new Array(90).fill(null));
  expect((doc.end - n * 60) * 1000).toBeLessThanOrEqual(t);
});
