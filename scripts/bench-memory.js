#!/usr/bin/env node
// JsVar use of the ESP32 image on an Espruino interpreter (its Linux build), as on the device:
// the image is written to Storage and loaded from there (scripts/espruino-harness.js), against the
// emulated controller on a pseudo-terminal. Prints process.memory() usage
//   - after boot (idle, nothing connected),
//   - with one /ws client connected,
//   - during bursts of HTTP requests (4 at once, the router's cap): the highest usage seen by
//     the requests themselves (/status free_heap is computed while the request is alive),
//   - after two 2 MB uploads the gateway refuses (POST /config: 413, /update: 500 here),
//   - with MQTT connected to a broker on 127.0.0.1 (aedes, in this process), turned on by POST /config,
//   - with --wifi, all of it with the WiFi manager on a stand-in Wifi module (the Linux build has no
//     radio; scripts/espruino-harness.js WIFI_STANDIN): a network is joined right after boot, so the
//     access point is off and mDNS answers; the stand-in's own vars are left out of every reading,
//   - with --services, every other service on too: emoncms and Tesla against a stand-in HTTP server
//     in this process (it answers input/post and the vehicle list and charge state; the usage is read
//     once it saw both), OhmConnect turned on without a key (its host is fixed and unreachable
//     here, so it is built and idles rather than polls),
//   - during N minutes of activity: the /ws client stays connected (it answers the hub's pings),
//     a solar feed message goes out over MQTT every few seconds, the emulated car plugs in,
//     charges and unplugs (the emulator's control interface), /status is polled every 3 s; usage
//     is read every --sample seconds (default: 30 readings over the run, at least 10 s apart) for
//     min/max and, at each quarter, once the car is unplugged and things settled ("idle
//     checkpoint": the same connections as before the activity) — the growth is the last idle
//     checkpoint minus the first,
//   - after the /ws client left.
// The image builds optional features only when the pool has room for them (src/main/espruino.ts);
// `features_off` from /status is printed at each phase: MQTT left off for lack of memory is
// reported, and is a failure only with `--require mqtt`.
// Readings other than the HTTP ones are made on the interpreter's console (stdin is its REPL):
// process.memory() collects garbage first, so they count live vars only.
// Exits non-zero when the interpreter printed LOW_MEMORY, OUT OF MEMORY or Uncaught (or set an
// error flag: LOW_MEMORY means the pool ran dry at some moment, even when a collection then
// found room), when the gateway stopped answering, or when a required feature did not run.
// --burst N: requests at once in the burst (0 skips it, to measure the rest on a small pool);
// --verbose: progress and the interpreter's output on stderr.
//
// An interpreter whose pool grows on demand starts at 4,096 vars, and the image sizes its features
// by what is free in the pool as it is: `--grow 8192` grows it first (a device with more RAM).
//
//   ESPRUINO=/path/to/espruino-4000 node scripts/bench-memory.js [--minutes 2] [--image dist/esp32/image.js]
//       [--require mqtt[,planning...]] [--services] [--wifi] [--grow VARS] [--burst 0-4] [--sample SECONDS] [--verbose]
//   --minutes 60 is the hour; readings then come every 2 minutes (--sample to change).
'use strict';
const fs = require('fs');
const path = require('path');
const net = require('net');
const crypto = require('crypto');
const { root, interpreter, waitFor, boot, WIFI_STANDIN } = require('./espruino-harness');

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf('--' + name);
  return i >= 0 ? argv[i + 1] : dflt;
};
const bin = interpreter();
/** The reading the target is for (the verdict line names it). */
const IDLE_AFTER = 'after the activity, /ws client gone';
const minutes = Number(opt('minutes', 2));
const imagePath = opt('image', path.join(root, 'dist/esp32/image.js'));
const required = (opt('require', '') || '').split(',').filter(Boolean);
/** Seconds between readings during the activity (about 30 readings in all, at most one per 10 s). */
const sampleS = Number(opt('sample', Math.max(10, Math.round((minutes * 60) / 30))));
/** Requests at once in the burst (the router's cap is 4); 0: no burst. */
const burst = Number(opt('burst', 4));
/** Grow a growing pool to this many vars before the image starts (0: leave it as it starts). */
const grow = Number(opt('grow', 0));
const verbose = argv.includes('--verbose');
const services = argv.includes('--services');
const wifi = argv.includes('--wifi');
if (!(minutes > 0) || !(sampleS > 0) || !(grow >= 0) || !(burst >= 0 && burst <= 4)) {
  console.error('usage: ESPRUINO=... node scripts/bench-memory.js [--minutes N] [--image FILE] [--require mqtt] [--grow VARS] [--burst 0-4] [--sample S] [--verbose]');
  process.exit(2);
}
const image = fs.readFileSync(imagePath, 'latin1');
/** Every feature the image may leave off (src/main/espruino.ts FEATURE_VARS) and the setting that wants it. */
const FEATURES = { sntp: 'sntp_enabled', mqtt: 'mqtt_enabled', planning: null, emoncms: 'emoncms_enabled', ohm: 'ohm_enabled', tesla: 'tesla_enabled' };
/** What the interpreter prints when memory runs out or code throws. */
const TROUBLE = /LOW_MEMORY|OUT OF MEMORY|MEMORY_BUSY|Uncaught|New interpreter error/;
const BASE = 'bench-evse';
const SOLAR_TOPIC = BASE + '/feed/solar';
const FEED_MS = 5000;
const POLL_MS = 3000;
/** The car's cycle through the control interface, one step every EV_STEP_MS. */
const EV_CYCLE = ['B', 'C', 'C', 'B', 'A', 'A'];
const EV_STEP_MS = 10000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const note = (s) => verbose && console.error('[' + new Date().toISOString().slice(11, 19) + '] ' + s);
let run = null;
let broker = null;
let standIn = null;
const stop = (code) => {
  if (run) run.stop();
  if (broker) broker.close();
  if (standIn) standIn.server.close();
  process.exit(code);
};

