import * as fs from 'node:fs';
import * as path from 'node:path';
import { SCHEMA, schemaRow, schemaDefault, schemaCheck, F_NAME, F_TYPE, F_GROUP } from '../../../src/core/config/schema';
import { ConfigStore } from '../../../src/core/config/store';
import { Storage } from '../../../src/hal/types';

const DATA = path.join(__dirname, '../../../../shared/data/openevse-json');
const captured: { [name: string]: { [key: string]: any } } = {};
for (const f of ['v4_json-config.json', 'v4_json-config-new.json', 'v2_json-config.json']) {
  captured[f] = JSON.parse(fs.readFileSync(path.join(DATA, f), 'utf8'));
}

function memStorage(): Storage {
  const files: { [name: string]: string } = {};
  return {
    read: (n) => files[n],
    write: (n, d) => {
      files[n] = d;
    },
    erase: (n) => {
      delete files[n];
    },
  };
}

function rows(): string[][] {
  return SCHEMA.split('~')
    .filter((l) => l)
    .map((l) => l.split(';'));
}

const jsonType = (t: string) => (t === 'b' ? 'boolean' : t === 'i' || t === 'n' ? 'number' : 'string');

// HEAD defaults of the reference (src/app_config.cpp, flag defaults from CONFIG_DEFAULT_FLAGS),
// plus the keys that are ours (Home Assistant discovery, the divert algorithm and its rules). Device id 9C9C1FE57B2C → short id 7b2c.
const REFERENCE_DEFAULTS: { [key: string]: any } = {
  ssid: '', pass: '', ap_ssid: '', ap_pass: '', lang: '', www_username: '', www_password: '',
  www_http_port: 80, hostname: 'openevse-7b2c', sntp_hostname: 'pool.ntp.org',
  time_zone: 'Europe/London|GMT0BST,M3.5.0/1,M10.5.0', temp_unit: 'c',
  limit_default_type: '', limit_default_value: 0,
  emoncms_server: 'https://emoncms.org', emoncms_node: 'openevse-7b2c', emoncms_apikey: '', emoncms_fingerprint: '',
  mqtt_server: '', mqtt_port: 1883, mqtt_topic: 'openevse-7b2c', mqtt_user: '', mqtt_pass: '',
  mqtt_solar: '', mqtt_grid_ie: '', mqtt_vrms: '', mqtt_live_pwr: '', mqtt_vehicle_soc: '', mqtt_vehicle_range: '',
  mqtt_vehicle_eta: '', mqtt_vehicle_charge_limit: '', mqtt_home_battery_soc: '', mqtt_home_battery_power: '',
  mqtt_announce_topic: 'openevse/announce/7b2c', ohm: '',
  divert_type: -1, divert_PV_ratio: 1.1, divert_attack_smoothing_time: 20, divert_decay_smoothing_time: 600,
  divert_min_charge_time: 600, current_shaper_max_pwr: 0, current_shaper_smoothing_time: 60,
  current_shaper_min_pause_time: 300, current_shaper_data_maxinterval: 120,
  temp_throttle_setpoint: 65, over_temp_shutdown: 72, voltage: 0, heartbeat_interval: 5, heartbeat_current: 6,
  vehicle_data_src: 0, tesla_access_token: '', tesla_refresh_token: '', tesla_created_at: -1, tesla_expires_in: -1,
  tesla_vehicle_id: '', scheduler_start_window: 600,
  emoncms_enabled: false, mqtt_enabled: false, ohm_enabled: false, sntp_enabled: true, mqtt_protocol: 'mqtt',
  mqtt_reject_unauthorized: true, tesla_enabled: false, divert_enabled: false, charge_mode: 'fast',
  pause_uses_disabled: false, mqtt_vehicle_range_miles: false, current_shaper_enabled: false, mqtt_retained: false,
  factory_write_lock: false, is_threephase: false, wizard_passed: false, default_state: true, temp_throttle_enabled: true,
  // ours
  mqtt_ha_discovery: true, divert_mode_algorithm: 'default', tesla_api_url: 'https://owner-api.teslamotors.com',
  divert_start_power: 0, divert_start_delay: 240, divert_stop_power: -200, divert_stop_delay: 900,
  divert_dark_power: 400, divert_dark_delay: 300, divert_min_pause: 300, divert_stale_time: 300,
  divert_stale_action: 'pause',
};
const SECRETS = ['pass', 'ap_pass', 'www_password', 'emoncms_apikey', 'mqtt_pass', 'tesla_access_token', 'tesla_refresh_token'];

