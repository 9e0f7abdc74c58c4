// Settings: one generic form per section, built from a table of /config keys. Only the fields the
// user changed are posted; a 400 answer's `errors` are shown next to their fields.
import { h, Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, why, useFetch, useStatus, Reply } from './api';

/**
 * [key, label, kind, options, algorithm]: kind t text, p secret, n number, b checkbox, s select
 * ("value:label,…"); a row with an algorithm is shown only while divert_mode_algorithm is that one.
 */
type Row = [string, string, string, string?, string?];

var MQTT_TOPICS: Row[] = [
  ['mqtt_solar', 'Solar power topic (W)', 't'],
  ['mqtt_grid_ie', 'Grid import/export topic (W)', 't'],
  ['mqtt_vrms', 'Voltage topic', 't'],
  ['mqtt_live_pwr', 'House power topic (shaper)', 't'],
  ['mqtt_vehicle_soc', 'Vehicle SoC topic', 't'],
  ['mqtt_vehicle_range', 'Vehicle range topic', 't'],
  ['mqtt_vehicle_eta', 'Vehicle time-to-full topic', 't'],
];

export var SECTIONS: Array<[string, string, Row[]]> = [
  [
    'wifi',
    'WiFi',
    [
      ['ssid', 'Network (SSID)', 't'],
      ['pass', 'Password', 'p'],
      ['hostname', 'Host name', 't'],
      ['ap_ssid', 'Access point name', 't'],
      ['ap_pass', 'Access point password', 'p'],
    ],
  ],
  [
    'mqtt',
    'MQTT',
    [
      ['mqtt_enabled', 'Enabled', 'b'],
      ['mqtt_protocol', 'Protocol', 's', 'mqtt:mqtt,mqtts:mqtts (TLS)'],
      ['mqtt_server', 'Broker', 't'],
      ['mqtt_port', 'Port', 'n'],
      ['mqtt_reject_unauthorized', 'Check the TLS certificate', 'b'],
      ['mqtt_user', 'User', 't'],
      ['mqtt_pass', 'Password', 'p'],
      ['mqtt_topic', 'Base topic', 't'],
      ['mqtt_retained', 'Retain messages', 'b'],
      ['mqtt_ha_discovery', 'Home Assistant discovery', 'b'],
      ['mqtt_announce_topic', 'Announce topic', 't'],
    ].concat(MQTT_TOPICS as any) as Row[],
  ],
  [
    'emoncms',
    'Emoncms',
    [
      ['emoncms_enabled', 'Enabled', 'b'],
      ['emoncms_server', 'Server', 't'],
      ['emoncms_node', 'Node', 't'],
      ['emoncms_apikey', 'Write API key', 'p'],
      ['emoncms_fingerprint', 'TLS fingerprint', 't'],
    ],
  ],
  [
    'ohm',
    'OhmConnect',
    [
      ['ohm_enabled', 'Enabled', 'b'],
      ['ohm', 'OhmConnect key', 'p'],
    ],
  ],
  [
    'vehicle',
    'Vehicle / Tesla',
    [
      ['vehicle_data_src', 'Vehicle data from', 's', '0:none,1:Tesla,2:MQTT,3:HTTP'],
      ['tesla_enabled', 'Tesla enabled', 'b'],
      ['tesla_access_token', 'Tesla access token', 'p'],
      ['tesla_refresh_token', 'Tesla refresh token', 'p'],
      ['tesla_api_url', 'Tesla API server', 't'],
      ['tesla_vehicle_id', 'Tesla vehicle', 't'],
      ['mqtt_vehicle_range_miles', 'MQTT range topic in miles', 'b'],
    ],
  ],
  [
    'eco',
    'Eco mode',
    [
      ['divert_enabled', 'Solar divert available', 'b'],
      ['charge_mode', 'Charge mode', 's', 'fast:Normal,eco:Eco'],
      ['divert_mode_algorithm', 'Algorithm', 's', 'default:Default (start and stop rules),compat:Compatible (OpenEVSE)'],
      ['divert_type', 'Input', 's', '-1:auto,0:solar production,1:grid import/export'],
      ['divert_PV_ratio', 'Solar share needed (PV ratio)', 'n', '', 'compat'],
      ['divert_attack_smoothing_time', 'Attack smoothing (s)', 'n', '', 'compat'],
      ['divert_decay_smoothing_time', 'Decay smoothing (s)', 'n', '', 'compat'],
      ['divert_start_power', 'Start at surplus (W, 0 = minimum current)', 'n', '', 'default'],
      ['divert_start_delay', 'Start after (s)', 'n', '', 'default'],
      ['divert_stop_power', 'Stop below minimum-current power + (W; < 0 allows import)', 'n', '', 'default'],
      ['divert_stop_delay', 'Stop after (s)', 'n', '', 'default'],
      ['divert_dark_power', 'Dark below (W)', 'n', '', 'default'],
      ['divert_dark_delay', 'Stop when dark after (s)', 'n', '', 'default'],
      ['divert_min_pause', 'Minimum pause (s)', 'n', '', 'default'],
      ['divert_min_charge_time', 'Minimum charge time (s)', 'n'],
      ['divert_stale_time', 'Reading out of date after (s)', 'n'],
      ['divert_stale_action', 'Then', 's', 'pause:pause,min:charge at minimum current,hold:keep the current'],
    ],
  ],
  [
    'shaper',
    'Current shaper',
    [
      ['current_shaper_enabled', 'Enabled', 'b'],
      ['current_shaper_max_pwr', 'Maximum house power (W)', 'n'],
      ['current_shaper_smoothing_time', 'Smoothing (s)', 'n'],
      ['current_shaper_min_pause_time', 'Minimum pause (s)', 'n'],
      ['current_shaper_data_maxinterval', 'House power out of date after (s)', 'n'],
    ],
  ],
  [
    'charger',
    'Charger',
    [
      ['service', 'Service level', 's', '1:L1 (120 V),2:L2 (240 V)'],
      ['max_current_soft', 'Maximum current (A)', 'n'],
      ['max_current_hard', 'Hardware maximum current (A, set once)', 'n'],
      ['voltage', 'Voltage (centivolts, 0 = 240 V)', 'n'],
      ['is_threephase', 'Three-phase', 'b'],
      ['default_state', 'Charge when a car connects', 'b'],
      ['pause_uses_disabled', 'Pause with pilot off (disabled)', 'b'],
      ['diode_check', 'Diode check', 'b'],
      ['gfci_check', 'GFCI self-test', 'b'],
      ['ground_check', 'Ground check', 'b'],
      ['relay_check', 'Stuck relay check', 'b'],
      ['vent_check', 'Vent required check', 'b'],
      ['temp_check', 'Temperature check', 'b'],
      ['temp_throttle_enabled', 'Throttle when hot', 'b'],
      ['temp_throttle_setpoint', 'Throttle from (°C)', 'n'],
      ['over_temp_shutdown', 'Shut down at (°C)', 'n'],
      ['heartbeat_interval', 'Heartbeat (s)', 'n'],
      ['heartbeat_current', 'Heartbeat fallback current (A)', 'n'],
    ],
  ],
  [
    'time',
    'Time',
    [
      ['sntp_enabled', 'Set the time from the network (NTP)', 'b'],
      ['sntp_hostname', 'NTP server', 't'],
      ['time_zone', 'Time zone (Location|POSIX)', 't'],
    ],
  ],
  [
    'admin',
    'Admin',
    [
      ['www_username', 'User name', 't'],
      ['www_password', 'Password', 'p'],
    ],
  ],
];