/** fetch with a time limit (a hung connection would otherwise wait 5 minutes). */
function get(url, init) {
  return fetch(url, Object.assign({ signal: AbortSignal.timeout(10000) }, init || {}));
}
function postJson(url, obj) {
  return get(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(obj) });
}

/**
 * The emoncms and Tesla servers for --services, on 127.0.0.1: emoncms's input/post answers "ok",
 * Tesla's API one vehicle and its charge state; `seen` counts the requests of each kind.
 */
function startStandIn() {
  return new Promise((resolve) => {
    const seen = { emoncms: 0, tesla: 0 };
    const server = require('http').createServer((req, res) => {
      let body = 'ok';
      if (req.url.startsWith('/input/post?')) seen.emoncms++;
      else if (req.url === '/api/1/vehicles') body = '{"response":[{"id":1,"vehicle_id":1,"display_name":"Bench","state":"online"}],"count":1}';
      else if (req.url === '/api/1/vehicles/1/data_request/charge_state') {
        seen.tesla++;
        body = '{"response":{"battery_level":55,"battery_range":120.5,"time_to_full_charge":2.5,"charging_state":"Charging"}}';
      } else {
        res.writeHead(404);
        return res.end('{"error":"not found"}');
      }
      res.writeHead(200, { 'Content-Type': req.url.startsWith('/api') ? 'application/json' : 'text/plain' });
      res.end(body);
    });
    server.listen(0, '127.0.0.1', () => resolve({ server, seen, url: 'http://127.0.0.1:' + server.address().port }));
  });
}

/**
 * A /ws client on a raw socket, as a browser tab: the handshake, then it answers pings (the hub
 * drops a client silent for 30 s) and counts the messages; frames are otherwise dropped.
 */
