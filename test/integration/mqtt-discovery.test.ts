// Home Assistant MQTT discovery (src/services/mqtt/discovery.ts) on a whole gateway (in-process
// controller emulator) against a real broker (aedes, in this process): the retained configs, and
// that the entities' command topics are ones MqttService handles (switch → pause, number → pilot,
// select → charge mode); removeDiscovery deletes them.
import { MqttClient } from '../../src/services/mqtt/client';
import { MqttService } from '../../src/services/mqtt/service';
import { publishDiscovery, removeDiscovery, DiscoveryOptions } from '../../src/services/mqtt/discovery';
import { VERSION } from '../../src/app';
import { nodeNet } from '../../src/hal/node/net';
import { nodeClock } from '../../src/hal/node/clock';
import { startGateway, waitFor, TestGateway } from '../helpers/gateway';
import { startBroker, TestBroker } from '../helpers/broker';

jest.setTimeout(30000);

interface Msg {
  topic: string;
  payload: string;
}

let broker: TestBroker;
let g: TestGateway;
let svc: MqttService;
let watcher: MqttClient;
const msgs: Msg[] = [];
let opts: DiscoveryOptions;
const ENTITY_COUNT = 12;

function last(topic: string, from = 0): Msg | undefined {
  for (let i = msgs.length - 1; i >= from; i--) if (msgs[i].topic === topic) return msgs[i];
  return undefined;
}

function send(topic: string, payload: string): void {
  watcher.publish(topic, payload, 0, false);
}

/** The configs now retained, by object id. */
async function configs(): Promise<{ [object: string]: any }> {
  const r = await broker.retained('homeassistant/');
  const out: { [object: string]: any } = {};
  for (const t in r) out[t.split('/')[3]] = JSON.parse(r[t]);
  return out;
}

beforeAll(async () => {
  broker = await startBroker();
  const port = broker.port;

  g = await startGateway({ config: { mqtt_enabled: true, mqtt_server: '127.0.0.1', mqtt_port: port } });
  svc = g.gateway.mqtt!;
  watcher = new MqttClient(nodeNet, nodeClock, { host: '127.0.0.1', port, clientId: 'watcher', keepAlive: 10 });
  watcher.onMessage = (topic, payload) => msgs.push({ topic, payload });
  watcher.subscribe('#');
  watcher.start();
  await waitFor(() => watcher.connected(), 'the watcher to connect');
  svc.start();
  await waitFor(() => svc.client !== null && svc.client.connected(), 'the gateway to connect');
  const gw = g.gateway;
  opts = {
    base: svc.base,
    announceTopic: svc.announceTopic,
    id: gw.hal.system.id(),
    name: gw.config.get('hostname'),
    version: VERSION,
    maxCurrent: gw.monitor.info.max_current_hard,
  };
});

afterAll(async () => {
  if (svc) svc.stop();
  if (watcher) watcher.stop();
  if (g) await g.close();
  await broker.close();
});

test('nothing is published while the client is not connected', () => {
  const fake = { publish: jest.fn(() => true), forget: jest.fn(), connected: () => false };
  expect(publishDiscovery(fake, opts)).toBe(0);
  expect(removeDiscovery(fake, opts)).toBe(0);
  expect(fake.publish).not.toHaveBeenCalled();
});

