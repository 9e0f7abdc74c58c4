import { EventLog, EventEntry } from '../../../src/core/evse/event-log';
import { logRange, logBlock } from '../../../src/core/evse/event-log-read';
import { FakeClock } from '../../helpers/fake-clock';
import { MemStorage } from '../schedule/helpers';

const entry = (state: number, extra: Partial<EventEntry> = {}): EventEntry => ({
  managerState: 'active',
  evseState: state,
  evseFlags: 256,
  pilot: 32,
  energy: 1234.5,
  elapsed: 60,
  temperature: 25.5,
  temperatureMax: 30,
  divertMode: 1,
  shaper: 0,
  ...extra,
});

describe('EventLog', () => {
  test('empty, one entry, entry shape', () => {
    const clock = new FakeClock(Date.parse('2026-06-10T12:00:00Z'));
    const st = new MemStorage();
    const log = new EventLog(st, clock);
    expect(logRange(log)).toEqual({ min: 0, max: 0 });
    expect(logBlock(log, 0)).toEqual([]);
    expect(logBlock(log, 1)).toBeNull();
    log.add(entry(3));
    log.add(entry(6, { managerState: 'disabled', temperature: false }));
    expect(logBlock(log, 0)).toEqual([
      { time: '2026-06-10T12:00:00Z', type: 'information', managerState: 'active', evseState: 3, evseFlags: 256, pilot: 32, energy: 1234.5, elapsed: 60, temperature: 25.5, temperatureMax: 30, divertMode: 1, shaper: 0 },
      { time: '2026-06-10T12:00:00Z', type: 'warning', managerState: 'disabled', evseState: 6, evseFlags: 256, pilot: 32, energy: 1234.5, elapsed: 60, temperature: false, temperatureMax: 30, divertMode: 1, shaper: 0 },
    ]);
  });

  test('bounded: old blocks dropped, state survives a reboot, torn writes tolerated', () => {
    const clock = new FakeClock(Date.parse('2026-06-10T12:00:00Z'));
    const st = new MemStorage();
    let log = new EventLog(st, clock, { perBlock: 5, blocks: 3 });
    for (let i = 0; i < 23; i++) {
      clock.advance(60000);
      log.add(entry(i % 2 ? 3 : 2, { elapsed: i }));
    }
    // 23 entries in blocks of 5: blocks 0..4, only 2..4 kept
    expect(logRange(log)).toEqual({ min: 2, max: 4 });
    expect(logBlock(log, 1)).toBeNull();
    expect(logBlock(log, 5)).toBeNull();
    expect(logBlock(log, 2)!.map((e) => e.elapsed)).toEqual([10, 11, 12, 13, 14]);
    expect(logBlock(log, 4)!.map((e) => e.elapsed)).toEqual([20, 21, 22]);
    expect(Object.keys(st.files).sort()).toEqual(['elog0', 'elog1', 'elog2']);
    // reboot: same view, appends continue in block 4
    log = new EventLog(st, clock, { perBlock: 5, blocks: 3 });
    expect(logRange(log)).toEqual({ min: 2, max: 4 });
    log.add(entry(1, { elapsed: 23 }));
    log.add(entry(1, { elapsed: 24 }));
    log.add(entry(1, { elapsed: 25 }));
    expect(logBlock(log, 4)!.map((e) => e.elapsed)).toEqual([20, 21, 22, 23, 24]);
    expect(logRange(log)).toEqual({ min: 3, max: 5 });
    // a torn write: the newest line is cut, the rest of the block reads
    st.tearNext = true;
    log.add(entry(1, { elapsed: 26 }));
    const after = new EventLog(st, clock, { perBlock: 5, blocks: 3 });
    expect(logRange(after)).toEqual({ min: 3, max: 5 });
    const b5 = logBlock(after, 5)!;
    expect(b5.length).toBeLessThanOrEqual(2);
    expect(b5[0].elapsed).toBe(25);
    // thousands of entries stay within the bound
    for (let i = 0; i < 2000; i++) after.add(entry(3));
    expect(Object.keys(st.files)).toHaveLength(3);
    for (const k of Object.keys(st.files)) expect(st.files[k].split('\n').length).toBeLessThanOrEqual(7);
  });

  test('an entry is written into its block file, not the file written again (no trash in Storage)', () => {
    const clock = new FakeClock(Date.parse('2026-06-10T12:00:00Z'));
    const st = new MemStorage();
    const sizes: number[] = [];
    const written: number[] = [];
    const write = st.write.bind(st);
    st.write = (name: string, data: string, offset?: number, total?: number) => {
      written.push(data.length);
      write(name, data, offset, total);
      sizes.push(st.files[name].length);
    };
    const log = new EventLog(st, clock, { perBlock: 5, blocks: 3 });
    for (let i = 0; i < 5; i++) log.add(entry(3, { elapsed: i }));
    // one file made at its full size, then one line at a time into it
    expect(new Set(sizes).size).toBe(1);
    expect(Math.max(...written.slice(1))).toBeLessThan(80);
    expect(logBlock(log, 0)!.map((e) => e.elapsed)).toEqual([0, 1, 2, 3, 4]);
  });

  test('a block file of the earlier layout (written whole, no erased part) is read, and the next entry starts a new block', () => {
    const clock = new FakeClock(Date.parse('2026-06-10T12:00:00Z'));
    const st = new MemStorage();
    st.files.elog0 = '#0\n1781092800,i,a,3,256,32,1234.5,60,25.5,30,1,0\n';
    const log = new EventLog(st, clock, { perBlock: 5, blocks: 3 });
    expect(logRange(log)).toEqual({ min: 0, max: 0 });
    log.add(entry(2, { elapsed: 7 }));
    expect(logRange(log)).toEqual({ min: 0, max: 1 });
    expect(logBlock(log, 0)!.map((e) => e.evseState)).toEqual([3]);
    expect(logBlock(log, 1)!.map((e) => e.elapsed)).toEqual([7]);
  });
});
