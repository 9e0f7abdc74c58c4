// Settings: one generic form per section, built from a table of /config keys. Only the fields the
// user changed are posted; a 400 answer's `errors` are shown next to their fields.
import { h } from 'preact';
import { useState } from 'preact/hooks';
import { api, why, useFetch, useStatus } from './api';

/** [key, label, kind, options]: kind t text, p secret, n number, b checkbox, s select ("value:label,…"). */
type Row = [string, string, string, string?];

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
      ['tesla_vehicle_id', 'Tesla vehicle id', 't'],
      ['tesla_access_token', 'Tesla access token', 'p'],
      ['tesla_refresh_token', 'Tesla refresh token', 'p'],
      ['mqtt_vehicle_range_miles', 'Range in miles', 'b'],
    ],
  ],
  [
    'eco',
    'Eco mode',
    [
      ['divert_enabled', 'Solar divert available', 'b'],
      ['charge_mode', 'Charge mode', 's', 'fast:Normal,eco:Eco'],
      ['divert_type', 'Input', 's', '-1:auto,0:solar production,1:grid import/export'],
      ['divert_PV_ratio', 'Solar share needed (PV ratio)', 'n'],
      ['divert_attack_smoothing_time', 'Attack smoothing (s)', 'n'],
      ['divert_decay_smoothing_time', 'Decay smoothing (s)', 'n'],
      ['divert_min_charge_time', 'Minimum charge time (s)', 'n'],
    ],
  ],
  [
    'charger',
    'Charger',
    [
      ['service', 'Service level', 's', '1:L1 (120 V),2:L2 (240 V)'],
      ['max_current_soft', 'Maximum current (A)', 'n'],
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
      <Form key={sec[0]} title={sec[1]} rows={sec[2]} />
    </div>
  );
}

/** A form over some /config keys. */
export function Form(p: { title: string; rows: Row[]; after?: () => void }) {
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
  return (
    <form class="card form" onSubmit={save} id={'form-' + p.title.replace(/\W/g, '').toLowerCase()}>
      <h2>{p.title}</h2>
      {p.rows.map((r) => {
        var k = r[0];
        var v = k in edits[0] ? edits[0][k] : c ? c[k] : undefined;
        var id = 'f-' + k;
        var input;
        if (r[2] === 'b')
          input = <input id={id} name={k} type="checkbox" checked={!!v} disabled={!c} onChange={(e) => edit(k, (e.target as HTMLInputElement).checked)} />;
        else if (r[2] === 's')
          input = (
            <select id={id} name={k} value={String(v)} disabled={!c} onChange={(e) => edit(k, sel((e.target as HTMLSelectElement).value, v))}>
              {r[3]!.split(',').map((o) => {
                var i = o.indexOf(':');
                return <option value={o.substr(0, i)}>{o.substr(i + 1)}</option>;
              })}
            </select>
          );
        else
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
        <p class="hint">Network scan: coming soon — type the network name.</p>
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
      <Form title="WiFi" rows={SECTIONS[0][2].slice(0, 2)} after={() => api('/config', 'POST', { wizard_passed: true })} />
    </div>
  );
}
