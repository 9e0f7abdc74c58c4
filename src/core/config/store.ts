// The gateway's settings: typed, checked against the schema, kept in RAM only where they differ
// from the default, and saved so that a power cut at any instant leaves the old or the new set.
//
// Why two slots: Espruino's Storage (ESP32 flash) has no rename, and write(name) replaces the
// file, so a cut during it leaves the file missing or partial. Each save therefore writes the
// slot (cfg.a / cfg.b) that does NOT hold the newest good copy, whole, as
//     8 hex digits CRC-32 of the body, then the body {"gen":N,"values":{non-default values}}
// and loading takes the slot with the highest gen among those whose CRC and JSON are good.
// The slot being written can break; the other one still holds the previous generation.
import type { Storage } from '../../hal/types';
import { SCHEMA, F_NAME, F_TYPE, F_GROUP, DUMMY_PASSWORD, schemaRow, schemaDefault, schemaCheck } from './schema';

/** Espruino's global (E.CRC32); absent on Node. */
declare var E: any;

var SLOT_A = 'cfg.a';
var SLOT_B = 'cfg.b';

/**
 * CRC-32 (IEEE, as zlib) of a binary string, or -1 when `s` holds a char above 255 (which
 * Storage, one byte per char, could not keep). The device has it built in (E.CRC32, same
 * algorithm), which is ~100x faster than this loop would be there.
 */
