// The main screen: what the charger is doing, who decided it, and the controls.
import { h } from 'preact';
import { useState } from 'preact/hooks';
import { api, why, useStatus, useFetch, merge, points, chart, HISTORY_MS, Reply } from './api';
import { Card, Feature, focus } from './ui';

export var STATES: { [n: number]: string } = {
  0: 'Starting',
  1: 'Ready, no car',
  2: 'Car connected',
  3: 'Charging',
  4: 'Error: vent required',
  5: 'Error: diode check',
  6: 'Error: GFCI fault',
  7: 'Error: no ground',
  8: 'Error: stuck relay',
  9: 'Error: GFCI self-test',
  10: 'Error: over temperature',
  11: 'Error: over current',
  254: 'Sleeping',
  255: 'Disabled',
};

function n(v: any, digits: number, unit: string): string {
  return typeof v === 'number' ? v.toFixed(digits) + ' ' + unit : '–';
}
function temp(v: any): string {
  return typeof v === 'number' ? (v / 10).toFixed(1) + ' °C' : '–';
}
function dur(s: any): string {
  if (typeof s !== 'number') return '–';
  var m = Math.floor(s / 60);
  return Math.floor(m / 60) + ' h ' + ('0' + (m % 60)).slice(-2) + ' min';
}

function tone(state: number): string {
  return state === 3 ? 'charging' : state >= 4 && state <= 11 ? 'error' : state === 2 ? 'connected' : state >= 254 ? 'paused' : 'ready';
}

/** Who a claim's client is, for people. */
var WHO: { [k: string]: string } = { manual: 'you (manual)', default: 'default settings', divert: 'Eco mode', schedule: 'a timer', limit: 'the limit' };
function who(n: string): string {
  return WHO[n] || n;
}

export function Charge() {
  var s = useStatus();
  return (
    <div class="grid">
      <Card title="Status" id="status">
        <p class={'state ' + tone(s.state)} role="status">
          {s.state === undefined ? 'Connecting…' : STATES[s.state] || 'State ' + s.state}
        </p>
        <Control />
        <dl class="values">
          <dt>Current</dt>
          <dd id="v-current">{n(s.amp !== undefined ? s.amp / 1000 : undefined, 1, 'A')}</dd>
          <dt>Power</dt>
          <dd id="v-power">{n(s.power !== undefined ? s.power / 1000 : undefined, 2, 'kW')}</dd>
          <dt>Pilot</dt>
          <dd id="v-pilot">{n(s.pilot, 0, 'A')}</dd>
          <dt>Session</dt>
          <dd>{n(s.session_energy !== undefined ? s.session_energy / 1000 : undefined, 2, 'kWh')}</dd>
          <dt>Elapsed</dt>
          <dd>{dur(s.session_elapsed !== undefined ? s.session_elapsed : s.elapsed)}</dd>
          <dt>Vehicle SoC</dt>
          <dd>{n(s.battery_level, 0, '%')}</dd>
          <dt>Temperature</dt>
          <dd id="v-temp">{temp(s.temp)}</dd>
          {[1, 2, 3].map((i) =>
            // (false or 0: no such sensor)
            s['temp' + i] ? [<dt>Sensor {i}</dt>, <dd id={'v-temp' + i}>{temp(s['temp' + i])}</dd>] : null
          )}
          <dt>Voltage</dt>
          <dd>{n(s.voltage, 0, 'V')}</dd>
        </dl>
      </Card>
      <Card title="Power, last hours" id="chart">
        <Chart />
      </Card>
      <Card title="Mode">
        <Mode />
      </Card>
      <Feature path="/limit" title="Session limit" id="limit">
        {function () {
          return <Limit />;
        }}
      </Feature>
      <Feature path="/schedule" title="Timers" id="timers">
        {function () {
          return <Timers />;
        }}
      </Feature>
      <Card title="Energy">
        <dl class="values">
          <dt>Today</dt>
          <dd>{n(s.total_day, 1, 'kWh')}</dd>
          <dt>This week</dt>
          <dd>{n(s.total_week, 1, 'kWh')}</dd>
          <dt>This month</dt>
          <dd>{n(s.total_month, 1, 'kWh')}</dd>
          <dt>This year</dt>
          <dd>{n(s.total_year, 1, 'kWh')}</dd>
          <dt>Total</dt>
          <dd>{n(s.total_energy, 1, 'kWh')}</dd>
          <dt>Max temperature</dt>
          <dd>{temp(s.temp_max)}</dd>
        </dl>
      </Card>
    </div>
  );
}

