// /settime and /time on a whole gateway (in-process controller emulator, real HTTP): setting the
// time by hand (form and JSON), the time zone's local time and offset in GET /time, the
// controller's RTC set to local time, and bad input refused with nothing changed.
import { startGateway, waitFor, TestGateway } from '../helpers/gateway';
import { call } from '../helpers/http';

jest.setTimeout(30000);

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };
const JSONH = { 'Content-Type': 'application/json' };
const NEW_YORK = 'America/New_York|EST5EDT,M3.2.0,M11.1.0';

let g: TestGateway;

beforeEach(async () => {
  g = await startGateway({ services: false });
});

afterEach(async () => {
  await g.close();
});

async function time(): Promise<any> {
  const r = await call(g.url, 'GET', '/time');
  expect(r.status).toBe(200);
  return r.json;
}

async function config(): Promise<any> {
  return (await call(g.url, 'GET', '/config')).json;
}

/** The controller's RTC fields via `$GT`, as numbers. */
function rtc(): Promise<number[]> {
  return new Promise((resolve, reject) =>
    g.gateway.rapi.send('$GT', (err, reply) => (err || !reply ? reject(new Error(String(err))) : resolve(reply.args.map(Number))))
  );
}

/** ms of RTC fields read as UTC. */
function rtcMs(f: number[]): number {
  return Date.UTC(2000 + f[0], f[1] - 1, f[2], f[3], f[4], f[5]);
}

