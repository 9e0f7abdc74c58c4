// Benchmark (not a test): the time from a solar-feed MQTT message reaching the broker to the `$SC`
// it causes arriving on the controller's serial line. Run: npm run bench:mqtt
//
// The parts are the real ones: an MQTT broker (aedes, in this process) on loopback TCP; the whole
// gateway as src/main/node.ts builds it (Planning, MqttService) with its serial port on one side of
// a pseudo-terminal pair (socat); the controller emulator on the other side, through `serialport`.
// "Reaches the broker" is aedes' authorizePublish hook (called as soon as the PUBLISH is parsed);
// "arrives" is the moment the emulator's side of the pty delivers the bytes ending the `$SC` line.
// The figure is split at the gateway's serial write: "in gateway" (MQTT receive, decode, divert,
// claims, RAPI queue) and "write -> pty" (node serialport, socat, the other pty: the hop a real
// UART does not have). All share this one Node event loop, except socat.
//
// Every message must cause a new `$SC`: Eco mode, divert_type 0 (solar), the default algorithm
// with divert_start_delay 0 so that the claim is active from the first message, and a solar value
// per message whose whole amps (floor(W / V)) differ from the previous one; the default algorithm
// does not smooth the setpoint once charging (the smoothed value only feeds the start rule), so
// each message changes the claim's current and the arbiter sends `$SC <A> V` at once. The next
// message goes out only after the `$SC` arrived, the line is idle again and a pause spread over
// the monitor's 1 s poll cycle has passed, so a message meets a poll in flight as often as a real
// feed would (a `$SC` waits for the command on the line: one RAPI command in flight at a time).
// The emulator runs in 'fast' timing (replies at once) and in 'real' timing (the milliseconds the
// real controller takes to answer), which is what a queued `$SC` waits for.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ControllerEmulator } from '../src/emulator/controller';
import { openPtyPair } from '../src/emulator/pty';
import { attachSerialPort } from '../src/emulator/cli';
import { nodeClock } from '../src/hal/node/clock';
import { openSerial } from '../src/hal/node/serial';
import { folderStorage } from '../src/hal/node/storage';
import { nodeHttpServer } from '../src/hal/node/http';
import { explainClaims } from '../src/core/evse/claims-explain';
import { nodeNet } from '../src/hal/node/net';
import { nodeSystem } from '../src/hal/node/system';
import { nodeCrypto } from '../src/hal/node/crypto';
import { nodeUdp } from '../src/hal/node/udp';
import { ConfigStore } from '../src/core/config/store';
import { Gateway } from '../src/app';
import * as routes from '../src/http/routes';
import { Planning } from '../src/planning';
import { MqttService } from '../src/services/mqtt/service';
import { MqttClient } from '../src/services/mqtt/client';
import * as net from 'node:net';

// aedes 0.51 (devDependency), CommonJS; a plain require keeps it out of the bundle.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const Aedes = require('aedes');

const COUNT = parseInt(process.env.BENCH_COUNT || '200', 10);
const TOPIC = 'bench/solar';
const now = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out waiting for ' + what);
    await sleep(2);
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

