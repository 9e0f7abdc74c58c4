// The divert simulator on the recordings: compat mode against the reference's golden figures
// (ref §6.1, under its conditions: --ref), every recording in both modes, the CSV formats.
import * as fs from 'fs';
import * as path from 'path';
import { parseCsv, parseDate, simulate, datasetOptions, parseArgs, main } from '../../../scripts/divert-sim';
import { report, table } from '../../../scripts/divert-report';

const DIR = path.resolve(__dirname, '../../../../shared/data/divert');
const haveData = fs.existsSync(DIR);
const maybe = haveData ? test : test.skip;

const CONFIGS: Record<string, any> = {
  default: { divert_PV_ratio: 1.1, divert_attack_smoothing_time: 20, divert_decay_smoothing_time: 600, divert_min_charge_time: 600 },
  noimport: { divert_PV_ratio: 1.1, divert_attack_smoothing_time: 300, divert_decay_smoothing_time: 20, divert_min_charge_time: 600 },
  nowaste: { divert_PV_ratio: 0.5, divert_attack_smoothing_time: 20, divert_decay_smoothing_time: 600, divert_min_charge_time: 600 },
};
// test_divert.py @ v5.1.5: solar, EV, from solar, from grid, charges, min s, max s, total s
const GOLDEN: [string, string, number[]][] = [
  ['almostperfect', 'default', [21.08, 16.91, 16.73, 0.17, 1, 29220, 29220, 29220]],
  ['almostperfect', 'noimport', [21.08, 15.66, 15.57, 0.09, 5, 660, 20400, 26400]],
  ['almostperfect', 'nowaste', [21.08, 21.32, 19.9, 1.42, 1, 37500, 37500, 37500]],
  ['day1', 'default', [10.12, 7.4, 6.72, 0.67, 5, 660, 9780, 13500]],
  ['day1', 'noimport', [10.12, 4.96, 4.71, 0.25, 6, 660, 2460, 7800]],
  ['day1', 'nowaste', [10.12, 11.65, 9.14, 2.51, 3, 720, 17280, 23340]],
];

describe('divert-sim, compat mode vs the OpenEVSE v5 golden results', () => {
  for (const [ds, cfg, g] of GOLDEN) {
    maybe(`${ds} / ${cfg}`, () => {
      const rows = parseCsv(fs.readFileSync(path.join(DIR, ds + '.csv'), 'utf8'));
      const s = simulate(rows, { mode: 'compat', ref: true, config: CONFIGS[cfg] }).summary;
      const got = [s.solar_kwh, s.ev_kwh, s.from_solar_kwh, s.from_grid_kwh, s.charges, s.min_charge_s, s.max_charge_s, s.total_charge_s];
      for (let i = 0; i < 4; i++) expect(Math.abs(got[i] - g[i])).toBeLessThanOrEqual(Math.max(0.02 * g[i], 0.005));
      expect(got[4]).toBe(g[4]);
      // in fact every figure matches exactly
      expect(got).toEqual(g);
    });
  }
});

describe('divert-sim on every recording', () => {
  maybe('both modes run on all recordings; ours switches less and imports less in total', () => {
    const res = report(DIR);
    expect(res.length).toBe(2 * 12);
    const tot = (mode: string, k: 'from_solar_kwh' | 'from_grid_kwh' | 'charges') =>
      res.filter((r) => r.mode === mode).reduce((a, r) => a + r.s[k], 0);
    for (const r of res) {
      expect(r.s.solar_kwh).toBeGreaterThan(0);
      expect(r.s.ev_kwh).toBeCloseTo(r.s.from_solar_kwh + r.s.from_grid_kwh, 1);
      expect(r.s.switches).toBe(2 * r.s.charges);
    }
    expect(tot('default', 'charges')).toBeLessThan(tot('compat', 'charges'));
    expect(tot('default', 'from_grid_kwh')).toBeLessThan(tot('compat', 'from_grid_kwh'));
    expect(tot('default', 'from_solar_kwh')).toBeGreaterThan(tot('compat', 'from_solar_kwh'));
    expect(table(res).split('\n')).toHaveLength(25);
  });

  maybe('a day simulates in well under a second', () => {
    const rows = parseCsv(fs.readFileSync(path.join(DIR, 'almostperfect.csv'), 'utf8'));
    const t = Date.now();
    simulate(rows, { mode: 'default', trace: true });
    expect(Date.now() - t).toBeLessThan(200);
  });

  maybe('grid and voltage columns, `;` and kW', () => {
    const g = parseCsv(fs.readFileSync(path.join(DIR, 'day1_grid_ie.csv'), 'utf8'), datasetOptions('day1_grid_ie.csv'));
    expect(g[0]).toEqual({ t: Date.UTC(2018, 5, 10, 7) / 1000, solar: 167, grid: 19, volts: 240 });
    const v = parseCsv(fs.readFileSync(path.join(DIR, 'solar-vrms.csv'), 'utf8'), datasetOptions('solar-vrms.csv'));
    expect(v[0].volts).toBeCloseTo(249.2);
    const k = parseCsv(fs.readFileSync(path.join(DIR, 'Energy_and_Power_Day_2020-03-22.csv'), 'utf8'), datasetOptions('Energy_and_Power_Day_2020-03-22.csv'));
    expect(k.length).toBeGreaterThan(90);
    expect(Math.max(...k.map((r) => r.solar))).toBeGreaterThan(1000);
    for (let i = 1; i < k.length; i++) expect(k[i].t).toBeGreaterThan(k[i - 1].t);
  });

  maybe('the CLI prints the summary as JSON and writes the trace', () => {
    const out: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((s: any) => (out.push(String(s)), true));
    const trace = path.join(require('os').tmpdir(), 'divert-trace-' + process.pid + '.csv');
    try {
      expect(main([path.join(DIR, 'day1_grid_ie.csv'), '-g', '2', '--mode', 'default', '--json', '--trace', trace])).toBe(0);
    } finally {
      spy.mockRestore();
    }
    const s = JSON.parse(out.join(''));
    expect(Object.keys(s)).toEqual(['solar_kwh', 'ev_kwh', 'from_solar_kwh', 'from_grid_kwh', 'charges', 'min_charge_s', 'max_charge_s', 'total_charge_s', 'switches']);
    const lines = fs.readFileSync(trace, 'utf8').trim().split('\n');
    expect(lines[0]).toMatch(/^Date,Solar,Grid IE,Pilot,Charge Power/);
    expect(lines.length).toBeGreaterThan(600);
    fs.unlinkSync(trace);
  });
});

