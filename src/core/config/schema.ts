// The one table of every setting: /config GET/POST, MQTT config/set, persistence, secret masking
// and the UI forms all read it (ref/openevse-gateway.md §1.5, §1.10).
//
// Encoding. On the device a row object per key would cost ~10 JsVars × 80 keys; a function per
// check ~6 each. So the table is ONE string: a row per key, each row ended by "\n" (the string
// also starts with one), fields separated by ";":
//
//     name ; type[flags] ; group ; min ; max ; default
//
//   type   s string, i integer, n number, b boolean (default "1"/"0"), e enum
//   flags  * secret (masked as _DUMMY_PASSWORD on output), h hostname syntax (letters, digits, "-")
//   group  what the caller restarts or re-applies when the key changes (see ConfigStore.update)
//   min    i/n: least value; s: least length unless empty ("" = no limit)
//   max    i/n: greatest value; s: greatest length; e: the allowed values, comma-separated
//   default  the rest of the row ("%" = the device's 4-hex short id, e.g. openevse-7b2c)
//
// A key is found with one indexOf("\n" + name + ";") and only the found row is split, so a
// lookup allocates a few short-lived strings and nothing stays alive but the table itself.
// Measured on the 2v29 interpreter (4,000-var pool, minified image evaluated from Storage): the
// 2.5 KB literal costs 195 vars when copied to RAM (pretokenised code keeps a long literal in
// flash, per the lexer source), schema + store code ~110 more. Values live in ConfigStore, only
// those that differ from the default (14 set values: 84 vars).
//
// Left out on purpose: TFT, OCPP, RFID, LED, LCD-only keys, certificates (www_certificate_id,
// mqtt_certificate_id) and www_https_port, since this gateway serves plain HTTP only; the
// `flags`/`flags_changed` bitfields (each flag is its own boolean key here).
// Ours, not the reference's: mqtt_ha_discovery, divert_mode_algorithm.
// The reference validates nothing (ArduinoJson converts whatever comes); the min/max here are
// ours, wide enough for any real setup, narrow enough that a typo cannot break the device.

export var SCHEMA =
  '\nssid;s;wifi;;32;' +
  '\npass;s*;wifi;;64;' +
  '\nap_ssid;s;wifi;;32;' +
  '\nap_pass;s*;wifi;8;63;' +
  '\nhostname;sh;wifi;1;32;openevse-%' +
  '\nlang;s;misc;;8;' +
  '\nwww_username;s;www;;32;' +
  '\nwww_password;s*;www;;64;' +
  '\nwww_http_port;i;www;1;65535;80' +
  '\nsntp_enabled;b;time;;;1' +
  '\nsntp_hostname;s;time;;64;pool.ntp.org' +
  '\ntime_zone;s;time;;64;Europe/London|GMT0BST,M3.5.0/1,M10.5.0' +
  '\ntemp_unit;e;misc;;c,f;c' +
  '\nlimit_default_type;e;limit;;,none,time,energy,soc,range;' +
  '\nlimit_default_value;i;limit;0;1000000;0' +
  '\nemoncms_enabled;b;emoncms;;;0' +
  '\nemoncms_server;s;emoncms;;128;https://emoncms.org' +
  '\nemoncms_node;s;emoncms;;32;openevse-%' +
  '\nemoncms_apikey;s*;emoncms;;64;' +
  '\nemoncms_fingerprint;s;emoncms;;64;' +
  '\nmqtt_enabled;b;mqtt;;;0' +
  '\nmqtt_protocol;e;mqtt;;mqtt,mqtts;mqtt' +
  '\nmqtt_server;s;mqtt;;128;' +
  '\nmqtt_port;i;mqtt;1;65535;1883' +
  '\nmqtt_reject_unauthorized;b;mqtt;;;1' +
  '\nmqtt_topic;s;mqtt;;64;openevse-%' +
  '\nmqtt_user;s;mqtt;;64;' +
  '\nmqtt_pass;s*;mqtt;;64;' +
  '\nmqtt_retained;b;mqtt;;;0' +
  '\nmqtt_ha_discovery;b;mqtt;;;1' +
  '\nmqtt_announce_topic;s;mqtt;;128;openevse/announce/%' +
  '\nmqtt_solar;s;mqtt;;128;' +
  '\nmqtt_grid_ie;s;mqtt;;128;' +
  '\nmqtt_vrms;s;mqtt;;128;' +
  '\nmqtt_live_pwr;s;mqtt;;128;' +
  '\nmqtt_vehicle_soc;s;mqtt;;128;' +
  '\nmqtt_vehicle_range;s;mqtt;;128;' +
  '\nmqtt_vehicle_eta;s;mqtt;;128;' +
  '\nmqtt_vehicle_charge_limit;s;mqtt;;128;' +
  '\nmqtt_home_battery_soc;s;mqtt;;128;' +
  '\nmqtt_home_battery_power;s;mqtt;;128;' +
  '\nmqtt_vehicle_range_miles;b;vehicle;;;0' +
  '\nohm_enabled;b;ohm;;;0' +
  '\nohm;s;ohm;;64;' +
  '\ndivert_enabled;b;divert;;;0' +
  '\ncharge_mode;e;divert;;fast,eco;fast' +
  '\ndivert_mode_algorithm;e;divert;;default,compat;default' +
  '\ndivert_type;i;divert;-1;1;-1' +
  '\ndivert_PV_ratio;n;divert;0;10;1.1' +
  '\ndivert_attack_smoothing_time;i;divert;0;3600;20' +
  '\ndivert_decay_smoothing_time;i;divert;0;86400;600' +
  '\ndivert_min_charge_time;i;divert;0;86400;600' +
  '\ncurrent_shaper_enabled;b;shaper;;;0' +
  '\ncurrent_shaper_max_pwr;i;shaper;0;1000000;0' +
  '\ncurrent_shaper_smoothing_time;i;shaper;0;3600;60' +
  '\ncurrent_shaper_min_pause_time;i;shaper;0;86400;300' +
  '\ncurrent_shaper_data_maxinterval;i;shaper;1;86400;120' +
  '\ntemp_throttle_enabled;b;evse;;;1' +
  '\ntemp_throttle_setpoint;i;evse;40;80;65' +
  '\nover_temp_shutdown;i;evse;40;100;72' +
  '\nvoltage;i;evse;0;30000;0' +
  '\nheartbeat_interval;i;evse;0;3600;5' +
  '\nheartbeat_current;i;evse;0;80;6' +
  '\npause_uses_disabled;b;evse;;;0' +
  '\ndefault_state;b;evse;;;1' +
  '\nis_threephase;b;evse;;;0' +
  '\nfactory_write_lock;b;evse;;;0' +
  '\nvehicle_data_src;i;vehicle;0;3;0' +
  '\ntesla_enabled;b;vehicle;;;0' +
  '\ntesla_access_token;s*;vehicle;;2048;' +
  '\ntesla_refresh_token;s*;vehicle;;2048;' +
  '\ntesla_created_at;n;vehicle;-1;;-1' +
  '\ntesla_expires_in;n;vehicle;-1;;-1' +
  '\ntesla_vehicle_id;s;vehicle;;32;' +
  '\nscheduler_start_window;i;schedule;0;3600;600' +
  '\nwizard_passed;b;misc;;;0' +
  '\n';

