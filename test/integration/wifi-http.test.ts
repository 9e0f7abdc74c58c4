// WiFi over real HTTP: /scan, /apoff, the captive portal's redirect, and auth skipped only while
// provisioning — a whole gateway with the WiFi manager on a fake radio (test/helpers/fake-wifi.ts:
// the ESP32's radio cannot exist here).
import { startGateway, basicAuth, waitFor, TestGateway } from '../helpers/gateway';
import { call, rawPath } from '../helpers/http';
import { FakeWifi, WIFI_CODE } from '../helpers/fake-wifi';
import { WifiManager, RECONFIGURE_DELAY_MS, AP_OFF_DELAY_MS } from '../../src/services/wifi-manager';

jest.setTimeout(30000);

const AUTH = { Authorization: basicAuth('admin', 'pw') };

function attach(tg: TestGateway, outcome: 'manual' | 'ok' | 'fail' = 'manual'): FakeWifi {
  const radio = new FakeWifi();
  radio.outcome = outcome;
  tg.gateway.wifi = new WifiManager(tg.gateway, radio, WIFI_CODE);
  tg.gateway.wifi.start();
  return radio;
}

describe('WiFi over HTTP', () => {
  let tg: TestGateway | null = null;
  afterEach(async () => {
    if (tg) await tg.close();
    tg = null;
  });

  test('without a radio (Node): /scan and /apoff answer 501', async () => {
    tg = await startGateway({ planning: false, services: false });
    for (const path of ['/scan', '/apoff']) {
      const r = await call(tg.url, 'GET', path);
      expect(r.status).toBe(501);
      expect(r.json.msg).toMatch(/no WiFi radio/);
    }
    // no captive redirect either: unknown paths are the UI (or 404 without a built page)
    const r = await rawPath(tg.port, 'GET', '/generate_204');
    expect(r.status).not.toBe(302);
  });

  test('AP-only: auth skipped, /scan lists the networks strongest first, probes redirect to the setup page', async () => {
    tg = await startGateway({ planning: false, services: false, config: { www_username: 'admin', www_password: 'pw' } });
    const radio = attach(tg);
    expect(radio.ap).toEqual({ ssid: 'OpenEVSE_' + tg.gateway.hal.system.id().slice(-4).toLowerCase(), pass: 'openevse' });
    const status = await call(tg.url, 'GET', '/status');
    expect(status.status).toBe(200);
    expect(status.json).toMatchObject({ mode: 'AP', wifi_client_connected: 0, net_connected: 0, ipaddress: '192.168.4.1', srssi: 0 });
    const scan = await call(tg.url, 'GET', '/scan');
    expect(scan.status).toBe(200);
    expect(scan.json).toEqual([
      { rssi: -48, ssid: 'home', bssid: 'aa:bb:cc:dd:ee:ff', channel: 11, secure: 4 },
      { rssi: -71, ssid: 'neighbour', bssid: '11:22:33:44:55:66', channel: 6, secure: 3 },
      { rssi: -80, ssid: 'cafe', bssid: '66:55:44:33:22:11', channel: 1, secure: 0 },
    ]);
    expect((await call(tg.url, 'POST', '/scan')).status).toBe(405);
    for (const probe of ['/generate_204', '/hotspot-detect.html', '/connecttest.txt', '/ncsi.txt', '/some/unknown/page']) {
      const r = await rawPath(tg.port, 'GET', probe);
      expect(r.status).toBe(302);
      expect(r.headers.location).toBe('http://192.168.4.1/#/setup');
    }
    // an unknown POST is not redirected; `/` is the UI itself, never a redirect
    expect((await rawPath(tg.port, 'POST', '/generate_204', '')).status).toBe(404);
    expect((await rawPath(tg.port, 'GET', '/')).status).not.toBe(302);
    // the AP is the only way in: /apoff is refused and the AP stays
    const off = await call(tg.url, 'GET', '/apoff');
    expect(off.status).toBe(409);
    expect(radio.ap).not.toBeNull();
  });

  test('provisioning end to end: ssid saved without auth, station joins, then auth is required and probes are no longer redirected', async () => {
    tg = await startGateway({ planning: false, services: false, config: { www_username: 'admin', www_password: 'pw' } });
    const radio = attach(tg, 'ok');
    const saved = await call(tg.url, 'POST', '/savenetwork', 'ssid=home&pass=secret', { 'Content-Type': 'application/x-www-form-urlencoded' });
    expect(saved.status).toBe(200);
    expect(saved.text).toBe('saved');
    await waitFor(() => radio.ip !== '', 'the station to get an address', RECONFIGURE_DELAY_MS + 3000);
    expect(radio.calls).toContain('connect home secret');
    expect((await call(tg.url, 'GET', '/status')).status).toBe(401);
    const status = await call(tg.url, 'GET', '/status', undefined, AUTH);
    expect(status.json).toMatchObject({ mode: 'STA+AP', wifi_client_connected: 1, net_connected: 1, ipaddress: '192.168.1.50', srssi: -55 });
    // the AP still up beside a connected station: not captive any more
    expect((await rawPath(tg.port, 'GET', '/generate_204', undefined, AUTH)).status).not.toBe(302);
    const off = await call(tg.url, 'POST', '/apoff', undefined, AUTH);
    expect(off.status).toBe(200);
    expect(off.headers['content-type']).toMatch(/text\/plain/);
    expect(off.text).toBe('Turning AP Off');
    expect(radio.ap).not.toBeNull();
    await waitFor(() => radio.ap === null, 'the AP to stop', AP_OFF_DELAY_MS + 2000);
    const after = await call(tg.url, 'GET', '/status', undefined, AUTH);
    expect(after.json.mode).toBe('STA');
  });

  test('a station that cannot join: STA+AP with auth still required', async () => {
    tg = await startGateway({ planning: false, services: false, config: { www_username: 'admin', www_password: 'pw', ssid: 'home', pass: 'wrong' } });
    const radio = attach(tg, 'fail');
    await waitFor(() => radio.ap !== null, 'the fallback access point');
    expect((await call(tg.url, 'GET', '/status')).status).toBe(401);
    const status = await call(tg.url, 'GET', '/status', undefined, AUTH);
    expect(status.json).toMatchObject({ mode: 'STA+AP', wifi_client_connected: 0, ipaddress: '192.168.4.1' });
  });
});
