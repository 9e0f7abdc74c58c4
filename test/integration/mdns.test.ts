// The mDNS responder on real UDP sockets. Queries are sent as RFC 6762 §6.7 "legacy unicast" ones
// (from a port other than 5353) to the responder's port, and the replies are read by the decoder
// below, written from RFC 1035 independently of src/services/dns-packet.ts. Announcements and
// multicast replies are checked on the group too, where this machine routes multicast.
import * as dgram from 'node:dgram';
import { nodeUdp } from '../../src/hal/node/udp';
import { MdnsResponder, MDNS_GROUP } from '../../src/services/mdns';
import * as reply from '../../src/services/mdns-reply';
import { FakeClock } from '../helpers/fake-clock';
import { freeUdpPort, ask } from '../helpers/udp';

const logs: string[] = [];
/** How often the responder fetched its packet module (on the device each fetch defines it anew). */
let loads = 0;
const loadReply = () => (loads++, reply);
const log = (level: string, msg: string) => void logs.push(level + ' ' + msg);

interface Rr {
  name: string;
  type: number;
  cls: number;
  ttl: number;
  data: any;
}
interface Msg {
  id: number;
  flags: number;
  questions: { name: string; type: number; cls: number }[];
  answers: Rr[];
  authority: Rr[];
  additionals: Rr[];
}

/** RFC 1035 decoding with compression; throws on anything out of bounds (a bad reply fails the test). */
function decode(b: Buffer): Msg {
  let off = 0;
  const need = (n: number, at = off) => {
    if (at + n > b.length) throw new Error('truncated at ' + at);
  };
  const name = (): string => {
    const labels: string[] = [];
    let p = off;
    let jumped = false;
    for (let hops = 0; hops < 100; hops++) {
      need(1, p);
      const len = b[p];
      if (len === 0) {
        if (!jumped) off = p + 1;
        return labels.join('.');
      }
      if ((len & 0xc0) === 0xc0) {
        need(2, p);
        if (!jumped) off = p + 2;
        jumped = true;
        p = ((len & 0x3f) << 8) | b[p + 1];
        continue;
      }
      if (len & 0xc0) throw new Error('bad label type');
      need(len + 1, p);
      labels.push(b.toString('latin1', p + 1, p + 1 + len));
      p += len + 1;
    }
    throw new Error('name loop');
  };
  const rr = (): Rr => {
    const n = name();
    need(10);
    const type = b.readUInt16BE(off);
    const cls = b.readUInt16BE(off + 2);
    const ttl = b.readUInt32BE(off + 4);
    const len = b.readUInt16BE(off + 8);
    off += 10;
    need(len);
    const end = off + len;
    let data: any;
    if (type === 1) data = [...b.subarray(off, end)].join('.');
    else if (type === 12) data = name();
    else if (type === 33) {
      const prio = b.readUInt16BE(off);
      const weight = b.readUInt16BE(off + 2);
      const port = b.readUInt16BE(off + 4);
      off += 6;
      data = { prio, weight, port, target: name() };
    } else if (type === 16) {
      data = [];
      let p = off;
      while (p < end) {
        data.push(b.toString('latin1', p + 1, p + 1 + b[p]));
        p += 1 + b[p];
      }
      if (p !== end) throw new Error('TXT overruns its length');
    } else data = b.subarray(off, end);
    if (type === 12 || type === 33) {
      if (off !== end) throw new Error('rdata length mismatch for type ' + type);
    }
    off = end;
    return { name: n, type, cls, ttl, data };
  };
  need(12);
  const m: Msg = { id: b.readUInt16BE(0), flags: b.readUInt16BE(2), questions: [], answers: [], authority: [], additionals: [] };
  const counts = [b.readUInt16BE(4), b.readUInt16BE(6), b.readUInt16BE(8), b.readUInt16BE(10)];
  off = 12;
  for (let i = 0; i < counts[0]; i++) {
    const n = name();
    need(4);
    m.questions.push({ name: n, type: b.readUInt16BE(off), cls: b.readUInt16BE(off + 2) });
    off += 4;
  }
  for (let i = 0; i < counts[1]; i++) m.answers.push(rr());
  for (let i = 0; i < counts[2]; i++) m.authority.push(rr());
  for (let i = 0; i < counts[3]; i++) m.additionals.push(rr());
  if (off !== b.length) throw new Error('trailing bytes: ' + (b.length - off));
  return m;
}

