import { espruinoWifi } from '../../../src/hal/espruino/wifi';

// The Espruino WiFi HAL over a stand-in for the interpreter's require("Wifi") module (the ESP32
// radio and its module cannot exist here): the reshaping of scan results into the reference's
// `/scan` format, and the calls it makes.
const calls: any[] = [];
const listeners: { [event: string]: (d?: any) => void } = {};
let scanResult: any[] | 'throw' = [];
const fakeModule = {
  connect: (ssid: string, opts: any, cb: (err: any) => void) => {
    calls.push(['connect', ssid, opts]);
    cb(null);
  },
  disconnect: () => calls.push(['disconnect']),
  stopAP: () => calls.push(['stopAP']),
  setHostname: (n: string) => calls.push(['setHostname', n]),
  startAP: (ssid: string, opts: any, cb: (err: any) => void) => {
    calls.push(['startAP', ssid, opts]);
    if (opts.password && opts.password.length < 8) throw new Error('Password must be string of at least 8 characters');
    cb(null);
  },
  scan: (cb: (list: any[]) => void) => {
    if (scanResult === 'throw') throw new Error('A scan is already in progress');
    cb(scanResult);
  },
  getIP: () => ({ ip: '0.0.0.0' }),
  getAPIP: () => ({ ip: '192.168.4.1' }),
  getStatus: () => ({ station: 'connected', rssi: -61 }),
  on: (event: string, fn: (d?: any) => void) => (listeners[event] = fn),
};

describe('espruinoWifi', () => {
  const w = espruinoWifi(fakeModule)!;

  test('no Wifi module (Node, the Linux interpreter): no radio', () => {
    expect(espruinoWifi()).toBeUndefined();
  });

  test('scan results in the reference /scan shape: bssid, numeric channel, secure as the ESP-IDF auth mode number', () => {
    scanResult = [
      { rssi: -50, authMode: 'wpa2', ssid: 'home', mac: 'aa:bb:cc:dd:ee:ff', channel: '11' },
      { rssi: -70, authMode: 'open', ssid: 'cafe', mac: '11:22:33:44:55:66', channel: '1' },
      { rssi: -80, authMode: 'wpa_wpa2', ssid: 'x', mac: '00:00:00:00:00:01', channel: '6' },
      { rssi: -90, authMode: 'unknown', ssid: 'corp', mac: '00:00:00:00:00:02', channel: '13' },
    ];
    let got: any;
    w.scan((l) => (got = l));
    expect(got).toEqual([
      { rssi: -50, ssid: 'home', bssid: 'aa:bb:cc:dd:ee:ff', channel: 11, secure: 3 },
      { rssi: -70, ssid: 'cafe', bssid: '11:22:33:44:55:66', channel: 1, secure: 0 },
      { rssi: -80, ssid: 'x', bssid: '00:00:00:00:00:01', channel: 6, secure: 4 },
      { rssi: -90, ssid: 'corp', bssid: '00:00:00:00:00:02', channel: 13, secure: 5 },
    ]);
  });

  test('a scan the module refuses answers []', () => {
    scanResult = 'throw';
    let got: any;
    w.scan((l) => (got = l));
    expect(got).toEqual([]);
  });

  test('connect and startAP pass the password as options; a refused startAP reports its message', () => {
    let err: any = 'unset';
    w.connect('home', 'secret', (e) => (err = e));
    expect(err).toBeNull();
    expect(calls).toContainEqual(['connect', 'home', { password: 'secret' }]);
    w.startAP('OpenEVSE_7b2c', 'openevse', (e) => (err = e));
    expect(err).toBeNull();
    expect(calls).toContainEqual(['startAP', 'OpenEVSE_7b2c', { password: 'openevse', authMode: 'wpa2' }]);
    w.startAP('x', 'short', (e) => (err = e));
    expect(err).toMatch(/at least 8/);
  });

  test('addresses and events', () => {
    expect(w.stationIp()).toBe('');
    expect(w.apIp()).toBe('192.168.4.1');
    expect(w.rssi()).toBe(-61);
    const seen: any[] = [];
    w.onEvent((e, d) => seen.push([e, d]));
    listeners.connected({ ip: '10.0.0.2' });
    listeners.disconnected({ ssid: 'home', msg: 'NO_AP_FOUND' });
    expect(seen).toEqual([
      ['connected', undefined],
      ['disconnected', 'NO_AP_FOUND'],
    ]);
  });
});