async function run(timing: 'fast' | 'real') {
  // the broker
  const aedes = new Aedes();
  const server = net.createServer(aedes.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const brokerPort = (server.address() as net.AddressInfo).port;
  // aedes asks this right after parsing an incoming PUBLISH, before delivering it (its 'publish'
  // event comes after the delivery); also notes whether a RAPI command was then in flight
  let arrivedAt = 0;
  let busyAtArrival = false;
  let rapiRef: any = null;
  aedes.authorizePublish = (client: any, packet: any, cb: (err: Error | null) => void) => {
    if (client && packet.topic === TOPIC) {
      arrivedAt = now();
      busyAtArrival = !!(rapiRef && (rapiRef.current || (rapiRef as any).queue.length));
    }
    cb(null);
  };

  // the controller on its side of the pty; every `$SC` line it receives, with its arrival time
  const pair = await openPtyPair();
  let sink: ((b: string) => void) | null = null;
  const emu = new ControllerEmulator({ clock: nodeClock, timing, write: (b) => sink && sink(b) });
  const receive = emu.receive.bind(emu);
  let line = '';
  const sc: { amps: number; at: number }[] = [];
  emu.receive = (bytes: string) => {
    const at = now();
    for (let i = 0; i < bytes.length; i++) {
      const ch = bytes.charAt(i);
      if (ch === '\r') {
        const m = /^\$SC (\d+)/.exec(line);
        if (m) sc.push({ amps: +m[1], at });
        line = '';
      } else line += ch;
    }
    receive(bytes);
  };
  const emuSide = await attachSerialPort(emu, (s) => (sink = s), pair.emulatorPath);
  emu.powerOn();
  emu.plugIn();
  emu.requestCharge();

  // the gateway, configured before it boots (as a saved config would be)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-mqtt-'));
  const storage = folderStorage(dir);
  const system = nodeSystem(storage);
  const cfg = new ConfigStore(storage, system.id()).update({
    charge_mode: 'eco',
    divert_type: 0,
    divert_mode_algorithm: 'default',
    divert_start_delay: 0,
    divert_min_pause: 0,
    mqtt_enabled: true,
    mqtt_server: '127.0.0.1',
    mqtt_port: brokerPort,
    mqtt_solar: TOPIC,
    mqtt_ha_discovery: false,
  });
  if (!cfg.ok) throw new Error('config: ' + JSON.stringify(cfg.errors));
  const warnings: string[] = [];
  const link = openSerial(pair.gatewayPath, () => undefined);
  // when the gateway hands each `$SC` to the serial port (splits the figure: gateway | pty)
  let wroteAt = 0;
  const cmdLog: string[] = [];
  const write = link.write;
  link.write = (d: string) => {
    if (d.charAt(1) === 'S' && d.charAt(2) === 'C') wroteAt = now();
    if (process.env.BENCH_DEBUG) cmdLog.push(now().toFixed(1) + ' ' + d.trim());
    write(d);
  };
  const http = nodeHttpServer();
  const gw = new Gateway(
    {
      system: { id: () => system.id(), freeMemory: () => system.freeMemory(), restart: () => undefined },
      clock: nodeClock,
      serial: link,
      storage,
      http,
      net: nodeNet,
      crypto: nodeCrypto,
      log: (level: string, msg: string) => {
        if (level === 'warn' || level === 'error') warnings.push(msg);
      },
      udp: nodeUdp(() => undefined),
    } as any,
    { httpPort: 0, loadRoutes: () => routes }
  );
  rapiRef = gw.rapi;
  gw.planning = new Planning(gw);
  gw.mqtt = new MqttService(gw);
  gw.start();

  const pub = new MqttClient(nodeNet, nodeClock, { host: '127.0.0.1', port: brokerPort, clientId: 'bench-feed', keepAlive: 30 });
  pub.start();
  await until(() => gw.monitor.isReady() && gw.monitor.status.evse_connected === 1, 20000, 'the gateway to find the controller');
  await until(() => pub.connected() && gw.mqtt!.client !== null && gw.mqtt!.client.connected(), 10000, 'MQTT');
  await sleep(300); // the gateway's SUBSCRIBEs and connect-time publishes
  const lo = 7;

  // warm-up: the claim goes active (its `$SC` and `$FE`), the car starts charging
  for (let w = 0; w < 20 && !(gw.planning.divert.claimState === 'active' && emu.snapshot().state === 3); w++) {
    pub.publish(TOPIC, String((lo + 1) * 240 + 120));
    await sleep(200);
  }
  if (gw.planning.divert.claimState !== 'active') throw new Error('divert did not start: ' + gw.planning.divert.reason);
  await sleep(1500); // the arbiter settles (state, pilot confirmed by the monitor's poll)
  // the pilot can go no higher than the controller's max for its service level ($GC cmax; the
  // emulator's L1 is 12 A... its L2 default 24 A): above it the claim changes but no `$SC` follows
  const info = gw.monitor.info;
  const hi = Math.min(30, info.max_current_soft > 0 ? info.max_current_soft : info.max_current_hard);
  if (hi - lo < 3) throw new Error('max current ' + hi + ' A leaves no room to vary');

  const lat: number[] = [];
  const inGw: number[] = [];
  const onLine: number[] = [];
  const warn0 = warnings.length;
  let behind = 0;
  let wrong = 0;
  let missed = 0;
  let amps = lo;
  let dir2 = 1;
  for (let i = 0; i < COUNT; i++) {
    // a new whole-amp value each time: up and down between lo and hi
    amps += dir2 * (1 + (i % 3));
    if (amps >= hi) (amps = hi), (dir2 = -1);
    if (amps <= lo) (amps = lo), (dir2 = 1);
    const V = gw.planning.divert.voltage || 240;
    const watts = Math.floor(amps * V + V / 2);
    const want = Math.floor(watts / V);
    if (want === gw.planning.divert.claimCurrent) {
      amps += dir2;
      i--;
      continue;
    }
    const n = sc.length;
    arrivedAt = wroteAt = 0;
    pub.publish(TOPIC, String(watts));
    try {
      await until(() => sc.length > n, 2000, '$SC');
    } catch (e) {
      missed++;
      if (process.env.BENCH_DEBUG) console.log('miss', i, watts, want, JSON.stringify(gw.planning.divert.statusFields()), explainClaims(gw.claims), (gw.claims as any).busy, JSON.stringify(emu.snapshot()).slice(0, 200));
      continue;
    }
    const got = sc[sc.length - 1];
    if (got.amps !== want) wrong++;
    if (arrivedAt) {
      lat.push(got.at - arrivedAt);
      if (busyAtArrival) behind++;
      if (wroteAt) {
        inGw.push(wroteAt - arrivedAt);
        onLine.push(got.at - wroteAt);
      }
    }
    // the `$SC` and what follows it (the arbiter's and monitor's checks) answered, then a pause
    // spread over the monitor's 1 s poll cycle: a feed (emonPi: every 10 s) meets the line idle
    // or meets a poll in flight as often as it would in use
    const g = gw.rapi as any;
    await until(() => !(gw.claims as any).busy && !g.current && !g.queue.length, 2000, 'the line idle').catch(() => undefined);
    await sleep((i * 397) % 1000);
  }

  pub.stop();
  if (gw.mqtt) gw.mqtt.stop();
  gw.monitor.stop();
  http.close();
  emu.powerOff();
  link.close();
  await emuSide.close();
  await pair.close();
  await new Promise<void>((r) => server.close(() => aedes.close(() => r())));
  fs.rmSync(dir, { recursive: true, force: true });
  lat.sort((a, b) => a - b);
  if (process.env.BENCH_DEBUG) console.log(warnings.join('\n') + '\n' + cmdLog.slice(-60).join('\n'));
  inGw.sort((a, b) => a - b);
  onLine.sort((a, b) => a - b);
  return { timing, behind, n: lat.length, wrong, missed, lat, inGw, onLine, warnings: warnings.length - warn0, range: lo + '-' + hi + ' A' };
}

async function main() {
  console.log('command: npm run bench:mqtt   (node dist/node/bench-mqtt-divert.js; BENCH_COUNT=' + COUNT + ')');
  console.log('solar feed message at the broker (aedes) -> $SC on the serial line (pty), ' + COUNT + ' messages, Eco mode, default algorithm:');
  console.log('emulator  amps     n     median ms  p90 ms  worst ms  best ms  wrong-amps  no-$SC  warnings | in gateway: median p90 worst | gateway write -> pty: median p90 worst');
  for (const timing of ['fast', 'real'] as const) {
    const r = await run(timing);
    const f = (v: number) => (v === undefined ? '-' : v.toFixed(2));
    console.log(
      [
        r.timing.padEnd(9),
        r.range.padEnd(8),
        String(r.n).padEnd(5),
        f(percentile(r.lat, 50)).padEnd(10),
        f(percentile(r.lat, 90)).padEnd(7),
        f(r.lat[r.lat.length - 1]).padEnd(9),
        f(r.lat[0]).padEnd(8),
        String(r.wrong).padEnd(11),
        String(r.missed).padEnd(7),
        String(r.warnings).padEnd(8),
        '|',
        [50, 90, 100].map((p) => f(percentile(r.inGw, p))).join(' '),
        '|',
        [50, 90, 100].map((p) => f(percentile(r.onLine, p))).join(' '),
        '| behind another command: ' + r.behind,
      ].join(' ')
    );
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  }
);
