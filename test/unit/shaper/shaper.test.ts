import { CurrentShaper } from '../../../src/core/divert/shaper';
import { FakeClock } from '../../helpers/fake-clock';
import { recordingClaims } from '../../helpers/recording-claims';

const CLIENT_SHAPER = 0x0001000c;
const T0 = 1_700_000_000_000;
const V = 240;

function setup(config: Record<string, any> = {}) {
  const clock = new FakeClock(T0);
  const sink = recordingClaims();
  const calls = sink.calls;
  const sh = new CurrentShaper(clock, sink);
  const events: any[] = [];
  sh.listener = (e) => events.push(e);
  sh.limits(6, 32);
  sh.evse({ voltage: V });
  sh.configure({
    current_shaper_max_pwr: 9600,
    current_shaper_smoothing_time: 60,
    current_shaper_min_pause_time: 300,
    current_shaper_data_maxinterval: 120,
    ...config,
    current_shaper_enabled: config.current_shaper_enabled ?? true,
  });
  /** The car: draws min(claimed max, 32 A) unless paused. */
  const carAmps = () => (!sink.claimed ? 32 : sink.claimed.state === 'disabled' ? 0 : Math.min(sink.claimed.max_current ?? 32, 32));
  /** `seconds` samples 1 s apart of house load `house` W (without the EV); the car follows the claim. */
  const run = (house: number, seconds: number, phases = 1) => {
    for (let i = 0; i < seconds; i++) {
      clock.advance(1000);
      const amps = carAmps();
      sh.evse({ amp: amps * 1000 });
      sh.update(house + amps * V * phases);
    }
  };
  return { clock, sh, sink, calls, events, run, carAmps };
}

