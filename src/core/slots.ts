// Power-cut-safe persistence of a small document in two files, `<base>a` and `<base>b`.
//
// Why two: Espruino's Storage (ESP32 flash) has no rename, and write(name) replaces the file, so
// a cut during it leaves the file missing or partial. Each save therefore writes the file that
// does NOT hold the newest good copy, whole, as
//     8 hex digits CRC-32 of the body, then the body {"gen":N,"values":{...}}
// and loading takes the file with the highest gen among those whose CRC and JSON are good. The
// file being written can break; the other one still holds the previous generation.
// Used by the config store, the scheduler and the energy meter.
import type { Storage } from '../hal/types';

/** Espruino's global (E.CRC32); absent on Node. */
declare var E: any;

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

/** Where a persisted document stands: its generation and the file holding it ('' = none). */
export interface SlotState {
  gen: number;
  slot: string;
}

/** The newest good values of `base`, or null; `st` is set to where they came from. */
export function loadSlots(storage: Storage, base: string, st: SlotState): any {
  var a = parseSlot(storage.read(base + 'a'));
  var b = parseSlot(storage.read(base + 'b'));
  st.gen = 0;
  st.slot = '';
  var best = a;
  if (a) st.slot = base + 'a';
  if (b && (!a || b.gen > a.gen)) {
    best = b;
    st.slot = base + 'b';
  }
  if (!best) return null;
  st.gen = best.gen;
  return best.values;
}

/** Writes `values` as the next generation into the other file; returns '' or an error. */
export function saveSlots(storage: Storage, base: string, st: SlotState, values: any): string {
  var body = JSON.stringify({ gen: st.gen + 1, values: values });
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
  var target = st.slot === base + 'a' ? base + 'b' : base + 'a';
  try {
    storage.write(target, data);
    // Espruino's Storage.write reports a full flash by its return value, which the HAL drops.
    if (storage.read(target) !== data) return 'storage: write did not stick';
  } catch (e) {
    return 'storage: ' + (((e as any) && (e as any).message) || e);
  }
  st.slot = target;
  st.gen++;
  return '';
}

/** Removes both files, the older first: a cut between the two erases leaves the newest. */
export function eraseSlots(storage: Storage, base: string, st: SlotState): void {
  storage.erase(st.slot === base + 'a' ? base + 'b' : base + 'a');
  storage.erase(st.slot || base + 'b');
  st.gen = 0;
  st.slot = '';
}
