// Where an update goes and the switch to it (http/update.ts): the A/B files and ota.json of
// core/ota/slots.ts. Only /update uses these, so on the ESP32 they are defined with its route, for
// each such request (src/http/routes.ts), not kept in the image.
import { Storage } from '../../hal/types';
import { OtaState, OTA_STATE, SLOT_A, SLOT_B, readOtaState } from './slots';

/** The file an update writes: never the one running. */
export function spareSlot(st: OtaState): string {
  return st.cur === SLOT_A ? SLOT_B : SLOT_A;
}

/** Boots `name` next, on trial; the running image stays as the way back. */
export function switchTo(storage: Storage, name: string): void {
  var st = readOtaState(storage);
  storage.write(OTA_STATE, JSON.stringify({ cur: name, prev: st.cur, trial: 1 }));
}