function wsConnect(port) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    const key = crypto.randomBytes(16).toString('base64');
    const ws = { sock: s, open: false, messages: 0, pings: 0 };
    let head = '';
    let rx = Buffer.alloc(0);
    const send = (op, payload) => {
      const mask = crypto.randomBytes(4);
      const p = Buffer.from(payload, 'latin1');
      for (let i = 0; i < p.length; i++) p[i] ^= mask[i & 3];
      s.write(Buffer.concat([Buffer.from([0x80 | op, 0x80 | p.length]), mask, p]));
    };
    ws.close = () => {
      if (ws.open) send(8, '');
      ws.open = false;
      s.destroy();
    };
    s.on('error', (e) => (ws.open ? (ws.open = false) : reject(e)));
    s.on('close', () => {
      if (!ws.open) return reject(new Error('/ws closed during the handshake'));
      ws.open = false;
    });
    s.on('data', (b) => {
      if (head !== null) {
        head += b.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        if (!/^HTTP\/1\.1 101/.test(head)) return reject(new Error('no 101 from /ws: ' + head.split('\r\n')[0]));
        b = Buffer.from(head.slice(end + 4), 'latin1');
        head = null;
        ws.open = true;
        resolve(ws);
      }
      rx = Buffer.concat([rx, b]);
      // server frames are unmasked; payloads here are under 64 KB
      for (;;) {
        if (rx.length < 2) return;
        let len = rx[1] & 0x7f;
        let off = 2;
        if (len === 126) {
          if (rx.length < 4) return;
          len = rx.readUInt16BE(2);
          off = 4;
        } else if (len === 127) return ws.close();
        if (rx.length < off + len) return;
        const op = rx[0] & 0x0f;
        const payload = rx.subarray(off, off + len).toString('latin1');
        rx = rx.subarray(off + len);
        if (op === 9) {
          ws.pings++;
          send(10, payload);
        } else if (op === 1) ws.messages++;
        else if (op === 8) ws.close();
      }
    });
    s.write('GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ' + key + '\r\n\r\n');
  });
}

/** aedes (the test broker, test/helpers/broker.ts) on a free loopback port, with what it saw. */
async function startBroker() {
  const Aedes = require(path.join(root, 'node_modules/aedes'));
  const aedes = new Aedes();
  const server = net.createServer(aedes.handle);
  const sockets = new Set();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const b = { aedes, connects: 0, subscriptions: [], received: 0 };
  aedes.on('client', () => b.connects++);
  aedes.on('subscribe', (subs) => subs.forEach((x) => b.subscriptions.push(x.topic)));
  aedes.on('publish', (packet, client) => client && b.received++);
  b.port = await new Promise((r) => server.listen(0, '127.0.0.1', () => r(server.address().port)));
  b.publish = (topic, payload) => aedes.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 0, retain: false }, () => {});
  b.close = () => {
    for (const s of sockets) s.destroy();
    server.close();
    aedes.close();
  };
  return b;
}

