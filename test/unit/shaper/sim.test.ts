// The shaper over the 1-second house-power recording (data/divert/data_shaper.csv).
import * as fs from 'fs';
import * as path from 'path';
import { parseShaperCsv, simulateShaper } from '../../../scripts/shaper-sim';

const FILE = path.resolve(__dirname, '../../../../shared/data/divert/data_shaper.csv');
const maybe = fs.existsSync(FILE) ? test : test.skip;

describe('CurrentShaper on data_shaper.csv', () => {
  maybe('house + car stays under the cap except for one update after each step', () => {
    const rows = parseShaperCsv(fs.readFileSync(FILE, 'utf8'));
    expect(rows.length).toBe(6901);
    const lines: string[] = [];
    for (const cap of [8400, 6000, 4000]) {
      const r = simulateShaper(rows, { cap });
      lines.push(`cap ${cap} W: ${JSON.stringify(r)}`);
      expect(r.overNotAfterStep).toBe(0);
      expect(r.failsafes).toBe(0);
      expect(r.overSeconds).toBeLessThanOrEqual(r.steps);
      if (r.shortestPause >= 0) expect(r.shortestPause).toBeGreaterThanOrEqual(300);
    }
    const tp = simulateShaper(rows, { cap: 15000, threePhase: true });
    lines.push(`three-phase cap 15000 W: ${JSON.stringify(tp)}`);
    expect(tp.overNotAfterStep).toBe(0);
    // the meter's real cadence (~15 s): over the cap for at most one feed interval after a step
    const slow = simulateShaper(rows, { cap: 8400, every: 15 });
    lines.push(`cap 8400 W, 15 s feed: ${JSON.stringify(slow)}`);
    expect(slow.overNotAfterStep).toBe(0);
    console.log(lines.join('\n'));
  });
});
