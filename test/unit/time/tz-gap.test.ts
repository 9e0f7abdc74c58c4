// A spring-forward gap that straddles the new year: fromLocal() must take the DST edges of the
// local time's own year, not those of the other reading of it. (Memory: the edges are worked out
// by offset(), asked with an `edge`, instead of a method of their own.)
import { Tz } from '../../../src/core/time/tz';

const U = (iso: string) => Date.parse(iso);

describe('Tz gap at the new year', () => {
  // UTC in winter; DST (+1 h) from 1 January 00:30 to 31 December 00:00 (DST), every year
  const tz = new Tz('XST0XDT,J1/0:30,J365/0');

  test('the rules read as meant', () => {
    expect(tz.valid && tz.hasDst).toBe(true);
    expect(tz.offset(U('2027-01-01T00:29:59Z'))).toBe(0);
    expect(tz.offset(U('2027-01-01T00:30:00Z'))).toBe(3600);
    expect(tz.offset(U('2026-12-30T22:59:59Z'))).toBe(3600);
    expect(tz.offset(U('2026-12-30T23:00:00Z'))).toBe(0);
  });

  test('a local time in the gap (00:30..01:30 on 1 January) gives the instant of the jump', () => {
    // 00:40 local: as standard time 00:40 UTC (2027), as DST 23:40 UTC the day before (2026)
    expect(tz.fromLocal(U('2027-01-01T00:40:00Z'))).toBe(U('2027-01-01T00:30:00Z'));
    expect(tz.fromLocal(U('2027-01-01T01:29:00Z'))).toBe(U('2027-01-01T00:30:00Z'));
    // either side of the gap
    expect(tz.fromLocal(U('2027-01-01T00:29:00Z'))).toBe(U('2027-01-01T00:29:00Z'));
    expect(tz.fromLocal(U('2027-01-01T01:30:00Z'))).toBe(U('2027-01-01T00:30:00Z'));
    expect(tz.toLocal(U('2027-01-01T00:30:00Z'))).toBe(U('2027-01-01T01:30:00Z'));
  });
});
