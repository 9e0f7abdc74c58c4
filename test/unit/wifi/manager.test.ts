// The WiFi state machine against a fake radio (test/helpers/fake-wifi.ts: the ESP32's radio cannot
// exist here) and a manual clock.
import { WifiManager, STA_RETRY_MS, AP_AUTO_STOP_MS, CONNECT_TIMEOUT_MS, RECONFIGURE_DELAY_MS, AP_OFF_DELAY_MS, SCAN_TIMEOUT_MS } from '../../../src/services/wifi-manager';
import { ConfigStore } from '../../../src/core/config/store';
import { FakeClock } from '../../helpers/fake-clock';
import { FakeWifi, WIFI_CODE } from '../../helpers/fake-wifi';
import { MemStorage } from '../schedule/helpers';

const ID = '9C9C1FE57B2C';

function setup(config: { [k: string]: any } = {}) {
  const clock = new FakeClock(1_700_000_000_000);
  const storage = new MemStorage();
  const cfg = new ConfigStore(storage, ID);
  if (Object.keys(config).length) expect(cfg.update(config).ok).toBe(true);
  const published: any[] = [];
  const logs: string[] = [];
  const gw: any = {
    config: cfg,
    hal: { clock, log: (level: string, msg: string) => logs.push(level + ' ' + msg), system: { id: () => ID } },
    publish: (c: any) => published.push(c),
  };
  const radio = new FakeWifi();
  const wifi = new WifiManager(gw, radio, WIFI_CODE);
  /** As Gateway.configChanged does after a /config POST. */
  const change = (patch: { [k: string]: any }) => {
    const r = cfg.update(patch);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    wifi.configChanged(r.changed);
  };
  return { clock, cfg, radio, wifi, published, logs, change, status: () => wifi.statusFields({}) };
}

