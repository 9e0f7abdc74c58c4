// Divert simulator (Node only): runs the real DivertController over a solar / grid recording on a
// simulated clock, with an emulated charger and car, and prints the reference's summary.
//   node dist/node/divert-sim.js <csv> [--mode compat|default] [--config FILE|JSON] [-d N] [-s N]
//        [-g N] [-v N|VOLTS] [--sep ';'] [--kw] [--ref] [--stale S] [--trace out.csv] [--json]
// Conditions: by default the car draws the pilot at once and the controller sees its current, and
// in grid mode the recorded grid_ie (taken without the EV) gets the EV's power added. `--ref` gives
// the reference simulator's conditions (ref §6.1): the charger reports 0 A and grid_ie is used raw.
// The charger is a thin model behind the DivertSink interface (no RAPI, no ClaimsArbiter): it
// applies a claim at once, as the reference's fake RapiSender does; the arbiter path is covered by
// test/integration/divert-emulator.test.ts.
import * as fs from 'fs';
import { DivertController, DIVERT_ECO } from '../src/core/divert/controller';

export interface SimOptions {
  mode?: 'compat' | 'default';
  config?: Record<string, any>;
  dateCol?: number;
  solarCol?: number;
  gridCol?: number;
  /** A column index (< 50) or fixed volts. */
  voltage?: number;
  sep?: string;
  kw?: boolean;
  ref?: boolean;
  /** Staleness limit (s) for the run; default: the controller's, raised to 3 row intervals. */
  stale?: number;
  trace?: boolean;
}

export interface Row {
  t: number;
  solar: number;
  grid: number;
  volts: number;
}

export interface Summary {
  solar_kwh: number;
  ev_kwh: number;
  from_solar_kwh: number;
  from_grid_kwh: number;
  charges: number;
  min_charge_s: number;
  max_charge_s: number;
  total_charge_s: number;
  switches: number;
}

/** Seconds since the epoch from any of the reference's date formats, or NaN. */
export function parseDate(s: string): number {
  s = s.trim().replace(/^"|"$/g, '');
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  let m = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d)(?::(\d\d))?(Z|[+-]\d\d:?\d\d)?$/.exec(s);
  if (m) {
    let t = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0)) / 1000;
    if (m[7] && m[7] !== 'Z') {
      const sign = m[7][0] === '-' ? -1 : 1;
      const hh = +m[7].slice(1, 3);
      const mm = +m[7].slice(-2);
      t -= sign * (hh * 3600 + mm * 60);
    }
    return t;
  }
  m = /^(\d\d?)\/(\d\d?)\/(\d{4}) (\d\d?):(\d\d)(?::(\d\d))?$/.exec(s);
  if (m) return Date.UTC(+m[3], +m[2] - 1, +m[1], +m[4], +m[5], +(m[6] || 0)) / 1000;
  m = /^(\d\d?):(\d\d)(?::(\d\d))? *([AaPp])[Mm]$/.exec(s);
  if (m) {
    let h = +m[1] % 12;
    if (m[4].toUpperCase() === 'P') h += 12;
    return Date.UTC(2020, 0, 1, h, +m[2], +(m[3] || 0)) / 1000;
  }
  return NaN;
}

function num(s: string | undefined): number {
  const t = (s || '').trim().replace(/^"|"$/g, '');
  return t === '' ? NaN : Number(t);
}

/** The rows of a recording; header and non-numeric rows are skipped, as the reference does. */
export function parseCsv(text: string, o: SimOptions = {}): Row[] {
  const sep = o.sep || ',';
  const dc = o.dateCol ?? 0;
  const sc = o.solarCol ?? 1;
  const scale = o.kw ? 1000 : 1;
  const vcol = o.voltage !== undefined && o.voltage < 50 ? o.voltage : -1;
  const fixedV = o.voltage !== undefined && o.voltage >= 50 ? o.voltage : 240;
  const rows: Row[] = [];
  let last = -Infinity;
  for (const line of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    if (!line.trim()) continue;
    const f = line.split(sep);
    let t = parseDate(f[dc] || '');
    const solar = num(f[sc]) * scale;
    if (!isFinite(t) || !isFinite(solar)) continue;
    const grid = o.gridCol !== undefined ? num(f[o.gridCol]) * scale : 0;
    if (!isFinite(grid)) continue;
    const volts = vcol >= 0 ? num(f[vcol]) : fixedV;
    // 12-hour clock files wrap past midnight: keep time monotonic
    while (t <= last && last - t > 12 * 3600) t += 86400;
    last = t;
    rows.push({ t, solar, grid, volts: isFinite(volts) && volts > 50 ? volts : fixedV });
  }
  return rows;
}