/** Start / pause / automatic, the charge current, and the line saying who is in control. */
function Control() {
  var s = useStatus();
  var key = s.claims_version + '/' + s.override_version + '/' + s.status + '/' + s.pilot;
  var ov = useFetch('/override', key);
  var tg = useFetch('/claims/target', key);
  var cfg = useFetch('/config', s.config_version);
  var err = useState('');
  var amps = useState<number | null>(null);
  var o = ov && ov.ok ? ov.data : {};
  var t = tg && tg.ok ? tg.data : null;
  var c = cfg && cfg.ok ? cfg.data : {};
  var min = c.min_current_hard || 6;
  var max = c.max_current_soft || c.max_current_hard || 32;
  var cur = amps[0] !== null ? amps[0] : o.charge_current || (t ? t.pilot : max);

  function send(method: string, body?: any) {
    api('/override', method, body).then(function (r) {
      err[1](r.ok ? '' : why(r));
      amps[1](null);
    });
  }
  function set(props: any) {
    var p: any = {};
    for (var k in o) if (k !== 'auto_release') p[k] = o[k];
    for (k in props) p[k] = props[k];
    send('POST', p);
  }
  var active = t ? t.properties.state === 'active' : s.status === 'active';
  var auto = !o.state && !o.charge_current;
  return (
    <div class="control">
      <p id="who" class="who">
        {t ? (
          <span>
            {active ? 'Charging allowed' : 'Paused'} by <b>{who(t.names.state)}</b>; {t.pilot} A set by <b>{who(t.names.pilot)}</b>
          </span>
        ) : (
          '\u00a0'
        )}
      </p>
      <div class="buttons" role="group" aria-label="Charging">
        <button id="start" class={o.state === 'active' ? 'on' : ''} aria-pressed={o.state === 'active'} onClick={() => set({ state: 'active' })}>
          Start
        </button>
        <button id="pause" class={o.state === 'disabled' ? 'on' : ''} aria-pressed={o.state === 'disabled'} onClick={() => set({ state: 'disabled' })}>
          Pause
        </button>
        <button id="auto" class={auto ? 'on' : ''} aria-pressed={auto} onClick={() => send('DELETE')}>
          Automatic
        </button>
      </div>
      <label class="slider">
        Charge current <output id="amps">{cur} A</output>
        <input
          id="current"
          type="range"
          min={min}
          max={max}
          step="1"
          value={cur}
          onInput={(e) => amps[1](+(e.target as HTMLInputElement).value)}
          onChange={(e) => set({ charge_current: +(e.target as HTMLInputElement).value })}
        />
      </label>
      {err[0] && <p class="error">{err[0]}</p>}
    </div>
  );
}

