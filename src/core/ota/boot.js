// The OTA loader, stored as `.bootcde` (the build copies it to dist/esp32/boot.js). It runs at
// every power-on and picks the image file to boot from `ota.json` (src/core/ota/slots.ts):
// - a new image is on trial (`trial` > 0): each boot counts; after 3 boots that never marked
//   themselves healthy (src/main/espruino.ts does, HEALTHY_MS after start) it goes back to `prev`;
// - on trial the watchdog must be kicked by hand, which only a healthy image starts doing, so an
//   image that throws at start or hangs resets the chip instead of sitting at the prompt;
// - load(file) runs that file *instead of* .bootcde, so this does not loop.
// ES5 and short: it is the one piece of code an update never replaces.
var s = require('Storage');
var o = s.readJSON('ota.json', 1) || { cur: 'app-a.js' };
if (o.trial) {
  if ((o.trial > 3 || !s.read(o.cur)) && o.prev && s.read(o.prev)) o = { cur: o.prev, failed: o.cur };
  else o.trial++;
  s.write('ota.json', JSON.stringify(o));
}
if (E.enableWatchdog) E.enableWatchdog(30, !o.trial);
if (s.read(o.cur)) load(o.cur);
else console.log('OTA loader: no image ' + o.cur);
