// The button: what holding it means (core/button.ts), and the Espruino pin watch under it
// (hal/espruino/button.ts) with stand-ins for setWatch/pinMode, since no GPIO exists here.
import { ButtonHold, HOLD_AP_MS, HOLD_RESET_MS } from '../../src/core/button';
import { espruinoButton } from '../../src/hal/espruino/button';
import { FakeClock } from '../helpers/fake-clock';

function setup() {
  const clock = new FakeClock(1_700_000_000_000);
  const done: string[] = [];
  const logs: string[] = [];
  const hold = new ButtonHold(clock, (level, msg) => logs.push(level + ' ' + msg), {
    accessPoint: () => done.push('ap'),
    factoryReset: () => done.push('reset'),
  });
  return { clock, done, logs, hold };
}

describe('ButtonHold', () => {
  test('a short press does nothing (and says so)', () => {
    const t = setup();
    t.hold.change(true);
    t.clock.advance(300);
    t.hold.change(false);
    t.clock.advance(HOLD_RESET_MS * 2);
    expect(t.done).toEqual([]);
    expect(t.logs[t.logs.length - 1]).toMatch(/short press \(300 ms\)/);
  });

  test('released just before 5 s: nothing; at 5 s: the access point', () => {
    const t = setup();
    t.hold.change(true);
    t.clock.advance(HOLD_AP_MS - 1);
    t.hold.change(false);
    expect(t.done).toEqual([]);
    t.hold.change(true);
    t.clock.advance(HOLD_AP_MS);
    expect(t.logs.some((l) => /release now/.test(l))).toBe(true);
    expect(t.done).toEqual([]);
    t.hold.change(false);
    expect(t.done).toEqual(['ap']);
    // the reset timer went with the release
    t.clock.advance(HOLD_RESET_MS);
    expect(t.done).toEqual(['ap']);
  });

  test('released between 5 and 10 s: the access point, no reset', () => {
    const t = setup();
    t.hold.change(true);
    t.clock.advance(HOLD_RESET_MS - 1);
    t.hold.change(false);
    t.clock.advance(HOLD_RESET_MS);
    expect(t.done).toEqual(['ap']);
  });

  test('held 10 s: factory reset at once, without waiting for the release, which then means nothing', () => {
    const t = setup();
    t.hold.change(true);
    t.clock.advance(HOLD_RESET_MS - 1);
    expect(t.done).toEqual([]);
    t.clock.advance(1);
    expect(t.done).toEqual(['reset']);
    expect(t.logs[t.logs.length - 1]).toMatch(/factory reset/);
    t.clock.advance(5000);
    t.hold.change(false);
    expect(t.done).toEqual(['reset']);
  });

  test('hold time counts from the press: a repeated "pressed" does not restart it; a release alone means nothing', () => {
    const t = setup();
    t.hold.change(false);
    expect(t.done).toEqual([]);
    t.hold.change(true);
    t.clock.advance(3000);
    t.hold.change(true);
    t.clock.advance(2000);
    t.hold.change(false);
    expect(t.done).toEqual(['ap']);
  });
});

describe('espruinoButton', () => {
  const g = global as any;
  afterEach(() => {
    delete g.setWatch;
    delete g.pinMode;
    delete g.D0;
  });

  test('watches the pin on both edges with a debounce; low is pressed', () => {
    const pin = { name: 'D0' };
    const calls: any[] = [];
    let watcher: ((e: { state: boolean }) => void) | null = null;
    g.D0 = pin;
    g.pinMode = (p: any, mode: string) => calls.push(['pinMode', p, mode]);
    g.setWatch = (fn: any, p: any, opts: any) => {
      watcher = fn;
      calls.push(['setWatch', p, opts]);
    };
    const button = espruinoButton('D0');
    const seen: boolean[] = [];
    button.onChange((pressed) => seen.push(pressed));
    expect(calls).toEqual([
      ['pinMode', pin, 'input_pullup'],
      ['setWatch', pin, { repeat: true, edge: 'both', debounce: 50 }],
    ]);
    watcher!({ state: false });
    watcher!({ state: true });
    expect(seen).toEqual([true, false]);
  });
});
