// The one table of every setting: /config GET/POST, MQTT config/set, persistence, secret masking
// and the UI forms all read it (ref/openevse-gateway.md §1.5, §1.10).
//
// Encoding. On the device a row object per key would cost ~10 JsVars × 80 keys; a function per
// check ~6 each. So the table is ONE string: a row per key, each row ended by "~" (the string
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
// A key is found with one indexOf("~" + name + ";") and only the found row is split, so a
// lookup allocates a few short-lived strings and nothing stays alive but the table itself.
// Measured on the 2v29 interpreter (4,000-var pool, minified image evaluated from Storage): the
// 2.5 KB literal costs 195 vars once evaluated (the lexer copies every string literal to RAM,
// whether the code is in flash or not), a view of the same bytes in a Storage file costs 1. So
// the rows are separated by "~", not "\n": the literal then has no escape sequence, its text in
// the image is byte for byte its value, and the Espruino entry point swaps SCHEMA for a view of
// the image file in flash (useSchemaText, hal/espruino flashView); the RAM copy is then garbage.
// Values live in ConfigStore, only those that differ from the default (14 set values: 84 vars).
//
// Left out on purpose: TFT, OCPP, RFID, LED, LCD-only keys, certificates (www_certificate_id,
// mqtt_certificate_id) and www_https_port, since this gateway serves plain HTTP only; the
// `flags`/`flags_changed` bitfields (each flag is its own boolean key here).
// Ours, not the reference's: mqtt_ha_discovery, divert_mode_algorithm, and the default divert
// mode's rules (divert_start_power ... divert_stale_action, see core/divert/controller.ts).
// The reference validates nothing (ArduinoJson converts whatever comes); the min/max here are
// ours, wide enough for any real setup, narrow enough that a typo cannot break the device.