/** The emulated charger and car: applies a claim at once; the car takes whatever the pilot offers. */
class SimCharger {
  state = 2; // connected
  pilot = 32;
  claim(_client: number, _prio: number, p: any): string | null {
    if (p.state === 'active') {
      this.state = 3;
      if (typeof p.charge_current === 'number') this.pilot = Math.max(6, Math.min(32, p.charge_current));
    } else if (p.state === 'disabled') this.state = 254;
    return null;
  }
  release(_c: number): boolean {
    this.state = 3;
    this.pilot = 32;
    return true;
  }
}

export interface SimResult {
  summary: Summary;
  trace: string[];
}

function r2(x: number) {
  return Math.round(x * 100) / 100;
}

export function simulate(rows: Row[], o: SimOptions = {}): SimResult {
  const clock = { now: () => 0, setTimeout: () => 0, clearTimeout() {}, setInterval: () => 0, clearInterval() {} };
  const charger = new SimCharger();
  const ctl = new DivertController(clock as any, charger);
  const grid = o.gridCol !== undefined;
  ctl.configure(Object.assign({}, o.config || {}, { divert_mode_algorithm: o.mode || 'default', divert_type: grid ? 1 : 0 }));
  ctl.limits(6, 32);
  let step = 60;
  if (rows.length > 2) step = rows[rows.length - 1].t - rows[0].t > 0 ? (rows[rows.length - 1].t - rows[0].t) / (rows.length - 1) : 60;
  ctl.staleTime = o.stale ?? Math.max(ctl.staleTime, 3 * step);
  const useVrms = o.voltage !== undefined && o.voltage < 50;
  const trace: string[] = [];
  if (o.trace) trace.push('Date,Solar,Grid IE,Pilot,Charge Power,Min Charge Power,State,Smoothed Available,Reason,Countdown');
  const s: Summary = { solar_kwh: 0, ev_kwh: 0, from_solar_kwh: 0, from_grid_kwh: 0, charges: 0, min_charge_s: 0, max_charge_s: 0, total_charge_s: 0, switches: 0 };
  let chargeStart = -1;
  let prevT = NaN;
  let minS = Infinity;
  let maxS = 0;
  const endCharge = (t: number) => {
    const d = t - chargeStart;
    s.charges++;
    s.total_charge_s += d;
    minS = Math.min(minS, d);
    maxS = Math.max(maxS, d);
    chargeStart = -1;
  };
  if (rows.length) {
    // a fixed or measured voltage is the controller's; the charger says 240 V otherwise
    ctl.evse({ state: charger.state, amp: 0, voltage: useVrms ? 0 : rows[0].volts }, rows[0].t * 1000);
    ctl.setMode(DIVERT_ECO);
  }
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    const ms = r.t * 1000;
    // staleness between samples: the controller's timer would fire staleTime after the last feed
    if (i > 0 && (r.t - prevT) * 1000 > ctl.staleTime * 1000) ctl.check(prevT * 1000 + ctl.staleTime * 1000);
    // the monitor reports the charger's state of the previous row now (it polls), as in the reference
    ctl.evse({ state: charger.state, amp: o.ref || charger.state !== 3 ? 0 : charger.pilot * 1000 }, ms);
    if (useVrms) ctl.setVrms(r.volts, ms);
    const evW = charger.state === 3 ? charger.pilot * r.volts : 0;
    if (grid) ctl.update('grid_ie', o.ref ? r.grid : r.grid + evW, ms);
    else ctl.update('solar', r.solar, ms);
    const charging = charger.state === 3;
    const charge = charging ? charger.pilot * r.volts : 0;
    if (charging && chargeStart < 0) {
      chargeStart = r.t;
      s.switches++;
    } else if (!charging && chargeStart >= 0) {
      endCharge(r.t);
      s.switches++;
    }
    if (i > 0) {
      const dt = (r.t - prevT) / 3600;
      const fromSolar = Math.min(Math.max(r.solar, 0), charge);
      s.solar_kwh += (r.solar * dt) / 1000;
      s.ev_kwh += (charge * dt) / 1000;
      s.from_solar_kwh += (fromSolar * dt) / 1000;
      s.from_grid_kwh += ((charge - fromSolar) * dt) / 1000;
    }
    prevT = r.t;
    if (o.trace) {
      const d = new Date(ms).toISOString();
      const date = d.slice(8, 10) + '/' + d.slice(5, 7) + '/' + d.slice(0, 4) + ' ' + d.slice(11, 19);
      trace.push(
        [date, r.solar, grid ? r.grid : '', charging ? charger.pilot : 0, charge, 6 * r.volts, charger.state, Math.round(ctl.smoothed * ctl.voltage), ctl.reason, ctl.countdown].join(','),
      );
    }
  }
  if (chargeStart >= 0) endCharge(prevT);
  s.min_charge_s = s.charges ? minS : 0;
  s.max_charge_s = maxS;
  s.solar_kwh = r2(s.solar_kwh);
  s.ev_kwh = r2(s.ev_kwh);
  s.from_solar_kwh = r2(s.from_solar_kwh);
  s.from_grid_kwh = r2(s.from_grid_kwh);
  return { summary: s, trace };
}