/** Normal / Eco (solar divert); in Eco, why it is charging or waiting. */
function Mode() {
  var s = useStatus();
  var msg = useState('');
  var eco = s.divertmode === 2;
  function mode(m: string) {
    api('/config', 'POST', { charge_mode: m }).then(function (r) {
      msg[1](r.ok ? '' : why(r));
      if (r.ok) merge({ divertmode: m === 'eco' ? 2 : 1 });
    });
  }
  var reason = '';
  if (eco) {
    var have = s.solar !== undefined || s.grid_ie !== undefined;
    if (!have) reason = 'Waiting: no solar or grid reading has arrived yet (MQTT or POST /status).';
    else if (s.divert_reason !== undefined) reason = divertWhy(s);
    else if (s.charge_rate >= 6)
      reason = 'Charging at ' + s.charge_rate + ' A from surplus solar (' + (s.solar !== undefined ? 'solar ' + s.solar + ' W' : 'grid ' + s.grid_ie + ' W') + ').';
    else reason = 'Waiting: not enough surplus solar (' + (s.solar !== undefined ? 'solar ' + s.solar + ' W' : 'grid ' + s.grid_ie + ' W') + ').';
  }
  return (
    <div>
      <div class="buttons" role="group" aria-label="Charge mode">
        <button id="normal" class={!eco ? 'on' : ''} aria-pressed={!eco} onClick={() => mode('fast')}>
          Normal
        </button>
        <button id="eco" class={eco ? 'on' : ''} aria-pressed={eco} onClick={() => mode('eco')}>
          Eco (solar)
        </button>
      </div>
      <p id="eco-why" class="hint">{eco ? reason : 'Charges at the set current whenever the car asks.'}</p>
      {msg[0] && <p class="error">{msg[0]}</p>}
    </div>
  );
}

/** The divert controller's reason (src/core/divert/controller.ts) and countdown, for people. */
var REASONS: { [k: string]: string } = {
  waiting: 'Waiting for a solar or grid reading',
  'feed stale': 'Waiting: the solar or grid reading is out of date',
  charging: 'Charging from surplus solar',
  'charging at minimum': 'Charging at the minimum current',
  'min charge time': 'Charging for the minimum time',
  pause: 'Pausing before trying again',
  starting: 'Enough surplus: starts',
  'not enough surplus': 'Waiting: not enough surplus solar',
  'no surplus': 'Waiting: no surplus solar',
  stopping: 'Surplus gone: stops',
  off: 'Eco mode is off',
};
function divertWhy(s: any): string {
  var r = s.divert_reason;
  var t = REASONS[r] || r;
  var c = s.divert_countdown;
  if (c > 0) t += r === 'starting' || r === 'stopping' ? ' ' + inTime(c) : ' (' + inTime(c).slice(3) + ' left)';
  if (r === 'charging' || r === 'charging at minimum') t += ' at ' + s.charge_rate + ' A';
  var src = s.solar !== undefined ? 'solar ' + s.solar + ' W' : s.grid_ie !== undefined ? 'grid ' + s.grid_ie + ' W' : '';
  return t + (src ? ' (' + src + ').' : '.');
}

function Limit() {
  var s = useStatus();
  var cur = useFetch('/limit', s.limit_version);
  var type = useState('time');
  var val = useState('');
  var err = useState('');
  var l = cur && cur.ok && cur.data && cur.data.type ? cur.data : null;
  function done(r: Reply) {
    err[1](r.ok ? '' : why(r));
    if (r.ok) {
      val[1]('');
      api('/status').then((x) => x.ok && merge(x.data)); // limit_version may come over /ws too
    }
  }
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        var v = parseFloat(val[0]);
        if (!(v > 0)) return err[1]('Enter a number above 0');
        // the UI speaks kWh, the API Wh
        api('/limit', 'POST', { type: type[0], value: type[0] === 'energy' ? Math.round(v * 1000) : Math.round(v), auto_release: true }).then(done);
      }}
    >
      <div id="limit-now" class="now split">
        {l ? (
          <span>
            Stops after <b>{limitText(l)}</b>
            {l.auto_release === false ? '' : ' (this session)'}
          </span>
        ) : (
          'No limit: charges until the car is full.'
        )}
        {l && (
          <button
            type="button"
            id="limit-clear"
            class="small"
            onClick={() =>
              api('/limit', 'DELETE').then((r) => {
                done(r);
                // the button goes with the limit: the keyboard goes on where a new one is typed
                if (r.ok) focus('limit-value');
              })
            }
          >
            Clear
          </button>
        )}
      </div>
      <div class="row">
        <select id="limit-type" aria-label="Limit type" value={type[0]} onChange={(e) => type[1]((e.target as HTMLSelectElement).value)}>
          <option value="time">Minutes</option>
          <option value="energy">kWh</option>
        </select>
        <input
          id="limit-value"
          aria-label="Limit value"
          aria-invalid={err[0] ? 'true' : undefined}
          aria-describedby="limit-err"
          type="number"
          min="0"
          step="any"
          style="width:6em"
          value={val[0]}
          onInput={(e) => val[1]((e.target as HTMLInputElement).value)}
        />
        <button id="limit-set">Set</button>
      </div>
      <p id="limit-err" class="error" role="alert">
        {err[0]}
      </p>
    </form>
  );
}

