// The ESP32 image's entry point. The board comes from Storage `board.json` (the flash script
// writes it) or, for test harnesses, from a global `OPENEVSE_BOARD` set before the image runs.
import { espruinoHal, flashView, Board } from '../hal/espruino/hal';
import { Gateway } from '../app';
import { SCHEMA, useSchemaText } from '../core/config/schema';
import { setImageSwitching, markHealthy } from '../core/ota/slots';
import { find } from '../core/text';
import { espruinoHttpClient } from '../hal/espruino/http-client';
import { PowerHistory } from '../core/history';
import { inList } from '../core/text';
// Each optional feature is defined only when turned on (scripts/rollup-lazy.mjs): a class's methods
// cost JsVars from the moment its definition runs, used or not.
import loadPlanning from 'resident:../planning';
import loadMqtt from 'resident:../services/mqtt/service';
import loadEmoncms from 'resident:../services/emoncms';
import loadOhm from 'resident:../services/ohmconnect';
// (their requests, defined for each post or poll and dropped after it: services/emoncms.ts,
// ohmconnect.ts, tesla.ts)
import loadEmoncmsPost from 'lazy:../services/emoncms-post';
import loadOhmPoll from 'lazy:../services/ohmconnect-poll';
import loadTeslaRequest from 'lazy:../services/tesla-request';
import loadTesla from 'resident:../services/tesla';
import loadSntp from 'resident:../services/sntp';
// (the SNTP request itself, defined for each sync and dropped after it: services/sntp.ts)
import loadSntpExchange from 'lazy:../services/sntp-exchange';
import loadWifi from 'resident:../services/wifi-manager';
// (its steps, for each radio event, timer, setting change and request; its name servers: the
// captive portal's while the access point is up, mDNS packets for each datagram that may concern
// us: services/wifi-manager.ts, mdns.ts)
import loadWifiSteps from 'lazy:../services/wifi-steps';
import loadCaptive from 'lazy:../services/captive-dns';
import loadMdnsReply from 'lazy:../services/mdns-reply';
// (the routes asked for now and then, defined for each such request and dropped after it: http/routes.ts)
import loadRoutes from 'lazy:../http/routes';

// boards/openevse_wifi_v1.json (RAPI on UART0, the console's UART; GPIO17 is its LED chain)
var DEFAULT_BOARD: Board = { name: 'openevse_wifi_v1', rapi_serial: 'Serial1', rapi_tx: 'D1', rapi_rx: 'D3', rapi_console: true, http_port: 80, button: 'D0' };
/** How often the console gets a memory line (the first one 10 s after boot). */
var MEMORY_LOG_MS = 3600000;

// The settings table read from flash rather than its RAM copy: 195 JsVars (core/config/schema.ts).
useSchemaText(flashView(SCHEMA));

var board: Board = global.OPENEVSE_BOARD || require('Storage').readJSON('board.json', true) || DEFAULT_BOARD;
/**
 * Requests answered at once on the device: each costs up to ~250 JsVars while it is answered
 * (GET /config), and four at once beside a /ws client ran a 4,000-var pool out of memory
 * (npm run bench:memory); more get 503, which browsers and apps retry.
 */
var MAX_REQUESTS = 2;
var gateway = new Gateway(espruinoHal(board), { httpPort: board.http_port, maxRequests: MAX_REQUESTS, loadRoutes: loadRoutes });
var started = false;

/**
 * JsVars each feature takes once running (`npm run bench:features` on the interpreter), rounded
 * up: MQTT with a broker connection's share (~115), SNTP, emoncms, OhmConnect and Tesla at their
 * peak while a request is out (their request modules are loaded for it and dropped after). A
 * feature is only built when that much is free beyond RESERVE_VARS, so turning too much on leaves
 * it off with a clear line in /status (`features_off`) rather than an OUT OF MEMORY at boot. The
 * WiFi manager is the way in to everything else: it is always built (~215 with the station joined,
 * ~325 as an access point with the captive portal, measured on a stand-in radio: bench:features).
 */
var FEATURE_VARS: { [name: string]: number } = { history: 150, sntp: 300, mqtt: 400, planning: 560, emoncms: 200, ohm: 200, tesla: 150 };
/**
 * Kept free for a /ws client (~70) and MAX_REQUESTS requests at once: bursts of GET /config,
 * /status, /claims and /override, and GET / (the web page), peaked ~420 above that (npm run
 * bench:memory on a 4,000-var pool, since /status is sent in parts; ~720 before, when 1,300 were
 * kept and 1,000 had let a burst run out beside Eco mode). 1,100 leaves Eco mode room on a
 * 4,000-var device with the WiFi manager, history and SNTP.
 */
