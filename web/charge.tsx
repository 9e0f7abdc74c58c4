// The main screen: what the charger is doing, who decided it, and the controls.
import { h } from 'preact';
import { useState } from 'preact/hooks';
import { api, why, useStatus, useFetch, merge, history, HISTORY_MS, Reply } from './api';
import { Card, Feature } from './ui';

var STATES: { [n: number]: string } = {
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
          <dd>{temp(s.temp)}</dd>
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
        {function (r: Reply) {
          return <Timers list={r.ok && r.data instanceof Array ? r.data : []} />;
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
      <div class="buttons">
        <button id="start" class={o.state === 'active' ? 'on' : ''} onClick={() => set({ state: 'active' })}>
          Start
        </button>
        <button id="pause" class={o.state === 'disabled' ? 'on' : ''} onClick={() => set({ state: 'disabled' })}>
          Pause
        </button>
        <button id="auto" class={!o.state && !o.charge_current ? 'on' : ''} onClick={() => send('DELETE')}>
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

function Limit() {
  var type = useState('time');
  var val = useState('');
  var msg = useState('');
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        api('/limit', 'POST', { type: type[0], value: +val[0] * (type[0] === 'energy' ? 1000 : 1), auto_release: true }).then((r) =>
          msg[1](r.ok ? 'Limit set' : why(r))
        );
      }}
    >
      <div class="row">
        <select aria-label="Limit type" value={type[0]} onChange={(e) => type[1]((e.target as HTMLSelectElement).value)}>
          <option value="time">Time (minutes)</option>
          <option value="energy">Energy (kWh)</option>
        </select>
        <input aria-label="Limit value" type="number" min="0" value={val[0]} onInput={(e) => val[1]((e.target as HTMLInputElement).value)} />
        <button>Set</button>
      </div>
      <p class="hint">{msg[0] || '\u00a0'}</p>
    </form>
  );
}

var DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
function Timers(p: { list: any[] }) {
  return (
    <div>
      <div class="row">
        <label>
          Start in <input type="number" min="0" style="width:5em" /> min
        </label>
        <button>Delay</button>
      </div>
      <p class="hint">
        {p.list.length
          ? p.list.map((t) => t.state + ' at ' + t.time + ' ' + (t.days || []).join(',')).join('; ')
          : 'No weekly timers (' + DAYS.join(' ') + ').'}
      </p>
    </div>
  );
}

/** Power since the page opened, in SVG: a polyline over a fixed 600×160 box scaled by CSS. */
function Chart() {
  useStatus();
  var W = 600,
    H = 160;
  var now = Date.now();
  var span = Math.max(3600e3, Math.min(HISTORY_MS, history.length ? now - history[0][0] : 0));
  var top = 1000;
  for (var i = 0; i < history.length; i++) if (history[i][1] > top) top = history[i][1];
  top = Math.ceil(top / 1000) * 1000;
  var pts = history
    .map((p) => ((W * (p[0] - now + span)) / span).toFixed(1) + ',' + (H - (H * p[1]) / top).toFixed(1))
    .join(' ');
  var hours = span / 3600e3;
  var ticks: number[] = [];
  for (var k = 0; k <= hours; k++) ticks.push(k);
  var last = history.length ? pts.split(' ').pop()!.split(',')[1] : '';
  return (
    <svg viewBox={'0 0 ' + W + ' ' + (H + 26)} class="chart" role="img" aria-label="Charging power over the last hours">
      {ticks.map((k) => (
        <line x1={W - (W * k * 3600e3) / span} y1="0" x2={W - (W * k * 3600e3) / span} y2={H} class="grid" />
      ))}
      <line x1="0" y1="1" x2={W} y2="1" class="grid" />
      <line x1="0" y1={H} x2={W} y2={H} class="axis" />
      <text x="4" y="22">
        {top / 1000} kW
      </text>
      {ticks.map((k) => (
        <text x={W - (W * k * 3600e3) / span} y={H + 24} text-anchor={k === 0 ? 'end' : W - (W * k * 3600e3) / span < 40 ? 'start' : 'middle'}>
          {k === 0 ? 'now' : '−' + k + ' h'}
        </text>
      ))}
      {history.length > 0 && <polygon points={pts + ' ' + W + ',' + last + ' ' + W + ',' + H + ' ' + pts.split(' ')[0].split(',')[0] + ',' + H} class="area" />}
      {history.length > 0 && <polyline points={pts + ' ' + W + ',' + last} class="line" />}
    </svg>
  );
}
