import { Scheduler } from '../../../src/core/schedule/scheduler';
import { Tz } from '../../../src/core/time/tz';
import { CLIENT_SCHEDULE, PRIORITY_TIMER } from '../../../src/core/evse/claims';
import { FakeClock } from '../../helpers/fake-clock';
import { MemStorage, FakeClaims } from './helpers';
import * as fs from 'fs';

const U = (s: string) => Date.parse(s);
const ALL = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const LONDON = 'Europe/London|GMT0BST,M3.5.0/1,M10.5.0';
const NY = 'America/New_York|EST5EDT,M3.2.0,M11.1.0';

function rig(tzs: string, start: string, window = 0) {
  const clock = new FakeClock(U(start));
  const claims = new FakeClaims();
  const storage = new MemStorage();
  const tz = new Tz(tzs);
  const s = new Scheduler(claims, clock, tz, storage, { window, random: () => 0.5 });
  const state = () => (claims.claims[CLIENT_SCHEDULE] || {}).state;
  claims.now = () => clock.now();
  /** The instants (ISO) at which the claimed state changed while time ran to `end`. */
  const run = (end: string) => {
    claims.log = [];
    clock.advanceTo(U(end));
    return claims.log;
  };
  return { clock, claims, storage, tz, s, state, run };
}

describe('Scheduler API', () => {
  test('the captured /schedule document round-trips', () => {
    const r = rig(LONDON, '2026-01-14T13:00:00Z');
    const doc = JSON.parse(fs.readFileSync('/work/shared/data/openevse-json/v4_json-schedule.json', 'utf8'));
    expect(r.s.set(doc)).toBeNull();
    expect(r.s.list()).toEqual(doc);
    expect(r.s.list(1)).toEqual(doc[1]);
    expect(r.s.list(9)).toBeNull();
    expect(r.s.version).toBe(1);
    expect(r.claims.claims[CLIENT_SCHEDULE]).toEqual({ priority: PRIORITY_TIMER, state: 'disabled' });
    // persisted: a new instance after a reboot sees the same events
    const again = new Scheduler(r.claims, r.clock, r.tz, r.storage, { window: 0 });
    expect(again.list()).toEqual(doc);
  });

  test('upsert, HH:MM, short day names, delete, bad input changes nothing', () => {
    const r = rig(LONDON, '2026-01-14T13:00:00Z');
    expect(r.s.set([{ id: 1, state: 'active', time: '07:30', days: ['Mon', 'friday'] }])).toBeNull();
    expect(r.s.set({ state: 'disabled', time: '08:00:05', days: ['monday'] }, 1)).toBeNull();
    expect(r.s.list()).toEqual([{ id: 1, state: 'disabled', time: '08:00:05', days: ['monday'] }]);
    const bad = [
      { id: -1, state: 'active', time: '07:30', days: ['monday'] },
      { id: 2, state: 'on', time: '07:30', days: ['monday'] },
      { id: 2, state: 'active', time: '24:00', days: ['monday'] },
      { id: 2, state: 'active', time: '7', days: ['monday'] },
      { id: 2, state: 'active', time: '07:60', days: ['monday'] },
      { id: 2, state: 'active', time: '07:30', days: [] },
      { id: 2, state: 'active', time: '07:30', days: ['mo'] },
      { id: 2, state: 'active', time: '07:30', days: ['funday'] },
      'x',
    ];
    for (const b of bad) expect(r.s.set([{ id: 3, state: 'active', time: '01:00', days: ['monday'] }, b])).toMatch(/./);
    expect(r.s.list()).toHaveLength(1);
    const many: any[] = [];
    for (let i = 0; i < 51; i++) many.push({ id: 100 + i, state: 'active', time: '01:00', days: ['monday'] });
    expect(r.s.set(many)).toMatch(/too many/);
    expect(r.s.set(many.slice(0, 49))).toBeNull();
    expect(r.s.list()).toHaveLength(50);
    expect(r.s.remove(1)).toBe(true);
    expect(r.s.remove(1)).toBe(false);
    expect(r.s.list()).toHaveLength(49);
    for (let i = 0; i < 49; i++) r.s.remove(100 + i);
    expect(r.claims.claims[CLIENT_SCHEDULE]).toBeUndefined();
  });

  test('a power cut during a save leaves the previous events', () => {
    const r = rig(LONDON, '2026-01-14T13:00:00Z');
    r.s.set([{ id: 1, state: 'active', time: '07:30', days: ['monday'] }]);
    r.storage.tearNext = true;
    expect(r.s.set([{ id: 2, state: 'active', time: '08:30', days: ['monday'] }])).toMatch(/power cut/);
    expect(r.s.list()).toHaveLength(1);
    const after = new Scheduler(r.claims, r.clock, r.tz, r.storage, { window: 0 });
    expect(after.list()).toEqual([{ id: 1, state: 'active', time: '07:30:00', days: ['monday'] }]);
    // and the next save still works, into the torn slot
    expect(after.set([{ id: 3, state: 'active', time: '09:30', days: ['monday'] }])).toBeNull();
    expect(new Scheduler(r.claims, r.clock, r.tz, r.storage).list()).toHaveLength(2);
  });
});