describe('divert-sim parsing', () => {
  test('every date format of the reference', () => {
    const t = Date.UTC(2020, 2, 16, 6, 40) / 1000;
    expect(parseDate('2020-03-16T06:40:00Z')).toBe(t);
    expect(parseDate('2020-03-16T06:40:00+00:00')).toBe(t);
    expect(parseDate('2020-03-16T08:40:00+02:00')).toBe(t);
    expect(parseDate('2020-03-16 06:40:00')).toBe(t);
    expect(parseDate(String(t))).toBe(t);
    expect(parseDate('16/03/2020 06:40:00')).toBe(t);
    expect(parseDate('12:15 AM')).toBe(Date.UTC(2020, 0, 1, 0, 15) / 1000);
    expect(parseDate('1:30 PM')).toBe(Date.UTC(2020, 0, 1, 13, 30) / 1000);
    expect(parseDate('Date-time string')).toBeNaN();
  });

  test('header, empty and non-numeric rows are skipped', () => {
    const rows = parseCsv('"Unix timestamp", "solar"\n60, 100\n120,\n180, 300\n');
    expect(rows).toEqual([
      { t: 60, solar: 100, grid: 0, volts: 240 },
      { t: 180, solar: 300, grid: 0, volts: 240 },
    ]);
  });

  test('options', () => {
    const a = parseArgs(['x.csv', '--mode', 'compat', '-g', '2', '-v', '230', '--sep', ';', '--kw', '--config', '{"divert_PV_ratio":0.5}']);
    expect(a.opts).toMatchObject({ mode: 'compat', gridCol: 2, voltage: 230, sep: ';', kw: true, config: { divert_PV_ratio: 0.5 } });
    expect(() => parseArgs(['x.csv', '--mode', 'fast'])).toThrow();
  });
});

describe('divert-sim, recorded inputs with events', () => {
  maybe('a feed going silent for 20 minutes at midday pauses the charge, which resumes after', () => {
    const rows = parseCsv(fs.readFileSync(path.join(DIR, 'almostperfect.csv'), 'utf8'));
    const base = simulate(rows, { mode: 'default', stale: 300, trace: true });
    expect(base.summary.charges).toBe(2);
    const mid = rows[Math.floor(rows.length / 2)].t;
    const holed = rows.filter((r) => r.t < mid || r.t > mid + 1200);
    const res = simulate(holed, { mode: 'default', stale: 300, trace: true });
    expect(res.summary.charges).toBe(base.summary.charges + 1);
    // the first row after the hole: not charging, waiting to start again
    const after = res.trace.findIndex((l, i) => i > 0 && holed[i - 1].t > mid);
    expect(res.trace[after]).toMatch(/,0,0,1440(\.0)?,254,/);
    expect(res.trace[after]).toMatch(/,(starting|pause),\d+$/);
  });

  maybe('a cloudy morning: one charge, ridden through the dips; at night nothing charges', () => {
    const rows = parseCsv(fs.readFileSync(path.join(DIR, 'CloudyMorning.csv'), 'utf8'));
    const res = simulate(rows, { mode: 'default', trace: true });
    expect(res.summary.charges).toBe(1);
    const compat = simulate(rows, { mode: 'compat' }).summary;
    expect(res.summary.from_grid_kwh).toBeLessThan(compat.from_grid_kwh + 0.1);
    // rows with no sun (night) never charge
    for (let i = 1; i < res.trace.length; i++) if (rows[i - 1].solar === 0 && rows[Math.max(0, i - 8)].solar === 0) expect(res.trace[i].split(',')[6]).not.toBe('3');
    expect(res.trace.some((l) => /,stopping,\d+$/.test(l))).toBe(true); // a cloud announced a stop that did not happen
  });
});
