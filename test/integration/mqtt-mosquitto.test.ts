// MqttClient against a real mosquitto (when installed: `apt-get install -y mosquitto`): password
// auth, TLS with a self-signed CA (rejectUnauthorized false; true with a CA the client does not
// trust → error), and 20 kill -9 / restart cycles while publishing: the client reconnects each time
// within its backoff bound and a subscriber then sees the last retained value of every topic.
// Then the whole gateway (MqttService on the in-process emulator) over the TLS listener with the
// password: 20 more kill -9 / restart cycles while its state changes; mosquitto keeps nothing
// (persistence false), so after each restart the announce and every retained JSON state topic must
// be back, holding the current value, without a restart of the gateway.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as net from 'node:net';
import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import { MqttClient, MqttOptions } from '../../src/services/mqtt/client';
import { nodeNet } from '../../src/hal/node/net';
import { nodeClock } from '../../src/hal/node/clock';
import { MqttService } from '../../src/services/mqtt/service';
import { CLIENT_MQTT, PRIORITY_MQTT } from '../../src/core/evse/claims';
import { startGateway, TestGateway } from '../helpers/gateway';

function which(cmd: string): string | null {
  for (const d of (process.env.PATH || '').split(':').concat(['/usr/sbin', '/usr/local/sbin', '/sbin'])) {
    const p = path.join(d, cmd);
    if (fs.existsSync(p)) return p;
  }
  return null;
}

const MOSQUITTO = which('mosquitto');
const PASSWD = which('mosquitto_passwd');
const OPENSSL = which('openssl');
const have = !!(MOSQUITTO && PASSWD && OPENSSL);
if (!have) {
  // eslint-disable-next-line no-console
  console.warn('mqtt-mosquitto tests SKIPPED: mosquitto, mosquitto_passwd or openssl not installed (apt-get install -y mosquitto openssl)');
}
const maybe = have ? describe : describe.skip;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor(cond: () => boolean, ms: number, what: string): Promise<number> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out after ' + ms + ' ms waiting for ' + what);
    await sleep(5);
  }
  return Date.now() - t0;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

function run(cmd: string, args: string[], cwd: string) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(cmd + ' ' + args.join(' ') + ' failed: ' + r.stderr);
}