export function crc32(s: string): number {
  if (typeof E !== 'undefined' && E.CRC32) return E.CRC32(s);
  var c = -1;
  for (var i = 0; i < s.length; i++) {
    var ch = s.charCodeAt(i);
    if (ch > 255) return -1;
    c ^= ch;
    for (var k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return (c ^ -1) >>> 0;
}

/** A slot's generation and stored values, or null when it is missing, torn or corrupt. */
export function parseSlot(text: string | undefined): { gen: number; values: any } | null {
  if (typeof text !== 'string' || text.length < 10) return null;
  var body = text.substring(8);
  if (text.substring(0, 8) !== ('0000000' + crc32(body).toString(16)).slice(-8)) return null;
  var doc: any;
  try {
    doc = JSON.parse(body);
  } catch (e) {
    return null;
  }
  if (!doc || typeof doc.gen !== 'number' || doc.gen < 1 || !doc.values || typeof doc.values !== 'object') return null;
  return doc;
}

/** What update() tells the caller. Errors are by key; "*" is about the request as a whole. */
export type ConfigUpdate =
  | { ok: true; changed: string[]; groups: string[] }
  | { ok: false; errors: { [key: string]: string } };

export class ConfigStore {
  /** `config_version`: 1 after boot as in the reference, +1 on every change that takes effect. */
  version = 1;
  /** Generation of the newest good slot; 0 when nothing is stored. */
  generation = 0;
  /** Only the values that differ from their default. */
  private values: { [key: string]: any } = {};
  /** The slot holding `generation`, '' when none. */
  private slot = '';
  /** Four lowercase hex digits of the device id, for id-based defaults (openevse-7b2c). */
  private id: string;

  /** `deviceId`: the MAC/serial (e.g. 9C9C1FE57B2C) or its short form; its last 4 hex digits are used. */
  constructor(
    private storage: Storage,
    deviceId: string,
  ) {
    this.id = String(deviceId).slice(-4).toLowerCase();
    var a = parseSlot(storage.read(SLOT_A));
    var b = parseSlot(storage.read(SLOT_B));
    var best = a;
    if (a) this.slot = SLOT_A;
    if (b && (!a || b.gen > a.gen)) {
      best = b;
      this.slot = SLOT_B;
    }
    if (!best) return;
    this.generation = best.gen;
    // Values are checked again: a newer or older firmware may have written keys or ranges
    // this one does not know; those fall back to the default.
    for (var k in best.values) {
      var row = schemaRow(k);
      if (!row) continue;
      var v = schemaCheck(row, best.values[k]);
      if (typeof v !== 'object' && v !== schemaDefault(row, this.id)) this.values[k] = v;
    }
  }

  /** A setting's value (secrets in clear), or undefined for an unknown key. */
  get(key: string): any {
    var row = schemaRow(key);
    if (!row) return undefined;
    var v = this.values[key];
    return v === undefined ? schemaDefault(row, this.id) : v;
  }

  /**
   * Every setting by name, the body of GET /config. Without `includeSecrets`, a secret that is
   * set reads "_DUMMY_PASSWORD" and one that is not reads "", as the reference does.
   */
  getAll(includeSecrets: boolean): { [key: string]: any } {
    var doc: { [key: string]: any } = {};
    for (var p = 0; p < SCHEMA.length - 1; p = SCHEMA.indexOf('~', p + 1)) {
      var row = schemaRow('', p) as string[];
      var k = row[F_NAME];
      var v = this.values[k];
      if (v === undefined) v = schemaDefault(row, this.id);
      if (!includeSecrets && v !== '' && row[F_TYPE].indexOf('*') > 0) v = DUMMY_PASSWORD;
      doc[k] = v;
    }
    return doc;
  }

  /**
   * Applies a partial document: every field is checked first and nothing changes unless all
   * are good. "_DUMMY_PASSWORD" for a secret means "leave it". `groups` says what the caller
   * restarts (mqtt, emoncms, wifi, time, divert, www, evse, ...). Nothing is written and the
   * version does not move when no value actually changes.
   */
  update(patch: any): ConfigUpdate {
    if (!patch || typeof patch !== 'object' || patch instanceof Array) {
      return { ok: false, errors: { '*': 'expected a JSON object' } };
    }
    var errors: { [key: string]: string } | null = null;
    var values: { [key: string]: any } = {};
    var changed: string[] = [];
    var groups: string[] = [];
    var k: string;
    for (k in this.values) values[k] = this.values[k];
    for (k in patch) {
      var row = schemaRow(k);
      var v = row ? schemaCheck(row, patch[k]) : { error: 'unknown key' };
      if (v !== null && typeof v === 'object') {
        if (!errors) errors = {};
        errors[k] = v.error;
        continue;
      }
      row = row as string[];
      if (row[F_TYPE].indexOf('*') > 0 && v === DUMMY_PASSWORD) continue;
      var def = schemaDefault(row, this.id);
      var cur = values[k] === undefined ? def : values[k];
      if (v === cur) continue;
      changed.push(k);
      if (groups.indexOf(row[F_GROUP]) < 0) groups.push(row[F_GROUP]);
      if (v === def) delete values[k];
      else values[k] = v;
    }
    if (errors) return { ok: false, errors: errors };
    if (changed.length) {
      var err = this.save(values);
      if (err) return { ok: false, errors: { '*': err } };
      this.values = values;
      this.version++;
    }
    return { ok: true, changed: changed, groups: groups };
  }

  /** Factory reset: every setting back to its default, nothing left in Storage. */
  reset(): void {
    // The older slot goes first: a cut between the two erases leaves the current settings.
    this.storage.erase(this.slot === SLOT_A ? SLOT_B : SLOT_A);
    this.storage.erase(this.slot || SLOT_B);
    this.values = {};
    this.slot = '';
    this.generation = 0;
    this.version++;
  }

  /** Writes `values` as the next generation into the other slot; returns an error or ''. */
  private save(values: { [key: string]: any }): string {
    var body = JSON.stringify({ gen: this.generation + 1, values: values });
    var crc = crc32(body);
    if (crc < 0) {
      // Only on a host with 16-bit strings (Node): keep the file one byte per char.
      var s = '';
      for (var i = 0; i < body.length; i++) {
        var ch = body.charCodeAt(i);
        s += ch > 255 ? '\\u' + ('000' + ch.toString(16)).slice(-4) : body.charAt(i);
      }
      body = s;
      crc = crc32(body);
    }
    var data = ('0000000' + crc.toString(16)).slice(-8) + body;
    var target = this.slot === SLOT_A ? SLOT_B : SLOT_A;
    try {
      this.storage.write(target, data);
      // Espruino's Storage.write reports a full flash by its return value, which the HAL drops.
      if (this.storage.read(target) !== data) return 'storage: write did not stick';
    } catch (e: any) {
      return 'storage: ' + ((e && e.message) || e);
    }
    this.slot = target;
    this.generation++;
    return '';
  }
}
