// Current-shaper simulator (Node only): runs the real CurrentShaper over the 1-second house-power
// recording (data/divert/data_shaper.csv) with a simple car that draws min(claimed max, 32 A) from
// the next second on, and reports claim changes, pauses and every second the house went over the cap.
//   node dist/node/shaper-sim.js <data_shaper.csv> [--cap W] [--every S] [--volts V] [--three-phase]
// The recording's Live_Power (meter, updated about every 15 s) includes the recorded EV; the house
// load without it is Live_Power − EVSE_Current_power taken when Live_Power changes, held until the
// next change (sampling the two columns at other instants mixes readings of different ages).
import * as fs from 'fs';
import { CurrentShaper } from '../src/core/divert/shaper';
import { FakeClock } from '../test/helpers/fake-clock';

export interface ShaperRow {
  t: number;
  /** W without the EV. */
  house: number;
}

export interface ShaperSimOptions {
  cap?: number;
  /** s between live-power samples fed to the shaper (the car and the house still move every second). */
  every?: number;
  volts?: number;
  threePhase?: boolean;
  carMax?: number;
  config?: Record<string, any>;
}

export interface ShaperSimResult {
  seconds: number;
  claims: number;
  pauses: number;
  failsafes: number;
  /** Seconds with the car charging and house + car above the cap, and those not right after a rise of the house load. */
  overSeconds: number;
  overNotAfterStep: number;
  maxOverW: number;
  steps: number;
  /** Seconds when the house alone (no car) was above the cap: nothing the shaper can do. */
  houseOverSeconds: number;
  evKwh: number;
  peakW: number;
  /** Shortest pause (s) that ended within the run; -1 when none did. */
  shortestPause: number;
}

/** `dd/mm/YYYY HH:MM:SS;Live_Power;EVSE_Current_power;…` → rows of the house load without the EV. */
export function parseShaperCsv(text: string): ShaperRow[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const rows: ShaperRow[] = [];
  let live = NaN;
  let house = 0;
  for (const line of lines) {
    const f = line.split(';');
    const m = /^(\d\d)\/(\d\d)\/(\d{4}) (\d\d):(\d\d):(\d\d)$/.exec(f[0] || '');
    if (!m || f.length < 3) continue;
    const t = Date.UTC(+m[3], +m[2] - 1, +m[1], +m[4], +m[5], +m[6]);
    const lp = parseFloat(f[1]);
    const ev = parseFloat(f[2]);
    if (!(lp === live)) {
      live = lp;
      house = Math.max(0, lp - ev);
    }
    rows.push({ t, house });
  }
  return rows;
}

export function simulateShaper(rows: ShaperRow[], opts: ShaperSimOptions = {}): ShaperSimResult {
  const cap = opts.cap ?? 8400;
  const every = opts.every ?? 1;
  const V = opts.volts ?? 230;
  const phases = opts.threePhase ? 3 : 1;
  const carMax = opts.carMax ?? 32;
  const clock = new FakeClock(rows.length ? rows[0].t : 0);
  const claimed: { state?: string; max_current?: number } = {};
  let failsafes = 0;
  const sink = {
    claim(_client: number, priority: number, props: any) {
      claimed.state = props.state;
      claimed.max_current = props.max_current;
      if (priority === 1100) failsafes++;
      return null;
    },
    release() {
      claimed.state = claimed.max_current = undefined;
      return true;
    },
  };
  const shaper = new CurrentShaper(clock, sink);
  shaper.limits(6, carMax);
  shaper.evse({ voltage: V });
  shaper.configure({
    current_shaper_max_pwr: cap,
    current_shaper_smoothing_time: 60,
    current_shaper_min_pause_time: 300,
    current_shaper_data_maxinterval: 120,
    is_threephase: !!opts.threePhase,
    ...opts.config,
    current_shaper_enabled: true,
  });
  shaper.start();
  const r: ShaperSimResult = { seconds: rows.length, claims: 0, pauses: 0, failsafes: 0, overSeconds: 0, overNotAfterStep: 0, maxOverW: 0, steps: 0, houseOverSeconds: 0, evKwh: 0, peakW: 0, shortestPause: -1 };
  let pauseFrom = -1;
  let car = 0;
  let lastStep = -1e9;
  for (let i = 0; i < rows.length; i++) {
    clock.advanceTo(rows[i].t);
    if (i > 0 && rows[i].house > rows[i - 1].house) {
      lastStep = i;
      r.steps++;
    }
    const P = rows[i].house + car * V * phases;
    if (P > r.peakW) r.peakW = P;
    if (rows[i].house > cap) r.houseOverSeconds++;
    if (P > cap && car > 0) {
      r.overSeconds++;
      r.maxOverW = Math.max(r.maxOverW, P - cap);
      // the shaper learns of a step at the next sample: allow up to one feed interval after it
      if (i - lastStep >= every) r.overNotAfterStep++;
    }
    r.evKwh += (car * V * phases) / 3600 / 1000;
    if (i % every === 0) {
      shaper.evse({ amp: car * 1000 });
      shaper.update(P);
    }
    const paused = claimed.state === 'disabled';
    if (paused && pauseFrom < 0) pauseFrom = rows[i].t;
    if (!paused && pauseFrom >= 0) {
      const s = (rows[i].t - pauseFrom) / 1000;
      if (r.shortestPause < 0 || s < r.shortestPause) r.shortestPause = s;
      pauseFrom = -1;
    }
    car = paused ? 0 : Math.min(claimed.max_current ?? carMax, carMax);
  }
  shaper.stop();
  r.claims = shaper.claims;
  r.pauses = shaper.pauses;
  r.failsafes = failsafes;
  r.evKwh = Math.round(r.evKwh * 100) / 100;
  r.maxOverW = Math.round(r.maxOverW);
  r.peakW = Math.round(r.peakW);
  return r;
}

export function main(argv: string[]): number {
  const file = argv.find((a) => !a.startsWith('--') && !/^\d/.test(a));
  if (!file) {
    console.error('usage: shaper-sim <data_shaper.csv> [--cap W] [--every S] [--volts V] [--three-phase]');
    return 2;
  }
  const num = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? Number(argv[i + 1]) : undefined;
  };
  const rows = parseShaperCsv(fs.readFileSync(file, 'utf8'));
  const res = simulateShaper(rows, { cap: num('--cap'), every: num('--every'), volts: num('--volts'), threePhase: argv.indexOf('--three-phase') >= 0 });
  console.log(JSON.stringify(res));
  return res.overNotAfterStep ? 1 : 0;
}

if (/shaper-sim\.[jt]s$/.test(process.argv[1] || '')) process.exitCode = main(process.argv.slice(2));
