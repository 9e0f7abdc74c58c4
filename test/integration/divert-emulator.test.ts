// The divert controller driving the emulated controller through the real ClaimsArbiter,
// RapiClient and EvseMonitor, on a FakeClock: a solar day in miniature (morning, a cloud, a feed
// going silent, sunset), in both modes, as src/app.ts wires it.
import { RapiClient } from '../../src/core/rapi/client';
import { EvseMonitor } from '../../src/core/evse/monitor';
import { ClaimsArbiter, CLIENT_DIVERT, CLIENT_MANUAL, PRIORITY_MANUAL } from '../../src/core/evse/claims';
import { explainClaims } from '../../src/core/evse/claims-explain';
import { DivertController } from '../../src/core/divert/controller';
import { ControllerEmulator } from '../../src/emulator/controller';
import { FakeClock } from '../helpers/fake-clock';

const SLEEPING = 0xfe;

function setup(config: Record<string, any>) {
  const clock = new FakeClock(1_700_000_000_000);
  let toGateway: ((d: string) => void) | null = null;
  const emulator = new ControllerEmulator({
    clock,
    timing: 'fast',
    write: (bytes) => {
      clock.setTimeout(() => toGateway && toGateway(bytes), 1);
    },
  });
  const link = {
    write: (data: string) => {
      clock.setTimeout(() => emulator.receive(data), 1);
    },
    onData: (cb: (d: string) => void) => {
      toGateway = cb;
    },
  };
  const log = () => {};
  const rapi = new RapiClient(link, clock, log);
  const monitor = new EvseMonitor(rapi, clock, log);
  const arbiter = new ClaimsArbiter(monitor, clock, log);
  emulator.powerOn();
  monitor.start();
  clock.advance(20_000);
  expect(monitor.isReady()).toBe(true);
  // the wiring src/app.ts does
  const divert = new DivertController(clock, arbiter);
  divert.limits(monitor.info.min_current_hard || 6, monitor.info.max_current_hard || 32);
  monitor.onChange((c) => divert.evse(c));
  divert.evse(monitor.status);
  divert.configure({ divert_enabled: true, charge_mode: 'eco', ...config });
  divert.start();
  emulator.plugIn();
  emulator.requestCharge();
  /** One feed sample a minute (as POST /status or MQTT would bring it). */
  const feed = (kind: string, watts: number, minutes: number) => {
    for (let i = 0; i < minutes; i++) {
      clock.advance(60_000);
      divert.update(kind, watts);
    }
  };
  return { clock, emulator, monitor, arbiter, divert, feed };
}

describe('DivertController with the ClaimsArbiter and the emulated controller', () => {
  test('default mode: waits, starts, follows the sun, rides a cloud, pauses on a stale feed, stops at sunset', () => {
    const { clock, emulator, arbiter, divert, feed } = setup({ divert_stale_time: 300 });
    clock.advance(5000);
    expect(emulator.snapshot()).toMatchObject({ state: SLEEPING, relayClosed: false });
    expect(explainClaims(arbiter)).toMatch(/^disabled by divert \(10\)/);

    feed('solar', 800, 10); // morning: not enough
    expect(divert.statusFields()).toMatchObject({ divert_reason: 'not enough surplus', divert_active: false });
    feed('solar', 2400, 2);
    expect(divert.statusFields()).toMatchObject({ divert_reason: 'starting', divert_countdown: 120 });
    feed('solar', 2400, 2);
    clock.advance(5000);
    expect(emulator.snapshot()).toMatchObject({ state: 3, currentCapacity: 10, relayClosed: true, ampsDrawn: 10 });
    expect(divert.statusFields()).toMatchObject({ divert_active: true, charge_rate: 10, divert_reason: 'charging' });

    feed('solar', 4000, 10);
    clock.advance(5000);
    expect(emulator.snapshot().currentCapacity).toBe(16);
    feed('solar', 500, 6); // a cloud
    clock.advance(5000);
    expect(emulator.snapshot()).toMatchObject({ state: 3, currentCapacity: 6 });
    expect(divert.statusFields().divert_reason).toBe('stopping');
    feed('solar', 4000, 5);
    clock.advance(5000);
    expect(emulator.snapshot()).toMatchObject({ state: 3, currentCapacity: 16 });

    clock.advance(310_000); // the feed goes silent
    expect(divert.statusFields()).toMatchObject({ divert_reason: 'feed stale', divert_active: false });
    expect(emulator.snapshot()).toMatchObject({ state: SLEEPING, relayClosed: false });
    feed('solar', 4000, 10);
    clock.advance(5000);
    expect(emulator.snapshot()).toMatchObject({ state: 3, currentCapacity: 16 });

    feed('solar', 0, 20); // sunset, then the night
    expect(emulator.snapshot()).toMatchObject({ state: SLEEPING, relayClosed: false });
    expect(divert.statusFields()).toMatchObject({ divert_reason: 'no surplus', divert_active: false });

    // a manual override still wins over divert
    arbiter.claim(CLIENT_MANUAL, PRIORITY_MANUAL, { state: 'active', charge_current: 12 });
    clock.advance(5000);
    expect(emulator.snapshot()).toMatchObject({ state: 3, currentCapacity: 12 });
    arbiter.release(CLIENT_MANUAL);

    divert.setMode(1); // back to fast: the divert claim goes
    clock.advance(5000);
    expect(arbiter.get(CLIENT_DIVERT)).toBeNull();
    expect(emulator.snapshot().state).toBe(3);
    divert.stop();
  }, 60_000);

  test('compat mode, grid feed: the measured EV current is added back, charging holds for the minimum time', () => {
    const { clock, emulator, divert, monitor, feed } = setup({ divert_mode_algorithm: 'compat', divert_type: 1 });
    // the house exports 3000 W before the EV; the grid meter sees the EV's draw too
    const ev = () => (monitor.status.amp / 1000) * 240;
    for (let i = 0; i < 20; i++) {
      clock.advance(60_000);
      divert.update('grid_ie', -3000 + ev());
    }
    clock.advance(5000);
    // 12.5 A - the 100 W reserve of PV ratio 1.1 → 12 A, steady (no hunting as the EV load appears)
    expect(emulator.snapshot()).toMatchObject({ state: 3, currentCapacity: 12, ampsDrawn: 12 });
    expect(divert.statusFields().charge_rate).toBe(12);
    // surplus gone: the minimum charge time and the decay filter hold it a while, then it sleeps
    for (let i = 0; i < 40; i++) {
      clock.advance(60_000);
      divert.update('grid_ie', 500 + ev());
    }
    clock.advance(5000);
    expect(emulator.snapshot().state).toBe(SLEEPING);
    divert.stop();
  }, 60_000);
});