function limitText(l: any): string {
  var v = l.value;
  if (l.type === 'energy') return +(v / 1000).toFixed(2) + ' kWh';
  if (l.type === 'time') return v >= 60 ? Math.floor(v / 60) + ' h ' + (v % 60) + ' min' : v + ' min';
  if (l.type === 'soc') return v + ' % battery';
  return v + ' ' + (l.type === 'range' ? 'km range' : l.type);
}

// API day names (the scheduler takes sunday..saturday); shown Monday first
var DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
var SUN_FIRST = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
function short(d: string): string {
  return d.charAt(0).toUpperCase() + d.slice(1, 3);
}
function days(list: string[]): string {
  return list.length === 7 ? 'every day' : DAYS.filter((d) => list.indexOf(d) >= 0).map(short).join(' ');
}
/** "in 3 min", "in 2 h 05 min" */
function inTime(sec: number): string {
  if (sec < 60) return 'in ' + Math.max(0, Math.round(sec)) + ' s';
  var m = Math.ceil(sec / 60);
  return m < 60 ? 'in ' + m + ' min' : 'in ' + dur(m * 60);
}
// The delay timer is the pair of daily events with these ids (start, stop): setting it again
// replaces them, and ordinary timers get other ids.
var DELAY_START = 90,
  DELAY_STOP = 91;

