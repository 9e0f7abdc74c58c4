#!/usr/bin/env node
// What each optional feature of the ESP32 image costs in JsVars, on an Espruino interpreter (its
// Linux build) with the image loaded from Storage, as on the device: the figures behind
// FEATURE_VARS in src/main/espruino.ts. The pool is grown first, so that every feature fits.
//   - the core alone: the image with `global.OEVSE_SKIP` naming every boot-time feature;
//   - each boot-time feature (history, sntp, planning): the core with only that one left on;
//   - each service turned on by POST /config (mqtt, emoncms, ohm, tesla): usage after minus before.
//   - the WiFi manager, on a stand-in Wifi module (the Linux build has no radio): in access-point
//     mode as on first boot, then with a network joined.
//
//   ESPRUINO=/path/to/espruino npm run bench:features [-- --image dist/esp32/image.js]
'use strict';
const fs = require('fs');
const path = require('path');
const { root, interpreter, boot, WIFI_STANDIN } = require('./espruino-harness');

const bin = interpreter();
const ii = process.argv.indexOf('--image');
const imagePath = ii > 0 ? process.argv[ii + 1] : path.join(root, 'dist/esp32/image.js');
const image = fs.readFileSync(imagePath, 'latin1');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const BOOT_FEATURES = ['history', 'sntp', 'planning'];
const SERVICES = {
  mqtt: { mqtt_enabled: true, mqtt_server: '127.0.0.1' },
  emoncms: { emoncms_enabled: true, emoncms_server: 'http://127.0.0.1:9', emoncms_apikey: 'x' },
  ohm: { ohm_enabled: true, ohm: 'key' },
  tesla: { tesla_enabled: true },
};

/** process.memory().usage through the REPL, one character at a time (the Linux build's stdin races). */
async function usage(run) {
  const from = run.output().length;
  // (less the stand-in radio module, which every run defines: see WIFI_STANDIN)
  for (const ch of 'print("USE",process.memory().usage-E.getSizeOf(global.WIFI_STANDIN))\n') {
    run.app.stdin.write(ch);
    await sleep(20);
  }
  for (let i = 0; i < 100; i++) {
    const m = /USE (\d+)/.exec(run.output().slice(from));
    if (m) return Number(m[1]);
    await sleep(100);
  }
  throw new Error('no memory reading');
}

/** Boots the image with `skip` features left off; `config` (optional) turned on after; `wifi`: with the stand-in radio. */
async function measure(skip, config, wifi) {
  const prelude = WIFI_STANDIN + (wifi ? 'global.OEVSE_WIFI=global.WIFI_STANDIN;' : '');
  const run = await boot(bin, prelude + 'global.OEVSE_SKIP=' + JSON.stringify(skip.join(',')) + ';' + image, { grow: 14000 });
  try {
    await sleep(3000);
    const before = await usage(run);
    if (!config) return [before];
    const r = await fetch(run.url + '/config', { method: 'POST', body: JSON.stringify(config) });
    if (r.status !== 200) throw new Error('POST /config: ' + r.status + ' ' + (await r.text()));
    await sleep(4000);
    // joined: the access point (and with it the captive portal's DNS) goes off 10 s after
    for (let i = 0; wifi && i < 30 && (await (await fetch(run.url + '/status')).json()).mode !== 'STA'; i++) await sleep(1000);
    const status = await (await fetch(run.url + '/status')).json();
    if (wifi && status.mode !== 'STA') throw new Error('WiFi: the access point did not go off (mode ' + status.mode + ')');
    const off = String(status.features_off || '').split(',');
    for (const k of Object.keys(SERVICES)) if (config === SERVICES[k] && off.indexOf(k) >= 0) throw new Error(k + ' left off: ' + status.features_off);
    return [before, await usage(run)];
  } finally {
    if (/OUT OF MEMORY|Uncaught/.test(run.output())) console.log('interpreter errors:\n' + run.output().slice(-1000));
    run.stop();
  }
}

async function main() {
  const rows = [];
  const core = (await measure(BOOT_FEATURES))[0];
  rows.push(['core (nothing optional)', core]);
  for (const f of BOOT_FEATURES) rows.push([f, (await measure(BOOT_FEATURES.filter((x) => x !== f)))[0] - core]);
  for (const f of Object.keys(SERVICES)) {
    const [a, b] = await measure(BOOT_FEATURES, SERVICES[f]);
    rows.push([f + ' (turned on, not connected)', b - a]);
  }
  // first boot: the access point and the captive portal's DNS; then a network is chosen, joined,
  // the access point goes off a moment later and mDNS answers for the station (read once it is off)
  const [ap, joined] = await measure(BOOT_FEATURES, { ssid: 'home', pass: 'secret123' }, true);
  rows.push(['WiFi manager, access point + captive DNS', ap - core]);
  rows.push(['WiFi manager, station joined + mDNS', joined - core]);
  console.log('command: ESPRUINO=' + bin + ' node scripts/bench-features.js' + (ii > 0 ? ' --image ' + imagePath : ''));
  console.log('image: ' + image.length + ' bytes from Storage');
  for (const [what, vars] of rows) console.log(('  ' + what).padEnd(40) + String(vars).padStart(6) + ' JsVars');
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
