import { LimitManager } from '../../../src/core/schedule/limits';
import { CLIENT_LIMIT, PRIORITY_LIMIT } from '../../../src/core/evse/claims';
import { FakeClock } from '../../helpers/fake-clock';
import { FakeClaims } from './helpers';

class FakeMonitor {
  status: any = { state: 1, vehicle: 0, session_energy: 0 };
  private fns: ((c: any) => void)[] = [];
  onChange(fn: (c: any) => void) {
    this.fns.push(fn);
  }
  set(c: any) {
    Object.assign(this.status, c);
    for (const f of this.fns) f(c);
  }
}

function rig() {
  const clock = new FakeClock(Date.parse('2026-06-10T12:00:00Z'));
  const claims = new FakeClaims();
  claims.now = () => clock.now();
  const mon = new FakeMonitor();
  const meter = { session: 0 };
  const external: any = {};
  const lm = new LimitManager(claims, mon, clock, meter, external);
  const events: any[] = [];
  lm.onChange = (e) => events.push(e);
  const stopped = () => claims.claims[CLIENT_LIMIT];
  /** Simulated session: plug in, charge at `wPerS` Wh per second, soc +1 % per minute. */
  let t = 0;
  const charge = (seconds: number, whPerS = 2) => {
    for (let i = 0; i < seconds && mon.status.state === 3; i++) {
      clock.advance(1000);
      meter.session += whPerS;
      if (++t % 60 === 0) {
        external.battery_level = (external.battery_level || 20) + 1;
        external.battery_range = (external.battery_range || 100) + 5;
      }
      // the arbiter would pause the charge once the limit claims disabled
      if (stopped() && mon.status.state === 3) mon.set({ state: 254 });
    }
  };
  return { clock, claims, mon, meter, external, lm, events, stopped, charge };
}

describe('LimitManager', () => {
  test('GET/POST/DELETE and validation', () => {
    const r = rig();
    expect(r.lm.get()).toEqual({});
    expect(r.lm.statusFields()).toEqual({ limit: false, limit_version: 0 });
    for (const bad of [null, [], {}, { type: 'cost', value: 1 }, { type: 'time', value: 0 }, { type: 'time', value: -5 }, { type: 'soc', value: 101 }, { type: 'time', value: 'x' }, { type: 'time', value: 5, auto_release: 'yes' }, { type: 'time,energy', value: 5 }]) {
      expect(r.lm.set(bad)).toMatch(/./);
    }
    expect(r.lm.version).toBe(0);
    expect(r.lm.set({ type: 'energy', value: 5000 })).toBeNull();
    expect(r.lm.get()).toEqual({ type: 'energy', value: 5000, auto_release: true });
    expect(r.lm.set({ type: 'time', value: '30', auto_release: false })).toBeNull();
    expect(r.lm.get()).toEqual({ type: 'time', value: 30, auto_release: false });
    expect(r.lm.statusFields()).toEqual({ limit: true, limit_version: 2 });
    expect(r.lm.clear()).toBe(true);
    expect(r.lm.clear()).toBe(false);
    expect(r.events).toEqual([
      { limit: true, limit_version: 1 },
      { limit: true, limit_version: 2 },
      { limit: false, limit_version: 3 },
    ]);
  });

  test('time limit: charging minutes of this session', () => {
    const r = rig();
    r.mon.set({ vehicle: 1, state: 2 });
    r.lm.set({ type: 'time', value: 10 });
    r.mon.set({ state: 3 });
    r.charge(300);
    r.mon.set({ state: 254 }); // paused 5 minutes by someone else: does not count
    r.clock.advance(300000);
    expect(r.stopped()).toBeUndefined();
    r.mon.set({ state: 3 });
    r.charge(299);
    expect(r.stopped()).toBeUndefined();
    r.charge(2);
    expect(r.stopped()).toEqual({ priority: PRIORITY_LIMIT, state: 'disabled', auto_release: true });
    expect(r.claims.log).toEqual(['2026-06-10T12:15:00 disabled']);
    // unplugging ends the session: claim released, auto_release limit cleared
    r.mon.set({ vehicle: 0, state: 1 });
    expect(r.stopped()).toBeUndefined();
    expect(r.lm.get()).toEqual({});
  });

  test('energy, soc and range limits', () => {
    for (const [type, value, seconds] of [
      ['energy', 1000, 500],
      ['soc', 25, 300],
      ['range', 120, 240],
    ] as [string, number, number][]) {
      const r = rig();
      r.mon.set({ vehicle: 1, state: 2 });
      r.lm.set({ type, value, auto_release: false });
      r.mon.set({ state: 3 });
      r.charge(seconds - 1);
      expect([type, r.stopped()]).toEqual([type, undefined]);
      r.charge(5);
      expect([type, r.stopped() && r.stopped().state]).toEqual([type, 'disabled']);
      // auto_release false: the limit stays after the session
      r.mon.set({ vehicle: 0, state: 1 });
      expect(r.lm.get().type).toBe(type);
    }
  });

  test('unknown vehicle data never reaches a soc limit; raising a reached limit resumes', () => {
    const r = rig();
    r.mon.set({ vehicle: 1, state: 3 });
    r.lm.set({ type: 'soc', value: 80 });
    r.clock.advance(10000);
    expect(r.stopped()).toBeUndefined();
    r.lm.set({ type: 'energy', value: 10 });
    r.charge(6);
    expect(r.stopped()).toBeDefined();
    r.lm.set({ type: 'energy', value: 100000 });
    expect(r.stopped()).toBeUndefined();
    r.mon.set({ state: 3 });
    r.lm.clear();
    expect(r.stopped()).toBeUndefined();
  });

  test('the default limit is set at each new session', () => {
    const r = rig();
    r.lm.setDefault('energy', 3000);
    r.mon.set({ vehicle: 1, state: 2 });
    expect(r.lm.get()).toEqual({ type: 'energy', value: 3000, auto_release: true });
    r.mon.set({ state: 3 });
    r.charge(1600);
    expect(r.stopped()).toBeDefined();
    r.mon.set({ vehicle: 0, state: 1 });
    expect(r.lm.get()).toEqual({});
    r.meter.session = 0;
    r.mon.set({ vehicle: 1, state: 2 });
    expect(r.lm.get()).toEqual({ type: 'energy', value: 3000, auto_release: true });
    r.lm.setDefault('none', 0);
    r.mon.set({ vehicle: 0, state: 1 });
    r.mon.set({ vehicle: 1, state: 2 });
    expect(r.lm.get()).toEqual({});
  });
});