function Timers() {
  var s = useStatus();
  var r = useFetch('/schedule', s.schedule_version);
  var plan = useFetch('/schedule/plan', s.schedule_plan_version + '/' + s.schedule_version);
  var list: any[] = r && r.ok && r.data instanceof Array ? r.data : [];
  var st = useState('active');
  var time = useState('');
  var sel = useState<string[]>(DAYS.slice(0, 5));
  var err = useState('');
  var d1 = useState('');
  var d2 = useState('');
  var derr = useState('');
  var msg = useState('');
  function refresh(r: Reply, set: (m: string) => void) {
    set(r.ok ? '' : why(r));
    if (r.ok) api('/status').then((x) => x.ok && merge(x.data));
    return r.ok;
  }
  function add(e: Event) {
    e.preventDefault();
    if (!time[0]) return err[1]('Choose a time');
    if (!sel[0].length) return err[1]('Choose at least one day');
    var id = 1;
    for (var i = 0; i < list.length; i++) if (list[i].id >= id) id = list[i].id + 1;
    if (id === DELAY_START || id === DELAY_STOP) id = DELAY_STOP + 1;
    api('/schedule/' + id, 'POST', { state: st[0], time: time[0], days: sel[0] }).then((r) => {
      if (refresh(r, err[1])) msg[1]('Timer added');
    });
  }
  function delay(e: Event) {
    e.preventDefault();
    if (!d1[0] || !d2[0]) return derr[1]('Choose both times');
    if (d1[0] === d2[0]) return derr[1]('Start and stop must differ');
    api('/schedule', 'POST', [
      { id: DELAY_START, state: 'active', time: d1[0], days: DAYS },
      { id: DELAY_STOP, state: 'disabled', time: d2[0], days: DAYS },
    ]).then((r) => {
      if (refresh(r, derr[1])) msg[1]('Delay timer set: charges from ' + d1[0] + ' to ' + d2[0]);
    });
  }
  var nx = plan && plan.ok ? plan.data : {};
  var ne = nx.next_event;
  return (
    <div>
      <p id="next-event" class="now">
        {ne ? (
          <span>
            Next: <b>{ne.state === 'active' ? 'start' : 'stop'}</b> {SUN_FIRST[ne.day]} {ne.time.slice(0, 5)}
            {typeof nx.next_event_delay === 'number' ? ' (' + inTime(nx.next_event_delay) + ')' : ''}
          </span>
        ) : (
          'No timers: the charger follows the other controls.'
        )}
      </p>
      {list.length > 0 && (
        <ul id="timer-list" class="list">
          {list.map((t, i) => (
            <li key={t.id}>
              <span>
                <b>{t.state === 'active' ? 'Start' : 'Stop'}</b> {t.time.slice(0, 5)} {days(t.days)}
                {t.id === DELAY_START || t.id === DELAY_STOP ? ' (delay)' : ''}
              </span>
              <button
                type="button"
                class="small"
                id={'timer-del-' + t.id}
                aria-label={'Delete timer ' + t.id + ' (' + t.state + ' ' + t.time + ')'}
                data-id={t.id}
                onClick={() =>
                  api('/schedule/' + t.id, 'DELETE').then((r) => {
                    // the focused button goes with its timer: on to the next one's, else the form
                    var nb = list[i + 1] || list[i - 1];
                    if (refresh(r, msg[1])) focus(nb ? 'timer-del-' + nb.id : 'timer-state');
                  })
                }
              >
                Delete
              </button>
            </li>
          ))}
        </ul>
      )}
      <form id="timer-add" onSubmit={add}>
        <div class="row">
          <select id="timer-state" aria-label="Timer action" value={st[0]} onChange={(e) => st[1]((e.target as HTMLSelectElement).value)}>
            <option value="active">Start</option>
            <option value="disabled">Stop</option>
          </select>
          <input id="timer-time" type="time" aria-label="Time" required aria-invalid={err[0] ? 'true' : undefined} aria-describedby="timer-err" value={time[0]} onInput={(e) => time[1]((e.target as HTMLInputElement).value)} />
        </div>
        <div class="days" role="group" aria-label="Days">
          {DAYS.map((d) => (
            <label>
              <input
                type="checkbox"
                name={d}
                checked={sel[0].indexOf(d) >= 0}
                onChange={(e) => sel[1]((e.target as HTMLInputElement).checked ? sel[0].concat(d) : sel[0].filter((x) => x !== d))}
              />
              {short(d)}
            </label>
          ))}
        </div>
        <button id="timer-save" class="gap">Add timer</button>
        <p id="timer-err" class="error" role="alert">
          {err[0]}
        </p>
      </form>
      <form id="delay" onSubmit={delay}>
        <p class="hint">Delay timer: charge every day only between</p>
        <div class="row">
          <label>
            <input id="delay-start" aria-invalid={derr[0] ? 'true' : undefined} aria-describedby="delay-err" aria-label="Delay timer start" type="time" value={d1[0]} onInput={(e) => d1[1]((e.target as HTMLInputElement).value)} />
          </label>
          <label>
            and <input id="delay-stop" aria-invalid={derr[0] ? 'true' : undefined} aria-describedby="delay-err" aria-label="Delay timer stop" type="time" value={d2[0]} onInput={(e) => d2[1]((e.target as HTMLInputElement).value)} />
          </label>
          <button id="delay-set">Set</button>
        </div>
        <p id="delay-err" class="error" role="alert">
          {derr[0]}
        </p>
      </form>
      <p id="timer-msg" class="hint" role="status">
        {msg[0]}
      </p>
    </div>
  );
}

/**
 * Charging power, and solar (or else grid import/export) power, over the last hours in SVG: lines
 * over a fixed 600×160 box scaled by CSS, broken where a value is missing.
 */
