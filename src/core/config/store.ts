// The gateway's settings: typed, checked against the schema, kept in RAM only where they differ
// from the default, and saved so that a power cut at any instant leaves the old or the new set
// (two files cfg.a / cfg.b, see core/slots.ts; only non-default values are stored).
import type { Storage } from '../../hal/types';
import { SlotState, loadSlots, saveSlots, eraseSlots } from '../slots';

export { crc32, parseSlot } from '../slots';
import { SCHEMA, F_NAME, F_TYPE, F_GROUP, DUMMY_PASSWORD, schemaRow, schemaDefault, schemaCheck } from './schema';

var BASE = 'cfg.';

/** What update() tells the caller. Errors are by key; "*" is about the request as a whole. */
export type ConfigUpdate =
  | { ok: true; changed: string[]; groups: string[] }
  | { ok: false; errors: { [key: string]: string } };

export class ConfigStore {
  /** `config_version`: 1 after boot as in the reference, +1 on every change that takes effect. */
  version = 1;
  /** Only the values that differ from their default. */
  private values: { [key: string]: any } = {};
  /** Generation of the newest good slot; 0 when nothing is stored. */
  get generation(): number {
    return this.st.gen;
  }
  /** Which file holds the newest saved generation. */
  private st: SlotState = { gen: 0, slot: '' };
  /** Four lowercase hex digits of the device id, for id-based defaults (openevse-7b2c). */
  private id: string;

  /** `deviceId`: the MAC/serial (e.g. 9C9C1FE57B2C) or its short form; its last 4 hex digits are used. */
  constructor(
    private storage: Storage,
    deviceId: string,
  ) {
    this.id = String(deviceId).slice(-4).toLowerCase();
    var stored = loadSlots(storage, BASE, this.st);
    if (!stored) return;
    // Values are checked again: a newer or older firmware may have written keys or ranges
    // this one does not know; those fall back to the default.
    for (var k in stored) {
      var row = schemaRow(k);
      if (!row) continue;
      var v = schemaCheck(row, stored[k]);
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
   * Every setting by name, the body of GET /config, or `count` of them from the `from`th (in
   * schema order). Without `includeSecrets`, a secret that is set reads "_DUMMY_PASSWORD" and
   * one that is not reads "", as the reference does.
   */
  getAll(includeSecrets: boolean, from?: number, count?: number): { [key: string]: any } {
    var doc: { [key: string]: any } = {};
    var end = count ? (from || 0) + count : 1e9;
    var n = 0;
    for (var p = 0; p < SCHEMA.length - 1 && n < end; p = SCHEMA.indexOf('~', p + 1)) {
      if (n++ < (from || 0)) continue;
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
      var err = saveSlots(this.storage, BASE, this.st, values);
      if (err) return { ok: false, errors: { '*': err } };
      this.values = values;
      this.version++;
    }
    return { ok: true, changed: changed, groups: groups };
  }

  /** Factory reset: every setting back to its default, nothing left in Storage. */
  reset(): void {
    eraseSlots(this.storage, BASE, this.st);
    this.values = {};
    this.version++;
  }
}
