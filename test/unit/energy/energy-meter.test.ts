import { EnergyMeter } from '../../../src/core/evse/energy-meter';
import { Tz } from '../../../src/core/time/tz';
import { FakeClock } from '../../helpers/fake-clock';
import { MemStorage } from '../schedule/helpers';

const U = (s: string) => Date.parse(s);
const NY = 'America/New_York|EST5EDT,M3.2.0,M11.1.0';

class FakeMonitor {
  status: any = { evse_connected: 1, state: 1, vehicle: 0, amp: 0, voltage: 240 };
  private fns: ((c: any) => void)[] = [];
  onChange(fn: (c: any) => void) {
    this.fns.push(fn);
  }
  set(c: any) {
    Object.assign(this.status, c);
    for (const f of this.fns) f(c);
  }
  plug() {
    this.set({ vehicle: 1, state: 2 });
  }
  charge(amps: number) {
    this.set({ state: 3, amp: amps * 1000 });
  }
  stop() {
    this.set({ state: 254, amp: 0 });
  }
  unplug() {
    this.set({ vehicle: 0, state: 1, amp: 0 });
  }
}

function rig(start: string, tz = NY, storage = new MemStorage()) {
  const clock = new FakeClock(U(start));
  const mon = new FakeMonitor();
  const meter = new EnergyMeter(mon, clock, new Tz(tz), storage, { saveMinutes: 5 });
  return { clock, mon, meter, storage };
}

