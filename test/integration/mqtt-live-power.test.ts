// The live house power (`mqtt_live_pwr`) on a topic of its own, apart from the grid feed
// (`mqtt_grid_ie`). mqtt-service.test.ts configures both on one topic, as many installs do, which
// cannot tell whether live power is read from its own setting or only rides along with grid_ie:
// here each topic must reach only its own consumer (live power → the current shaper; grid_ie →
// divert), and the shaper must act on the live value (its claim on the charge current).
import { MqttClient } from '../../src/services/mqtt/client';
import { CLIENT_SHAPER } from '../../src/core/evse/claims';
import { nodeNet } from '../../src/hal/node/net';
import { nodeClock } from '../../src/hal/node/clock';
import { startGateway, waitFor, TestGateway } from '../helpers/gateway';
import { startBroker, TestBroker } from '../helpers/broker';

jest.setTimeout(30000);

const LIVE = 'house/live_power';
const GRID = 'meter/grid_ie';
/** W the shaper keeps the house under (current_shaper_max_pwr). */
const MAX_PWR = 6000;

let broker: TestBroker;
let g: TestGateway;
let watcher: MqttClient;
const msgs: { topic: string; payload: string }[] = [];
let base = '';

async function status(): Promise<any> {
  const r = await fetch(g.url + '/status');
  expect(r.status).toBe(200);
  return r.json();
}

function send(topic: string, payload: string): void {
  watcher.publish(topic, payload, 0, false);
}

beforeAll(async () => {
  broker = await startBroker();
  g = await startGateway({
    config: {
      mqtt_enabled: true,
      mqtt_server: '127.0.0.1',
      mqtt_port: broker.port,
      mqtt_live_pwr: LIVE,
      mqtt_grid_ie: GRID,
      current_shaper_enabled: true,
      current_shaper_max_pwr: MAX_PWR,
    },
  });
  const svc = g.gateway.mqtt!;
  watcher = new MqttClient(nodeNet, nodeClock, { host: '127.0.0.1', port: broker.port, clientId: 'watcher', keepAlive: 10 });
  watcher.onMessage = (topic, payload) => msgs.push({ topic, payload });
  watcher.subscribe('#');
  watcher.start();
  await waitFor(() => watcher.connected(), 'the watcher to connect');
  await waitFor(() => svc.client !== null && svc.client.connected(), 'the gateway to connect');
  base = svc.base;
  // The gateway subscribes before it announces, and the broker handles a connection's packets in
  // order: once the announce is retained, a feed sent now is not lost to a SUBSCRIBE on its way.
  const announce = svc.announceTopic;
  await waitFor(async () => (await broker.retained(announce))[announce] !== undefined, 'the announce');
});

afterAll(async () => {
  // (g.close() does not end the MQTT session: its reconnect timer would keep jest alive)
  if (g && g.gateway.mqtt) g.gateway.mqtt.stop();
  if (watcher) watcher.stop();
  if (g) await g.close();
  await broker.close();
});

test('a sample on the live-power topic feeds the shaper, not grid_ie; the shaper caps the current by it', async () => {
  const before = await status();
  send(LIVE, '1800');
  await waitFor(async () => (await status()).shaper_live_pwr === 1800, '/status shaper_live_pwr 1800');
  const st = await status();
  expect(st.shaper_updated).toBe(true);
  expect(st.grid_ie).toBe(before.grid_ie);
  // nothing charges (evAmps 0): the whole headroom over the live load, in amps at the mains voltage
  const amps = Math.floor((MAX_PWR - 1800) / st.voltage);
  expect(amps).toBeGreaterThanOrEqual(6);
  expect(st.shaper_cur).toBe(amps);
  expect(g.gateway.claims.get(CLIENT_SHAPER)).toMatchObject({ max_current: amps });
  // published on <base>/shaper_live_pwr like every other status value
  await waitFor(() => msgs.some((m) => m.topic === base + '/shaper_live_pwr' && m.payload === '1800'), '<base>/shaper_live_pwr 1800');
});

test('a sample on the grid topic goes to divert only: the shaper keeps the live value', async () => {
  send(GRID, '-700');
  await waitFor(async () => (await status()).grid_ie === -700, '/status grid_ie -700');
  const st = await status();
  expect(st.shaper_live_pwr).toBe(1800);
  expect(g.gateway.planning!.shaper.live).toBe(1800);
});

test('a live load above the limit pauses the charger through the shaper claim', async () => {
  send(LIVE, String(MAX_PWR + 2000));
  await waitFor(async () => (await status()).shaper_live_pwr === MAX_PWR + 2000, 'the high sample');
  await waitFor(() => {
    const c = g.gateway.claims.get(CLIENT_SHAPER);
    return !!c && c.state === 'disabled';
  }, 'the shaper to claim a pause');
  expect((await status()).grid_ie).toBe(-700);
});
