// The OTA loader, stored as `.bootcde` (the build copies it to dist/esp32/boot.js). It runs at
// every power-on and picks the image file to boot from `ota.json` (src/core/ota/slots.ts):
// - a new image is on trial (`trial` > 0): each boot counts; after 3 boots that never marked
//   themselves healthy (src/main/espruino.ts does, HEALTHY_MS after start) it goes back to `prev`;
// - on trial the watchdog must be kicked by hand, which only a healthy image starts doing, so an
//   image that throws at start or hangs resets the chip instead of sitting at the prompt;
// - load(file) runs that file *instead of* .bootcde, so this does not loop.
// - Storage keeps erased and rewritten files as trash until a compaction; Espruino compacts by
//   itself when a write finds no room, and that moves files under an image running from flash
//   (its functions would read garbage). So the loader compacts here, before any image runs, once
//   the free space could not take another update (384 KB, MAX_IMAGE in src/http/update.ts, and
//   64 KB to spare), then runs again (once: `global.compacted`); the image refuses writes that
//   would need a compaction (src/hal/espruino/hal.ts). The compaction runs from a string, text in
//   RAM, not in the flash it moves.
// ES5 and short: it is the one piece of code an update never replaces.
var s = require('Storage');
var t = s.getStats();
if (t.trashBytes && t.freeBytes < 458752 && !global.compacted) {
  setTimeout('global.compacted = 1; require("Storage").compact(); eval(require("Storage").read(".bootcde"));', 10);
} else {
  var o = s.readJSON('ota.json', 1) || { cur: 'app-a.js' };
  if (o.trial) {
    if ((o.trial > 3 || !s.read(o.cur)) && o.prev && s.read(o.prev)) o = { cur: o.prev, failed: o.cur };
    else o.trial++;
    s.write('ota.json', JSON.stringify(o));
  }
  if (E.enableWatchdog) E.enableWatchdog(30, !o.trial);
  if (s.read(o.cur)) load(o.cur);
  else console.log('OTA loader: no image ' + o.cur);
}