describe('Scheduler timing', () => {
  test('state holds until the next event; plan', () => {
    const r = rig(LONDON, '2026-01-14T11:00:00Z'); // Wednesday
    r.s.set([
      { id: 2, state: 'disabled', time: '12:00:00', days: ALL },
      { id: 1, state: 'active', time: '19:00:00', days: ALL },
    ]);
    expect(r.state()).toBe('active'); // yesterday 19:00 holds
    const p = r.s.plan();
    expect(p.current_day).toBe(3);
    expect(p.current_offset).toBe(3 * 86400 + 11 * 3600);
    expect(p.next_event_delay).toBe(3600);
    expect(p.current_event).toMatchObject({ id: 1, state: 'active', time: '19:00:00', day: 2, diff: -16 * 3600, duration: 17 * 3600 });
    expect(p.next_event).toMatchObject({ id: 2, state: 'disabled', day: 3, offset: 3 * 86400 + 12 * 3600, diff: 3600, duration: 7 * 3600 });
    expect(r.run('2026-01-15T13:00:00Z')).toEqual(['2026-01-14T12:00:00 disabled', '2026-01-14T19:00:00 active', '2026-01-15T12:00:00 disabled']);
  });

  test('New York spring forward: 02:30 fires at the jump, order kept', () => {
    const r = rig(NY, '2026-03-07T12:00:00Z');
    r.s.set([
      { id: 1, state: 'active', time: '02:30', days: ['sunday'] },
      { id: 2, state: 'disabled', time: '03:15', days: ['sunday'] },
      { id: 3, state: 'active', time: '06:00', days: ['sunday'] },
      { id: 4, state: 'disabled', time: '09:00', days: ['sunday'] },
    ]);
    expect(r.state()).toBe('disabled');
    // 03:00 EDT = 07:00Z; 03:15 EDT = 07:15Z; 06:00 EDT = 10:00Z
    expect(r.run('2026-03-08T14:00:00Z')).toEqual([
      '2026-03-08T07:00:00 active',
      '2026-03-08T07:15:00 disabled',
      '2026-03-08T10:00:00 active',
      '2026-03-08T13:00:00 disabled',
    ]);
    // a week later the same events are at their normal times
    expect(r.run('2026-03-15T14:00:00Z')).toEqual([
      '2026-03-15T06:30:00 active',
      '2026-03-15T07:15:00 disabled',
      '2026-03-15T10:00:00 active',
      '2026-03-15T13:00:00 disabled',
    ]);
  });

  test('New York fall back: a time in the overlap fires once', () => {
    const r = rig(NY, '2026-10-31T12:00:00Z');
    r.s.set([
      { id: 1, state: 'active', time: '01:30', days: ['sunday'] },
      { id: 2, state: 'disabled', time: '01:45', days: ['sunday'] },
      { id: 3, state: 'active', time: '03:00', days: ['sunday'] },
      { id: 4, state: 'disabled', time: '09:00', days: ['sunday'] },
    ]);
    // 01:30 EDT = 05:30Z, 01:45 EDT = 05:45Z; the second 01:30 (06:30Z) passes quietly; 03:00 EST = 08:00Z
    expect(r.run('2026-11-01T15:00:00Z')).toEqual([
      '2026-11-01T05:30:00 active',
      '2026-11-01T05:45:00 disabled',
      '2026-11-01T08:00:00 active',
      '2026-11-01T14:00:00 disabled',
    ]);
  });

  test('London both ways: a daily 08:00 follows the wall clock', () => {
    const r = rig(LONDON, '2026-03-27T12:00:00Z');
    r.s.set([
      { id: 1, state: 'active', time: '08:00', days: ALL },
      { id: 2, state: 'disabled', time: '01:30', days: ALL }, // in the gap on 29 March (01:00 -> 02:00)
    ]);
    expect(r.run('2026-03-30T12:00:00Z')).toEqual([
      '2026-03-28T01:30:00 disabled',
      '2026-03-28T08:00:00 active',
      '2026-03-29T01:00:00 disabled', // the jump: 02:00 BST
      '2026-03-29T07:00:00 active',
      '2026-03-30T00:30:00 disabled',
      '2026-03-30T07:00:00 active',
    ]);
    const o = rig(LONDON, '2026-10-24T12:00:00Z');
    o.s.set([
      { id: 1, state: 'active', time: '08:00', days: ALL },
      { id: 2, state: 'disabled', time: '01:30', days: ALL },
    ]);
    expect(o.run('2026-10-26T12:00:00Z')).toEqual([
      '2026-10-25T00:30:00 disabled', // 01:30 BST, the first of two
      '2026-10-25T08:00:00 active', // 08:00 GMT
      '2026-10-26T01:30:00 disabled',
      '2026-10-26T08:00:00 active',
    ]);
  });

  test('start window delays active events only, within the window', () => {
    const r = rig(LONDON, '2026-01-14T11:00:00Z', 600);
    r.s.set([
      { id: 2, state: 'disabled', time: '12:00:00', days: ALL },
      { id: 1, state: 'active', time: '19:00:00', days: ALL },
    ]);
    const seen = r.run('2026-01-16T11:00:00Z');
    expect(seen[0]).toBe('2026-01-14T12:00:00 disabled');
    for (const line of seen.filter((l) => l.endsWith('active'))) {
      const t = U(line.substr(0, 19) + 'Z');
      const d = t - U(line.substr(0, 11) + '19:00:00Z');
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(600000);
    }
    expect(seen).toHaveLength(4);
    const p = r.s.plan();
    expect(p.next_event.start_offset - p.next_event.offset).toBeGreaterThanOrEqual(0);
  });

  test('a time zone change is applied by update()', () => {
    const r = rig('UTC0', '2026-01-14T11:00:00Z');
    r.s.set([
      { id: 1, state: 'active', time: '12:00', days: ALL },
      { id: 2, state: 'disabled', time: '13:00', days: ALL },
    ]);
    expect(r.state()).toBe('disabled');
    r.tz.set('CET-1');
    r.s.update();
    expect(r.state()).toBe('active'); // 12:00 CET is now
    expect(r.run('2026-01-14T13:00:00Z')).toEqual(['2026-01-14T12:00:00 disabled']);
  });
});
