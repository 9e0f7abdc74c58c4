import { DivertController, DIVERT_ECO, DIVERT_NORMAL } from '../../../src/core/divert/controller';
import { FakeClock } from '../../helpers/fake-clock';
import { recordingClaims } from '../../helpers/recording-claims';

const CLIENT_DIVERT = 0x00010002;
const T0 = 1_700_000_000_000;

function setup(config: Record<string, any> = {}) {
  const clock = new FakeClock(T0);
  const sink = recordingClaims();
  const calls = sink.calls;
  const ctl = new DivertController(clock, sink);
  const events: any[] = [];
  ctl.listener = (e) => events.push(e);
  ctl.configure({ divert_enabled: true, charge_mode: 'eco', ...config });
  /** Feeds one sample per minute for `minutes`, with the charger following the claim. */
  const run = (kind: string, watts: number | ((i: number) => number), minutes: number) => {
    for (let i = 0; i < minutes; i++) {
      clock.advance(60_000);
      ctl.check();
      ctl.update(kind, typeof watts === 'number' ? watts : watts(i));
      const charging = sink.claimed && sink.claimed.state === 'active';
      ctl.evse({ state: charging ? 3 : 254, amp: charging ? sink.claimed.charge_current * 1000 : 0 });
    }
  };
  return { clock, ctl, sink, calls, events, run };
}

describe('DivertController, compat mode (OpenEVSE v5)', () => {
  test('entering Eco claims disabled at priority 10; leaving releases', () => {
    const { ctl, calls } = setup({ divert_mode_algorithm: 'compat' });
    expect(ctl.mode).toBe(DIVERT_ECO);
    expect(calls).toEqual([{ client: CLIENT_DIVERT, priority: 10, state: 'disabled' }]);
    ctl.setMode(DIVERT_NORMAL);
    expect(calls[1]).toEqual({ client: CLIENT_DIVERT, release: true });
    expect(ctl.statusFields().divertmode).toBe(1);
  });

  test('attack filter, charge rate, hysteresis and the minimum charge time', () => {
    const { ctl, sink, run } = setup({ divert_mode_algorithm: 'compat' });
    run('solar', 3000, 1); // first call: dt 0, smoothed stays 0
    expect(ctl.smoothed).toBe(0);
    run('solar', 3000, 5);
    expect(sink.claimed).toEqual({ priority: 50, state: 'active', charge_current: 12 }); // 12.5 A: 0.5 is not > min(1, 1.1) → floor
    expect(ctl.statusFields()).toMatchObject({ divert_active: true, charge_rate: 12, trigger_current: 6 });
    // surplus gone: the 600 s decay and the 600 s minimum charge time keep it on for a while
    run('solar', 0, 5);
    expect(sink.claimed.state).toBe('active');
    run('solar', 0, 30);
    expect(sink.claimed).toEqual({ priority: 10, state: 'disabled' });
  });

  test('grid mode: the EV current is added back, PV ratio > 1 keeps a reserve', () => {
    const { ctl } = setup({ divert_mode_algorithm: 'compat', divert_type: 1, divert_PV_ratio: 1.5 });
    ctl.evse({ amp: 8000, voltage: 240 });
    ctl.update('grid_ie', -1200);
    // I = -1200/240 - 8 = -13; reserve = 500/240
    expect(ctl.available).toBeCloseTo(13 - 500 / 240, 5);
  });

  test('three-phase and a measured voltage', () => {
    const { ctl } = setup({ divert_mode_algorithm: 'compat', is_threephase: true });
    ctl.setVrms(230);
    ctl.update('solar', 6900);
    expect(ctl.voltage).toBe(690);
    expect(ctl.available).toBeCloseTo(10, 5);
  });
});