var RESERVE_VARS = 1100;
/** What Gateway.start() and the first minutes add after the boot-time features are chosen. */
var START_VARS = 100;
var featuresOff: string[] = [];

/** Features a measurement leaves off (`global.OEVSE_SKIP = "planning,sntp"` before the image runs). */
var skipped = String((global as any).OEVSE_SKIP || '');

var fits = function (name: string): boolean {
  var m = (global as any).process.memory();
  if (!inList(skipped, name) && m.free - FEATURE_VARS[name] >= RESERVE_VARS + (started ? 0 : START_VARS)) return true;
  if (featuresOff.indexOf(name) < 0) {
    featuresOff.push(name);
    gateway.external.features_off = featuresOff.join(',');
    gateway.hal.log('warn', name + ' not started: not enough memory (' + m.free + ' JsVars free)');
  }
  return false;
};

/**
 * Builds the features the settings turn on and that are not running yet, most wanted first (a
 * feature turned off again stays defined until the next restart, idle). Eco mode, timers and
 * limits come as one part ("planning"), on whenever it fits.
 */
var attachFeatures = function () {
  var gw = gateway;
  var c = gw.config;
  var added: any[] = [];
  // the radio first, whatever the memory: without it nobody can reach the rest
  if (!gw.wifi && gw.hal.wifi) added.push((gw.wifi = new (loadWifi().WifiManager)(gw, gw.hal.wifi, { loadSteps: loadWifiSteps, loadCaptive: loadCaptive, loadMdnsReply: loadMdnsReply })));
  // (only at boot: Gateway.start() starts it with the monitor's status)
  if (!started && !gw.history && fits('history')) gw.history = new PowerHistory(gw.hal.clock);
  if (!gw.sntp && c.get('sntp_enabled') && fits('sntp')) added.push((gw.sntp = new (loadSntp().SntpService)(gw, { loadExchange: loadSntpExchange })));
  if (!gw.mqtt && c.get('mqtt_enabled') && fits('mqtt')) added.push((gw.mqtt = new (loadMqtt().MqttService)(gw)));
  if (!gw.planning && fits('planning')) added.push((gw.planning = new (loadPlanning().Planning)(gw)));
  if (!gw.emoncms && c.get('emoncms_enabled') && fits('emoncms')) added.push((gw.emoncms = new (loadEmoncms().EmoncmsService)(gw, espruinoHttpClient, { loadRequest: loadEmoncmsPost })));
  if (!gw.ohm && c.get('ohm_enabled') && fits('ohm')) added.push((gw.ohm = new (loadOhm().OhmConnectService)(gw, espruinoHttpClient, { loadRequest: loadOhmPoll })));
  if (!gw.tesla && c.get('tesla_enabled') && fits('tesla')) added.push((gw.tesla = new (loadTesla().TeslaService)(gw, espruinoHttpClient, { loadRequest: loadTeslaRequest })));
  if (started) for (var i = 0; i < added.length; i++) added[i].start();
};
var configChanged = gateway.configChanged;
gateway.configChanged = function (changed: string[]) {
  attachFeatures();
  configChanged.call(gateway, changed);
};
attachFeatures();
gateway.start();
started = true;

// Booted by the OTA loader (src/core/ota/boot.js), an update switches images; a device flashed
// without it would ignore the switch, so it refuses updates and says why.
var loader = require('Storage').read('.bootcde');
if (loader && loader.length < 4096 && find(loader, 'ota.json') >= 0) setImageSwitching(true);
else setImageSwitching(false, '.bootcde is not the OTA loader: flash dist/esp32/boot.js as .bootcde and the image as app-a.js');
/** Up this long without a fatal error (start() listens on HTTP) = healthy; the controller may be off. */
var HEALTHY_MS = 15000;
setTimeout(function () {
  // A new image on trial stays; the loader would roll back after three boots without this.
  if (markHealthy(gateway.hal.storage)) console.log('OTA: this image is healthy, kept');
  // The loader left the watchdog kicked by hand on trial; from now on the idle loop kicks it.
  if (E.enableWatchdog) E.enableWatchdog(30, true);
}, HEALTHY_MS);

// After an OUT OF MEMORY the interpreter has cut short whatever ran (a request half answered, its
// slot never given back): measured, the gateway then hangs or crashes. A clean restart is the safe
// way back; the controller keeps charging meanwhile within its heartbeat fallback.
E.on('errorFlag', function (flags: string[]) {
  if (flags.indexOf('MEMORY') < 0) return;
  console.log('error out of memory: restarting');
  setTimeout(function () {
    E.reboot();
  }, 100);
});

var logMemory = function () {
  var m = (global as any).process.memory();
  console.log('memory: ' + m.usage + '/' + m.total + ' vars used');
};
setTimeout(logMemory, 10000);
setInterval(logMemory, MEMORY_LOG_MS);