describe('WifiManager', () => {
  test('first boot without an ssid: access point OpenEVSE_<4 hex> with password openevse, auth-free AP mode, hostname set', () => {
    const t = setup();
    t.wifi.start();
    expect(t.radio.calls).toContain('setHostname openevse-7b2c');
    expect(t.radio.ap).toEqual({ ssid: 'OpenEVSE_7b2c', pass: 'openevse' });
    expect(t.radio.calls.filter((c) => c.startsWith('connect'))).toEqual([]);
    expect(t.status()).toEqual({ mode: 'AP', wifi_client_connected: 0, net_connected: 0, ipaddress: '192.168.4.1', srssi: 0 });
    expect(t.wifi.apOnly).toBe(true);
    expect(t.wifi.captive).toBe(true);
    expect(t.published).toEqual([{ mode: 'AP', wifi_client_connected: 0, net_connected: 0, ipaddress: '192.168.4.1' }]);
    // nothing else happens on its own: no retries, no stop
    t.clock.advance(STA_RETRY_MS * 3);
    expect(t.radio.ap).not.toBeNull();
    expect(t.published.length).toBe(1);
  });

  test('ap_ssid and ap_pass replace the defaults; a one-character ap_ssid does not', () => {
    const t = setup({ ap_ssid: 'Garage', ap_pass: 'longenough' });
    t.wifi.start();
    expect(t.radio.ap).toEqual({ ssid: 'Garage', pass: 'longenough' });
    const u = setup({ ap_ssid: 'G' });
    u.wifi.start();
    expect(u.radio.ap).toEqual({ ssid: 'OpenEVSE_7b2c', pass: 'openevse' });
  });

  test('with an ssid: station only, and once it has an address the status says so', () => {
    const t = setup({ ssid: 'home', pass: 'secret' });
    t.wifi.start();
    expect(t.radio.calls).toContain('connect home secret');
    expect(t.radio.ap).toBeNull();
    expect(t.status().mode).toBe('STA');
    expect(t.wifi.apOnly).toBe(false);
    t.radio.succeed('192.168.1.50');
    expect(t.status()).toEqual({ mode: 'STA', wifi_client_connected: 1, net_connected: 1, ipaddress: '192.168.1.50', srssi: -55 });
    expect(t.published[t.published.length - 1]).toEqual({ mode: 'STA', wifi_client_connected: 1, net_connected: 1, ipaddress: '192.168.1.50' });
    expect(t.wifi.captive).toBe(false);
    // connected: no timeout fires later, no access point
    t.clock.advance(CONNECT_TIMEOUT_MS + STA_RETRY_MS);
    expect(t.radio.ap).toBeNull();
    expect(t.radio.calls.filter((c) => c.startsWith('connect')).length).toBe(1);
  });

  test('a failed attempt: access point beside the station, station stopped, retried after exactly 5 minutes', () => {
    const t = setup({ ssid: 'home', pass: 'secret' });
    t.wifi.start();
    t.radio.take();
    t.radio.fail('AUTH_FAIL');
    expect(t.radio.ap).toEqual({ ssid: 'OpenEVSE_7b2c', pass: 'openevse' });
    expect(t.radio.take()).toEqual(['disconnect', 'startAP OpenEVSE_7b2c openevse']);
    expect(t.status().mode).toBe('STA+AP');
    expect(t.status().ipaddress).toBe('192.168.4.1');
    // STA+AP is not provisioning: auth stays on; but the captive portal helps the phone on the AP
    expect(t.wifi.apOnly).toBe(false);
    expect(t.wifi.captive).toBe(true);
    expect(t.logs.some((l) => l.startsWith('warn wifi: home: AUTH_FAIL'))).toBe(true);
    expect(STA_RETRY_MS).toBe(300000);
    t.clock.advance(STA_RETRY_MS - 1);
    expect(t.radio.take()).toEqual([]);
    t.clock.advance(1);
    expect(t.radio.take()).toEqual(['connect home secret']);
    // fails again: the next retry another 5 minutes on, the access point stays
    t.radio.fail();
    expect(t.radio.ap).not.toBeNull();
    t.clock.advance(STA_RETRY_MS);
    expect(t.radio.calls.filter((c) => c.startsWith('connect')).length).toBe(1);
    // then it works: the access point goes off 10 s after the address, not before
    t.radio.succeed();
    expect(t.status().mode).toBe('STA+AP');
    t.clock.advance(AP_AUTO_STOP_MS - 1);
    expect(t.radio.ap).not.toBeNull();
    t.clock.advance(1);
    expect(t.radio.ap).toBeNull();
    expect(t.status()).toEqual({ mode: 'STA', wifi_client_connected: 1, net_connected: 1, ipaddress: '192.168.1.50', srssi: -55 });
    expect(t.published[t.published.length - 1].mode).toBe('STA');
  });

  test('an attempt that never answers counts as failed after the connect timeout', () => {
    const t = setup({ ssid: 'home', pass: 'secret' });
    t.wifi.start();
    t.clock.advance(CONNECT_TIMEOUT_MS - 1);
    expect(t.radio.ap).toBeNull();
    t.clock.advance(1);
    expect(t.radio.ap).not.toBeNull();
    expect(t.status().mode).toBe('STA+AP');
  });

  test('link lost: one immediate new attempt without the access point; if it fails, the access point is back', () => {
    const t = setup({ ssid: 'home', pass: 'secret' });
    t.wifi.start();
    t.radio.succeed();
    t.radio.take();
    t.published.length = 0;
    t.radio.dropLink('BEACON_TIMEOUT');
    expect(t.radio.take()).toEqual(['connect home secret']);
    expect(t.radio.ap).toBeNull();
    expect(t.status()).toMatchObject({ mode: 'STA', wifi_client_connected: 0, net_connected: 0 });
    expect(t.published).toEqual([{ mode: 'STA', wifi_client_connected: 0, net_connected: 0, ipaddress: '' }]);
    // a blip: back at once, no access point
    t.radio.succeed('192.168.1.51');
    expect(t.status().ipaddress).toBe('192.168.1.51');
    expect(t.radio.ap).toBeNull();
    // a lasting loss: the new attempt fails, the access point comes back, retries go on
    t.radio.dropLink();
    t.radio.fail('NO_AP_FOUND');
    expect(t.radio.ap).not.toBeNull();
    expect(t.status().mode).toBe('STA+AP');
    t.radio.take();
    t.clock.advance(STA_RETRY_MS);
    expect(t.radio.take()).toEqual(['connect home secret']);
  });

  test('a link lost while the access point is about to stop keeps the access point', () => {
    const t = setup({ ssid: 'home', pass: 'secret' });
    t.wifi.start();
    t.radio.fail();
    t.clock.advance(STA_RETRY_MS);
    t.radio.succeed();
    t.clock.advance(AP_AUTO_STOP_MS / 2);
    t.radio.dropLink();
    t.clock.advance(AP_AUTO_STOP_MS);
    expect(t.radio.ap).not.toBeNull();
  });

  test('new credentials: rejoin 2 s after the change with them; the old link ending is not a failure', () => {
    const t = setup({ ssid: 'home', pass: 'secret' });
    t.wifi.start();
    t.radio.succeed();
    t.radio.take();
    t.change({ ssid: 'office', pass: 'other' });
    t.clock.advance(RECONFIGURE_DELAY_MS - 1);
    expect(t.radio.take()).toEqual([]);
    t.clock.advance(1);
    // (the fake reports 'disconnected' for the link disconnect() ends, as Espruino does)
    expect(t.radio.take()).toEqual(['disconnect', 'connect office other']);
    expect(t.radio.ap).toBeNull();
    expect(t.status().wifi_client_connected).toBe(0);
    t.radio.succeed('10.0.0.7');
    expect(t.status()).toMatchObject({ mode: 'STA', ipaddress: '10.0.0.7' });
  });

  test('the echo of our own disconnect arriving late (as Espruino queues it) is not taken for a failed attempt', () => {
    const t = setup({ ssid: 'home', pass: 'secret' });
    t.wifi.start();
    t.radio.succeed();
    t.change({ pass: 'newpass' });
    t.clock.advance(RECONFIGURE_DELAY_MS);
    t.clock.advance(500);
    t.radio.fail('ASSOC_LEAVE'); // within the echo window: ignored
    expect(t.radio.ap).toBeNull();
    expect(t.status().mode).toBe('STA');
    // a real failure later still counts
    t.clock.advance(1000);
    t.radio.fail('AUTH_FAIL');
    expect(t.radio.ap).not.toBeNull();
  });

  test('provisioning: an ssid saved from AP mode starts the station; AP off 10 s after it connects', () => {
    const t = setup();
    t.wifi.start();
    t.radio.take();
    t.change({ ssid: 'home', pass: 'secret' });
    // auth stays off until the change is applied (the reply to the POST goes out over the AP)
    expect(t.wifi.apOnly).toBe(true);
    t.clock.advance(RECONFIGURE_DELAY_MS);
    expect(t.radio.take()).toEqual(['disconnect', 'connect home secret']);
    expect(t.status().mode).toBe('STA+AP');
    expect(t.wifi.apOnly).toBe(false);
    t.radio.succeed();
    t.clock.advance(AP_AUTO_STOP_MS);
    expect(t.radio.ap).toBeNull();
    expect(t.status().mode).toBe('STA');
  });

  test('ssid cleared: back to the access point alone', () => {
    const t = setup({ ssid: 'home', pass: 'secret' });
    t.wifi.start();
    t.radio.succeed();
    t.change({ ssid: '' });
    t.clock.advance(RECONFIGURE_DELAY_MS);
    expect(t.radio.ap).not.toBeNull();
    expect(t.status()).toMatchObject({ mode: 'AP', wifi_client_connected: 0 });
    expect(t.wifi.apOnly).toBe(true);
  });

  test('ap_ssid changed while the access point is up: it restarts with the new name', () => {
    const t = setup();
    t.wifi.start();
    t.radio.take();
    t.change({ ap_ssid: 'Carport' });
    t.clock.advance(RECONFIGURE_DELAY_MS);
    expect(t.radio.take()).toEqual(['stopAP', 'startAP Carport openevse']);
  });

  test('hostname changed: handed to the radio at once', () => {
    const t = setup();
    t.wifi.start();
    t.change({ hostname: 'garage-evse' });
    expect(t.radio.hostname).toBe('garage-evse');
  });

  test('/apoff: refused while the access point is the only way in; else the AP stops 1 s later', () => {
    const t = setup({ ssid: 'home', pass: 'secret' });
    t.wifi.start();
    t.radio.fail();
    expect(t.wifi.steps().apOff(t.wifi)).toMatch(/only way in/);
    t.clock.advance(AP_OFF_DELAY_MS * 10);
    expect(t.radio.ap).not.toBeNull();
    t.clock.advance(STA_RETRY_MS);
    t.radio.succeed();
    expect(t.wifi.steps().apOff(t.wifi)).toBeNull();
    t.clock.advance(AP_OFF_DELAY_MS - 1);
    expect(t.radio.ap).not.toBeNull();
    t.clock.advance(1);
    expect(t.radio.ap).toBeNull();
  });

  test('the button: access point on while connected, and it stays', () => {
    const t = setup({ ssid: 'home', pass: 'secret' });
    t.wifi.start();
    t.radio.succeed();
    t.wifi.steps().startAccessPoint(t.wifi);
    expect(t.radio.ap).not.toBeNull();
    expect(t.status().mode).toBe('STA+AP');
    expect(t.published[t.published.length - 1].mode).toBe('STA+AP');
    t.clock.advance(AP_AUTO_STOP_MS * 10);
    expect(t.radio.ap).not.toBeNull();
  });

  test('scan: strongest first; a pending attempt is dropped for it; a scan that never answers gives []', async () => {
    const t = setup({ ssid: 'home', pass: 'secret' });
    t.wifi.start();
    t.radio.take();
    const list = await new Promise<any[]>((resolve) => t.wifi.steps().scan(t.wifi, resolve));
    expect(list.map((n) => n.ssid)).toEqual(['home', 'neighbour', 'cafe']);
    expect(t.radio.take()).toEqual(['disconnect', 'startAP OpenEVSE_7b2c openevse', 'scan']);
    t.radio.networks = null;
    let got: any[] | undefined;
    t.wifi.steps().scan(t.wifi, (l) => (got = l));
    t.clock.advance(SCAN_TIMEOUT_MS - 1);
    expect(got).toBeUndefined();
    t.clock.advance(1);
    expect(got).toEqual([]);
  });
});
