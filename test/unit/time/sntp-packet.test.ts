// The SNTP packet code (RFC 4330): request layout, NTP timestamps both ways (both eras), reply
// checks and the clock offset; and the time-set helpers (ISO parsing, $S1 fields, local time).
import { ntpStamp, ntpTime, sntpRequest, sntpCheck, sntpOffset, sntpServer, NTP_PORT } from '../../../src/services/sntp-exchange';
import { parseIsoUtc, rtcArgs } from '../../../src/core/time/time-set';

const bin = (b: Buffer) => b.toString('latin1');
const buf = (s: string) => Buffer.from(s, 'latin1');

/** An NTP timestamp written by an independent route (BigInt, no era folding). */
function stampRef(ms: number): Buffer {
  const b = Buffer.alloc(8);
  const s = BigInt(Math.floor(ms / 1000)) + BigInt(2208988800);
  b.writeUInt32BE(Number(s % BigInt(4294967296)), 0);
  b.writeUInt32BE(Math.floor(((ms % 1000) / 1000) * 4294967296), 4);
  return b;
}

/** A server reply to `request` with receive time `t2` and transmit time `t3`. */
function reply(request: string, t2: number, t3: number, over: { b0?: number; stratum?: number } = {}): string {
  const b = Buffer.alloc(48);
  b[0] = over.b0 !== undefined ? over.b0 : 0x24; // LI 0, VN 4, mode 4
  b[1] = over.stratum !== undefined ? over.stratum : 2;
  buf(request).copy(b, 24, 40, 48); // originate = the request's transmit
  stampRef(t2).copy(b, 32);
  stampRef(t3).copy(b, 40);
  return bin(b);
}

describe('NTP timestamps', () => {
  test('a known instant: 2026-11-24T08:00:00.500Z', () => {
    const ms = Date.UTC(2026, 10, 24, 8, 0, 0, 500);
    const s = buf(ntpStamp(ms, 0));
    expect(s.length).toBe(8);
    expect(s.readUInt32BE(0)).toBe(ms / 1000 - 0.5 + 2208988800);
    expect(s.readUInt32BE(4)).toBe(0x80000000);
    expect(ntpTime(bin(s), 0)).toBe(ms);
  });

  test('noise fills only the low 16 bits of the fraction', () => {
    const ms = Date.UTC(2026, 0, 1, 0, 0, 0, 250);
    const a = buf(ntpStamp(ms, 0));
    const b = buf(ntpStamp(ms, 0xbeef));
    expect(b.readUInt32BE(0)).toBe(a.readUInt32BE(0));
    expect(b.readUInt32BE(4) - a.readUInt32BE(4)).toBe(0xbeef);
    expect(Math.abs(ntpTime(bin(b), 0) - ms)).toBeLessThan(0.02);
  });

  test('era 1: after 2036-02-07T06:28:16Z the seconds wrap and still read right', () => {
    const wrap = Date.UTC(2036, 1, 7, 6, 28, 16);
    const s = buf(ntpStamp(wrap + 1000, 0));
    expect(s.readUInt32BE(0)).toBe(1);
    expect(ntpTime(bin(s), 0)).toBe(wrap + 1000);
    const late = Date.UTC(2090, 5, 1, 12, 0, 0);
    expect(ntpTime(bin(stampRef(late)), 0)).toBe(late);
    expect(ntpTime(ntpStamp(wrap - 1000, 0), 0)).toBe(wrap - 1000);
  });
});

describe('request', () => {
  test('48 bytes: LI 0, VN 4, mode 3, zeros, our stamp as the transmit timestamp', () => {
    const stamp = ntpStamp(Date.UTC(2026, 10, 24, 8, 0, 0), 0x1234);
    const r = buf(sntpRequest(stamp));
    expect(r.length).toBe(48);
    expect(r[0]).toBe(0x23);
    expect(r[0] & 7).toBe(3);
    expect((r[0] >> 3) & 7).toBe(4);
    expect(r.subarray(1, 40).every((x) => x === 0)).toBe(true);
    expect(bin(r.subarray(40))).toBe(stamp);
  });
});