/** A query written byte by byte, one or more questions. */
function query(id: number, questions: [string, number, number?][]): Buffer {
  const out = [id >> 8, id & 255, 0, 0, 0, questions.length, 0, 0, 0, 0, 0, 0];
  for (const [n, type, cls] of questions) {
    for (const l of n.split('.')) out.push(l.length, ...Buffer.from(l, 'latin1'));
    const c = cls === undefined ? 1 : cls;
    out.push(0, type >> 8, type & 255, c >> 8, c & 255);
  }
  return Buffer.from(out);
}



async function ready(port: number, host: string): Promise<void> {
  for (let i = 0; i < 50; i++) if (await ask(port, query(1, [[host, 1]]), 50)) return;
  throw new Error('no mDNS answer on port ' + port);
}

const HOST = 'openevse-1a2b';
const TXT = ['type=esp32', 'version=5.0.0', 'id=0123456789ab'];

describe('mDNS responder, unicast queries', () => {
  let port: number;
  let clock: FakeClock;
  let mdns: MdnsResponder;

  beforeEach(async () => {
    port = await freeUdpPort();
    clock = new FakeClock(0);
    mdns = new MdnsResponder(nodeUdp(log), clock, log, { loadReply, hostname: HOST, ip: '192.168.1.77', txt: TXT, port });
    mdns.start();
    await ready(port, HOST + '.local');
  });
  afterEach(() => mdns.stop());

  test('<hostname>.local A: the address, id and question echoed, TTL 10, no cache-flush bit', async () => {
    const m = decode((await ask(port, query(0x7e57, [[HOST + '.local', 1]])))!);
    expect(m.id).toBe(0x7e57);
    expect(m.flags).toBe(0x8400);
    expect(m.questions).toEqual([{ name: HOST + '.local', type: 1, cls: 1 }]);
    expect(m.answers).toEqual([{ name: HOST + '.local', type: 1, cls: 1, ttl: 10, data: '192.168.1.77' }]);
    expect(m.additionals).toEqual([]);
  });

  test('names compare without case; the QU bit and class ANY are accepted', async () => {
    const m = decode((await ask(port, query(2, [['OpenEVSE-1A2B.LOCAL', 1, 0x8001]])))!);
    expect(m.answers.map((r) => r.data)).toEqual(['192.168.1.77']);
    const any = decode((await ask(port, query(3, [[HOST + '.local', 255, 255]])))!);
    expect(any.answers.map((r) => r.type)).toEqual([1]);
  });

  test('_http._tcp.local PTR: the instance, with its SRV, TXT and the host A as additionals', async () => {
    const m = decode((await ask(port, query(9, [['_http._tcp.local', 12]])))!);
    expect(m.id).toBe(9);
    expect(m.answers).toEqual([{ name: '_http._tcp.local', type: 12, cls: 1, ttl: 10, data: HOST + '._http._tcp.local' }]);
    const byType: { [t: number]: Rr } = {};
    for (const r of m.additionals) byType[r.type] = r;
    expect(m.additionals.length).toBe(3);
    expect(byType[33]).toEqual({ name: HOST + '._http._tcp.local', type: 33, cls: 1, ttl: 10, data: { prio: 0, weight: 0, port: 80, target: HOST + '.local' } });
    expect(byType[16]).toEqual({ name: HOST + '._http._tcp.local', type: 16, cls: 1, ttl: 10, data: TXT });
    expect(byType[1]).toEqual({ name: HOST + '.local', type: 1, cls: 1, ttl: 10, data: '192.168.1.77' });
  });

  test('_openevse._tcp.local PTR, the instance SRV/TXT asked directly, and service enumeration', async () => {
    const m = decode((await ask(port, query(10, [['_openevse._tcp.local', 12]])))!);
    expect(m.answers.map((r) => [r.name, r.data])).toEqual([['_openevse._tcp.local', HOST + '._openevse._tcp.local']]);
    expect(m.additionals.map((r) => r.type).sort()).toEqual([1, 16, 33]);
    const srv = decode((await ask(port, query(11, [[HOST + '._openevse._tcp.local', 33]])))!);
    expect(srv.answers.map((r) => r.type)).toEqual([33, 16]);
    expect(srv.answers[0].data.target).toBe(HOST + '.local');
    expect(srv.additionals.map((r) => r.type)).toEqual([1]);
    const en = decode((await ask(port, query(12, [['_services._dns-sd._udp.local', 12]])))!);
    expect(en.answers.map((r) => r.data)).toEqual(['_http._tcp.local', '_openevse._tcp.local']);
  });

  test('two questions in one query: both answered, nothing repeated as additional', async () => {
    const m = decode((await ask(port, query(13, [[HOST + '.local', 1], ['_http._tcp.local', 12]])))!);
    expect(m.questions.length).toBe(2);
    expect(m.answers.map((r) => r.type)).toEqual([1, 12]);
    expect(m.additionals.map((r) => r.type)).toEqual([33, 16]);
  });

  test('other names, other types, responses and garbage get no reply', async () => {
    expect(await ask(port, query(20, [['other-host.local', 1]]))).toBeNull();
    expect(await ask(port, query(21, [[HOST + '.local', 28]]))).toBeNull(); // AAAA: we have no IPv6 address
    expect(await ask(port, query(22, [['_ftp._tcp.local', 12]]))).toBeNull();
    expect(await ask(port, query(23, [[HOST + '.local', 1, 3]]))).toBeNull(); // class CH
    const response = query(24, [[HOST + '.local', 1]]);
    response[2] = 0x84;
    expect(await ask(port, response)).toBeNull();
    expect(await ask(port, Buffer.from([1, 2, 3]))).toBeNull();
    expect(decode((await ask(port, query(25, [[HOST + '.local', 1]])))!).answers.length).toBe(1);
  });

  test('the packet code is fetched only for a query that names us or our services', async () => {
    loads = 0;
    expect(await ask(port, query(26, [['other-host.local', 1]]))).toBeNull();
    expect(await ask(port, query(27, [['_ftp._tcp.local', 12]]))).toBeNull();
    const response = query(28, [[HOST + '.local', 1]]);
    response[2] = 0x84;
    expect(await ask(port, response)).toBeNull();
    expect(await ask(port, Buffer.from([1, 2, 3]))).toBeNull();
    expect(loads).toBe(0);
    // (named, in capitals: fetched, and then it is the packet code that finds nothing to answer)
    expect(await ask(port, query(29, [['OPENEVSE-1A2B.LOCAL', 28]]))).toBeNull();
    expect(loads).toBe(1);
    expect(decode((await ask(port, query(30, [['_Services._dns-sd._udp.local', 12]])))!).answers.length).toBe(2);
    expect(loads).toBe(2);
  });

  test('setAddress and setHostname change the answers; without an address it is silent', async () => {
    mdns.setAddress('10.0.0.9');
    expect(decode((await ask(port, query(30, [[HOST + '.local', 1]])))!).answers[0].data).toBe('10.0.0.9');
    mdns.setHostname('garage-evse');
    expect(await ask(port, query(31, [[HOST + '.local', 1]]))).toBeNull();
    const m = decode((await ask(port, query(32, [['_http._tcp.local', 12]])))!);
    expect(m.answers[0].data).toBe('garage-evse._http._tcp.local');
    expect(m.additionals.find((r) => r.type === 1)!.name).toBe('garage-evse.local');
    // losing the address: the goodbye, and no other fetch of the packet code for an announcement
    loads = 0;
    mdns.setAddress('');
    clock.advance(2000);
    expect(loads).toBe(1);
    expect(await ask(port, query(33, [['garage-evse.local', 1]]))).toBeNull();
  });

  test('stop() closes the port', async () => {
    mdns.stop();
    expect(await ask(port, query(40, [[HOST + '.local', 1]]))).toBeNull();
  });
});

