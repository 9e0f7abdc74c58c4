// Which Storage file holds the image the device runs, and which one an update may overwrite.
// Two image files take turns (A/B): an update goes into the one not running, so the running image
// stays until the new one has proven itself. The choice is kept in `ota.json`, which the loader
// (`.bootcde`, src/core/ota/boot.js) reads at every boot:
//   { "cur": "app-b.js", "prev": "app-a.js", "trial": 2 }
// `trial` (present only while `cur` is new and not yet healthy) counts its boots; the loader goes
// back to `prev` after too many of them, see boot.js.
import { Storage } from '../../hal/types';

export var OTA_STATE = 'ota.json';
export var SLOT_A = 'app-a.js';
export var SLOT_B = 'app-b.js';

export interface OtaState {
  cur: string;
  prev?: string;
  trial?: number;
  /** An image that never came up healthy and was rolled back. */
  failed?: string;
}

/**
 * The hosts that boot the image through the loader (the ESP32) switch to a new image; Node only
 * stores it. `refuse`: why this host takes no update at all (a device flashed without the loader,
 * where a switch would be ignored at the next boot). Read by /update (http/update.ts).
 */
export var switching = { on: false, refuse: '' };

export function setImageSwitching(on: boolean, refuse?: string): void {
  switching.on = on;
  switching.refuse = refuse || '';
}

export function readOtaState(storage: Storage): OtaState {
  var text = storage.read(OTA_STATE);
  try {
    var st = text ? JSON.parse(text) : null;
    if (st && typeof st.cur === 'string') return st;
  } catch (e) {
    // a missing or broken state file means the first image, as the loader reads it
  }
  return { cur: SLOT_A };
}

/**
 * The running image came up well: it stays. Writes only when it was on trial (flash wear).
 * Returns true when it did.
 */
export function markHealthy(storage: Storage): boolean {
  var st = readOtaState(storage);
  if (!st.trial) return false;
  var next: OtaState = { cur: st.cur };
  if (st.prev) next.prev = st.prev;
  storage.write(OTA_STATE, JSON.stringify(next));
  return true;
}