maybe('mosquitto', () => {
  let dir = '';
  let tcpPort = 0;
  let tlsPort = 0;
  let proc: ChildProcess | null = null;
  let log = '';
  const clients: MqttClient[] = [];

  async function startBroker() {
    proc = spawn(MOSQUITTO as string, ['-c', path.join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout!.on('data', (b) => (log += b));
    proc.stderr!.on('data', (b) => (log += b));
    const t0 = Date.now();
    while (!(await portOpen(tcpPort)) || !(await portOpen(tlsPort))) {
      if (Date.now() - t0 > 5000) throw new Error('mosquitto did not start:\n' + log);
      await sleep(10);
    }
  }

  async function killBroker() {
    const p = proc;
    proc = null;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((r) => {
      p.on('exit', () => r());
      p.kill('SIGKILL');
    });
  }

  function client(extra: Partial<MqttOptions>): MqttClient {
    const o: MqttOptions = Object.assign(
      { host: '127.0.0.1', port: tcpPort, clientId: 'evse-' + clients.length + '-' + process.pid, username: 'evse', password: 'secret', keepAlive: 10, connectTimeoutMs: 2000, backoffMinMs: 100, backoffMaxMs: 1000, stableMs: 2000, closeWaitMs: 500 },
      extra
    );
    const c = new MqttClient(nodeNet, nodeClock, o);
    clients.push(c);
    return c;
  }

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqtt-mosquitto-'));
    fs.chmodSync(dir, 0o755); // mosquitto started as root drops to its own user
    tcpPort = await freePort();
    tlsPort = await freePort();
    const ssl = OPENSSL as string;
    run(ssl, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=openevse-test-ca'], dir);
    run(ssl, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1'], dir);
    fs.writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    run(ssl, ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'san.ext'], dir);
    run(PASSWD as string, ['-c', '-b', path.join(dir, 'passwd'), 'evse', 'secret'], dir);
    for (const f of fs.readdirSync(dir)) fs.chmodSync(path.join(dir, f), 0o644);
    fs.writeFileSync(
      path.join(dir, 'mosquitto.conf'),
      [
        'user root',
        'persistence false',
        'allow_anonymous false',
        'password_file ' + path.join(dir, 'passwd'),
        'listener ' + tcpPort + ' 127.0.0.1',
        'listener ' + tlsPort + ' 127.0.0.1',
        'cafile ' + path.join(dir, 'ca.crt'),
        'certfile ' + path.join(dir, 'server.crt'),
        'keyfile ' + path.join(dir, 'server.key'),
        '',
      ].join('\n')
    );
    await startBroker();
  }, 30000);

  afterEach(async () => {
    for (const c of clients.splice(0)) c.stop();
    await sleep(50);
  });

  afterAll(async () => {
    await killBroker();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('password auth: right password connects, wrong one is error "auth" and retried', async () => {
    const ok = client({});
    ok.start();
    await waitFor(() => ok.connected(), 3000, 'connect');
    const bad = client({ password: 'nope' });
    let downs = 0;
    bad.onDisconnect = () => downs++;
    bad.start();
    await waitFor(() => downs >= 3, 3000, 'three refusals');
    expect(bad.error).toBe('auth');
    expect(bad.connected()).toBe(false);
  });

  test('TLS: rejectUnauthorized false connects; true with a CA the client does not trust is an error', async () => {
    const loose = client({ port: tlsPort, tls: { rejectUnauthorized: false } });
    const got: string[] = [];
    loose.onMessage = (t, p) => got.push(t + '=' + p);
    loose.subscribe('tls/test', 1);
    loose.start();
    await waitFor(() => loose.connected(), 5000, 'TLS connect');
    await sleep(100);
    loose.publish('tls/test', 'über TLS', 1);
    await waitFor(() => got.length === 1, 3000, 'own message back over TLS');
    expect(got[0]).toBe('tls/test=über TLS');

    const strict = client({ port: tlsPort, tls: { rejectUnauthorized: true } });
    strict.start();
    await waitFor(() => strict.error !== '', 5000, 'TLS verification error');
    expect(strict.error).toBe('network');
    expect(strict.errorDetail).toMatch(/certificate|self.signed|verify/i);
    expect(strict.connected()).toBe(false);
  });

  test('20 kill -9 / restart cycles while publishing: reconnects within the backoff bound, no retained state lost', async () => {
    const BACKOFF_MAX = 1000;
    const pub = client({ clientId: 'evse-publisher', backoffMinMs: 100, backoffMaxMs: BACKOFF_MAX });
    const subGot: string[] = [];
    pub.onMessage = (t, p) => subGot.push(t + '=' + p);
    pub.subscribe('cmd/#', 1);
    pub.start();
    await waitFor(() => pub.connected(), 3000, 'connect');
    const last: { [topic: string]: string } = {};
    let n = 0;
    const timer = setInterval(() => {
      n++;
      const topic = 'openevse/state/' + (n % 5);
      const value = '{"n":' + n + ',"s":"é"}';
      if (pub.publish(topic, value, n % 2, true)) last[topic] = value;
    }, 7);
    const reconnectMs: number[] = [];
    try {
      for (let round = 0; round < 20; round++) {
        await sleep(50 + ((round * 37) % 150));
        await killBroker();
        await waitFor(() => !pub.connected(), 3000, 'client notices the broker is gone (round ' + round + ')');
        await sleep((round * 53) % 200);
        await startBroker();
        const ms = await waitFor(() => pub.connected(), BACKOFF_MAX + 3000, 'reconnect (round ' + round + ')');
        reconnectMs.push(ms);
        // one backoff delay (at most BACKOFF_MAX) after the broker is back, plus a connect
        expect(ms).toBeLessThan(BACKOFF_MAX + 500);
      }
    } finally {
      clearInterval(timer);
    }
    // resubscribed after the last restart
    await sleep(200);
    const cmd = client({ clientId: 'evse-commander' });
    cmd.start();
    await waitFor(() => cmd.connected(), 3000, 'commander connect');
    cmd.publish('cmd/override/set', 'toggle', 1);
    await waitFor(() => subGot.length === 1, 3000, 'command after 20 restarts');

    await waitFor(() => (pub as any).flights.length === 0, 3000, 'QoS 1 drained');
    const seen: { [topic: string]: string } = {};
    const sub = client({ clientId: 'evse-subscriber' });
    sub.onMessage = (t, p, retain) => {
      if (retain) seen[t] = p;
    };
    sub.subscribe('openevse/state/#', 1);
    sub.start();
    await waitFor(() => Object.keys(seen).length === Object.keys(last).length, 3000, 'retained values: ' + JSON.stringify(last));
    expect(seen).toEqual(last);
    expect(Object.keys(last).length).toBe(5);
    // eslint-disable-next-line no-console
    console.log('mosquitto restarts: reconnect after broker up (ms): ' + reconnectMs.join(' ') + '; ' + n + ' publishes');
  }, 120000);

  test('the gateway over TLS + password: 20 kill -9 / restart cycles while its state changes; announce and state topics always come back', async () => {
    const BACKOFF_MAX = 1000;
    let g: TestGateway | null = null;
    try {
      g = await startGateway({
        config: { mqtt_server: '127.0.0.1', mqtt_port: tlsPort, mqtt_protocol: 'mqtts', mqtt_reject_unauthorized: false, mqtt_user: 'evse', mqtt_pass: 'secret' },
      });
      const gw = g.gateway;
      // the device's defaults back off to 60 s; a shorter bound keeps 20 cycles quick
      const svc = new MqttService(gw, { backoffMinMs: 100, backoffMaxMs: BACKOFF_MAX, stableMs: 2000, connectTimeoutMs: 3000, closeWaitMs: 500 });
      gw.mqtt = svc;
      const on = gw.config.update({ mqtt_enabled: true });
      expect(on.ok).toBe(true);
      if (on.ok) gw.configChanged(on.changed);
      await waitFor(() => svc.client !== null && svc.client.connected(), 5000, 'the gateway over TLS');
      expect(svc.client!.statusFields({}).mqtt_connected).toBe(1);
      const base = svc.base;
      const limits = gw.planning!.limits;

      /** What the broker holds under <base>/ and on the announce topic, read by a fresh subscriber. */
      async function retained(want: (r: { [t: string]: string }) => boolean, what: string): Promise<{ [t: string]: string }> {
        const r: { [t: string]: string } = {};
        const sub = client({ clientId: 'evse-reader-' + Date.now() });
        sub.onMessage = (t, p, retain) => {
          if (retain) r[t] = p;
        };
        sub.subscribe(base + '/+');
        sub.subscribe(svc.announceTopic);
        sub.start();
        try {
          await waitFor(() => want(r), 3000, what + ': ' + JSON.stringify(r).slice(0, 300));
        } finally {
          sub.stop();
        }
        return r;
      }

      const reconnectMs: number[] = [];
      for (let round = 0; round < 20; round++) {
        const value = 1000 + round;
        const amps = 6 + (round % 10);
        // state changes while connected (even rounds) or while the broker is down (odd rounds)
        if (round % 2 === 0) {
          expect(limits.set({ type: 'energy', value })).toBeNull();
          expect(gw.claims.claim(CLIENT_MQTT, PRIORITY_MQTT, { max_current: amps })).toBeNull();
          await sleep((round * 37) % 100);
        }
        await killBroker();
        await waitFor(() => !svc.client!.connected(), 3000, 'the gateway notices (round ' + round + ')');
        if (round % 2 === 1) {
          expect(limits.set({ type: 'energy', value })).toBeNull();
          expect(gw.claims.claim(CLIENT_MQTT, PRIORITY_MQTT, { max_current: amps })).toBeNull();
        }
        await sleep((round * 53) % 200);
        await startBroker();
        const ms = await waitFor(() => svc.client!.connected(), BACKOFF_MAX + 5000, 'reconnect (round ' + round + ')');
        reconnectMs.push(ms);
        // one backoff delay (at most BACKOFF_MAX) after the broker is back, plus a TLS connect
        expect(ms).toBeLessThan(BACKOFF_MAX + 1000);
        const r = await retained((x) => {
          const lim = x[base + '/limit'];
          const cl = x[base + '/claim'];
          return (
            !!x[svc.announceTopic] &&
            !!x[base + '/config'] &&
            !!x[base + '/override'] &&
            !!x[base + '/schedule'] &&
            !!lim &&
            JSON.parse(lim).value === value &&
            !!cl &&
            JSON.parse(cl).max_current === amps
          );
        }, 'retained state after restart ' + round);
        expect(JSON.parse(r[svc.announceTopic]).state).toBe('connected');
        expect(JSON.parse(r[base + '/config']).mqtt_pass).toBe('_DUMMY_PASSWORD');
        expect(JSON.parse(r[base + '/override'])).toEqual({ state: 'null' });
      }
      expect(g.restarts).toEqual([]);
      // commands still arrive (resubscribed after the last restart)
      const cmd = client({ clientId: 'evse-commander-2' });
      cmd.start();
      await waitFor(() => cmd.connected(), 3000, 'commander connect');
      cmd.publish(base + '/claim/set', 'release', 1);
      await waitFor(() => gw.claims.get(CLIENT_MQTT) === null, 3000, 'claim/set release after 20 restarts');
      // eslint-disable-next-line no-console
      console.log('mosquitto restarts (gateway, TLS): reconnect after broker up (ms): ' + reconnectMs.join(' '));
    } finally {
      if (g) {
        if (g.gateway.mqtt) g.gateway.mqtt.stop();
        await g.close();
      }
    }
  }, 120000);
});
