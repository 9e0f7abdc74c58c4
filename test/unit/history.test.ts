import { PowerHistory, POWER, SOLAR, GRID, MISSING } from '../../src/core/history';
import { FakeClock } from '../helpers/fake-clock';

const T0 = Date.UTC(2026, 0, 1); // a slot boundary for any whole-minute interval
const MIN = 60e3;

/** The closed samples of series `i`, oldest first (null: missing). */
function series(h: PowerHistory, i: number): (number | null)[] {
  const out: (number | null)[] = [];
  for (let n = h.slot - h.count; n < h.slot; n++) out.push(h.get(i, n));
  return out;
}

function make(opts = {}) {
  const clock = new FakeClock(T0);
  const h = new PowerHistory(clock, { interval: 60, size: 5, hold: 120, ...opts });
  return { clock, h };
}

test('a connected controller: its power holds between changes, each slot is the time-weighted mean', () => {
  const { clock, h } = make();
  h.start({ evse_connected: 1, power: 0 });
  clock.advance(MIN);
  h.note({ power: 1000 });
  clock.advance(MIN / 2);
  h.note({ power: 3000 }); // half a minute at 1000 W, half at 3000 W
  clock.advance(MIN / 2);
  clock.advance(MIN); // nothing changes: 3000 W holds
  expect(series(h, POWER)).toEqual([0, 2000, 3000]);
  expect(h.slot * 60e3).toBe(T0 + 3 * MIN);
});

test('nothing known is missing, not 0 W: before the controller connects, after it is lost, a feed that stopped', () => {
  const { clock, h } = make({ size: 8 });
  h.start({ evse_connected: 0, power: 0 });
  clock.advance(MIN); // slot 0: controller not connected yet
  h.note({ evse_connected: 1 });
  clock.advance(MIN); // slot 1: connected, 0 W
  h.note({ solar: 2500 });
  clock.advance(MIN); // slot 2: solar arrived
  clock.advance(MIN); // slot 3: solar still held (hold 120 s)
  clock.advance(MIN); // slot 4: the feed has gone quiet for longer than the hold
  h.note({ evse_connected: 0 });
  clock.advance(MIN); // slot 5: controller lost
  expect(series(h, POWER)).toEqual([null, 0, 0, 0, 0, null]);
  expect(series(h, SOLAR)).toEqual([null, null, 2500, 2500, null, null]);
  expect(series(h, GRID)).toEqual([null, null, null, null, null, null]);
});

test('a feed that covers part of a slot gives the mean of that part', () => {
  const { clock, h } = make({ hold: 30 });
  h.start({});
  clock.advance(MIN / 4);
  h.note({ grid_ie: -1200 }); // counts for 30 s, then stops
  clock.advance((3 * MIN) / 4);
  expect(series(h, GRID)).toEqual([-1200]);
  h.note({ grid_ie: 400 });
  clock.advance(10e3);
  h.note({ grid_ie: 800 });
  clock.advance(50e3); // 10 s at 400 W, 30 s (the hold) at 800 W
  expect(series(h, GRID)).toEqual([-1200, 700]);
});

test('the ring wraps: only the newest `size` samples are kept, oldest first', () => {
  const { clock, h } = make({ size: 4 });
  h.start({ evse_connected: 1, power: 0 });
  for (let k = 1; k <= 10; k++) {
    h.note({ power: k * 100 });
    clock.advance(MIN);
  }
  expect(h.count).toBe(4);
  expect(series(h, POWER)).toEqual([700, 800, 900, 1000]);
  expect(h.get(POWER, h.slot - 5)).toBeNull(); // overwritten
  expect(h.get(POWER, h.slot)).toBeNull(); // still open
});

test('a late timer (or none) loses nothing: every slot up to now is closed with what held', () => {
  const { clock, h } = make();
  h.start({ evse_connected: 1, power: 1500 });
  h.stop();
  expect(clock.pending()).toBe(0);
  clock.advance(3 * MIN + 5e3);
  h.note({ power: 0 }); // the first event after 3 slots without a timer
  expect(series(h, POWER)).toEqual([1500, 1500, 1500]);
});

test('a clock set back, or far ahead, starts the ring again', () => {
  const { clock, h } = make();
  h.start({ evse_connected: 1, power: 700 });
  clock.advance(2 * MIN);
  h.stop(); // from here the test moves the history's time itself
  expect(h.count).toBe(2);
  h.advance(T0 - 3600e3); // SNTP moved the clock back an hour
  expect(h.count).toBe(0);
  expect(h.slot).toBe((T0 - 3600e3) / MIN);
  h.advance(T0 + 86400e3); // a day ahead: more than the ring holds
  expect(h.count).toBe(0);
  h.advance(T0 + 86400e3 + MIN);
  expect(series(h, POWER)).toEqual([700]); // the power in force counts on from the new time
});

test('values beyond an Int16 of 10 W steps are clamped, never wrapped or taken for missing', () => {
  const { clock, h } = make();
  h.start({ solar: 500000, grid_ie: -500000, evse_connected: 1, power: 7204 });
  clock.advance(MIN);
  expect(series(h, SOLAR)).toEqual([327670]);
  expect(series(h, GRID)).toEqual([-327670]);
  expect(series(h, POWER)).toEqual([7200]); // 10 W steps
  expect(MISSING).toBe(-32768);
});

test('the timer samples on its own; stop() ends it', () => {
  const { clock, h } = make();
  h.start({ evse_connected: 1, power: 100 });
  h.start(); // a second start keeps one timer
  expect(clock.pending()).toBe(1);
  clock.advance(2 * MIN);
  expect(h.count).toBe(2);
  h.stop();
  expect(clock.pending()).toBe(0);
});