export var DUMMY = '_DUMMY_PASSWORD';

export function Settings(p: { section?: string }) {
  var sec = SECTIONS.filter((s) => s[0] === p.section)[0] || SECTIONS[0];
  return (
    <div class="settings">
      <nav class="tabs" aria-label="Settings sections">
        {SECTIONS.map((s) => (
          <a href={'#/settings/' + s[0]} aria-current={s === sec ? 'page' : undefined}>
            {s[1]}
          </a>
        ))}
      </nav>
      {sec[0] === 'wifi' ? (
        <Wifi key="wifi" rows={sec[2]} />
      ) : sec[0] === 'time' ? (
        <TimeSettings key="time" />
      ) : sec[0] === 'vehicle' ? (
        <Vehicle key="vehicle" rows={sec[2]} />
      ) : (
        <Form key={sec[0]} title={sec[1]} rows={sec[2]} />
      )}
    </div>
  );
}

/**
 * A form over some /config keys; `set`: values put in as if typed (a network picked from the scan);
 * `pick`: a select's options ("value:label,…") for a key that is otherwise typed.
 */
export function Form(p: { title: string; rows: Row[]; after?: () => void; set?: any; pick?: { [key: string]: string }; note?: string }) {
  var st = useStatus();
  var cfg = useFetch('/config', st.config_version);
  var edits = useState<any>({});
  var errs = useState<any>({});
  var msg = useState('');
  var busy = useState(false);
  var c = cfg && cfg.ok ? cfg.data : null;
  function save(e: Event) {
    e.preventDefault();
    busy[1](true);
    api('/config', 'POST', edits[0]).then((r) => {
      busy[1](false);
      errs[1]((r.data && r.data.errors) || {});
      msg[1](r.ok ? 'Saved' : why(r));
      if (r.ok) {
        edits[1]({});
        if (p.after) p.after();
      }
    });
  }
  function edit(k: string, v: any) {
    var x: any = {};
    for (var j in edits[0]) x[j] = edits[0][j];
    x[k] = v;
    edits[1](x);
    msg[1]('');
  }
  useEffect(
    function () {
      for (var k in p.set) edit(k, p.set[k]);
    },
    [p.set]
  );
  return (
    <form class="card form" onSubmit={save} id={'form-' + p.title.replace(/\W/g, '').toLowerCase()}>
      <h2>{p.title}</h2>
      {p.rows.map((r) => {
        var k = r[0];
        var val = (x: string) => (x in edits[0] ? edits[0][x] : c ? c[x] : undefined);
        if (r[4] && r[4] !== val('divert_mode_algorithm')) return null;
        var v = val(k);
        var id = 'f-' + k;
        var input;
        var kind = p.pick && p.pick[k] ? 's' : r[2];
        if (kind === 'b')
          input = <input id={id} name={k} type="checkbox" checked={!!v} disabled={!c} onChange={(e) => edit(k, (e.target as HTMLInputElement).checked)} />;
        else if (kind === 's') {
          var opts = ((p.pick && p.pick[k]) || r[3]!).split(',');
          // a value the list does not know (a vehicle id typed before) stays shown as it is
          if (v !== undefined && !opts.some((o) => o.substr(0, o.indexOf(':')) === String(v))) opts.push(v + ':' + v);
          input = (
            <select id={id} name={k} value={String(v)} disabled={!c} onChange={(e) => edit(k, sel((e.target as HTMLSelectElement).value, v))}>
              {opts.map((o) => {
                var i = o.indexOf(':');
                return <option value={o.substr(0, i)}>{o.substr(i + 1)}</option>;
              })}
            </select>
          );
        } else
          input = (
            <input
              id={id}
              name={k}
              type={r[2] === 'p' ? 'password' : r[2] === 'n' ? 'number' : 'text'}
              step={r[2] === 'n' ? 'any' : undefined}
              autocomplete={r[2] === 'p' ? 'new-password' : 'off'}
              value={v === DUMMY || v === undefined ? '' : v}
              placeholder={v === DUMMY ? '(unchanged)' : ''}
              disabled={!c}
              aria-invalid={errs[0][k] ? 'true' : undefined}
              aria-describedby={errs[0][k] ? id + '-err' : undefined}
              onInput={(e) => {
                var t = (e.target as HTMLInputElement).value;
                edit(k, r[2] === 'n' && t !== '' ? +t : t);
              }}
            />
          );
        return (
          <div class={'field' + (r[2] === 'b' ? ' check' : '')}>
            <label for={id}>{r[1]}</label>
            {input}
            {errs[0][k] && (
              <span class="error" id={id + '-err'}>
                {errs[0][k]}
              </span>
            )}
          </div>
        );
      })}
      {p.note && (
        <p class="hint" id="form-note">
          {p.note}
        </p>
      )}
      <div class="row">
        <button id="save" disabled={busy[0] || !Object.keys(edits[0]).length}>
          Save
        </button>
        <span class="hint" role="status">
          {msg[0]}
        </span>
      </div>
    </form>
  );
}

