// Runs the divert simulator over every recording in a folder, in both modes, and prints a table
// with the summary figures side by side.   node dist/node/divert-report.js [DIR] [--config FILE] [--json]
import * as fs from 'fs';
import * as path from 'path';
import { parseCsv, simulate, datasetOptions, Summary } from './divert-sim';

export function report(dir: string, config?: Record<string, any>): { dataset: string; mode: string; s: Summary }[] {
  const out: { dataset: string; mode: string; s: Summary }[] = [];
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.csv') && f !== 'data_shaper.csv')
    .sort();
  for (const f of files) {
    const base = datasetOptions(f);
    const rows = parseCsv(fs.readFileSync(path.join(dir, f), 'utf8'), base);
    for (const mode of ['compat', 'default'] as const) out.push({ dataset: f.replace(/\.csv$/, ''), mode, s: simulate(rows, { ...base, mode, config }).summary });
  }
  return out;
}

export function table(res: { dataset: string; mode: string; s: Summary }[]): string {
  const head = ['dataset', 'mode', 'solar', 'EV', 'fromPV', 'fromGrid', 'PV%', 'charges', 'min_s', 'max_s', 'total_s', 'switches'];
  const lines = [head];
  for (const r of res) {
    const s = r.s;
    const pct = s.ev_kwh > 0 ? Math.round((100 * s.from_solar_kwh) / s.ev_kwh) + '%' : '-';
    lines.push([r.dataset, r.mode, s.solar_kwh, s.ev_kwh, s.from_solar_kwh, s.from_grid_kwh, pct, s.charges, s.min_charge_s, s.max_charge_s, s.total_charge_s, s.switches].map(String));
  }
  const w = head.map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  return lines.map((l) => l.map((c, i) => (i < 2 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ')).join('\n');
}

export function main(argv: string[]): number {
  let dir = '';
  let config: Record<string, any> | undefined;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--config') config = JSON.parse(fs.readFileSync(argv[++i], 'utf8'));
    else if (argv[i] === '--json') json = true;
    else dir = argv[i];
  }
  if (!dir) {
    for (const d of ['../shared/data/divert', '/work/shared/data/divert', 'data/divert']) if (fs.existsSync(d)) dir = d;
  }
  if (!dir) {
    process.stderr.write('usage: divert-report [DIR] [--config FILE] [--json]\n');
    return 2;
  }
  const res = report(dir, config);
  process.stdout.write((json ? JSON.stringify(res) : table(res)) + '\n');
  return 0;
}

if (/divert-report\.[jt]s$/.test(process.argv[1] || '')) process.exitCode = main(process.argv.slice(2));