describe('config schema table', () => {
  test('every row is well formed, names are unique, every default passes its own check', () => {
    const seen: { [k: string]: boolean } = {};
    for (const r of rows()) {
      expect(r).toHaveLength(6);
      expect(seen[r[F_NAME]]).toBeUndefined();
      seen[r[F_NAME]] = true;
      expect('sinbe').toContain(r[F_TYPE].charAt(0));
      expect(r[F_GROUP]).toMatch(/^[a-z]+$/);
      const d = schemaDefault(r, '7b2c');
      expect(schemaCheck(r, d)).toBe(d);
    }
  });

  test('holds exactly the reference keys we serve (no TFT/OCPP/RFID/LED/LCD/certificate keys)', () => {
    expect(rows().map((r) => r[F_NAME]).sort()).toEqual(Object.keys(REFERENCE_DEFAULTS).sort());
  });

  test('defaults are the reference HEAD defaults, id-based ones from the device id', () => {
    const store = new ConfigStore(memStorage(), '9C9C1FE57B2C');
    expect(store.getAll(true)).toEqual(REFERENCE_DEFAULTS);
    // the captured v5.1.2 gateway (wifi_serial 9C9C1FE57B2C) still had its id-based defaults
    const doc = captured['v4_json-config-new.json'];
    expect(store.get('hostname')).toBe(doc.hostname);
    expect(store.get('mqtt_announce_topic')).toBe(doc.mqtt_announce_topic);
  });

  test('secret flags are set on exactly the reference secrets', () => {
    expect(rows().filter((r) => r[F_TYPE].indexOf('*') > 0).map((r) => r[F_NAME]).sort()).toEqual(SECRETS.slice().sort());
  });

  test.each(Object.keys(captured))('JSON types match the captured %s for every shared key', (f) => {
    const doc = captured[f];
    let shared = 0;
    for (const r of rows()) {
      if (!(r[F_NAME] in doc)) continue;
      shared++;
      expect([r[F_NAME], typeof doc[r[F_NAME]]]).toEqual([r[F_NAME], jsonType(r[F_TYPE].charAt(0))]);
    }
    expect(shared).toBeGreaterThanOrEqual(25);
  });

  test.each(Object.keys(captured))('the values of the captured %s are accepted and read back as captured', (f) => {
    const doc = captured[f];
    const store = new ConfigStore(memStorage(), '9C9C1FE57B2C');
    // The captured secrets that were set show as _DUMMY_PASSWORD, which means "unchanged": set them first.
    const secrets: { [k: string]: string } = {};
    for (const k of SECRETS) secrets[k] = 'secret-value';
    expect(store.update(secrets).ok).toBe(true);
    const patch: { [k: string]: any } = {};
    for (const r of rows()) if (r[F_NAME] in doc) patch[r[F_NAME]] = doc[r[F_NAME]];
    const res = store.update(patch);
    expect(res).toMatchObject({ ok: true });
    const all = store.getAll(false);
    for (const k of Object.keys(patch)) expect([k, all[k]]).toEqual([k, doc[k]]);
  });

  test("still right with Espruino 2v29's indexOf, which 'finds' a needle whose head ends the string", () => {
    const real = String.prototype.indexOf;
    const quirky = function (this: string, needle: string, from?: number) {
      const r = real.call(this, needle, from);
      if (r >= 0) return r;
      for (let i = Math.max(from || 0, this.length - needle.length + 1); i < this.length; i++) {
        if (needle.startsWith(this.slice(i))) return i;
      }
      return -1;
    };
    let results: any[];
    String.prototype.indexOf = quirky as any;
    try {
      results = [
        'abc'.indexOf('cd'),
        schemaRow('nope'),
        schemaRow('wizard_passedX'),
        schemaCheck(schemaRow('charge_mode') as string[], 'x'),
        schemaCheck(schemaRow('limit_default_type') as string[], 'rangeX'),
        schemaCheck(schemaRow('charge_mode') as string[], 'eco'),
      ];
    } finally {
      String.prototype.indexOf = real;
    }
    expect(results).toEqual([2, null, null, { error: 'must be one of ["fast","eco"]' }, { error: expect.stringMatching(/one of/) }, 'eco']);
  });

  test('lookup does not match across fields or rows', () => {
    expect(schemaRow('mqtt_port')).toEqual(['mqtt_port', 'i', 'mqtt', '1', '65535', '1883']);
    expect(schemaRow('mqtt_port;i')).toBeNull();
    expect(schemaRow('port')).toBeNull();
    expect(schemaRow('')).toBeNull();
    expect(schemaRow('mqtt')).toBeNull();
  });
});