/** Parses the CLI (the reference's short options and ours). */
export function parseArgs(argv: string[]): { file: string; opts: SimOptions; json: boolean; traceFile: string } {
  const opts: SimOptions = {};
  let file = '';
  let json = false;
  let traceFile = '';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(a + ' needs a value');
      return argv[++i];
    };
    switch (a) {
      case '--mode':
      case '-m': {
        const m = next();
        if (m !== 'compat' && m !== 'default') throw new Error('--mode is compat or default');
        opts.mode = m;
        break;
      }
      case '--config':
      case '-c': {
        const v = next();
        opts.config = JSON.parse(v.trim().startsWith('{') ? v : fs.readFileSync(v, 'utf8'));
        if (opts.config && (opts.config as any).config) opts.config = (opts.config as any).config;
        break;
      }
      case '-d':
      case '--date-col':
        opts.dateCol = +next();
        break;
      case '-s':
      case '--solar-col':
        opts.solarCol = +next();
        break;
      case '-g':
      case '--grid-col':
        opts.gridCol = +next();
        break;
      case '-v':
      case '--voltage':
        opts.voltage = +next();
        break;
      case '--sep':
        opts.sep = next();
        break;
      case '--kw':
        opts.kw = true;
        break;
      case '--ref':
        opts.ref = true;
        break;
      case '--stale':
        opts.stale = +next();
        break;
      case '--trace':
      case '-o':
        traceFile = next();
        opts.trace = true;
        break;
      case '--json':
        json = true;
        break;
      default:
        if (a.startsWith('-') || file) throw new Error('unknown argument ' + a);
        file = a;
    }
  }
  if (!file) throw new Error('usage: divert-sim <csv> [--mode compat|default] [--config FILE] [-g COL] [-v COL|VOLTS] [--sep ;] [--kw] [--ref] [--trace out.csv] [--json]');
  return { file, opts, json, traceFile };
}

/** The reference's CLI per dataset (ref §6.1 data table). */
export function datasetOptions(name: string): SimOptions {
  if (/_grid_ie\.csv$/.test(name)) return { gridCol: 2 };
  if (/solar-vrms\.csv$/.test(name)) return { voltage: 2 };
  if (/^Energy_and_Power/.test(name.replace(/.*\//, ''))) return { sep: ';', kw: true };
  return {};
}

export function formatSummary(s: Summary): string {
  return [
    'Solar: ' + s.solar_kwh + ' kWh',
    'EV: ' + s.ev_kwh + ' kWh',
    'From solar: ' + s.from_solar_kwh + ' kWh',
    'From grid: ' + s.from_grid_kwh + ' kWh',
    'Charges: ' + s.charges,
    'Charge time min/max/total: ' + s.min_charge_s + ' / ' + s.max_charge_s + ' / ' + s.total_charge_s + ' s',
    'Relay switches: ' + s.switches,
  ].join('\n');
}

export function main(argv: string[]): number {
  try {
    const { file, opts, json, traceFile } = parseArgs(argv);
    const rows = parseCsv(fs.readFileSync(file, 'utf8'), opts);
    const res = simulate(rows, opts);
    if (traceFile) fs.writeFileSync(traceFile, res.trace.join('\n') + '\n');
    process.stdout.write((json ? JSON.stringify(res.summary) : formatSummary(res.summary)) + '\n');
    return 0;
  } catch (e: any) {
    process.stderr.write('divert-sim: ' + (e && e.message ? e.message : e) + '\n');
    return 2;
  }
}

if (/divert-sim\.[jt]s$/.test(process.argv[1] || '')) process.exitCode = main(process.argv.slice(2));
