// The captive portal's DNS server on a real UDP port, asked by real DNS clients: Node's resolver
// (c-ares), raw datagrams for what a resolver library will not send, and dig when it is installed.
import * as dgram from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { spawnSync } from 'node:child_process';
import { nodeUdp } from '../../src/hal/node/udp';
import { CaptiveDns } from '../../src/services/captive-dns';
import { freeUdpPort, ask } from '../helpers/udp';

const logs: string[] = [];
const log = (level: string, msg: string) => void logs.push(level + ' ' + msg);

/** A port that was free a moment ago (the responder's UdpSocket does not report the port it got). */


/** A query written out byte by byte. */
function rawQuery(name: string, type: number, id = 0x4242, flags = 0x0100): Buffer {
  const labels = name.split('.').flatMap((l) => [l.length, ...Buffer.from(l)]);
  return Buffer.from([id >> 8, id & 255, flags >> 8, flags & 255, 0, 1, 0, 0, 0, 0, 0, 0, ...labels, 0, type >> 8, type & 255, 0, 1]);
}

/** Node binds asynchronously: asks until the responder answers (the HAL socket has no 'listening'). */
async function ready(port: number): Promise<void> {
  for (let i = 0; i < 50; i++) if (await ask(port, rawQuery('ready.check', 1), 50)) return;
  throw new Error('no DNS answer on port ' + port);
}

function resolverFor(port: number): Resolver {
  const r = new Resolver({ timeout: 1500, tries: 1 });
  r.setServers(['127.0.0.1:' + port]);
  return r;
}

function randomName(i: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-';
  const labels: string[] = [];
  const n = 1 + (i % 5);
  for (let k = 0; k < n; k++) {
    const len = 1 + Math.floor(Math.random() * (k === 0 && i % 7 === 0 ? 63 : 20));
    let l = '';
    for (let c = 0; c < len; c++) l += alphabet[Math.floor(Math.random() * 52)];
    labels.push(l);
  }
  return labels.join('.');
}

describe('captive portal DNS', () => {
  let port: number;
  let dns: CaptiveDns;

  beforeEach(async () => {
    port = await freeUdpPort();
    dns = new CaptiveDns(nodeUdp(log), log, { port });
    dns.start();
    await ready(port);
  });
  afterEach(() => dns.stop());

  test('Node resolver: random names (and well-known check hosts) all resolve to 192.168.4.1, TTL 60', async () => {
    const r = resolverFor(port);
    const before = dns.answered;
    const names = ['connectivitycheck.gstatic.com', 'captive.apple.com', 'www.msftconnecttest.com', 'detectportal.firefox.com'];
    for (let i = 0; i < 40; i++) names.push(randomName(i));
    for (const name of names) {
      expect(await r.resolve4(name)).toEqual(['192.168.4.1']);
    }
    expect(await r.resolve4('openevse.example', { ttl: true })).toEqual([{ address: '192.168.4.1', ttl: 60 }]);
    expect(dns.answered - before).toBe(names.length + 1);
  });

  test('AAAA and other types: NOERROR with no data (ENODATA), not NXDOMAIN', async () => {
    const r = resolverFor(port);
    await expect(r.resolve6('example.com')).rejects.toMatchObject({ code: 'ENODATA' });
    await expect(r.resolveMx('example.com')).rejects.toMatchObject({ code: 'ENODATA' });
    await expect(r.resolveTxt('example.com')).rejects.toMatchObject({ code: 'ENODATA' });
    // and the A answer for the same name is still there
    expect(await r.resolve4('example.com')).toEqual(['192.168.4.1']);
  });

  test('the configured address', async () => {
    dns.stop();
    dns = new CaptiveDns(nodeUdp(log), log, { port, ip: '10.1.2.3' });
    dns.start();
    await ready(port);
    expect(await resolverFor(port).resolve4('a.b')).toEqual(['10.1.2.3']);
  });

  test('raw reply bytes: id and question echoed, flags, one A record behind the 0xC00C pointer', async () => {
    const q = rawQuery('Some.Host.Example', 1, 0xcafe);
    const b = (await ask(port, q))!;
    expect(b).not.toBeNull();
    expect([...b.subarray(0, 12)]).toEqual([0xca, 0xfe, 0x85, 0x80, 0, 1, 0, 1, 0, 0, 0, 0]);
    expect(b.subarray(12, q.length).equals(q.subarray(12))).toBe(true);
    expect([...b.subarray(q.length)]).toEqual([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 168, 4, 1]);
  });

  test('an opcode other than QUERY gets NOTIMP; responses and garbage get nothing, and it keeps serving', async () => {
    const status = (await ask(port, rawQuery('x.y', 1, 7, 0x1000)))!; // opcode 2 (STATUS)
    expect(status[3] & 15).toBe(4);
    expect(status.readUInt16BE(6)).toBe(0);
    // a response (QR set) is never answered: two responders must not ping-pong
    expect(await ask(port, rawQuery('x.y', 1, 8, 0x8180))).toBeNull();
    expect(await ask(port, Buffer.from('hello, not DNS'))).toBeNull();
    expect(await ask(port, Buffer.from([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1]))).toBeNull(); // pointer loop
    expect(await ask(port, Buffer.alloc(0))).toBeNull();
    expect(await resolverFor(port).resolve4('still.alive')).toEqual(['192.168.4.1']);
  });

  test('stop() closes the port; start() again serves again', async () => {
    dns.stop();
    dns.stop(); // a second stop is harmless
    expect(await ask(port, rawQuery('a.b', 1))).toBeNull();
    dns.start();
    dns.start(); // and so is a second start: one socket
    await ready(port);
    expect(await resolverFor(port).resolve4('a.b')).toEqual(['192.168.4.1']);
  });

  test('a port already taken: a warning in the log, no exception, stop() still clean', async () => {
    const other = await freeUdpPort();
    const holder = dgram.createSocket('udp4');
    await new Promise<void>((r) => holder.bind(other, () => r()));
    const busy = new CaptiveDns(nodeUdp(log), log, { port: other });
    logs.length = 0;
    expect(() => busy.start()).not.toThrow();
    await new Promise((r) => setTimeout(r, 100));
    expect(logs.some((l) => l.startsWith('warn udp port ' + other) && l.includes('EADDRINUSE'))).toBe(true);
    expect(() => busy.stop()).not.toThrow();
    holder.close();
  });

  test('dig, when installed', async () => {
    const which = spawnSync('sh', ['-c', 'command -v dig']);
    if (which.status !== 0) {
      console.log('captive-dns: dig is not installed here; the dig check is skipped (Node\'s resolver covers the same path)');
      return;
    }
    const out = spawnSync('dig', ['@127.0.0.1', '-p', String(port), '+short', '+tries=1', '+time=2', 'anything.example', 'A'], { encoding: 'utf8' });
    expect(out.stdout.trim()).toBe('192.168.4.1');
  });
});