/** Field positions in a split row. */
export var F_NAME = 0;
export var F_TYPE = 1;
export var F_GROUP = 2;
export var F_MIN = 3;
export var F_MAX = 4;
export var F_DEFAULT = 5;

/** Shown instead of a secret that is set; sent back by clients, it means "unchanged". */
export var DUMMY_PASSWORD = '_DUMMY_PASSWORD';

/**
 * The row of `key` split into its fields, or null for an unknown key. `pos`, when given, is
 * the index of a row's leading "\n" in SCHEMA (a walk over the table) and `key` is ignored.
 */
export function schemaRow(key: string, pos?: number): string[] | null {
  var start: number;
  if (pos === undefined) {
    // ";" or "\n" inside a key would let the search match across fields
    if (typeof key !== 'string' || key.indexOf(';') >= 0 || key.indexOf('\n') >= 0) return null;
    var needle = '\n' + key + ';';
    start = SCHEMA.indexOf(needle);
    // Espruino 2v29's indexOf also "finds" a needle whose head matches the very end of the string
    // ("abc".indexOf("cd") is 2), so a hit must fit in the string to count.
    if (start < 0 || start + needle.length > SCHEMA.length) return null;
  } else {
    start = pos;
    if (start >= SCHEMA.length - 1) return null;
  }
  return SCHEMA.substring(start + 1, SCHEMA.indexOf('\n', start + 1)).split(';');
}

/** The default of a split row, typed; `shortId` fills the "%" of id-based defaults. */
export function schemaDefault(row: string[], shortId: string): any {
  var d = row[F_DEFAULT];
  var t = row[F_TYPE].charAt(0);
  if (t === 'b') return d === '1';
  if (t === 'i' || t === 'n') return +d;
  return d.replace('%', shortId);
}

/**
 * Checks `v` against a split row and returns the value to store, or `{ error: message }`.
 * Accepted beyond the exact JSON type, as the reference's ArduinoJson conversions do:
 * integers and numbers given as decimal strings ("1883"), booleans given as 0 or 1.
 */
export function schemaCheck(row: string[], v: any): any {
  var t = row[F_TYPE].charAt(0);
  var min = row[F_MIN];
  var max = row[F_MAX];
  if (t === 'b') {
    if (v === true || v === 1) return true;
    if (v === false || v === 0) return false;
    return { error: 'must be true or false' };
  }
  if (t === 'i' || t === 'n') {
    // Espruino's RegExp has no working "?" (nor "+" on groups): a plain class, then let + decide
    if (typeof v === 'string' && /^[0-9.-]+$/.test(v)) v = +v;
    if (typeof v !== 'number' || !isFinite(v)) return { error: 'must be a number' };
    if (t === 'i' && v % 1 !== 0) return { error: 'must be an integer' };
    if ((min !== '' && v < +min) || (max !== '' && v > +max)) {
      return { error: 'must be ' + (max === '' ? 'at least ' + min : 'between ' + min + ' and ' + max) };
    }
    return v;
  }
  if (typeof v !== 'string') return { error: 'must be a string' };
  if (t === 'e') {
    var list = ',' + max + ',';
    var at = list.indexOf(',' + v + ',');
    if (at < 0 || at + v.length + 2 > list.length || v.indexOf(',') >= 0) {
      return { error: 'must be one of ' + JSON.stringify(max.split(',')) };
    }
    return v;
  }
  if (v.length > +max) return { error: 'must be at most ' + max + ' characters' };
  if (min !== '' && v !== '' && v.length < +min) return { error: 'must be at least ' + min + ' characters' };
  if (row[F_TYPE].indexOf('h') > 0 && (!/^[A-Za-z0-9-]+$/.test(v) || v.charAt(0) === '-' || v.charAt(v.length - 1) === '-')) {
    return { error: 'must be letters, digits and "-" (not first or last)' };
  }
  return v;
}