/** True when a datagram sent to the group comes back to a member on this machine. */
function multicastWorks(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    const done = (ok: boolean) => (clearTimeout(t), s.close(), resolve(ok));
    const t = setTimeout(() => done(false), 500);
    s.on('error', () => done(false));
    s.on('message', () => done(true));
    s.bind(0, () => {
      try {
        s.addMembership(MDNS_GROUP);
        s.send('probe', s.address().port, MDNS_GROUP);
      } catch (e) {
        done(false);
      }
    });
  });
}

/** A member of the group on `port` that keeps what it hears. */
function listen(port: number): Promise<{ got: Msg[]; close: () => void }> {
  return new Promise((resolve) => {
    const got: Msg[] = [];
    const s = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    s.on('message', (b) => got.push(decode(b)));
    s.bind(port, () => {
      s.addMembership(MDNS_GROUP);
      resolve({ got, close: () => s.close() });
    });
  });
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('mDNS responder on the multicast group', () => {
  test('announces on start (twice, a second apart), answers a 5353 query on the group, says goodbye on stop', async () => {
    if (!(await multicastWorks())) {
      console.log('mdns: multicast does not loop back on this machine; the group checks are skipped');
      return;
    }
    const port = await freeUdpPort();
    const member = await listen(port);
    const clock = new FakeClock(0);
    const mdns = new MdnsResponder(nodeUdp(log), clock, log, { loadReply, hostname: HOST, ip: '192.168.1.77', txt: TXT, port });
    try {
      mdns.start();
      await wait(300);
      const announcements = () => member.got.filter((m) => m.answers.length === 7 && m.answers[0].ttl === 120);
      expect(announcements().length).toBe(1);
      const a = announcements()[0];
      expect(a.id).toBe(0);
      expect(a.flags).toBe(0x8400);
      expect(a.questions).toEqual([]);
      expect(a.answers.map((r) => [r.type, r.cls])).toEqual([
        [1, 0x8001],
        [12, 1],
        [33, 0x8001],
        [16, 0x8001],
        [12, 1],
        [33, 0x8001],
        [16, 0x8001],
      ]);
      expect(a.answers.map((r) => r.name)).toEqual([
        HOST + '.local',
        '_http._tcp.local',
        HOST + '._http._tcp.local',
        HOST + '._http._tcp.local',
        '_openevse._tcp.local',
        HOST + '._openevse._tcp.local',
        HOST + '._openevse._tcp.local',
      ]);
      clock.advance(1000);
      await wait(200);
      expect(announcements().length).toBe(2);

      // a query from port 5353 (a real mDNS querier) is answered on the group, without id or question
      const q = dgram.createSocket({ type: 'udp4', reuseAddr: true });
      const bound = await new Promise<boolean>((resolve) => {
        q.on('error', () => resolve(false));
        q.bind(5353, () => resolve(true));
      });
      if (bound) {
        member.got.length = 0;
        q.send(query(77, [[HOST + '.local', 1]]), port, '127.0.0.1');
        await wait(300);
        const replies = member.got.filter((m) => m.answers.length === 1 && m.answers[0].type === 1);
        expect(replies.length).toBe(1);
        expect(replies[0].id).toBe(0);
        expect(replies[0].questions).toEqual([]);
        expect(replies[0].answers[0]).toEqual({ name: HOST + '.local', type: 1, cls: 0x8001, ttl: 120, data: '192.168.1.77' });
      } else {
        console.log('mdns: port 5353 is taken here; the multicast-reply check is skipped');
      }
      q.close();

      // losing the address withdraws the records; getting one back announces them again
      member.got.length = 0;
      mdns.setAddress('');
      await wait(300);
      expect(member.got.filter((m) => m.answers.length === 7 && m.answers.every((r) => r.ttl === 0)).length).toBe(1);
      mdns.setAddress('192.168.1.78');
      await wait(300);
      expect(announcements().length).toBe(1);
      expect(announcements()[0].answers[0].data).toBe('192.168.1.78');

      member.got.length = 0;
      mdns.stop();
      await wait(300);
      const bye = member.got.filter((m) => m.answers.length === 7);
      expect(bye.length).toBe(1);
      expect(bye[0].answers.every((r) => r.ttl === 0)).toBe(true);
    } finally {
      mdns.stop();
      member.close();
    }
  });
});
