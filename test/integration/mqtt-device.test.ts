// MQTT on the built ESP32 image (dist/esp32/image.js on the espruino-sim harness, RAPI over a real
// pseudo-terminal to the emulated controller) against a real broker (aedes, in this process) that
// checks a username and password. The Node tests (mqtt-service.test.ts) cover the service in
// depth; this checks that the device's own wiring carries it: the `lazy:` MQTT feature built by a
// POST /config, the client on the Espruino `net` socket, the defaults resolved from the device's
// serial, commands reaching the controller, and a reconnect with the device's default backoff.
// (Memory is not simulated here: the JsVars are measured on the interpreter, bench:features.)
import * as fs from 'fs';
import { ControllerEmulator } from '../../src/emulator/controller';
import { nodeClock } from '../../src/hal/node/clock';
import { nodeNet } from '../../src/hal/node/net';
import { MqttClient } from '../../src/services/mqtt/client';
import { startBroker, TestBroker } from '../helpers/broker';
import { bootOnEmulator, deviceHttp, DeviceOnEmulator } from '../helpers/device-http';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { IMAGE } = require('../espruino-sim');

jest.setTimeout(60000);

const USER = 'gw-user';
const PASS = 'gw-s3cret';

interface Msg {
  topic: string;
  payload: string;
  retain: boolean;
}

let board: DeviceOnEmulator | undefined;
let emu: ControllerEmulator;
let dev: any;
let broker: TestBroker;
let port = 0;
let watcher: MqttClient;
const msgs: Msg[] = [];
/** Usernames of every CONNECT the broker refused. */
const refused: string[] = [];
let base = '';
let announce = '';

const { until, get, post } = deviceHttp(() => dev);

function last(topic: string, from = 0): Msg | undefined {
  for (let i = msgs.length - 1; i >= from; i--) if (msgs[i].topic === topic) return msgs[i];
  return undefined;
}

/** A broker on `p` (0: a free port) that accepts only USER/PASS and the watcher's own login. */
async function authBroker(p: number): Promise<TestBroker> {
  const b = await startBroker(p);
  b.aedes.authenticate = (client: any, username: string | undefined, password: Buffer | undefined, done: (e: any, ok: boolean) => void) => {
    const ok = (username === USER && !!password && password.toString() === PASS) || client.id === 'watcher';
    if (!ok) refused.push(String(username));
    done(null, ok);
  };
  return b;
}

beforeAll(async () => {
  expect(fs.existsSync(IMAGE)).toBe(true);
  broker = await authBroker(0);
  port = broker.port;
  watcher = new MqttClient(nodeNet, nodeClock, { host: '127.0.0.1', port, clientId: 'watcher', keepAlive: 10, backoffMinMs: 100, backoffMaxMs: 400 });
  watcher.onMessage = (topic, payload, retain) => msgs.push({ topic, payload, retain });
  watcher.subscribe('#');
  watcher.start();
  board = await bootOnEmulator();
  dev = board.dev;
  emu = board.emu;
  await until('the watcher to connect', () => watcher.connected());
});

afterAll(async () => {
  if (watcher) watcher.stop();
  if (board) await board.close();
  await broker.close();
});

test('the broker refuses a login without the password (so a connect below proves the credentials went out)', async () => {
  const wrong = new MqttClient(nodeNet, nodeClock, { host: '127.0.0.1', port, clientId: 'intruder', username: USER, password: 'wrong', keepAlive: 10 });
  wrong.start();
  try {
    await until('the refusal', () => refused.indexOf(USER) >= 0);
    expect(wrong.connected()).toBe(false);
  } finally {
    wrong.stop();
  }
  refused.length = 0;
});