describe('DivertController, default mode (ours)', () => {
  test('starts only after a net start delay, with a reason and a countdown', () => {
    const { ctl, sink, run } = setup();
    run('solar', 500, 3);
    expect(ctl.statusFields()).toMatchObject({ divert_reason: 'not enough surplus', divert_countdown: 0, divert_active: false });
    run('solar', 2000, 2);
    expect(ctl.statusFields()).toMatchObject({ divert_reason: 'starting', divert_countdown: 120 });
    expect(sink.claimed.state).toBe('disabled');
    run('solar', 2000, 3);
    expect(sink.claimed).toEqual({ priority: 50, state: 'active', charge_current: 8 });
    expect(ctl.statusFields()).toMatchObject({ divert_reason: 'charging', divert_active: true, charge_rate: 8 });
  });

  test('a passing cloud is ridden through at the minimum current', () => {
    const { ctl, sink, calls, run } = setup();
    run('solar', 3000, 20);
    expect(sink.claimed.state).toBe('active');
    const n = calls.filter((c) => c.state === 'disabled').length;
    run('solar', 600, 8); // 8 minutes of cloud
    expect(sink.claimed).toMatchObject({ state: 'active', charge_current: 6 });
    expect(ctl.statusFields().divert_reason).toBe('stopping');
    expect(ctl.statusFields().divert_countdown).toBeGreaterThan(0);
    run('solar', 3000, 10);
    expect(sink.claimed).toMatchObject({ state: 'active', charge_current: 12 });
    expect(calls.filter((c) => c.state === 'disabled').length).toBe(n);
  });

  test('sunset: stops after the dark delay once the minimum run time is over, and stays off at night', () => {
    const { ctl, sink, run } = setup();
    run('solar', 3000, 15);
    run('solar', (i) => Math.max(0, 1400 - i * 200), 15);
    expect(sink.claimed).toEqual({ priority: 10, state: 'disabled' });
    expect(ctl.statusFields().divert_reason).toBe('no surplus');
    run('solar', 0, 600); // the night
    expect(sink.claimed.state).toBe('disabled');
    expect(ctl.statusFields().divert_active).toBe(false);
  });

  test('no restart within the minimum pause', () => {
    const { ctl, sink, run } = setup({ divert_start_delay: 60, divert_min_pause: 600 });
    run('solar', 3000, 12);
    run('solar', 0, 6);
    expect(sink.claimed.state).toBe('disabled');
    run('solar', 3000, 2);
    expect(ctl.statusFields().divert_reason).toBe('pause');
    expect(sink.claimed.state).toBe('disabled');
    run('solar', 3000, 10);
    expect(sink.claimed.state).toBe('active');
  });
});

describe('DivertController, stale feed', () => {
  test('the staleness check runs only in Eco mode: no timer in Normal mode', () => {
    const { ctl, clock } = setup({ charge_mode: 'normal' });
    ctl.start();
    expect(clock.pending()).toBe(0);
    ctl.configure({ charge_mode: 'eco' });
    expect(clock.pending()).toBe(1);
    ctl.setMode(1);
    expect(clock.pending()).toBe(0);
    ctl.setMode(2);
    ctl.stop();
    ctl.setMode(1);
    ctl.setMode(2); // stopped: Eco mode starts no timer
    expect(clock.pending()).toBe(0);
  });

  test('pause (default): the claim goes to disabled when the feed goes silent, resumes on fresh data', () => {
    const { ctl, sink, clock, run } = setup({ divert_stale_time: 300 });
    ctl.start();
    run('solar', 3000, 20);
    expect(sink.claimed.state).toBe('active');
    clock.advance(290_000);
    expect(sink.claimed.state).toBe('active');
    clock.advance(20_000); // the interval timer sees it
    expect(sink.claimed).toEqual({ priority: 10, state: 'disabled' });
    expect(ctl.statusFields()).toMatchObject({ divert_reason: 'feed stale', divert_active: false });
    expect(ctl.statusFields().divert_update).toBeGreaterThanOrEqual(300);
    run('solar', 3000, 10);
    expect(sink.claimed.state).toBe('active');
    ctl.stop();
    expect(clock.pending()).toBe(0);
  });

  test("'min' falls back to the minimum current; compat mode gets the staleness rule too", () => {
    const { ctl, sink, run } = setup({ divert_mode_algorithm: 'compat', divert_stale_action: 'min', divert_stale_time: 120 });
    run('solar', 5000, 10);
    expect(sink.claimed.charge_current).toBe(20);
    ctl.check(T0 + 10 * 60_000 + 121_000);
    expect(sink.claimed).toMatchObject({ state: 'active', charge_current: 6 });
    expect(ctl.stale).toBe(true);
  });
});

describe('DivertController, feed kind', () => {
  test('with divert_type set, the other feed is shown but does not drive divert; -1 follows the feed', () => {
    const { ctl } = setup({ divert_mode_algorithm: 'compat', divert_type: 0 });
    ctl.update('solar', 2400);
    ctl.update('grid_ie', -5000);
    expect(ctl.available).toBeCloseTo(10, 5);
    expect(ctl.statusFields()).toMatchObject({ solar: 2400, grid_ie: -5000 });
    ctl.configure({ divert_type: -1 });
    ctl.update('grid_ie', -4800);
    expect(ctl.type).toBe(1);
    expect(ctl.available).toBeCloseTo(20 - 100 / 240, 5);
  });
});