async function main() {
  // the web UI page in Storage, as the flash procedure writes it
  const page = fs.readFileSync(path.join(root, 'dist/web/index.html.gz'));
  const prelude = wifi ? WIFI_STANDIN + 'global.OEVSE_WIFI=global.WIFI_STANDIN;' : '';
  run = await boot(bin, prelude + image, { grow, files: { 'index.html.gz': page.toString('latin1') } });
  const app = run.app;
  const out = () => run.output();
  const url = run.url;
  let exited = null;
  app.on('exit', (code, sig) => (exited = 'the interpreter exited (' + (sig || code) + ')'));
  /** What went wrong on the way (requests that failed, a gateway that stopped answering). */
  const failures = [];
  const fail = (what) => {
    failures.push(what);
    note('FAIL ' + what);
  };
  let asked = 0;
  const errorFlags = new Set();
  let console_ = Promise.resolve();
  /**
   * A line typed on the interpreter's console, one character every 60 ms. The Linux build reads
   * stdin on a thread that appends each character to the last queued event while the main loop
   * may be taking that event out (targets/linux/jshardware.c, jsdevices.c): a line written at once
   * ends in "ASSERT(len <= 64) FAILED" often enough to kill a run. One character per wake-up of
   * that thread (it sleeps up to 50 ms) makes each its own event.
   */
  function type(line) {
    console_ = console_.then(async () => {
      for (const ch of line) {
        app.stdin.write(ch);
        await sleep(60);
      }
    });
    return console_;
  }
  let total = 0;
  let block = 0;
  let standInVars = 0;
  /**
   * process.memory().usage through the REPL (\x10: no echo of the command line); with `full`
   * also the pool's size and the error flags (E.getErrorFlags() clears them).
   */
  async function memory(full) {
    if (exited) throw new Error(exited);
    const tag = 'M' + ++asked;
    // (less the stand-in radio's own vars: 0 without --wifi)
    const standIn = wifi ? 'E.getSizeOf(global.WIFI_STANDIN)' : '0';
    const what = full ? 'JSON.stringify([process.memory(),E.getErrorFlags(),' + standIn + '])' : 'process.memory().usage-' + standIn;
    const wait = waitFor(out, new RegExp('\\b' + tag + ' (\\[[^\\n]*\\]|\\d+)\\r?\\n'), 30000, 'memory reading ' + tag);
    await type('\x10print("' + tag + '",' + what + ')\n');
    const got = (await wait)[1];
    if (!full) {
      note('reading ' + tag + ': ' + got);
      return Number(got);
    }
    const r = JSON.parse(got);
    r[1].forEach((f) => errorFlags.add(f));
    total = r[0].total;
    block = r[0].blocksize;
    standInVars = r[2];
    r[0].usage -= r[2];
    note('reading ' + tag + ': ' + r[0].usage + ' of ' + total + (r[1].length ? ' flags ' + r[1] : ''));
    return r[0].usage;
  }
  /** Vars in use while a /status request was answered (its free_heap, in bytes). */
  const usedBy = (doc) => total - Math.round(doc.free_heap / block) - standInVars;
  /** GET `p` as JSON; null when busy (503); a failure (and null) when it does not answer. */
  async function getJson(p, what) {
    try {
      const r = await get(url + p);
      if (r.status === 503) return null;
      if (r.status !== 200) throw new Error('HTTP ' + r.status);
      return await r.json();
    } catch (e) {
      fail((what || 'GET ' + p) + ': ' + (e.name === 'TimeoutError' ? 'no answer in 10 s' : e.message));
      return null;
    }
  }
  let config = null;
  /** features_off from /status, and which features run (wanted by the settings and not off). */
  const phases = [];
  async function features(phase) {
    const st = await getJson('/status', 'GET /status (' + phase + ')');
    if (!config) config = await getJson('/config', 'GET /config (' + phase + ')');
    if (!st || !config) {
      phases.push([phase, '?', '? (no answer)']);
      return { st: st || {}, off: [], on: [], unknown: true };
    }
    const off = st.features_off ? st.features_off.split(',') : [];
    const on = Object.keys(FEATURES).filter((f) => off.indexOf(f) < 0 && (FEATURES[f] === null || config[FEATURES[f]]));
    phases.push([phase, on.join(',') || '-', off.join(',') || '-']);
    return { st, off, on };
  }
  const rows = [];
  const reading = async (what, full) => rows.push([what, await memory(full)]);
  let mqtt = false;
  let act = null;
  const idle = [];
  const finish = async (stopped) => {
    // what is left in use where it went wrong (garbage collected: what the failure holds)
    if (stopped && !exited) await reading('where it stopped', true).catch(() => rows.push(['where it stopped', 'no reading']));
    const n = report(stopped);
    stop(n ? 1 : 0);
  };

  // the monitor's boot queries and the first slow poll are done by then
  await waitFor(out, /memory: \d+\/\d+ vars used/, 30000, "the image's memory line");
  if (wifi) {
    // a network chosen on the setup page: joined, and the access point off a moment later
    await postJson(url + '/config', { ssid: 'bench', pass: 'bench-pass' });
    const until = Date.now() + 20000;
    let st = {};
    while (Date.now() < until && !(st.wifi_client_connected === 1 && st.mode === 'STA')) {
      await sleep(500);
      st = (await getJson('/status', 'GET /status (joining)')) || {};
    }
    if (st.mode !== 'STA') return finish('WiFi: the stand-in network was not joined in 20 s (mode ' + st.mode + ')');
    console.log('WiFi (stand-in radio): joined, mode ' + st.mode + ', ' + st.ipaddress);
    await sleep(2000);
  }
  await reading('after boot, idle' + (wifi ? ' (WiFi joined)' : ''), true);
  const idle0 = rows[0][1];
  if (grow && total < grow) console.log('note: --grow ' + grow + ' asked, the pool is ' + total + ' (a fixed pool does not grow)');
  await features('after boot');

  let ws = await wsConnect(run.port);
  await sleep(1500);
  await reading('one /ws client connected');

  // One request alone: the usage it sees while it is being answered.
  const one = await getJson('/status', 'GET /status with a /ws client');
  rows.push(['during one GET /status (+ /ws)', one ? usedBy(one) : 'failed']);
  // The web UI page (18 KB), the first request of every phone, with a /status while it goes out.
  const html = fs.readFileSync(path.join(root, 'dist/web/index.html'));
  const [same, during] = await Promise.all([
    fetch(url + '/', { signal: AbortSignal.timeout(30000) })
      .then(async (r) => r.status === 200 && Buffer.from(await r.arrayBuffer()).equals(html))
      .catch(() => false),
    sleep(30).then(() => getJson('/status', 'GET /status while the page goes out')),
  ]);
  if (!same) failures.push('GET / did not answer the built page');
  rows.push(['during GET / (the 18 KB web page) (+ /ws)', same && during ? usedBy(during) : 'failed']);
  let peak = 0;
  let busy = 0;
  const paths = ['/status', '/config', '/claims', '/override'].slice(0, burst);
  for (let round = 0; round < 10 && burst && !exited; round++) {
    await Promise.all(
      paths.map(async (p) => {
        await getJson(p, 'burst GET ' + p);
        const d = await getJson('/status', 'burst GET /status');
        if (d) peak = Math.max(peak, usedBy(d));
        else busy++;
      })
    );
  }
  if (burst) rows.push(['HTTP burst (' + burst + ' at once x 10), peak (+ /ws)', peak || 'failed']);
  await sleep(1000);
  // requests that failed in the burst: go on only if the gateway still answers
  if (failures.length && !(await getJson('/status', 'GET /status after the failed burst'))) return finish('the gateway stopped answering after the HTTP burst');
  await reading(burst ? 'after the burst (+ /ws)' : 'after that request (+ /ws)');

  // Bodies the gateway refuses without reading them (413 for /config, /update without the OTA
  // loader in this harness): they must be dropped as they come, not kept (2 MB each ran the
  // interpreter out of memory before util.ts dropBody)
  const junk = Buffer.alloc(2 * 1024 * 1024);
  for (const p of ['/config', '/update']) {
    try {
      const r = await get(url + p, { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, body: junk, signal: AbortSignal.timeout(120000) });
      await r.text();
      if (r.status < 400) fail('POST ' + p + ' of 2 MB of zeros: HTTP ' + r.status + ', a refusal was expected');
    } catch (e) {
      fail('POST ' + p + ' of 2 MB of zeros: ' + e.message);
    }
  }
  if (!(await getJson('/status', 'GET /status after the refused uploads'))) return finish('the gateway stopped answering after two refused 2 MB uploads');
  await reading('after two refused 2 MB uploads (+ /ws)');

  /** Settings changed through POST /config, as the web UI does; false (and a failure) if refused. */
  const postConfig = async (cfg) => {
    try {
      const posted = await postJson(url + '/config', cfg);
      if (posted.status !== 200) throw new Error('HTTP ' + posted.status + ' ' + (await posted.text()));
      config = null; // read again at the next phase
      return true;
    } catch (e) {
      fail('POST /config ' + JSON.stringify(cfg) + ': ' + e.message);
      return false;
    }
  };

  // MQTT on
  broker = await startBroker();
  const cfg = { mqtt_enabled: true, mqtt_server: '127.0.0.1', mqtt_port: broker.port, mqtt_topic: BASE, mqtt_solar: SOLAR_TOPIC };
  if (!(await postConfig(cfg))) return finish('MQTT could not be turned on: stopped there');
  const end = Date.now() + 20000;
  let f = await features('MQTT turned on');
  while (Date.now() < end && f.off.indexOf('mqtt') < 0 && !exited) {
    if (broker.connects && broker.subscriptions.indexOf(SOLAR_TOPIC) >= 0) {
      mqtt = true;
      break;
    }
    await sleep(500);
  }
  phases.pop();
  f = await features(mqtt ? 'MQTT connected' : 'MQTT turned on');
  if (mqtt) {
    await sleep(3000); // the connect's burst of status and discovery messages
    await reading('MQTT connected (+ /ws)');
    console.log('MQTT: the broker saw the client connect and subscribe to ' + broker.subscriptions.length + ' topics; /status mqtt_connected ' + f.st.mqtt_connected);
  } else if (f.off.indexOf('mqtt') >= 0) {
    await reading('MQTT left off: not enough memory (+ /ws)');
    console.log('MQTT: left off by the image for lack of memory (features_off: ' + f.st.features_off + ')');
  } else {
    fail('MQTT is on but the broker saw no connect and subscribe in 20 s (/status mqtt_status ' + f.st.mqtt_status + ', ' + f.st.mqtt_error + ')');
    return finish('MQTT did not connect');
  }
  if (services) {
    standIn = await startStandIn();
    const more = {
      emoncms_enabled: true,
      emoncms_server: standIn.url,
      emoncms_apikey: 'bench',
      ohm_enabled: true,
      tesla_enabled: true,
      tesla_api_url: standIn.url,
      tesla_access_token: 'bench',
      vehicle_data_src: 1,
    };
    if (!(await postConfig(more))) return finish('the services could not be turned on: stopped there');
    f = await features('every service on');
    const wanted = ['emoncms', 'tesla'].filter((x) => f.off.indexOf(x) < 0);
    // emoncms posts every 30 s, Tesla asks for the list then the charge state
    const until = Date.now() + 45000;
    while (Date.now() < until && !exited && wanted.some((x) => !standIn.seen[x])) await sleep(500);
    const silent = wanted.filter((x) => !standIn.seen[x]);
    if (silent.length) fail('turned on but never asked the stand-in server: ' + silent.join(', '));
    await sleep(2000);
    await reading('every service on (+ /ws' + (mqtt ? ', MQTT' : '') + ')');
    console.log('services: ' + (f.on.join(',') || '-') + ' running, ' + (f.st.features_off || 'nothing') + ' left off; stand-in saw ' + standIn.seen.emoncms + ' emoncms posts, ' + standIn.seen.tesla + ' Tesla charge-state requests');
  }
  const missing = required.filter((x) => f.on.indexOf(x) < 0);
  if (missing.length) {
    fail('required feature(s) not running: ' + missing.join(', ') + ' (features_off: ' + (f.st.features_off || '-') + ')');
    return finish('--require ' + required.join(',') + ': not all of it runs');
  }

  // The activity, in 4 parts, each ended by an idle checkpoint.
  act = { polls: 0, busy: 0, feeds: 0, evSteps: 0, wsReconnects: 0, wsMessages: 0, samples: [] };
  const ev = async (state) => {
    try {
      const r = await postJson(run.control + '/ev', { state });
      if (r.status !== 200) throw new Error('HTTP ' + r.status);
      act.evSteps++;
    } catch (e) {
      fail('emulator POST /ev ' + state + ': ' + e.message);
    }
  };
  const conns = '(+ /ws' + (mqtt ? ', MQTT' : '') + (services ? ', services' : '') + ')';
  // the lowest of 3 readings 2 s apart: a status poll of the controller, a /ws message or an MQTT
  // publish may be in flight at any one moment
  const checkpoint = async (at) => {
    let low = await memory(true);
    for (let i = 0; i < 2; i++) {
      await sleep(2000);
      low = Math.min(low, await memory());
    }
    idle.push(['idle checkpoint ' + at + ' min ' + conns, low]);
    rows.push(idle[idle.length - 1]);
  };
  await checkpoint('0');
  const t0 = Date.now();
  const parts = 4;
  let nextSample = t0 + sampleS * 1000;
  let nextFeed = t0;
  let nextPoll = t0;
  let nextEv = t0;
  let evi = 0;
  for (let part = 1; part <= parts; part++) {
    const partEnd = t0 + (part * minutes * 60000) / parts;
    while (Date.now() < partEnd) {
      if (exited) return finish(exited);
      if (failures.length > 20) return finish('too many failures: stopped');
      const now = Date.now();
      const jobs = [];
      if (!ws.open) {
        act.wsMessages += ws.messages;
        act.wsReconnects++;
        jobs.push(wsConnect(run.port).then((w) => (ws = w), (e) => fail('/ws reconnect: ' + e.message)));
      }
      if (mqtt && now >= nextFeed) {
        nextFeed = now + FEED_MS;
        // a day's curve compressed into 2 minutes, with some noise
        const w = Math.max(0, Math.round(4000 * Math.sin(((now - t0) / 120000) * Math.PI) + 300 * Math.random()));
        broker.publish(SOLAR_TOPIC, String(w));
        act.feeds++;
      }
      if (now >= nextPoll) {
        nextPoll = now + POLL_MS;
        act.polls++;
        jobs.push(getJson('/status', 'poll GET /status').then((d) => (d ? act.samples.push(['http', now - t0, usedBy(d)]) : act.busy++)));
      }
      if (now >= nextEv) {
        nextEv = now + EV_STEP_MS;
        jobs.push(ev(EV_CYCLE[evi++ % EV_CYCLE.length]));
      }
      if (now >= nextSample) {
        nextSample = now + sampleS * 1000;
        jobs.push(memory().then((u) => act.samples.push(['repl', now - t0, u])));
      }
      await Promise.all(jobs);
      await sleep(250);
    }
    // settle: car unplugged, as before the activity, nothing in flight
    await ev('A');
    evi = 0;
    await sleep(3000);
    if (!ws.open) {
      act.wsReconnects++;
      act.wsMessages += ws.messages;
      ws = await wsConnect(run.port);
      await sleep(1500);
    }
    const at = (minutes * part) / parts;
    await checkpoint(at % 1 ? at.toFixed(1) : String(at));
    await features('activity ' + part + '/' + parts);
  }
  act.wsMessages += ws.messages;
  ws.close();
  await sleep(2000);
  await reading(IDLE_AFTER, true);
  await features('end');
  finish();

  /** Prints the table and the verdicts; returns how many things failed. */
  function report(stopped) {
    const o = (name, v) => (v ? ' --' + name + ' ' + v : '');
    console.log('command: ESPRUINO=' + bin + ' node scripts/bench-memory.js --minutes ' + minutes + ' --image ' + imagePath + o('require', required.join(',')) + o('grow', grow) + o('burst', burst !== 4 && String(burst)) + o('sample', argv.includes('--sample') && sampleS) + (services ? ' --services' : '') + (wifi ? ' --wifi' : ''));
    console.log('interpreter: ' + bin + '; pool ' + total + ' vars of ' + block + ' bytes; image ' + image.length + ' bytes, from Storage');
    console.log('features per phase (running | features_off):');
    for (const [p, on, off] of phases) console.log('  ' + p.padEnd(20) + on.padEnd(28) + ' | ' + off);
    const pct = (u) => ((100 * u) / total).toFixed(1) + ' %';
    console.log('process.memory() usage:');
    for (const [what, used] of rows) console.log(('  ' + what).padEnd(48) + String(used).padStart(5) + (typeof used === 'number' ? ' / ' + total + ' (' + pct(used) + ')' : ''));
    let failed = failures.length;
    if (act) {
      const repl = act.samples.filter((s) => s[0] === 'repl').map((s) => s[2]).concat(idle.map((c) => c[1]));
      const http = act.samples.filter((s) => s[0] === 'http').map((s) => s[2]);
      const mm = (xs) => (xs.length ? Math.min.apply(null, xs) + ' .. ' + Math.max.apply(null, xs) + ' (max ' + pct(Math.max.apply(null, xs)) + ')' : 'none');
      console.log('activity' + (stopped ? ' (cut short)' : ', ' + minutes + ' min') + ': ' + act.feeds + ' MQTT solar messages' + (mqtt ? '' : ' (MQTT off)') + ', ' + act.evSteps + ' car steps (' + EV_CYCLE.join('') + ', one per ' + EV_STEP_MS / 1000 + ' s), ' + act.polls + ' /status polls (' + act.busy + ' busy or failed), /ws ' + act.wsMessages + ' messages, ' + act.wsReconnects + ' reconnects' + (mqtt ? ', ' + broker.received + ' MQTT messages from the gateway' : '') + (standIn ? ', ' + standIn.seen.emoncms + ' emoncms posts and ' + standIn.seen.tesla + ' Tesla charge-state requests in all' : ''));
      console.log('  usage read on the console every ' + sampleS + ' s and at checkpoints: ' + mm(repl) + '; ' + repl.length + ' readings');
      console.log('  usage seen by /status during its request:    ' + mm(http) + '; ' + http.length + ' readings');
      if (idle.length > 1) {
        const growth = idle[idle.length - 1][1] - idle[0][1];
        console.log('  growth, last idle checkpoint - first: ' + (growth >= 0 ? '+' : '') + growth + ' vars (' + idle.map((c) => c[1]).join(' -> ') + ')');
      }
    }
    // The target is for idle with every service enabled: the reading after the activity
    // (the same services and connections as before it, the /ws client gone), when it got there.
    const last = rows.find((r) => r[0] === IDLE_AFTER);
    console.log('idle after boot: ' + pct(idle0) + ' of the pool');
    if (last) console.log('idle after the activity, ' + (services ? 'every service that runs on' : 'without --services') + ', no /ws client: ' + pct(last[1]) + ' of the pool (target < 50 % with every service on)');
    if (stopped) console.log('STOPPED: ' + stopped);
    for (const x of failures.slice(0, 10)) console.log('FAIL: ' + x);
    if (failures.length > 10) console.log('FAIL: ... ' + (failures.length - 10) + ' more');
    const bad = out()
      .split('\n')
      .filter((l) => TROUBLE.test(l) && !/^>?M\d+ /.test(l));
    if (bad.length || errorFlags.size || exited) {
      console.log('FAIL: interpreter trouble' + (errorFlags.size ? ' (error flags ' + [...errorFlags].join(',') + ')' : '') + (exited ? ' (' + exited + ')' : '') + ':\n  ' + bad.slice(0, 20).join('\n  '));
      // what it said last, e.g. the image restarting to compact a full Storage (a restart ends the
      // Linux build, whose fake flash is 256 KB: README, "Memory on the device")
      if (exited) console.log('  last output: ' + JSON.stringify(out().replace(/>?M\d+ [^\n]*\n/g, '').slice(-300)));
      failed++;
    } else console.log('interpreter: no LOW_MEMORY, OUT OF MEMORY or Uncaught; no error flags');
    if (verbose) console.error('--- interpreter output ---\n' + out().replace(/M\d+ [^\n]*\n/g, ''));
    return failed;
  }
}

main().catch((e) => {
  console.error(e.stack || e.message);
  if (run) console.error('--- interpreter output, last 1500 characters ---\n' + run.output().slice(-1500));
  stop(1);
});