/** The vehicle settings; the Tesla vehicle is picked from the account's list once the gateway has it, typed before. */
function Vehicle(p: { rows: Row[] }) {
  var st = useStatus();
  var r = useFetch('/tesla/vehicles', st.tesla_vehicle_count + '/' + st.config_version);
  var list: any[] = r && r.ok && r.data.vehicles instanceof Array ? r.data.vehicles : [];
  var pick = list.length
    ? {
        tesla_vehicle_id:
          ':the first on the account,' +
          list
            .map(function (v) {
              return v.id + ':' + String(v.name).replace(/,/g, ' ') + ' (' + v.id + ')';
            })
            .join(','),
      }
    : undefined;
  var note = !r || list.length ? '' : !r.ok ? 'Tesla: ' + why(r) : st.tesla_error ? 'Tesla: ' + st.tesla_error : 'The list of vehicles comes once Tesla is enabled with an access token.';
  return <Form title="Vehicle / Tesla" rows={p.rows} pick={pick} note={note} />;
}

/** A select gives strings: back to a number when the setting is one. */
function sel(t: string, old: any): any {
  return typeof old === 'number' ? +t : t;
}

/** First run in access-point mode: join a WiFi network. */
export function WifiSetup() {
  return (
    <div class="grid">
      <section class="card">
        <h2>Welcome</h2>
        <p>
          This charger is in access-point mode. Choose the WiFi network it should join; it then restarts its WiFi and is found at its new address on that network.
        </p>
        <p>
          <a
            href="#/"
            onClick={() => {
              sessionStorage.setItem('skipSetup', '1');
            }}
          >
            Skip, go to the charger
          </a>
        </p>
      </section>
      <Wifi rows={SECTIONS[0][2].slice(0, 2)} after={() => api('/config', 'POST', { wizard_passed: true })} />
    </div>
  );
}

