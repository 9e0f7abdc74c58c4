// Home Assistant discovery turned off (`mqtt_ha_discovery` false) as the broker sees it: on a
// connected gateway the retained configs must be deleted (empty retained payloads, which the
// broker takes as "remove"), or Home Assistant keeps the entities forever; a gateway started with
// it off must publish none. mqtt-discovery.test.ts calls removeDiscovery directly; this goes
// through the settings paths a user takes (MQTT config/set, POST /config).
import { MqttClient } from '../../src/services/mqtt/client';
import { nodeNet } from '../../src/hal/node/net';
import { nodeClock } from '../../src/hal/node/clock';
import { startGateway, waitFor, TestGateway } from '../helpers/gateway';
import { startBroker, TestBroker } from '../helpers/broker';

jest.setTimeout(30000);

const ENTITY_COUNT = 12;
const HA = 'homeassistant/';

let broker: TestBroker;
let g: TestGateway | null = null;
let watcher: MqttClient;
const msgs: { topic: string; payload: string; retain: boolean }[] = [];

async function retainedConfigs(): Promise<{ [topic: string]: string }> {
  return broker.retained(HA);
}

async function postConfig(body: any): Promise<void> {
  const r = await fetch(g!.url + '/config', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  await r.text();
  expect(r.status).toBe(200);
}

async function stopGateway(): Promise<void> {
  if (!g) return;
  if (g.gateway.mqtt) g.gateway.mqtt.stop();
  await g.close();
  g = null;
}

beforeAll(async () => {
  broker = await startBroker();
  watcher = new MqttClient(nodeNet, nodeClock, { host: '127.0.0.1', port: broker.port, clientId: 'watcher', keepAlive: 10 });
  watcher.onMessage = (topic, payload, retain) => msgs.push({ topic, payload, retain });
  watcher.subscribe('#');
  watcher.start();
  await waitFor(() => watcher.connected(), 'the watcher to connect');
});

afterAll(async () => {
  await stopGateway();
  if (watcher) watcher.stop();
  await broker.close();
});

describe('turned off on a connected gateway', () => {
  let base = '';

  beforeAll(async () => {
    g = await startGateway({ config: { mqtt_enabled: true, mqtt_server: '127.0.0.1', mqtt_port: broker.port } });
    base = g.gateway.mqtt!.base;
    await waitFor(async () => Object.keys(await retainedConfigs()).length === ENTITY_COUNT, 'the discovery configs');
  });

  afterAll(stopGateway);

  test('config/set {"mqtt_ha_discovery":false} deletes every retained config at the broker', async () => {
    const topics = Object.keys(await retainedConfigs());
    const from = msgs.length;
    // the gateway subscribed before it published its configs, so config/set reaches it now
    watcher.publish(base + '/config/set', '{"mqtt_ha_discovery":false}', 0, false);
    await waitFor(async () => Object.keys(await retainedConfigs()).length === 0, 'no retained configs');
    expect(g!.gateway.config.get('mqtt_ha_discovery')).toBe(false);
    // each removal went out as an empty payload on the same topic (the broker forwards it too)
    await waitFor(() => msgs.slice(from).filter((m) => m.topic.indexOf(HA) === 0).length >= ENTITY_COUNT, 'the removals at the watcher');
    const removals = msgs.slice(from).filter((m) => m.topic.indexOf(HA) === 0);
    expect(removals.map((m) => m.topic).sort()).toEqual(topics.sort());
    for (const m of removals) expect(m.payload).toBe('');
    // and the new session (an MQTT setting changed) does not publish them again
    await waitFor(() => g!.gateway.mqtt!.client !== null && g!.gateway.mqtt!.client.connected(), 'the new session');
    const stateAt = msgs.length;
    watcher.publish(base + '/rapi/in/$GV', '', 0, false);
    await waitFor(() => msgs.slice(stateAt).some((m) => m.topic === base + '/rapi/out'), 'an answer on the new session');
    expect(msgs.slice(from).filter((m) => m.topic.indexOf(HA) === 0 && m.payload !== '')).toEqual([]);
    expect(await retainedConfigs()).toEqual({});
  });

  test('POST /config turns it on again (configs back) and off again (deleted)', async () => {
    await postConfig({ mqtt_ha_discovery: true });
    await waitFor(async () => Object.keys(await retainedConfigs()).length === ENTITY_COUNT, 'the configs again');
    const from = msgs.length;
    await postConfig({ mqtt_ha_discovery: false });
    await waitFor(async () => Object.keys(await retainedConfigs()).length === 0, 'no retained configs again');
    // (seen by the watcher too, so that none arrives during the next test)
    await waitFor(() => msgs.slice(from).filter((m) => m.topic.indexOf(HA) === 0 && m.payload === '').length === ENTITY_COUNT, 'the removals at the watcher');
  });
});

test('a gateway started with mqtt_ha_discovery false publishes no discovery config', async () => {
  expect(await retainedConfigs()).toEqual({});
  const from = msgs.length;
  g = await startGateway({ config: { mqtt_enabled: true, mqtt_server: '127.0.0.1', mqtt_port: broker.port, mqtt_ha_discovery: false } });
  const svc = g.gateway.mqtt!;
  // On connect the gateway sends the announce, then discovery (when on), then the status: once
  // the status has reached the watcher, any config would have come before it.
  await waitFor(() => msgs.slice(from).some((m) => m.topic === svc.base + '/state'), 'the status on connect');
  expect(msgs.slice(from).some((m) => m.topic === svc.announceTopic)).toBe(true);
  expect(msgs.slice(from).filter((m) => m.topic.indexOf(HA) === 0)).toEqual([]);
  expect(await retainedConfigs()).toEqual({});
});