describe('EnergyMeter', () => {
  test('integrates amps x voltage while charging; sessions and switches', () => {
    const r = rig('2026-06-10T12:00:00Z');
    const events: any[] = [];
    r.meter.onChange = (e) => events.push(e);
    r.mon.plug();
    r.mon.charge(32); // 7680 W
    r.clock.advance(3600000);
    let f = r.meter.fields();
    expect(f.session_energy).toBeCloseTo(7680, 0);
    expect(f.total_energy).toBeCloseTo(7.68, 3);
    expect(f.total_switches).toBe(1);
    r.mon.set({ amp: 16000 }); // 3840 W
    r.clock.advance(1800000);
    r.mon.stop();
    r.clock.advance(3600000); // nothing while not charging
    f = r.meter.fields();
    expect(f.session_energy).toBeCloseTo(7680 + 1920, 0);
    expect(f.total_day).toBeCloseTo(9.6, 3);
    r.mon.charge(10);
    r.mon.stop();
    expect(r.meter.fields().total_switches).toBe(2);
    r.mon.unplug();
    expect(r.meter.fields().session_energy).toBeCloseTo(9600, 0); // kept for display
    r.mon.plug();
    expect(r.meter.fields().session_energy).toBe(0);
    expect(r.meter.fields().total_energy).toBeCloseTo(9.6, 3);
    expect(events.length).toBeGreaterThan(3);
  });

  test('three-phase and a controller that went away', () => {
    const clock = new FakeClock(U('2026-06-10T12:00:00Z'));
    const mon = new FakeMonitor();
    const m = new EnergyMeter(mon, clock, new Tz(NY), new MemStorage(), { threePhase: true });
    mon.plug();
    mon.charge(10);
    clock.advance(3600000);
    expect(m.fields().session_energy).toBeCloseTo(7200, 0);
    mon.set({ evse_connected: 0 });
    clock.advance(3600000);
    expect(m.fields().session_energy).toBeCloseTo(7200, 0);
  });

  test('rolls day, week, month and year at LOCAL midnight (New York)', () => {
    // Thursday 31 Dec 2026 22:00 EST = 1 Jan 03:00Z; 2027-01-01 is a Friday (same week)
    const r = rig('2027-01-01T03:00:00Z');
    r.mon.plug();
    r.mon.charge(25); // 6000 W
    r.clock.advanceTo(U('2027-01-01T04:59:00Z'));
    let f = r.meter.fields();
    expect(f.total_day).toBeCloseTo(11.9, 2);
    expect(f.total_year).toBeCloseTo(11.9, 2);
    r.clock.advanceTo(U('2027-01-01T07:00:00Z')); // 02:00 local
    f = r.meter.fields();
    expect(f.total_day).toBeCloseTo(12, 3);
    expect(f.total_month).toBeCloseTo(12, 3);
    expect(f.total_year).toBeCloseTo(12, 3);
    expect(f.total_week).toBeCloseTo(24, 1);
    expect(f.total_energy).toBeCloseTo(24, 1);
    expect(f.session_energy).toBeCloseTo(24000, -2);
    // Sunday 3 Jan -> Monday 4 Jan: the week rolls, the month does not
    r.mon.stop();
    r.clock.advanceTo(U('2027-01-04T04:00:00Z')); // Sunday 23:00 EST
    r.mon.charge(25);
    r.clock.advanceTo(U('2027-01-04T06:00:00Z')); // Monday 01:00 EST
    f = r.meter.fields();
    expect(f.total_week).toBeCloseTo(6, 3);
    expect(f.total_day).toBeCloseTo(6, 3);
    expect(f.total_month).toBeCloseTo(24, 3);
    expect(f.total_energy).toBeCloseTo(36, 3);
  });

  test('a local midnight that is not UTC midnight (DST, London)', () => {
    const r = rig('2026-07-01T22:30:00Z', 'Europe/London|GMT0BST,M3.5.0/1,M10.5.0');
    r.mon.plug();
    r.mon.charge(10); // 2400 W
    r.clock.advanceTo(U('2026-07-01T22:59:00Z'));
    expect(r.meter.fields().total_day).toBeCloseTo(1.16, 2);
    r.clock.advanceTo(U('2026-07-01T23:30:00Z')); // 00:30 BST on the 2nd
    expect(r.meter.fields().total_day).toBeCloseTo(1.2, 3);
  });

  test('power cuts: totals loaded at boot never go backwards, torn writes included', () => {
    const storage = new MemStorage();
    let r = rig('2026-06-10T12:00:00Z', NY, storage);
    r.mon.plug();
    r.mon.charge(32);
    let lastBoot = r.meter.fields().total_energy;
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let cut = 0; cut < 60; cut++) {
      // run for a random time, sometimes tearing the write in progress, then "pull the plug"
      if (rnd() < 0.5) storage.tearNext = true;
      try {
        r.clock.advance(Math.floor(rnd() * 20 * 60000));
      } catch (e) {
        // the torn write threw out of the timer: the device died there
      }
      storage.tearNext = false;
      const before = r.meter.fields().total_energy;
      const now = r.clock.now() + 5000;
      // reboot from what the storage holds
      const clock = new FakeClock(now);
      const mon = new FakeMonitor();
      const meter = new EnergyMeter(mon, clock, new Tz(NY), storage, { saveMinutes: 5 });
      const booted = meter.fields().total_energy;
      expect(booted).toBeGreaterThanOrEqual(lastBoot);
      expect(booted).toBeLessThanOrEqual(before + 1e-9);
      expect(before - booted).toBeLessThan(7.68 * (21 / 60)); // at most the unsaved minutes
      lastBoot = booted;
      mon.plug();
      mon.charge(32);
      r = { clock, mon, meter, storage };
    }
    expect(lastBoot).toBeGreaterThan(10);
  });

  test('/emeter reset: soft, hard, import', () => {
    const storage = new MemStorage();
    const r = rig('2026-06-10T12:00:00Z', NY, storage);
    r.mon.plug();
    r.mon.charge(32);
    r.clock.advance(3600000);
    r.mon.stop();
    expect(r.meter.reset(false)).toBe('');
    let f = r.meter.fields();
    expect(f).toMatchObject({ session_energy: 0, total_day: 0, total_week: 0, total_month: 0, total_year: 0, total_switches: 1 });
    expect(f.total_energy).toBeCloseTo(7.68, 3);
    r.meter.reset(false, 123456);
    expect(r.meter.fields().total_energy).toBe(123.456);
    r.meter.reset(true);
    f = r.meter.fields();
    expect(f.total_energy).toBe(0);
    expect(f.total_switches).toBe(0);
    // persisted at once
    const again = new EnergyMeter(new FakeMonitor(), new FakeClock(r.clock.now()), new Tz(NY), storage);
    expect(again.fields().total_switches).toBe(0);
  });
});