/** The WiFi settings with the networks in range: picking one fills in its name and asks for the password. */
function Wifi(p: { rows: Row[]; after?: () => void }) {
  var pick = useState<any>(null);
  return (
    <Fragment>
      <Scan
        onPick={(ssid) => {
          pick[1]({ ssid: ssid });
          var pass = document.getElementById('f-pass');
          if (pass) pass.focus();
        }}
      />
      <Form title="WiFi" rows={p.rows} after={p.after} set={pick[0]} />
    </Fragment>
  );
}

/** Bars for a signal strength in dBm. */
function bars(rssi: number): string {
  return rssi >= -55 ? '▂▄▆█' : rssi >= -67 ? '▂▄▆' : rssi >= -78 ? '▂▄' : '▂';
}

/** GET /scan: the networks in range, strongest first, one line per name. */
function Scan(p: { onPick: (ssid: string) => void }) {
  var r = useState<Reply | null>(null);
  var busy = useState(true);
  function scan() {
    busy[1](true);
    api('/scan').then((x) => {
      r[1](x);
      busy[1](false);
    });
  }
  useEffect(scan, []);
  var x = r[0];
  var seen: any = {};
  var list: any[] = x && x.ok && x.data instanceof Array ? x.data.slice().sort((a: any, b: any) => b.rssi - a.rssi) : [];
  list = list.filter((n) => n.ssid && !seen[n.ssid] && (seen[n.ssid] = 1));
  var text = busy[0] ? 'Scanning…' : !x ? '' : x.code === 501 ? 'This host has no WiFi radio, so it cannot list networks: type the network name.' : !x.ok ? why(x) : list.length ? '' : 'No networks found.';
  return (
    <section class="card form" id="scan" aria-busy={busy[0]}>
      <h2 class="split">
        Networks in range
        <button type="button" id="rescan" class="small" disabled={busy[0] || (x !== null && x.code === 501)} onClick={scan}>
          Scan again
        </button>
      </h2>
      <p id="scan-msg" class="hint" role="status">
        {text}
      </p>
      {list.length > 0 && (
        <ul class="list" id="scan-list">
          {list.map((n) => (
            <li>
              <button type="button" class="net" data-ssid={n.ssid} aria-label={n.ssid + (n.secure ? '' : ', open') + ', signal ' + n.rssi + ' dBm'} onClick={() => p.onPick(n.ssid)}>
                <span>
                  {n.ssid}
                  {n.secure ? '' : <span class="mut"> (open)</span>}
                </span>
                <span class="mut" title={n.rssi + ' dBm, channel ' + n.channel}>
                  {bars(n.rssi)}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** Time zones offered by name ("Location|POSIX TZ", as `time_zone` takes them); any other is typed in. */
var ZONES = [
  'UTC|UTC0',
  'Europe/London|GMT0BST,M3.5.0/1,M10.5.0',
  'Europe/Paris|CET-1CEST,M3.5.0,M10.5.0/3',
  'Europe/Berlin|CET-1CEST,M3.5.0,M10.5.0/3',
  'Europe/Helsinki|EET-2EEST,M3.5.0/3,M10.5.0/4',
  'America/New_York|EST5EDT,M3.2.0,M11.1.0',
  'America/Chicago|CST6CDT,M3.2.0,M11.1.0',
  'America/Denver|MST7MDT,M3.2.0,M11.1.0',
  'America/Phoenix|MST7',
  'America/Los_Angeles|PST8PDT,M3.2.0,M11.1.0',
  'Asia/Kolkata|IST-5:30',
  'Asia/Tokyo|JST-9',
  'Australia/Sydney|AEST-10AEDT,M10.1.0,M4.1.0/3',
  'Pacific/Auckland|NZST-12NZDT,M9.5.0,M4.1.0/3',
];

/** "YYYY-MM-DDTHH:MM:SSZ", what /time takes. */
function isoNow(): string {
  return new Date().toISOString().slice(0, 19) + 'Z';
}

/** The clock (GET /time) and its settings: NTP on/off and server, time zone; set by hand from the browser. */
function TimeSettings() {
  var st = useStatus();
  var cfg = useFetch('/config', st.config_version);
  var c = cfg && cfg.ok ? cfg.data : null;
  var tick = useState(0);
  // the clock as read, and Date.now() then
  var t = useState<any>(null);
  useEffect(
    function () {
      api('/time').then((r) => t[1]({ r: r, at: Date.now() }));
    },
    [st.config_version, Math.floor(tick[0] / 30)]
  );
  useEffect(function () {
    var i = setInterval(() => tick[1]((n) => n + 1), 1000);
    return () => clearInterval(i);
  }, []);
  var edits = useState<any>({});
  var errs = useState<any>({});
  var msg = useState('');
  var busy = useState(false);
  var e = edits[0];
  var v = (k: string) => (k in e ? e[k] : c ? c[k] : undefined);
  var ntp = !!v('sntp_enabled');
  var tz = v('time_zone') || '';
  var other = useState(false);
  var named = !other[0] && ZONES.indexOf(tz) >= 0;
  function edit(k: string, x: any) {
    var n: any = {};
    for (var j in e) n[j] = e[j];
    n[k] = x;
    edits[1](n);
    msg[1]('');
  }
  /** POST /time; where it is not built yet, the same settings through /config. */
  function time(body: any, settings: boolean): Promise<Reply> {
    return api('/time', 'POST', body).then((r) => (r.code === 501 && settings ? api('/config', 'POST', { sntp_enabled: body.sntp_enabled, time_zone: body.time_zone }) : r));
  }
  function done(r: Reply, ok: string) {
    busy[1](false);
    var er: any = (r.data && r.data.errors) || {};
    // /time names the field in its message
    var m = (r.data && r.data.msg) || '';
    if (!r.ok && /^time_zone/.test(m)) er.time_zone = m.replace(/^time_zone: */, '');
    errs[1](er);
    msg[1](r.ok ? ok : why(r));
    if (r.ok) {
      edits[1]({});
      tick[1](tick[0] + 30); // read the clock again
    }
    return r.ok;
  }
  function save(ev: Event) {
    ev.preventDefault();
    busy[1](true);
    var host = 'sntp_hostname' in e ? api('/config', 'POST', { sntp_hostname: e.sntp_hostname }) : Promise.resolve({ ok: true, code: 200, data: {} });
    host.then((r) => {
      if (!r.ok) return done(r, '');
      if (!('sntp_enabled' in e) && !('time_zone' in e)) return done(r, 'Saved');
      var body: any = { sntp_enabled: ntp, time_zone: tz };
      // without NTP the clock is set by hand: from this browser's
      if (!ntp) body.time = isoNow();
      time(body, true).then((r) => done(r, 'Saved'));
    });
  }
  var d = t[0] && t[0].r.ok ? t[0].r.data : null;
  // the gateway's clock, moved on by ours since it was read
  var skew = d ? Date.parse(d.time) - t[0].at : 0;
  var off = d && /^[+-]\d{4}$/.test(d.offset) ? (d.offset.charAt(0) === '-' ? -1 : 1) * (+d.offset.substr(1, 2) * 60 + +d.offset.substr(3, 2)) * 60e3 : 0;
  var fmt = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
  var now = Date.now() + skew;
  return (
    <Fragment>
      <section class="card form" id="clock">
        <h2>Clock</h2>
        <dl class="values">
          <dt>Charger time</dt>
          <dd id="local-time">{d ? fmt(now + off) + ' (' + d.offset + ')' : '–'}</dd>
          <dt>UTC</dt>
          <dd id="utc-time">{d ? fmt(now) : '–'}</dd>
          <dt>This browser</dt>
          <dd>{fmt(Date.now() - new Date().getTimezoneOffset() * 60e3)}</dd>
          <dt>NTP</dt>
          <dd id="ntp-status">{d && d.ntp_status ? d.ntp_status + (d.ntp_last_sync ? ', last ' + fmt(d.ntp_last_sync * 1000) + ' UTC' : '') : '–'}</dd>
        </dl>
        <div class="buttons gap">
          {ntp ? (
            <button type="button" id="sync-now" disabled={!c} onClick={() => api('/time', 'POST', { sync_now: true }).then((r) => done(r, 'Asked the time server'))}>
              Sync now
            </button>
          ) : (
            <button type="button" id="set-time" disabled={!c} onClick={() => time({ sntp_enabled: false, time_zone: tz, time: isoNow() }, false).then((r) => done(r, 'Clock set from this browser'))}>
              Set from this browser's clock
            </button>
          )}
        </div>
      </section>
      <form class="card form" id="form-time" onSubmit={save}>
        <h2>Time</h2>
        <div class="field check">
          <label for="f-sntp_enabled">Set the time from the network (NTP)</label>
          <input id="f-sntp_enabled" type="checkbox" checked={ntp} disabled={!c} onChange={(ev) => edit('sntp_enabled', (ev.target as HTMLInputElement).checked)} />
        </div>
        <div class="field">
          <label for="f-sntp_hostname">NTP server</label>
          <input
            id="f-sntp_hostname"
            value={v('sntp_hostname') || ''}
            disabled={!c || !ntp}
            aria-invalid={errs[0].sntp_hostname ? 'true' : undefined}
            aria-describedby={errs[0].sntp_hostname ? 'f-sntp_hostname-err' : undefined}
            onInput={(ev) => edit('sntp_hostname', (ev.target as HTMLInputElement).value)}
          />
          {errs[0].sntp_hostname && (
            <span class="error" id="f-sntp_hostname-err">
              {errs[0].sntp_hostname}
            </span>
          )}
        </div>
        <div class="field">
          <label for="f-tz">Time zone</label>
          <select
            id="f-tz"
            disabled={!c}
            value={named ? tz : ''}
            onChange={(ev) => {
              var z = (ev.target as HTMLSelectElement).value;
              other[1](!z);
              if (z) edit('time_zone', z);
            }}
          >
            {ZONES.map((z) => (
              <option value={z}>{z.split('|')[0].replace('_', ' ')}</option>
            ))}
            <option value="">Other (POSIX TZ)…</option>
          </select>
          {!named && (
            <input
              id="f-time_zone"
              class="wide"
              aria-label="Time zone (Location|POSIX TZ)"
              placeholder="Europe/Rome|CET-1CEST,M3.5.0,M10.5.0/3"
              value={tz}
              disabled={!c}
              aria-invalid={errs[0].time_zone ? 'true' : undefined}
              aria-describedby="f-time_zone-err"
              onInput={(ev) => edit('time_zone', (ev.target as HTMLInputElement).value)}
            />
          )}
          <span class="error" id="f-time_zone-err">
            {errs[0].time_zone}
          </span>
        </div>
        <p class="hint">{ntp ? 'The clock follows the NTP server.' : "Without NTP, saving sets the charger's clock from this browser's."}</p>
        <div class="row">
          <button id="save" disabled={busy[0] || !Object.keys(e).length}>
            Save
          </button>
          <span class="hint" role="status">
            {msg[0]}
          </span>
        </div>
      </form>
    </Fragment>
  );
}
