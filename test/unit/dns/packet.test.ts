// The DNS wire format of src/services/dns-packet.ts, checked against bytes written out by hand
// here (an independent encoding), and fuzzed: no input may make the parser throw.
import {
  parseQuery,
  readName,
  encodeName,
  ipBytes,
  header,
  record,
  srvData,
  txtData,
  buildAnswer,
  u16at,
  DnsQuery,
} from '../../../src/services/dns-packet';

const bin = (bytes: number[]) => Buffer.from(bytes).toString('latin1');
const bytes = (s: string) => Array.from(Buffer.from(s, 'latin1'));
const label = (s: string) => [s.length, ...Buffer.from(s, 'latin1')];
/** A query written byte by byte: id 0x1234, RD, one question. */
const query = (labels: string[], type: number, cls = 1, id = 0x1234, flags = 0x0100) =>
  bin([id >> 8, id & 255, flags >> 8, flags & 255, 0, 1, 0, 0, 0, 0, 0, 0, ...labels.flatMap(label), 0, type >> 8, type & 255, cls >> 8, cls & 255]);

/** A small seeded generator, so that a failing fuzz case can be replayed. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

describe('parseQuery', () => {
  test('reads the header and the question of a hand-written query', () => {
    const q = parseQuery(query(['www', 'Example', 'com'], 1), 1)!;
    expect(q).toEqual({ id: 0x1234, flags: 0x0100, qdcount: 1, questions: [{ name: 'www.Example.com', type: 1, cls: 1 }], end: 12 + 17 + 4 });
  });

  test('mDNS class with the QU bit, several questions with a compression pointer', () => {
    // question 2's name is "_http" + pointer to "_tcp.local" inside question 1 (offset 12 + 1 + 5 = 18)
    const p = bin([0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, ...label('host'), ...label('_tcp'), ...label('local'), 0, 0, 12, 0x80, 1, ...label('_http'), 0xc0, 17, 0, 33, 0, 1]);
    const q = parseQuery(p, 8)!;
    expect(q.questions).toEqual([
      { name: 'host._tcp.local', type: 12, cls: 0x8001 },
      { name: '_http._tcp.local', type: 33, cls: 1 },
    ]);
    expect(q.end).toBe(p.length);
    // the limit: only the first question is read, and `end` stops after it
    const one = parseQuery(p, 1)!;
    expect(one.qdcount).toBe(2);
    expect(one.questions.length).toBe(1);
    expect(one.end).toBe(12 + 17 + 4);
  });

  test('every truncation of a valid query is refused', () => {
    const p = query(['captive', 'apple', 'com'], 1);
    expect(parseQuery(p, 1)).not.toBeNull();
    for (let n = 0; n < p.length; n++) expect(parseQuery(p.substr(0, n), 1)).toBeNull();
  });

  test('a name longer than 255 bytes on the wire (253 characters) is refused, 253 is fine', () => {
    const l63 = 'a'.repeat(63);
    expect(parseQuery(query([l63, l63, l63, 'a'.repeat(61)], 1), 1)!.questions[0].name.length).toBe(253);
    expect(parseQuery(query([l63, l63, l63, 'a'.repeat(62)], 1), 1)).toBeNull();
    expect(parseQuery(query([l63, l63, l63, l63, 'b'], 1), 1)).toBeNull();
  });

  test('reserved label types (0x40, 0x80) are refused', () => {
    const p = bytes(query(['abc'], 1));
    p[12] = 0x43;
    expect(parseQuery(bin(p), 1)).toBeNull();
    p[12] = 0x83;
    expect(parseQuery(bin(p), 1)).toBeNull();
  });

  test('compression loops and forward pointers end in null', () => {
    const hdr = [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
    // a pointer to itself
    expect(parseQuery(bin([...hdr, 0xc0, 12, 0, 1, 0, 1]), 1)).toBeNull();
    // a pointer forward (to a valid name after it)
    expect(parseQuery(bin([...hdr, 0xc0, 18, 0, 1, 0, 1, 1, 97, 0]), 1)).toBeNull();
    // a label then a pointer back to that label: "a.a.a..." forever without the checks
    expect(parseQuery(bin([...hdr, 1, 97, 0xc0, 12, 0, 1, 0, 1]), 1)).toBeNull();
    // two pointers at each other
    expect(parseQuery(bin([...hdr, 0xc0, 14, 0xc0, 12, 0, 1, 0, 1]), 1)).toBeNull();
    // a pointer into the header: its bytes read as labels, here a valid one
    expect(readName(bin([3, 97, 98, 99, 0, 0xc0, 0]), 5)).toBe('abc');
  });

  test('not a string, too short, no question', () => {
    expect(parseQuery(undefined as any, 1)).toBeNull();
    expect(parseQuery('', 1)).toBeNull();
    expect(parseQuery('\0'.repeat(11), 1)).toBeNull();
    expect(parseQuery('\0'.repeat(12), 1)!.questions).toEqual([]);
  });
});

describe('encoders', () => {
  test('encodeName writes labels, skips empty ones, cuts at 63', () => {
    expect(bytes(encodeName('openevse-1a2b.local'))).toEqual([...label('openevse-1a2b'), ...label('local'), 0]);
    expect(bytes(encodeName('.a..b.'))).toEqual([1, 97, 1, 98, 0]);
    expect(encodeName('x'.repeat(70)).charCodeAt(0)).toBe(63);
    expect(encodeName('')).toBe('\0');
  });

  test('encodeName and readName round trip', () => {
    for (const n of ['a', 'openevse.local', '_openevse._tcp.local', 'x'.repeat(63) + '.y', 'Mixed.CASE.Name']) {
      const e = encodeName(n);
      expect(readName(e, 0)).toBe(n);
      expect(readName('pad' + e, 3)).toBe(n);
    }
  });

  test('ipBytes takes dotted quads only', () => {
    expect(bytes(ipBytes('192.168.4.1'))).toEqual([192, 168, 4, 1]);
    expect(bytes(ipBytes('0.0.0.0'))).toEqual([0, 0, 0, 0]);
    for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.x', '1.2.3.4x', '-1.2.3.4', '01.2.3.4', ' 1.2.3.4', '1..2.3']) expect(ipBytes(bad)).toBe('');
  });

  test('header, record, SRV and TXT data against hand-written bytes', () => {
    expect(bytes(header(0xabcd, 0x8400, 1, 2, 3, 4))).toEqual([0xab, 0xcd, 0x84, 0, 0, 1, 0, 2, 0, 3, 0, 4]);
    expect(bytes(record('\0', 1, 0x8001, 0x01020304, 'WXYZ'))).toEqual([0, 0, 1, 0x80, 1, 1, 2, 3, 4, 0, 4, 87, 88, 89, 90]);
    // a TTL with the top bit set stays unsigned on the wire
    expect(bytes(record('\0', 1, 1, 0xfffffffe, '')).slice(5, 9)).toEqual([255, 255, 255, 254]);
    expect(bytes(srvData(8080, 'h.local'))).toEqual([0, 0, 0, 0, 0x1f, 0x90, ...label('h'), ...label('local'), 0]);
    expect(bytes(txtData(['type=esp32', 'id=1']))).toEqual([...label('type=esp32'), ...label('id=1')]);
    expect(bytes(txtData([]))).toEqual([0]);
    expect(txtData(['z'.repeat(300)]).length).toBe(256);
  });
});

describe('buildAnswer', () => {
  test('an A answer: header, the question copied, pointer 0xC00C, TTL, address', () => {
    const p = query(['connectivitycheck', 'gstatic', 'com'], 1, 1, 0xbeef);
    const r = bytes(buildAnswer(p, parseQuery(p, 1)!, 0, 60, '192.168.4.1'));
    // id; QR AA RD RA; qd 1 an 1
    expect(r.slice(0, 12)).toEqual([0xbe, 0xef, 0x85, 0x80, 0, 1, 0, 1, 0, 0, 0, 0]);
    expect(r.slice(12, p.length)).toEqual(bytes(p).slice(12));
    expect(r.slice(p.length)).toEqual([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 168, 4, 1]);
    // and it reads back as a DNS message whose question is the one asked
    const back = parseQuery(bin(r), 1)!;
    expect(back.questions[0]).toEqual({ name: 'connectivitycheck.gstatic.com', type: 1, cls: 1 });
    expect(u16at(bin(r), 6)).toBe(1);
  });

  test('no address: the question alone, with the rcode asked for', () => {
    const p = query(['a'], 28);
    const r = bytes(buildAnswer(p, parseQuery(p, 1)!, 0, 60, null));
    expect(r.length).toBe(p.length);
    expect(r.slice(2, 8)).toEqual([0x85, 0x80, 0, 1, 0, 0]);
    const n = bytes(buildAnswer(p, parseQuery(p, 1)!, 4, 0, null));
    expect(n[3] & 15).toBe(4);
  });

  test('only the first question is copied when the query has more', () => {
    const p = bin([...bytes(query(['a'], 1)).slice(0, 5), 2, ...bytes(query(['a'], 1)).slice(6), ...label('b'), 0, 0, 1, 0, 1]);
    const q = parseQuery(p, 1)!;
    const r = buildAnswer(p, q, 0, 60, '10.0.0.1');
    expect(u16at(r, 4)).toBe(1);
    expect(r.length).toBe(12 + 7 + 16);
    // parsed with a higher limit, both are copied and counted
    const both = buildAnswer(p, parseQuery(p, 8)!, 0, 60, '10.0.0.1');
    expect(u16at(both, 4)).toBe(2);
    expect(both.length).toBe(12 + 7 + 7 + 16);
  });

  test('no question: no A record either (its pointer would lead nowhere)', () => {
    const p = '\x00\x07' + '\x00'.repeat(10);
    const r = buildAnswer(p, parseQuery(p, 1)!, 0, 60, '10.0.0.1');
    expect(bytes(r)).toEqual([0, 7, 0x84, 0x80, 0, 0, 0, 0, 0, 0, 0, 0]);
  });
});

describe('fuzz: never throws', () => {
  const valid = [
    query(['www', 'example', 'com'], 1),
    query(['openevse-1a2b', 'local'], 1, 0x8001, 0),
    bin([0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, ...label('host'), ...label('_tcp'), ...label('local'), 0, 0, 12, 0x80, 1, ...label('_http'), 0xc0, 17, 0, 33, 0, 1]),
  ];

  test('10,000 random, truncated and mutated packets', () => {
    const r = rng(7);
    let parsed = 0;
    for (let i = 0; i < 10000; i++) {
      let p: string;
      const kind = i % 4;
      if (kind === 0) {
        // random bytes, 0..80 long
        const n = Math.floor(r() * 80);
        const b: number[] = [];
        for (let k = 0; k < n; k++) b.push(Math.floor(r() * 256));
        p = bin(b);
      } else {
        const base = bytes(valid[i % valid.length]);
        if (kind === 1) {
          p = bin(base.slice(0, Math.floor(r() * base.length)));
        } else if (kind === 2) {
          // a few bytes replaced, biased towards the length and pointer bytes that matter
          for (let k = 0; k < 1 + Math.floor(r() * 4); k++) {
            const at = Math.floor(r() * base.length);
            base[at] = r() < 0.5 ? Math.floor(r() * 256) : [0, 0xc0, 0x3f, 0x40, 12, 255][Math.floor(r() * 6)];
          }
          p = bin(base);
        } else {
          // a header claiming many questions, then random labels and pointers
          const b = [0, 1, 0, 0, Math.floor(r() * 256), Math.floor(r() * 256), 0, 0, 0, 0, 0, 0];
          const n = Math.floor(r() * 40);
          for (let k = 0; k < n; k++) b.push(r() < 0.3 ? 0xc0 | Math.floor(r() * 4) : Math.floor(r() * 64), Math.floor(r() * 256));
          p = bin(b);
        }
      }
      let q: DnsQuery | null = null;
      let threw: unknown = null;
      try {
        q = parseQuery(p, 8);
      } catch (e) {
        threw = e;
      }
      if (threw) throw new Error('parseQuery threw ' + threw + ' on ' + Buffer.from(p, 'latin1').toString('hex'));
      if (q) {
        parsed++;
        // what parses stays inside the packet and can be answered
        expect(q.end).toBeLessThanOrEqual(p.length);
        for (const question of q.questions) expect(question.name.length).toBeLessThanOrEqual(253);
        const reply = buildAnswer(p, q, 0, 60, '192.168.4.1');
        expect(reply.length).toBe(q.end + (q.questions.length ? 16 : 0));
      }
    }
    // the mutations keep a share of the packets valid, so both paths are exercised
    expect(parsed).toBeGreaterThan(500);
    expect(parsed).toBeLessThan(9500);
  });

  test('characters above 255 (not a binary string) do not throw either', () => {
    const r = rng(11);
    for (let i = 0; i < 1000; i++) {
      let s = '';
      const n = Math.floor(r() * 60);
      for (let k = 0; k < n; k++) s += String.fromCharCode(Math.floor(r() * 0x10000));
      expect(() => parseQuery(s, 8)).not.toThrow();
    }
  });
});