export var SCHEMA =
  '~ssid;s;wifi;;32;' +
  '~pass;s*;wifi;;64;' +
  '~ap_ssid;s;wifi;;32;' +
  '~ap_pass;s*;wifi;8;63;' +
  '~hostname;sh;wifi;1;32;openevse-%' +
  '~lang;s;misc;;8;' +
  '~www_username;s;www;;32;' +
  '~www_password;s*;www;;64;' +
  '~www_http_port;i;www;1;65535;80' +
  '~sntp_enabled;b;time;;;1' +
  '~sntp_hostname;s;time;;64;pool.ntp.org' +
  '~time_zone;s;time;;64;Europe/London|GMT0BST,M3.5.0/1,M10.5.0' +
  '~temp_unit;e;misc;;c,f;c' +
  '~limit_default_type;e;limit;;,none,time,energy,soc,range;' +
  '~limit_default_value;i;limit;0;1000000;0' +
  '~emoncms_enabled;b;emoncms;;;0' +
  '~emoncms_server;s;emoncms;;128;https://emoncms.org' +
  '~emoncms_node;s;emoncms;;32;openevse-%' +
  '~emoncms_apikey;s*;emoncms;;64;' +
  '~emoncms_fingerprint;s;emoncms;;64;' +
  '~mqtt_enabled;b;mqtt;;;0' +
  '~mqtt_protocol;e;mqtt;;mqtt,mqtts;mqtt' +
  '~mqtt_server;s;mqtt;;128;' +
  '~mqtt_port;i;mqtt;1;65535;1883' +
  '~mqtt_reject_unauthorized;b;mqtt;;;1' +
  '~mqtt_topic;s;mqtt;;64;openevse-%' +
  '~mqtt_user;s;mqtt;;64;' +
  '~mqtt_pass;s*;mqtt;;64;' +
  '~mqtt_retained;b;mqtt;;;0' +
  '~mqtt_ha_discovery;b;mqtt;;;1' +
  '~mqtt_announce_topic;s;mqtt;;128;openevse/announce/%' +
  '~mqtt_solar;s;mqtt;;128;' +
  '~mqtt_grid_ie;s;mqtt;;128;' +
  '~mqtt_vrms;s;mqtt;;128;' +
  '~mqtt_live_pwr;s;mqtt;;128;' +
  '~mqtt_vehicle_soc;s;mqtt;;128;' +
  '~mqtt_vehicle_range;s;mqtt;;128;' +
  '~mqtt_vehicle_eta;s;mqtt;;128;' +
  '~mqtt_vehicle_charge_limit;s;mqtt;;128;' +
  '~mqtt_home_battery_soc;s;mqtt;;128;' +
  '~mqtt_home_battery_power;s;mqtt;;128;' +
  '~mqtt_vehicle_range_miles;b;vehicle;;;0' +
  '~ohm_enabled;b;ohm;;;0' +
  '~ohm;s;ohm;;64;' +
  '~divert_enabled;b;divert;;;0' +
  '~charge_mode;e;divert;;fast,eco;fast' +
  '~divert_mode_algorithm;e;divert;;default,compat;default' +
  '~divert_type;i;divert;-1;1;-1' +
  '~divert_PV_ratio;n;divert;0;10;1.1' +
  '~divert_attack_smoothing_time;i;divert;0;3600;20' +
  '~divert_decay_smoothing_time;i;divert;0;86400;600' +
  '~divert_min_charge_time;i;divert;0;86400;600' +
  '~divert_start_power;i;divert;0;50000;0' +
  '~divert_start_delay;i;divert;0;3600;240' +
  '~divert_stop_power;i;divert;-20000;20000;-200' +
  '~divert_stop_delay;i;divert;0;7200;900' +
  '~divert_dark_power;i;divert;0;5000;400' +
  '~divert_dark_delay;i;divert;0;3600;300' +
  '~divert_min_pause;i;divert;0;7200;300' +
  '~divert_stale_time;i;divert;30;86400;300' +
  '~divert_stale_action;e;divert;;pause,min,hold;pause' +
  '~current_shaper_enabled;b;shaper;;;0' +
  '~current_shaper_max_pwr;i;shaper;0;1000000;0' +
  '~current_shaper_smoothing_time;i;shaper;0;3600;60' +
  '~current_shaper_min_pause_time;i;shaper;0;86400;300' +
  '~current_shaper_data_maxinterval;i;shaper;1;86400;120' +
  '~temp_throttle_enabled;b;evse;;;1' +
  '~temp_throttle_setpoint;i;evse;40;80;65' +
  '~over_temp_shutdown;i;evse;40;100;72' +
  '~voltage;i;evse;0;30000;0' +
  '~heartbeat_interval;i;evse;0;3600;5' +
  '~heartbeat_current;i;evse;0;80;6' +
  '~pause_uses_disabled;b;evse;;;0' +
  '~default_state;b;evse;;;1' +
  '~is_threephase;b;evse;;;0' +
  '~factory_write_lock;b;evse;;;0' +
  '~vehicle_data_src;i;vehicle;0;3;0' +
  '~tesla_enabled;b;vehicle;;;0' +
  '~tesla_access_token;s*;vehicle;;2048;' +
  '~tesla_refresh_token;s*;vehicle;;2048;' +
  '~tesla_created_at;n;vehicle;-1;;-1' +
  '~tesla_expires_in;n;vehicle;-1;;-1' +
  '~tesla_vehicle_id;s;vehicle;;32;' +
  '~tesla_api_url;s;vehicle;;128;https://owner-api.teslamotors.com' +
  '~scheduler_start_window;i;schedule;0;3600;600' +
  '~wizard_passed;b;misc;;;0' +
  '~';

/**
 * Replaces the table by the same text held elsewhere (on the device: a view of the image in
 * flash). Refused unless identical, so a wrong view can cost memory but never change behaviour.
 */
export function useSchemaText(text: string): void {
  if (text === SCHEMA) SCHEMA = text;
}

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
 * the index of a row's leading "~" in SCHEMA (a walk over the table) and `key` is ignored.
 */
export function schemaRow(key: string, pos?: number): string[] | null {
  var start: number;
  if (pos === undefined) {
    // ";" or "~" inside a key would let the search match across fields
    if (typeof key !== 'string' || key.indexOf(';') >= 0 || key.indexOf('~') >= 0) return null;
    var needle = '~' + key + ';';
    start = SCHEMA.indexOf(needle);
    // Espruino 2v29's indexOf also "finds" a needle whose head matches the very end of the string
    // ("abc".indexOf("cd") is 2), so a hit must fit in the string to count.
    if (start < 0 || start + needle.length > SCHEMA.length) return null;
  } else {
    start = pos;
    if (start >= SCHEMA.length - 1) return null;
  }
  return SCHEMA.substring(start + 1, SCHEMA.indexOf('~', start + 1)).split(';');
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