describe('CurrentShaper', () => {
  test('caps the EV to the headroom; a kettle drops the current within one update, off recovers', () => {
    const { sh, sink, calls, run, carAmps } = setup();
    run(2400, 5); // headroom (9600 − 2400) / 240 = 30 A
    expect(sink.claimed).toEqual({ priority: 5000, max_current: 30 });
    expect(calls.length).toBe(1); // no churn while nothing changes
    expect(calls[0].client).toBe(CLIENT_SHAPER);
    // kettle: +3000 W. The sample that first shows it has the car at 30 A: 2400 + 3000 + 7200 = 12600 W.
    run(5400, 1);
    expect(sink.claimed.max_current).toBe(17); // (9600 − 12600)/240 + 30 = 17.5 → 17
    expect(5400 + carAmps() * V).toBeLessThanOrEqual(9600);
    run(5400, 30);
    expect(calls.length).toBe(2);
    run(2400, 1); // kettle off
    expect(sink.claimed.max_current).toBe(30);
    expect(sh.statusFields()).toMatchObject({ shaper: 1, shaper_cur: 30, shaper_updated: true, shaper_max_pwr: 9600 });
  });

  test('claims only on a whole-amp change; a raise needs 1.25 A (no churn on noise)', () => {
    const { calls, run } = setup();
    run(2400, 2);
    const n = calls.length;
    // ±50 W of noise around a 9600 − 16.0 A × 240 boundary: 5760 W headroom = 24.0 A exactly
    for (let i = 0; i < 20; i++) run(9600 - 24 * V + (i % 2 ? 40 : -40), 1);
    // 24.17 A → 24 (down from 30), 23.83 → 23, then 24.17 is not 1.25 A above 23: stays at 23
    expect(calls.length - n).toBe(2);
    expect(calls[calls.length - 1].max_current).toBe(23);
  });

  test('pauses below the minimum current, resumes only after the minimum pause time with 0.5 A headroom', () => {
    const { sh, sink, run, clock } = setup();
    run(2400, 5);
    run(8400, 1); // (9600 − 8400 − 7200)/240 + 30 = 5 A < 6
    expect(sink.claimed).toEqual({ priority: 5000, state: 'disabled' });
    const pausedAt = clock.now();
    // house drops to 7900 W: headroom 7.08 A ≥ 6.5, but the minimum pause time holds; the smoothed
    // reference also falls only slowly (60 s), so it is some time before 6.5 A are seen
    run(7900, 200);
    expect(sink.claimed.state).toBe('disabled');
    run(7900, 99);
    expect(clock.now() - pausedAt).toBe(299_000);
    expect(sink.claimed.state).toBe('disabled');
    run(7900, 1);
    expect(sink.claimed).toEqual({ priority: 5000, max_current: 7 });
    expect(sh.pauses).toBe(1);
  });

  test('headroom of exactly the minimum current does not resume (needs +0.5 A)', () => {
    const { sink, run } = setup();
    run(8400, 1); // pause at once: car 32 A on top
    expect(sink.claimed.state).toBe('disabled');
    run(9600 - 6.4 * V, 1000);
    expect(sink.claimed.state).toBe('disabled');
    run(9600 - 6.6 * V, 30); // the smoothed house load falls over the smoothing time
    expect(sink.claimed.state).toBe('disabled');
    run(9600 - 6.6 * V, 60);
    expect(sink.claimed).toEqual({ priority: 5000, max_current: 6 });
  });

  test('while paused the reference rises at once and falls with the smoothing time', () => {
    const { sh, run } = setup();
    run(9000, 1);
    expect(sh.claimState).toBe('paused');
    run(3000, 60); // one time constant: 9000 → 3000 + 6000/e
    expect(sh.smoothed).toBeGreaterThan(3000 + 6000 * 0.36);
    expect(sh.smoothed).toBeLessThan(3000 + 6000 * 0.38);
    run(8000, 1);
    expect(sh.smoothed).toBe(8000);
    run(3000, 1000);
    expect(sh.smoothed).toBeLessThan(3001);
    expect(sh.claimState).toBe('max');
  });

  test('stale feed: fail-safe disabled claim at Limit priority, then back under the pause rule', () => {
    const { sh, sink, run, clock, events } = setup();
    sh.start();
    run(2400, 5);
    clock.advance(119_000);
    expect(sink.claimed.max_current).toBe(30);
    clock.advance(4_000); // the 2 s check sees 120 s without data
    expect(sink.claimed).toEqual({ priority: 1100, state: 'disabled' });
    expect(sh.statusFields().shaper_updated).toBe(false);
    expect(events[events.length - 1].shaper_updated).toBe(false);
    // data again: paused at Safety until the minimum pause time since the fail-safe has passed
    run(2400, 1);
    expect(sink.claimed).toEqual({ priority: 5000, state: 'disabled' });
    run(2400, 300);
    expect(sink.claimed).toEqual({ priority: 5000, max_current: 30 });
    sh.stop();
    expect(clock.pending()).toBe(0);
  });

  test('the staleness check runs only while the shaper is on: no timer when it is off', () => {
    const { sh, clock } = setup({ current_shaper_enabled: false });
    sh.start();
    expect(clock.pending()).toBe(0);
    sh.setActive(true);
    expect(clock.pending()).toBe(1);
    sh.setActive(false);
    expect(clock.pending()).toBe(0);
    sh.stop();
    sh.setActive(true); // stopped: turning it on starts no timer
    expect(clock.pending()).toBe(0);
  });

  test('enabled but no data ever: fail-safe after data_maxinterval', () => {
    const { sh, sink, clock } = setup({ current_shaper_data_maxinterval: 30 });
    sh.start();
    clock.advance(28_000);
    expect(sink.claimed).toBeNull();
    clock.advance(4_000);
    expect(sink.claimed).toEqual({ priority: 1100, state: 'disabled' });
    sh.stop();
  });

  test('three-phase: the power divides over three phases', () => {
    const { sh, sink, clock } = setup({ is_threephase: true, current_shaper_max_pwr: 22000 });
    // house 4720 W, car 16 A × 3 × 240 = 11520 W: (22000 − 16240)/720 + 16 = 24 A
    clock.advance(1000);
    sh.evse({ amp: 16000 });
    sh.update(4720 + 16 * 3 * V);
    expect(sink.claimed.max_current).toBe(24);
    expect(sh.statusFields().shaper_cur).toBe(24);
  });

  test('solar adds to the budget', () => {
    const { sh, sink, clock } = setup();
    sh.setSolar(1200);
    clock.advance(1000);
    sh.evse({ amp: 0 });
    sh.update(6000); // (9600 + 1200 − 6000)/240 = 20
    expect(sink.claimed.max_current).toBe(20);
  });

  test('temporary on/off (/shaper) releases and reclaims; config enable resets it', () => {
    const { sh, sink, calls, run } = setup();
    run(2400, 2);
    sh.setActive(false);
    expect(sink.claimed).toBeNull();
    expect(sh.statusFields().shaper).toBe(0);
    expect(sh.enabled).toBe(true); // not persisted
    run(2400, 2);
    expect(sink.claimed).toBeNull();
    sh.configure({ current_shaper_enabled: true, current_shaper_max_pwr: 9600 }); // saving again keeps it off
    expect(sh.on).toBe(false);
    sh.setActive(true);
    run(2400, 1);
    expect(sink.claimed.max_current).toBe(30);
    sh.configure({ current_shaper_enabled: false });
    expect(sink.claimed).toBeNull();
    expect(calls.filter((c) => c.release).length).toBe(2);
  });

  test('a refused claim is tried again on the next sample', () => {
    const clock = new FakeClock(T0);
    let refuse = true;
    const got: any[] = [];
    const sh = new CurrentShaper(clock, {
      claim(_c, _p, props) {
        if (refuse) return 'max_current must be a whole number of amps from 6 to 16';
        got.push(props);
        return null;
      },
      release: () => true,
    });
    sh.configure({ current_shaper_enabled: true, current_shaper_max_pwr: 9600 });
    sh.update(2400, T0 + 1000);
    expect(sh.claimState).toBe('');
    refuse = false;
    sh.limits(6, 16);
    sh.update(2400, T0 + 2000);
    expect(got).toEqual([{ max_current: 16 }]);
  });
});