test('every config is retained, valid JSON, with unique ids, the device and the availability', async () => {
  const n = publishDiscovery(svc.client!, opts);
  expect(n).toBe(ENTITY_COUNT);
  let c: { [object: string]: any } = {};
  await waitFor(async () => Object.keys((c = await configs())).length === ENTITY_COUNT, 'the retained configs');
  const r = await broker.retained('homeassistant/');
  const node = 'openevse_' + opts.id;
  const ids: string[] = [];
  for (const t in r) {
    expect(t).toMatch(new RegExp('^homeassistant/(sensor|binary_sensor|switch|number|select)/' + node + '/[a-z_]+/config$'));
    const doc = JSON.parse(r[t]);
    ids.push(doc.unique_id);
    expect(doc.name).toBeTruthy();
    expect(doc.state_topic.indexOf(opts.base + '/')).toBe(0);
    expect(doc.device).toEqual({ identifiers: [node], name: opts.name, manufacturer: 'OpenEVSE', model: 'OpenEVSE WiFi gateway', sw_version: VERSION });
    expect(doc.availability).toEqual([
      { topic: opts.announceTopic, value_template: '{{ value_json.state }}', payload_available: 'connected', payload_not_available: 'disconnected' },
    ]);
    // only the topics MqttService handles
    if (doc.command_topic) expect([opts.base + '/override/set', opts.base + '/divertmode/set']).toContain(doc.command_topic);
  }
  expect(new Set(ids).size).toBe(ENTITY_COUNT);
  expect(Object.keys(c).sort()).toEqual(
    ['amp', 'charge_current', 'charging', 'mode', 'pilot', 'power', 'session_energy', 'state', 'temp', 'total_energy', 'vehicle', 'voltage'].sort()
  );
  expect(c.amp).toMatchObject({ state_topic: opts.base + '/amp', unit_of_measurement: 'A', device_class: 'current', state_class: 'measurement' });
  expect(c.amp.value_template).toContain('/ 1000');
  expect(c.temp.value_template).toContain('/ 10');
  expect(c.temp.unit_of_measurement).toBe('\u00b0C');
  expect(c.total_energy).toMatchObject({ unit_of_measurement: 'kWh', device_class: 'energy', state_class: 'total_increasing' });
  expect(c.session_energy.unit_of_measurement).toBe('Wh');
  expect(c.vehicle).toMatchObject({ state_topic: opts.base + '/vehicle', payload_on: '1', payload_off: '0', device_class: 'plug' });
  expect(c.charge_current).toMatchObject({ min: 6, max: opts.maxCurrent, step: 1 });
  expect(c.mode.options).toEqual(['Normal', 'Eco']);
  // the announce (the availability topic) says connected
  const a = await broker.retained(opts.announceTopic);
  expect(JSON.parse(a[opts.announceTopic]).state).toBe('connected');
  // not kept in the client's small retained store (the service re-publishes them on connect)
  expect(Object.keys((svc.client as any).rt).filter((t) => t.indexOf('homeassistant/') === 0)).toEqual([]);
});

test('the switch pauses and resumes the controller; its state follows <base>/status', async () => {
  const c = await configs();
  const sw = c.charging;
  g.emulator.plugIn();
  let from = msgs.length;
  send(sw.command_topic, sw.payload_off);
  await waitFor(() => g.emulator.snapshot().state === 0xfe, 'the controller to pause (0xfe)');
  await waitFor(() => last(sw.state_topic, from)?.payload === sw.state_off, 'status ' + sw.state_off);
  from = msgs.length;
  send(sw.command_topic, sw.payload_on);
  await waitFor(() => g.emulator.snapshot().state !== 0xfe, 'the controller to resume');
  await waitFor(() => last(sw.state_topic, from)?.payload === sw.state_on, 'status ' + sw.state_on);
});

test('the number sets the charge current and the pilot (its state) follows', async () => {
  const c = await configs();
  const num = c.charge_current;
  for (const amps of [10, 16]) {
    const from = msgs.length;
    send(num.command_topic, num.command_template.replace('{{ value|int }}', String(amps)));
    await waitFor(() => g.emulator.snapshot().currentCapacity === amps, 'the pilot at ' + amps + ' A');
    await waitFor(() => last(num.state_topic, from)?.payload === String(amps), num.state_topic + ' ' + amps);
  }
  send(opts.base + '/override/set', 'clear');
  await waitFor(() => JSON.stringify(g.gateway.claims.override('get')) === '{}', 'the override to clear');
});

test('the select switches the charge mode through divertmode/set', async () => {
  const c = await configs();
  const sel = c.mode;
  const cfg = g.gateway.config;
  // command_template: Eco → 2, Normal → 1
  expect(sel.command_template).toBe("{{ 2 if value == 'Eco' else 1 }}");
  send(sel.command_topic, '2');
  await waitFor(() => cfg.get('charge_mode') === 'eco', 'charge_mode eco');
  await waitFor(() => g.gateway.statusDocument().divertmode === 2, 'divertmode 2');
  send(sel.command_topic, '1');
  await waitFor(() => cfg.get('charge_mode') === 'fast', 'charge_mode fast');
});

test('removeDiscovery deletes every config', async () => {
  expect(Object.keys(await configs()).length).toBe(ENTITY_COUNT);
  expect(removeDiscovery(svc.client!, opts)).toBe(ENTITY_COUNT);
  await waitFor(async () => Object.keys(await broker.retained('homeassistant/')).length === 0, 'no configs');
});
