import { Tz, civil, daysFromCivil } from '../../../src/core/time/tz';

const U = (s: string) => Date.parse(s);
/** Local wall time as an ISO-like string (the local ms read as UTC). */
const loc = (tz: Tz, utc: number) => new Date(tz.toLocal(utc)).toISOString().substr(0, 19);

describe('civil dates', () => {
  test('round trip over centuries', () => {
    for (let d = -800000; d < 800000; d += 997) {
      const c = civil(d);
      expect(daysFromCivil(c[0], c[1], c[2])).toBe(d);
      const js = new Date(d * 86400000);
      expect([c[0], c[1], c[2], c[3]]).toEqual([js.getUTCFullYear(), js.getUTCMonth() + 1, js.getUTCDate(), js.getUTCDay()]);
    }
  });
});

describe('Tz', () => {
  test('Europe/London', () => {
    const tz = new Tz('Europe/London|GMT0BST,M3.5.0/1,M10.5.0');
    expect(tz.valid).toBe(true);
    expect(tz.offset(U('2026-01-15T12:00:00Z'))).toBe(0);
    expect(tz.offset(U('2026-07-15T12:00:00Z'))).toBe(3600);
    // 2026: DST from Sun 29 Mar 01:00 UTC to Sun 25 Oct 01:00 UTC
    expect(tz.offset(U('2026-03-29T00:59:59Z'))).toBe(0);
    expect(tz.offset(U('2026-03-29T01:00:00Z'))).toBe(3600);
    expect(tz.offset(U('2026-10-25T00:59:59Z'))).toBe(3600);
    expect(tz.offset(U('2026-10-25T01:00:00Z'))).toBe(0);
    expect(loc(tz, U('2026-07-01T18:00:00Z'))).toBe('2026-07-01T19:00:00');
  });

  test('America/New_York: gap and overlap', () => {
    const tz = new Tz('America/New_York|EST5EDT,M3.2.0,M11.1.0');
    // 2026: spring forward Sun 8 Mar 02:00 EST = 07:00Z; fall back Sun 1 Nov 02:00 EDT = 06:00Z
    expect(tz.offset(U('2026-03-08T06:59:59Z'))).toBe(-18000);
    expect(tz.offset(U('2026-03-08T07:00:00Z'))).toBe(-14400);
    expect(tz.offset(U('2026-11-01T05:59:59Z'))).toBe(-14400);
    expect(tz.offset(U('2026-11-01T06:00:00Z'))).toBe(-18000);
    // 02:30 on 8 March does not exist: the instant of the jump (03:00 EDT)
    expect(tz.fromLocal(U('2026-03-08T02:30:00Z'))).toBe(U('2026-03-08T07:00:00Z'));
    expect(tz.fromLocal(U('2026-03-08T01:59:00Z'))).toBe(U('2026-03-08T06:59:00Z'));
    expect(tz.fromLocal(U('2026-03-08T03:00:00Z'))).toBe(U('2026-03-08T07:00:00Z'));
    // 01:30 on 1 November happens twice: the first one (EDT)
    expect(tz.fromLocal(U('2026-11-01T01:30:00Z'))).toBe(U('2026-11-01T05:30:00Z'));
    expect(tz.fromLocal(U('2026-11-01T02:30:00Z'))).toBe(U('2026-11-01T07:30:00Z'));
    expect(tz.fromLocal(U('2026-06-01T12:00:00Z'))).toBe(U('2026-06-01T16:00:00Z'));
    // no rules given: the US default
    const d = new Tz('EST5EDT');
    expect(d.valid && d.hasDst).toBe(true);
    expect(d.offset(U('2026-03-08T07:00:00Z'))).toBe(-14400);
  });

  test('Australia/Sydney (southern hemisphere)', () => {
    const tz = new Tz('Australia/Sydney|AEST-10AEDT,M10.1.0,M4.1.0/3');
    expect(tz.offset(U('2026-01-15T00:00:00Z'))).toBe(39600);
    expect(tz.offset(U('2026-07-15T00:00:00Z'))).toBe(36000);
    // ends Sun 5 Apr 2026 03:00 AEDT = 4 Apr 16:00Z; starts Sun 4 Oct 02:00 AEST = 3 Oct 16:00Z
    expect(tz.offset(U('2026-04-04T15:59:59Z'))).toBe(39600);
    expect(tz.offset(U('2026-04-04T16:00:00Z'))).toBe(36000);
    expect(tz.offset(U('2026-10-03T15:59:59Z'))).toBe(36000);
    expect(tz.offset(U('2026-10-03T16:00:00Z'))).toBe(39600);
    expect(tz.offset(U('2026-12-31T23:00:00Z'))).toBe(39600);
    // gap 02:00-03:00 on 4 Oct; overlap 02:00-03:00 on 5 Apr
    expect(tz.fromLocal(U('2026-10-04T02:30:00Z'))).toBe(U('2026-10-03T16:00:00Z'));
    expect(tz.fromLocal(U('2026-04-05T02:30:00Z'))).toBe(U('2026-04-04T15:30:00Z'));
  });

  test('zones without DST, quoted names, minutes, J and n rules', () => {
    const ist = new Tz('Asia/Kolkata|IST-5:30');
    expect(ist.hasDst).toBe(false);
    expect(ist.offset(U('2026-07-01T00:00:00Z'))).toBe(19800);
    expect(loc(ist, U('2026-07-01T00:00:00Z'))).toBe('2026-07-01T05:30:00');
    const ist2 = new Tz('Europe/Istanbul|<+03>-3');
    expect(ist2.valid).toBe(true);
    expect(ist2.offset(0)).toBe(10800);
    const neg = new Tz('America/Noronha|<-02>2');
    expect(neg.offset(0)).toBe(-7200);
    const nep = new Tz('Asia/Kathmandu|<+0545>-5:45');
    expect(nep.offset(0)).toBe(20700);
    const utc = new Tz('UTC0');
    expect(utc.offset(U('2026-07-01T00:00:00Z'))).toBe(0);
    // Julian day 60 is 1 March in every year; n=59 is 1 March only in leap years
    const j = new Tz('XST0XDT,J60/0,J300/0');
    expect(j.offset(U('2027-03-01T00:00:00Z'))).toBe(3600);
    expect(j.offset(U('2028-02-29T23:59:59Z'))).toBe(0);
    expect(j.offset(U('2028-03-01T00:00:00Z'))).toBe(3600);
    const n = new Tz('XST0XDT,59/0,299/0');
    expect(n.offset(U('2028-02-29T00:00:00Z'))).toBe(3600);
    expect(n.offset(U('2027-03-01T00:00:00Z'))).toBe(3600);
    expect(n.offset(U('2027-02-28T23:00:00Z'))).toBe(0);
    // Chile-style negative and >24 h rule times (glibc extension)
    const cl = new Tz('<-04>4<-03>,M9.1.6/24,M4.1.6/24');
    expect(cl.valid).toBe(true);
    expect(cl.offset(U('2026-01-10T00:00:00Z'))).toBe(-10800);
    expect(cl.offset(U('2026-06-10T00:00:00Z'))).toBe(-14400);
  });

  test('bad strings fall back to UTC', () => {
    for (const s of ['', 'X5', 'EST', 'EST5EDT,M3.2', 'EST5EDT,M13.1.0,M11.1.0', 'EST5EDT,M3.2.0,M11.1.0/x', 'EST5junk!', '<+03-3']) {
      const tz = new Tz('CET-1');
      expect([s, tz.set(s), tz.valid]).toEqual([s, false, false]);
      expect(tz.offset(U('2026-07-01T00:00:00Z'))).toBe(0);
    }
  });
});
