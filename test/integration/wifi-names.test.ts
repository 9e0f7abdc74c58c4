// The WiFi manager's names on real UDP sockets: while the access point is up every name resolves
// to it (the captive portal, asked with Node's own DNS resolver), and once the station has its
// address `<hostname>.local` answers with it over mDNS. The radio is the fake one (the ESP32's
// cannot exist here); the sockets, the resolver and the queries are real.
import * as dgram from 'node:dgram';
import { promises as dns } from 'node:dns';
import { WifiManager, NAME_PORTS, AP_AUTO_STOP_MS } from '../../src/services/wifi-manager';
import { ConfigStore } from '../../src/core/config/store';
import { nodeUdp } from '../../src/hal/node/udp';
import { FakeClock } from '../helpers/fake-clock';
import { FakeWifi, WIFI_CODE } from '../helpers/fake-wifi';
import { MemStorage } from '../unit/schedule/helpers';
import { freeUdpPort } from '../helpers/udp';

const ID = '9C9C1FE57B2C';


/** A one-question A query for `name` as an mDNS "legacy unicast" query; the answer's address or null. */
function mdnsA(port: number, name: string, ms = 1000): Promise<string | null> {
  return new Promise((resolve) => {
    const labels = name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
    const q = Buffer.concat([Buffer.from([0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]), ...labels, Buffer.from([0, 0, 1, 0, 1])]);
    const s = dgram.createSocket('udp4');
    const t = setTimeout(() => (s.close(), resolve(null)), ms);
    s.on('message', (m) => {
      clearTimeout(t);
      s.close();
      // one answer: the A record's four address bytes end the packet
      const an = m.readUInt16BE(6);
      resolve(an >= 1 && m[0] === 0x12 && m[1] === 0x34 ? Array.from(m.subarray(m.length - 4)).join('.') : null);
    });
    s.send(q, port, '127.0.0.1');
  });
}

describe('WiFi manager: captive DNS and mDNS follow the link', () => {
  const saved = { ...NAME_PORTS };
  afterAll(() => Object.assign(NAME_PORTS, saved));

  test('access point: any name → 192.168.4.1; station up, AP off: the DNS stops and <hostname>.local → the station address', async () => {
    NAME_PORTS.dns = await freeUdpPort();
    NAME_PORTS.mdns = await freeUdpPort();
    const clock = new FakeClock(Date.now());
    const cfg = new ConfigStore(new MemStorage(), ID);
    const logs: string[] = [];
    const log = (level: string, msg: string) => logs.push(level + ' ' + msg);
    const gw: any = { config: cfg, hal: { clock, log, system: { id: () => ID }, udp: nodeUdp(log as any) }, publish: () => {} };
    const radio = new FakeWifi();
    const wifi = new WifiManager(gw, radio, WIFI_CODE);
    wifi.start();
    await new Promise((r) => setTimeout(r, 100));

    const resolver = new dns.Resolver({ timeout: 500, tries: 1 });
    resolver.setServers(['127.0.0.1:' + NAME_PORTS.dns]);
    expect(await resolver.resolve4('connectivitycheck.gstatic.com')).toEqual(['192.168.4.1']);
    expect(await resolver.resolve4('anything.example')).toEqual(['192.168.4.1']);
    // no station address yet: mDNS stays silent
    expect(await mdnsA(NAME_PORTS.mdns, 'openevse-7b2c.local', 300)).toBeNull();

    // the user saves a network; the station joins and gets its address
    const r = cfg.update({ ssid: 'home', pass: 'secret123' });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    wifi.configChanged(r.changed);
    clock.advance(5000);
    radio.succeed('192.168.1.77');
    expect(await mdnsA(NAME_PORTS.mdns, 'openevse-7b2c.local')).toBe('192.168.1.77');
    // the access point goes off after AP_AUTO_STOP_MS, and its name server with it
    clock.advance(AP_AUTO_STOP_MS);
    expect(radio.ap).toBeNull();
    await new Promise((r) => setTimeout(r, 100));
    await expect(resolver.resolve4('anything.example')).rejects.toThrow();
    expect(logs.filter((l) => l.startsWith('error'))).toEqual([]);
    wifi.stop();
    // mDNS says goodbye on stop: give the datagram time to leave before the test ends
    await new Promise((r) => setTimeout(r, 100));
  }, 15000);
});
