// Power-cut-safe persistence for the scheduler and the energy meter, the same scheme as
// ConfigStore (two files `<base>a`/`<base>b`, each "CRC-32 hex" + {"gen":N,"values":{...}};
// a save writes the slot that does NOT hold the newest good copy, loading takes the highest good
// gen), reusing its crc32/parseSlot. The payloads here are numbers only (no chars above 255).
import type { Storage } from '../../hal/types';
import { crc32, parseSlot } from '../config/store';

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

/** Writes `values` as the next generation into the other slot; returns '' or an error. */
export function saveSlots(storage: Storage, base: string, st: SlotState, values: any): string {
  var body = JSON.stringify({ gen: st.gen + 1, values: values });
  var data = ('0000000' + crc32(body).toString(16)).slice(-8) + body;
  var target = st.slot === base + 'a' ? base + 'b' : base + 'a';
  try {
    storage.write(target, data);
    if (storage.read(target) !== data) return 'storage: write did not stick';
  } catch (e) {
    return 'storage: ' + (((e as any) && (e as any).message) || e);
  }
  st.slot = target;
  st.gen++;
  return '';
}