test('GET /time: the default zone (Europe/London), no SNTP client in this composition', async () => {
  const doc = await time();
  expect(Object.keys(doc).slice(0, 4)).toEqual(['time', 'local_time', 'offset', 'uptime']);
  expect(doc.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  expect(Math.abs(Date.parse(doc.time) - Date.now())).toBeLessThan(2000);
  // London's offset now, by Node's own zone database: "GMT" or "GMT+1"
  const name = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', timeZoneName: 'shortOffset' })
    .formatToParts(new Date(Date.parse(doc.time)))
    .find((p) => p.type === 'timeZoneName')!.value;
  const hours = name === 'GMT' ? 0 : Number(name.substr(3));
  expect(doc.offset).toBe(hours ? '+0100' : '+0000');
  expect(doc.local_time).toBe(new Date(Date.parse(doc.time) + hours * 3600000).toISOString().substr(0, 19) + doc.offset);
  expect(doc.ntp_status).toBe('disabled');
  expect(doc.ntp_last_sync).toBe(0);
});

test('/settime form: sets the clock, the zone, SNTP off, and the controller RTC to local time', async () => {
  const r = await call(g.url, 'POST', '/settime', 'time=2030-01-02T03%3A04%3A05Z&tz=' + encodeURIComponent(NEW_YORK), FORM);
  expect(r.status).toBe(200);
  expect(r.headers['content-type']).toMatch(/^text\/plain/);
  expect(r.text).toBe('set');
  const doc = await time();
  const t = Date.parse(doc.time);
  // a fraction of a second has passed since
  expect(t - Date.UTC(2030, 0, 2, 3, 4, 5)).toBeGreaterThanOrEqual(0);
  expect(t - Date.UTC(2030, 0, 2, 3, 4, 5)).toBeLessThan(2000);
  expect(doc.offset).toBe('-0500');
  expect(doc.local_time).toBe(new Date(t - 5 * 3600000).toISOString().substr(0, 19) + '-0500');
  expect(doc.uptime).toBeLessThan(60);
  const c = await config();
  expect(c.sntp_enabled).toBe(false);
  expect(c.time_zone).toBe(NEW_YORK);
  // 2030-01-01 22:04:05 in New York (UTC-5), set at a second boundary
  await waitFor(async () => Math.abs(rtcMs(await rtc()) - Date.UTC(2030, 0, 1, 22, 4, 5)) < 3000, 'the RTC in New York time');
});

test('/settime form without tz: "UTC0"; ntp given (no value) turns SNTP on and ignores the time', async () => {
  let r = await call(g.url, 'POST', '/settime', 'time=2029-06-01T12:00:00Z', FORM);
  expect(r.text).toBe('set');
  let doc = await time();
  expect(doc.offset).toBe('+0000');
  expect(doc.local_time).toBe(doc.time.replace('Z', '+0000'));
  expect((await config()).time_zone).toBe('UTC0');
  expect(Math.abs(Date.parse(doc.time) - Date.UTC(2029, 5, 1, 12))).toBeLessThan(2000);
  r = await call(g.url, 'POST', '/settime', 'ntp&time=2040-01-01T00:00:00Z&tz=' + encodeURIComponent(NEW_YORK), FORM);
  expect(r.status).toBe(200);
  doc = await time();
  expect(Math.abs(Date.parse(doc.time) - Date.UTC(2029, 5, 1, 12))).toBeLessThan(3000);
  expect((await config()).sntp_enabled).toBe(true);
  expect(doc.offset).toBe('-0400'); // New York in June
});

test('/settime with a bad time: 400 "could not parse time", nothing changed', async () => {
  const before = await config();
  for (const t of ['', 'now', '2030-02-30T00:00:00Z', '2030-01-02T03:04:05', '2030-01-02T03:04:05%2B01:00']) {
    const r = await call(g.url, 'POST', '/settime', 'time=' + t + '&tz=' + encodeURIComponent(NEW_YORK), FORM);
    expect(r.status).toBe(400);
    expect(r.text).toBe('could not parse time');
  }
  const after = await config();
  expect(after.time_zone).toBe(before.time_zone);
  expect(after.sntp_enabled).toBe(before.sntp_enabled);
  expect(after.config_version).toBe(before.config_version);
  expect(g.clock.offset).toBe(0);
  expect((await rtc())[0]).toBe(165); // the controller was not touched
});

test('/time POST JSON: time and zone; then a zone change alone moves local_time and offset', async () => {
  let r = await call(g.url, 'POST', '/time', { sntp_enabled: false, time_zone: 'Asia/Kolkata|IST-5:30', time: '2031-03-04T05:06:07.500Z' }, JSONH);
  expect(r.status).toBe(200);
  expect(r.json).toEqual({ msg: 'done' });
  let doc = await time();
  let t = Date.parse(doc.time);
  expect(t - Date.UTC(2031, 2, 4, 5, 6, 7)).toBeGreaterThanOrEqual(0);
  expect(t - Date.UTC(2031, 2, 4, 5, 6, 7)).toBeLessThan(2000);
  expect(doc.offset).toBe('+0530');
  expect(doc.local_time).toBe(new Date(t + 5.5 * 3600000).toISOString().substr(0, 19) + '+0530');
  await waitFor(async () => Math.abs(rtcMs(await rtc()) - (Date.UTC(2031, 2, 4, 5, 6, 7) + 5.5 * 3600000)) < 3000, 'the RTC in India time');
  // the zone through /config: the clock stays, local_time follows
  r = await call(g.url, 'POST', '/config', { time_zone: NEW_YORK }, JSONH);
  expect(r.status).toBe(200);
  doc = await time();
  t = Date.parse(doc.time);
  expect(Math.abs(t - Date.UTC(2031, 2, 4, 5, 6, 7))).toBeLessThan(3000);
  expect(doc.offset).toBe('-0500');
  expect(doc.local_time).toBe(new Date(t - 5 * 3600000).toISOString().substr(0, 19) + '-0500');
  // and the controller's RTC follows the new zone
  await waitFor(async () => Math.abs(rtcMs(await rtc()) - (Date.parse((await time()).time) - 5 * 3600000)) < 3000, 'the RTC in New York time');
});

test('/time POST JSON refusals change nothing', async () => {
  const before = await config();
  const cases: [any, number, string][] = [
    [{ sntp_enabled: false, time: 'yesterday' }, 400, 'Could not parse time'],
    [{ time: '2030-13-01T00:00:00Z', time_zone: NEW_YORK }, 400, 'Could not parse time'],
    [{ sntp_enabled: false, time: '2030-01-01T00:00:00Z', time_zone: 'not a zone' }, 400, 'time_zone: not a POSIX TZ string'],
    [{ sntp_enabled: false, time: '2030-01-01T00:00:00Z', time_zone: 5 }, 400, 'time_zone: not a POSIX TZ string'],
    [{ sntp_enabled: 'yes', time: '2030-01-01T00:00:00Z' }, 400, 'sntp_enabled must be true or false'],
  ];
  for (const [body, code, msg] of cases) {
    const r = await call(g.url, 'POST', '/time', body, JSONH);
    expect(r.status).toBe(code);
    expect(r.json).toEqual({ msg });
  }
  const bad = await call(g.url, 'POST', '/time', '{"time":', JSONH);
  expect(bad.status).toBe(400);
  expect(bad.json).toEqual({ msg: 'Could not parse JSON' });
  const after = await config();
  expect(after.config_version).toBe(before.config_version);
  expect(after.time_zone).toBe(before.time_zone);
  expect(g.clock.offset).toBe(0);
});

test('/time POST JSON with SNTP on: settings saved, the time ignored; JSON without time_zone keeps it', async () => {
  const r = await call(g.url, 'POST', '/time', { sntp_enabled: true, time: '2040-01-01T00:00:00Z' }, JSONH);
  expect(r.status).toBe(200);
  const c = await config();
  expect(c.sntp_enabled).toBe(true);
  expect(c.time_zone).toBe('Europe/London|GMT0BST,M3.5.0/1,M10.5.0');
  expect(g.clock.offset).toBe(0);
});

test('/time methods: OPTIONS 200, DELETE 405; form variant on /time too', async () => {
  expect((await call(g.url, 'OPTIONS', '/time')).status).toBe(200);
  const d = await call(g.url, 'DELETE', '/time');
  expect(d.status).toBe(405);
  const r = await call(g.url, 'POST', '/time', 'time=2030-05-06T07:08:09Z&tz=UTC0', FORM);
  expect(r.status).toBe(200);
  expect(r.text).toBe('set');
  expect(Math.abs(Date.parse((await time()).time) - Date.UTC(2030, 4, 6, 7, 8, 9))).toBeLessThan(2000);
});

test('setting the clock forward during a charge does not count as charging time: a time limit stays unreached', async () => {
  g.emulator.plugIn();
  g.emulator.requestCharge();
  await waitFor(async () => (await call(g.url, 'GET', '/status')).json.state === 3, 'charging');
  expect((await call(g.url, 'POST', '/limit', { type: 'time', value: 30 })).status).toBe(201);
  // the device's first SNTP sync: a jump of days
  const later = new Date(Date.now() + 3 * 86400000).toISOString().substr(0, 19) + 'Z';
  expect((await call(g.url, 'POST', '/time', { sntp_enabled: false, time: later }, JSONH)).status).toBe(200);
  await new Promise((r) => setTimeout(r, 2500)); // the limit is checked every second
  const s = (await call(g.url, 'GET', '/status')).json;
  expect(s.state).toBe(3);
  expect(g.gateway.planning!.limits.reached).toBe(false);
});