describe('reply checks', () => {
  const t1 = Date.UTC(2026, 10, 24, 8, 0, 0, 0);
  const stamp = ntpStamp(t1, 777);
  const req = sntpRequest(stamp);

  test('a good reply passes', () => {
    expect(sntpCheck(reply(req, t1 + 10, t1 + 11), stamp)).toBe('');
    // version 3 servers are fine too
    expect(sntpCheck(reply(req, t1, t1, { b0: 0x1c }), stamp)).toBe('');
  });

  test.each([
    ['short packet', () => reply(req, t1, t1).substr(0, 47), /short/],
    ['client mode', () => reply(req, t1, t1, { b0: 0x23 }), /mode 3/],
    ['broadcast mode', () => reply(req, t1, t1, { b0: 0x25 }), /mode 5/],
    ['unsynchronised server (LI 3)', () => reply(req, t1, t1, { b0: 0xe4 }), /LI 3/],
    ['kiss-o-death (stratum 0)', () => reply(req, t1, t1, { stratum: 0 }), /stratum 0/],
    ['stratum 16', () => reply(req, t1, t1, { stratum: 16 }), /stratum 16/],
    ['wrong originate', () => reply(sntpRequest(ntpStamp(t1, 778)), t1, t1), /originate/],
  ])('%s is refused', (_name, make, why) => {
    expect(sntpCheck(make(), stamp)).toMatch(why);
  });

  test('a zero transmit timestamp is refused', () => {
    const b = buf(reply(req, t1, t1));
    b.fill(0, 40, 48);
    expect(sntpCheck(bin(b), stamp)).toMatch(/transmit/);
  });
});

describe('offset', () => {
  test('server 1 h ahead, 40 ms each way, 2 ms in the server', () => {
    const t1 = Date.UTC(2026, 10, 24, 8, 0, 0, 0);
    const ahead = 3600000;
    const req = sntpRequest(ntpStamp(t1, 0));
    const t2 = t1 + 40 + ahead;
    const t3 = t2 + 2;
    const t4 = t1 + 82;
    expect(sntpOffset(reply(req, t2, t3), t4)).toBeCloseTo(ahead, 0);
  });

  test('asymmetric path: the error is half the asymmetry', () => {
    const t1 = Date.UTC(2026, 10, 24, 8, 0, 0, 0);
    const req = sntpRequest(ntpStamp(t1, 0));
    // 10 ms out, 50 ms back, clocks equal
    expect(sntpOffset(reply(req, t1 + 10, t1 + 10), t1 + 60)).toBeCloseTo(-20, 0);
  });
});

describe('server name', () => {
  test('host and host:port', () => {
    expect(sntpServer('pool.ntp.org')).toEqual(['pool.ntp.org', NTP_PORT]);
    expect(sntpServer('127.0.0.1:12345')).toEqual(['127.0.0.1', 12345]);
    expect(sntpServer('ntp.example:123')).toEqual(['ntp.example', 123]);
    // not a port: kept as a name
    expect(sntpServer('host:0')).toEqual(['host:0', NTP_PORT]);
    expect(sntpServer('host:99999')).toEqual(['host:99999', NTP_PORT]);
    expect(sntpServer('host:12a')).toEqual(['host:12a', NTP_PORT]);
    expect(sntpServer('fe80::1')).toEqual(['fe80::1', NTP_PORT]);
  });
});

describe('ISO time of /settime', () => {
  test('valid forms', () => {
    expect(parseIsoUtc('2026-11-24T08:30:05Z')).toBe(Date.UTC(2026, 10, 24, 8, 30, 5));
    expect(parseIsoUtc('2026-11-24T08:30:05.123Z')).toBe(Date.UTC(2026, 10, 24, 8, 30, 5, 123));
    expect(parseIsoUtc('2028-02-29T23:59:59Z')).toBe(Date.UTC(2028, 1, 29, 23, 59, 59));
  });

  test.each([
    '',
    '2026-11-24T08:30:05',
    '2026-11-24 08:30:05Z',
    '2026-11-24T08:30:05+01:00',
    '2026-13-01T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2027-02-29T00:00:00Z',
    '2026-11-24T24:00:00Z',
    '2026-11-24T08:60:00Z',
    '1999-12-31T23:59:59Z',
    '2100-01-01T00:00:00Z',
    '2026-11-24T08:30:05.Z',
    '2026-1-24T08:30:05Z',
    'x026-11-24T08:30:05Z',
  ])('%j is refused', (s) => {
    expect(parseIsoUtc(s)).toBeNaN();
  });

  test('non-strings are refused', () => {
    expect(parseIsoUtc(undefined)).toBeNaN();
    expect(parseIsoUtc(1764000000000)).toBeNaN();
  });
});

describe('$S1 fields', () => {
  test('2-digit year, no padding, local time read as UTC', () => {
    expect(rtcArgs(Date.UTC(2026, 10, 24, 8, 3, 5))).toBe('26 11 24 8 3 5');
    expect(rtcArgs(Date.UTC(2000, 0, 1))).toBe('0 1 1 0 0 0');
    expect(rtcArgs(Date.UTC(1999, 11, 31, 23, 59, 59))).toBe('');
    expect(rtcArgs(Date.UTC(2100, 0, 1))).toBe('');
  });
});