test('POST /config turns MQTT on: the device logs in and announces, retained, on openevse/announce/<id>', async () => {
  const st0 = await get('/status');
  expect(st0.mqtt_connected).toBeUndefined(); // not built while off
  expect(await post('/config', { mqtt_enabled: true, mqtt_server: '127.0.0.1', mqtt_port: port, mqtt_user: USER, mqtt_pass: PASS })).toBe(200);
  await until('mqtt_connected in /status', async () => (await get('/status')).mqtt_connected === 1);
  expect(refused).toEqual([]);
  const cfg = await get('/config');
  base = cfg.mqtt_topic;
  announce = cfg.mqtt_announce_topic;
  // the defaults' `%` are filled from the device's serial (getSerial())
  expect(base).toMatch(/^openevse-[0-9a-f]{4}$/);
  expect(announce).toBe('openevse/announce/' + base.substr(-4));
  expect(cfg.mqtt_pass).toBe('_DUMMY_PASSWORD');
  await until('the retained announce', async () => (await broker.retained(announce))[announce] !== undefined);
  const doc = JSON.parse((await broker.retained(announce))[announce]);
  expect(doc.state).toBe('connected');
  expect(doc.mqtt).toBe(base);
  expect(doc.name).toBe(cfg.hostname);
  // the sim's default MAC 24:0a:c4:5e:a1:b2, as getSerial() gives it
  expect(cfg.wifi_serial).toBe('240AC45EA1B2');
  expect(doc.id).toBe(cfg.wifi_serial);
});

test('status values go out on <base>/<key> and follow the controller', async () => {
  await until('<base>/state and <base>/amp', () => last(base + '/state') !== undefined && last(base + '/amp') !== undefined);
  const st = await get('/status');
  expect(last(base + '/state')!.payload).toBe(String(st.state));
  expect(last(base + '/amp')!.payload).toBe(String(st.amp));
  // a car plugged in: the change reaches the broker from the device's monitor
  const from = msgs.length;
  emu.plugIn();
  await until('<base>/vehicle 1', () => {
    const m = last(base + '/vehicle', from);
    return m !== undefined && m.payload === '1';
  });
});

test('override/set pauses the controller through the device; GET /override and /status follow', async () => {
  watcher.publish(base + '/override/set', '{"state":"disabled"}', 0, false);
  await until('the override', async () => (await get('/override')).state === 'disabled');
  await until('the controller to sleep (254)', async () => (await get('/status')).state === 254);
  expect(emu.snapshot().state).toBe(0xfe);
  watcher.publish(base + '/override/set', 'clear', 0, false);
  await until('the override cleared', async () => JSON.stringify(await get('/override')) === '{}');
  await until('the controller awake again', async () => (await get('/status')).state !== 254);
});

test('divertmode/set 2 switches the device to Eco; 1 back', async () => {
  watcher.publish(base + '/divertmode/set', '2', 0, false);
  await until('divertmode 2', async () => (await get('/status')).divertmode === 2);
  expect((await get('/config')).charge_mode).toBe('eco');
  watcher.publish(base + '/divertmode/set', '1', 0, false);
  await until('divertmode 1', async () => (await get('/status')).divertmode === 1);
});

test('rapi/in/$GV is answered on rapi/out with the controller reply line', async () => {
  const from = msgs.length;
  watcher.publish(base + '/rapi/in/$GV', '', 0, false);
  await until('rapi/out', () => last(base + '/rapi/out', from) !== undefined);
  expect(last(base + '/rapi/out', from)!.payload).toMatch(/^\$OK [0-9.A-Za-z]+ [0-9.]+/);
});

test('the broker closed and started again on the same port: the device reconnects and announces again', async () => {
  await broker.close();
  await until('the device to notice', async () => (await get('/status')).mqtt_connected === 0);
  broker = await authBroker(port);
  // nothing retained on the new broker: the device must send its announce again
  await until('mqtt_connected again', async () => (await get('/status')).mqtt_connected === 1, 20000);
  await until('the announce on the new broker', async () => (await broker.retained(announce))[announce] !== undefined);
  expect(JSON.parse((await broker.retained(announce))[announce]).state).toBe('connected');
  expect(refused).toEqual([]);
  // and commands work on the new session
  await until('the watcher back', () => watcher.connected());
  const from = msgs.length;
  watcher.publish(base + '/rapi/in/$GE', '', 0, false);
  await until('rapi/out on the new session', () => last(base + '/rapi/out', from) !== undefined);
  expect(last(base + '/rapi/out', from)!.payload).toMatch(/^\$OK /);
});

test('the image used nothing the harness does not simulate, and threw nothing uncaught', () => {
  expect(dev.errors()).toEqual([]);
});
