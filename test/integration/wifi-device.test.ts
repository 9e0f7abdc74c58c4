// WiFi provisioning on the built ESP32 image (dist/esp32/image.js on the espruino-sim harness,
// `npm test` builds it first), with espruino-sim's stub radio (test/espruino-sim/wifi.js: the
// ESP32's radio cannot exist here). On the device the manager's steps, its captive portal and its
// mDNS packets are defined for each use and dropped after (services/wifi-manager.ts): this
// checks that first boot, the setup, the join and a lost link work that way in the image itself.
import { bootOnEmulator, deviceHttp, DeviceOnEmulator } from '../helpers/device-http';

jest.setTimeout(60000);

let d: DeviceOnEmulator;
const { until, get, post } = deviceHttp(() => d && d.dev);

beforeAll(async () => {
  d = await bootOnEmulator({ wifi: { networks: [{ ssid: 'home', password: 'secret123', rssi: -52 }, { ssid: 'cafe', rssi: -80 }] } });
});

afterAll(async () => {
  if (d) await d.close();
});

test('first boot: the access point alone, the captive portal, a scan', async () => {
  const w = d.dev.wifi;
  await until('the access point', () => w.radio.ap !== null);
  expect(w.calls.filter((c: string) => c.startsWith('startAP'))).toEqual([expect.stringMatching(/^startAP OpenEVSE_[0-9a-f]{4}$/)]);
  expect(w.radio.ap.password).toBe('openevse');
  const s = await get('/status');
  expect(s).toMatchObject({ mode: 'AP', wifi_client_connected: 0, ipaddress: '192.168.4.1' });
  // a phone's connectivity check lands on the setup page
  const r = await fetch(d.dev.url + '/generate_204', { redirect: 'manual' });
  expect([r.status, r.headers.get('location')]).toEqual([302, 'http://192.168.4.1/#/setup']);
  const list = await get('/scan');
  expect(list.map((n: any) => n.ssid)).toEqual(['home', 'cafe']);
});

test('a network chosen: joined, the access point off 10 s later; a lost link is joined again', async () => {
  const w = d.dev.wifi;
  expect(await post('/config', { ssid: 'home', pass: 'secret123' })).toBe(200);
  await until('joined', async () => (await get('/status')).wifi_client_connected === 1, 10000);
  expect(w.calls).toContain('connect home');
  expect((await get('/status')).mode).toBe('STA+AP');
  await until('the access point off', async () => (await get('/status')).mode === 'STA', 15000);
  expect(w.radio.ap).toBeNull();
  expect((await get('/status')).ipaddress).toBe('192.168.1.77');
  // no captive portal any more: an unknown path is a 404
  expect((await fetch(d.dev.url + '/generate_204', { redirect: 'manual' })).status).toBe(404);
  const joins = w.calls.filter((c: string) => c === 'connect home').length;
  w.radio.drop();
  await until('joined again', () => w.calls.filter((c: string) => c === 'connect home').length === joins + 1 && w.radio.sta !== null, 10000);
  await until('connected again in /status', async () => (await get('/status')).wifi_client_connected === 1);
  expect(d.dev.output()).toMatch(/link lost \(beacon_timeout\), joining again/);
});