function Chart() {
  useStatus();
  var W = 600,
    H = 160;
  var now = Date.now();
  var span = Math.max(3600e3, Math.min(HISTORY_MS, points.length ? now - (points[0][0] as number) : 0));
  // the second line: solar when there is any, else the grid
  var k2 = 0;
  var top = 1000,
    bot = 0;
  for (var i = 0; i < points.length; i++) {
    var p = points[i];
    if (p[2] !== null) k2 = 2;
    else if (p[3] !== null && !k2) k2 = 3;
  }
  for (i = 0; i < points.length; i++)
    for (var j = 1; j < 4; j++) {
      var v = points[i][j];
      if (v === null || (j > 1 && j !== k2)) continue;
      if (v > top) top = v;
      if (v < bot) bot = v;
    }
  top = Math.ceil(top / 1000) * 1000;
  bot = Math.floor(bot / 1000) * 1000;
  var x = (t: number) => ((W * (t - now + span)) / span).toFixed(1);
  var y = (w: number) => ((H * (top - w)) / (top - bot)).toFixed(1);
  /** The runs of series `k` as SVG point lists; a run that reaches now goes on to the right edge. */
  function runs(k: number): string[] {
    var out: string[] = [],
      cur: string[] = [],
      prev = -Infinity,
      lastY = '';
    for (var i = 0; i <= points.length; i++) {
      var p = points[i];
      var v = p ? p[k] : null;
      if (v === null || (p[0] as number) - prev > chart.gap) {
        if (cur.length) out.push(cur.join(' ') + (!p && now - prev < chart.gap ? ' ' + W + ',' + lastY : ''));
        cur = [];
      }
      if (v !== null) {
        cur.push(x(p[0] as number) + ',' + (lastY = y(v)));
        prev = p[0] as number;
      }
    }
    return out;
  }
  var zero = y(0);
  var hours = span / 3600e3;
  var ticks: number[] = [];
  for (var t = 0; t <= hours; t++) ticks.push(t);
  var tx = (t: number) => W - (W * t * 3600e3) / span;
  var name = k2 === 2 ? 'solar' : 'grid';
  return (
    <svg viewBox={'0 0 ' + W + ' ' + (H + 26)} class="chart" role="img" aria-label={'Charging power' + (k2 ? ' and ' + name + ' power' : '') + ' over the last hours'}>
      {ticks.map((t) => (
        <line x1={tx(t)} y1="0" x2={tx(t)} y2={H} class="grid" />
      ))}
      <line x1="0" y1="1" x2={W} y2="1" class="grid" />
      <line x1="0" y1={H} x2={W} y2={H} class="axis" />
      {bot < 0 && <line x1="0" y1={zero} x2={W} y2={zero} class="axis" />}
      <text x="4" y="22">
        {top / 1000} kW
      </text>
      {bot < 0 && (
        <text x="4" y={H - 6}>
          {bot / 1000} kW
        </text>
      )}
      <text x={W - 4} y="22" text-anchor="end">
        <tspan class="t1">■ charging</tspan>
        {k2 ? <tspan class={'t' + k2}>{k2 === 2 ? '  ■ solar' : '  ■ grid (− export)'}</tspan> : null}
      </text>
      {ticks.map((t) => (
        <text x={tx(t)} y={H + 24} text-anchor={t === 0 ? 'end' : tx(t) < 40 ? 'start' : 'middle'}>
          {t === 0 ? 'now' : '−' + t + ' h'}
        </text>
      ))}
      {runs(1).map((r) => (
        <polygon points={r + ' ' + r.slice(r.lastIndexOf(' ') + 1).split(',')[0] + ',' + zero + ' ' + r.split(',')[0] + ',' + zero} class="area" />
      ))}
      {runs(1).map((r) => (
        <polyline points={r} class="line" />
      ))}
      {k2 > 0 &&
        runs(k2).map((r) => (
          <polyline points={r} class={'line l' + k2} />
        ))}
    </svg>
  );
}
