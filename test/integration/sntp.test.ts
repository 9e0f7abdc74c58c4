// The SNTP client on a whole gateway (in-process controller emulator, real HTTP) against a real
// SNTP server on 127.0.0.1 (node:dgram on a free port, given as sntp_hostname "127.0.0.1:port").
// The server checks each request's bytes and answers with a time of its own choosing (years
// away from the real one), or with forged/broken replies, or not at all. Checked: the gateway's
// clock (GET /time) moves to the server's time, uptime does not jump, the controller's RTC gets
// the LOCAL time of the configured zone through `$S1` (read back with `$GT`), bad replies are
// ignored, a silent server is retried with back-off, and a disabled client sends nothing.
import * as dgram from 'node:dgram';
import { SntpService, SntpOptions } from '../../src/services/sntp';
import * as exchange from '../../src/services/sntp-exchange';
import { nodeUdp } from '../../src/hal/node/udp';
import { startGateway, waitFor, TestGateway } from '../helpers/gateway';
import { call } from '../helpers/http';

jest.setTimeout(30000);

const NTP_UNIX_S = 2208988800;
/** The server's clock: 2031-06-15T10:00:00Z when the test starts, then running. */
const SERVER_EPOCH = Date.UTC(2031, 5, 15, 10, 0, 0);
/** Central European time: in June UTC+2, so the controller must read 12:00 (not 10:00). */
const BERLIN = 'Europe/Berlin|CET-1CEST,M3.5.0,M10.5.0/3';

type Mode = 'good' | 'silent' | 'bad';

class NtpServer {
  sock = dgram.createSocket('udp4');
  port = 0;
  mode: Mode = 'good';
  /** Every request as received, with the real time it came. */
  requests: { at: number; data: Buffer; from: dgram.RemoteInfo }[] = [];
  private started = Date.now();

  async listen(): Promise<void> {
    this.sock.on('message', (data, from) => this.handle(data, from));
    await new Promise<void>((r) => this.sock.bind(0, '127.0.0.1', () => r()));
    this.port = this.sock.address().port;
  }

  now(): number {
    return SERVER_EPOCH + (Date.now() - this.started);
  }

  close(): Promise<void> {
    return new Promise((r) => this.sock.close(() => r()));
  }

  private stamp(ms: number, b: Buffer, at: number): void {
    b.writeUInt32BE(Math.floor(ms / 1000) + NTP_UNIX_S, at);
    b.writeUInt32BE(Math.floor(((ms % 1000) / 1000) * 4294967296), at + 4);
  }

  /** A reply as RFC 4330 wants it, from a stratum-2 server. */
  reply(req: Buffer, over: { originate?: Buffer; stratum?: number; length?: number } = {}): Buffer {
    const b = Buffer.alloc(48);
    b[0] = 0x24; // LI 0, VN 4, mode 4
    b[1] = over.stratum !== undefined ? over.stratum : 2;
    b[2] = 6;
    b[3] = 0xec;
    (over.originate || req.subarray(40, 48)).copy(b, 24);
    const t = this.now();
    this.stamp(t, b, 16); // reference time
    this.stamp(t, b, 32); // receive
    this.stamp(t, b, 40); // transmit
    return over.length !== undefined ? b.subarray(0, over.length) : b;
  }

  private handle(data: Buffer, from: dgram.RemoteInfo): void {
    this.requests.push({ at: Date.now(), data, from });
    const send = (b: Buffer) => this.sock.send(b, from.port, from.address);
    if (this.mode === 'good') send(this.reply(data));
    else if (this.mode === 'bad') {
      const wrong = Buffer.from(data.subarray(40, 48));
      wrong[7] ^= 1;
      send(this.reply(data, { originate: wrong }));
      send(this.reply(data, { stratum: 0 }));
      send(this.reply(data, { length: 47 }));
    }
  }
}

let server: NtpServer;
let g: TestGateway | null = null;
let sntp: SntpService | null = null;
/** How often the service fetched the exchange module (once per request, as on the ESP32). */
let loads = 0;
const loadExchange = () => {
  loads++;
  return exchange;
};

async function boot(config: { [k: string]: any }, opts: SntpOptions = { timeoutMs: 300, retryMs: [200, 400], loadExchange }): Promise<TestGateway> {
  g = await startGateway({ config: { sntp_hostname: '127.0.0.1:' + server.port, time_zone: BERLIN, ...config }, services: false });
  // as src/main/node.ts: UDP from node:dgram and the client attached (the test helper has neither)
  g.gateway.hal.udp = nodeUdp(g.gateway.hal.log);
  sntp = new SntpService(g.gateway, opts);
  g.gateway.sntp = sntp;
  sntp.start();
  return g;
}

/** The controller's RTC as ms (its fields read as UTC), via `$GT`. */
function rtc(tg: TestGateway): Promise<number | null> {
  return new Promise((resolve) =>
    tg.gateway.rapi.send('$GT', (err, reply) => {
      if (err || !reply) return resolve(null);
      const a = reply.args.map(Number);
      if (a[0] === 165) return resolve(null);
      resolve(Date.UTC(2000 + a[0], a[1] - 1, a[2], a[3], a[4], a[5]));
    })
  );
}

async function time(tg: TestGateway): Promise<any> {
  const r = await call(tg.url, 'GET', '/time');
  expect(r.status).toBe(200);
  return r.json;
}

beforeEach(async () => {
  loads = 0;
  server = new NtpServer();
  await server.listen();
});

afterEach(async () => {
  if (sntp) sntp.stop();
  sntp = null;
  if (g) await g.close();
  g = null;
  await server.close();
});

test('syncs from the server: request bytes, gateway clock, /time fields, controller RTC in local time', async () => {
  const tg = await boot({});
  await waitFor(() => server.requests.length >= 1, 'an SNTP request');
  const req = server.requests[0].data;
  expect(req.length).toBe(48);
  expect(req[0]).toBe(0x23); // LI 0, VN 4, mode 3 (client)
  expect(req.subarray(1, 40).every((x) => x === 0)).toBe(true);
  // its transmit timestamp is the gateway's clock when it was sent (the real time here)
  const sent = (req.readUInt32BE(40) - NTP_UNIX_S) * 1000 + (req.readUInt32BE(44) / 4294967296) * 1000;
  expect(Math.abs(sent - server.requests[0].at)).toBeLessThan(1000);

  await waitFor(async () => (await time(tg)).ntp_status === 'synchronized', 'synchronized');
  const doc = await time(tg);
  const gwTime = Date.parse(doc.time);
  expect(Math.abs(gwTime - server.now())).toBeLessThan(2000);
  expect(Math.abs(tg.clock.now() - server.now())).toBeLessThan(200);
  // years ahead, and uptime still counts from the start, not from 1970 or 2031
  expect(doc.uptime).toBeLessThan(60);
  expect(doc.offset).toBe('+0200');
  expect(doc.local_time).toBe(new Date(gwTime + 7200000).toISOString().substr(0, 19) + '+0200');
  expect(Math.abs(doc.ntp_last_sync * 1000 - server.now())).toBeLessThan(2000);
  expect(doc.ntp_server_ip).toBe('127.0.0.1');
  expect(doc.ntp_next_sync_ms).toBeGreaterThan(3500000);
  expect(doc.ntp_next_sync_ms).toBeLessThanOrEqual(3600000);
  // one request was enough
  expect(server.requests.length).toBe(1);

  // the controller's RTC: set at a second boundary to local (Berlin summer) time
  await waitFor(async () => {
    const r = await rtc(tg);
    return r !== null && Math.abs(r - (server.now() + 7200000)) < 2000;
  }, 'the controller RTC at the server time + 2 h');
});

test('sync_now asks again at once', async () => {
  const tg = await boot({});
  await waitFor(async () => (await time(tg)).ntp_status === 'synchronized', 'synchronized');
  expect(server.requests.length).toBe(1);
  const r = await call(tg.url, 'POST', '/time', { sync_now: true }, { 'Content-Type': 'application/json' });
  expect(r.status).toBe(200);
  expect(r.json).toEqual({ msg: 'done' });
  await waitFor(() => server.requests.length === 2, 'a second request');
  // a fresh socket and a fresh timestamp per request
  expect(server.requests[1].data.subarray(40, 48).equals(server.requests[0].data.subarray(40, 48))).toBe(false);
});

test('the exchange is fetched for each request and not kept between requests', async () => {
  server.mode = 'silent';
  const tg = await boot({});
  await waitFor(() => server.requests.length >= 3, 'three requests', 5000);
  server.mode = 'good';
  await waitFor(async () => (await time(tg)).ntp_status === 'synchronized', 'synchronized');
  // one fetch per request (the first, each retry, the one that synced), none between them
  expect(loads).toBe(server.requests.length);
  // the service holds no part of the exchange while it waits for the next hour: not the module,
  // not one of its functions, and no socket
  const kept = Object.values(sntp as any);
  for (const part of [exchange, ...Object.values(exchange)]) expect(kept).not.toContain(part);
  expect(sntp!.sock).toBeNull();
  expect(sntp!.timer).not.toBeNull();
});

test('forged and broken replies are ignored: the clock stays, the request times out and is retried', async () => {
  server.mode = 'bad';
  const tg = await boot({});
  await waitFor(() => server.requests.length >= 2, 'a retry', 5000);
  const doc = await time(tg);
  // still the real time, not the server's
  expect(Math.abs(Date.parse(doc.time) - Date.now())).toBeLessThan(2000);
  expect(tg.clock.offset).toBe(0);
  expect(['retry', 'connecting']).toContain(doc.ntp_status);
  expect(doc.ntp_last_sync).toBe(0);
  const ignored = tg.logs.filter((l) => /sntp: reply from 127\.0\.0\.1 ignored/.test(l));
  expect(ignored.some((l) => /originate timestamp does not match/.test(l))).toBe(true);
  expect(ignored.some((l) => /stratum 0/.test(l))).toBe(true);
  expect(ignored.some((l) => /short packet \(47 bytes\)/.test(l))).toBe(true);
  // the controller was not told anything
  expect(await rtc(tg)).toBeNull();
  // once the server answers properly, the next retry syncs
  server.mode = 'good';
  await waitFor(async () => (await time(tg)).ntp_status === 'synchronized', 'synchronized after the retries');
  expect(Math.abs(tg.clock.now() - server.now())).toBeLessThan(200);
});

test('a silent server: timeout, then retries with growing waits, status "retry"', async () => {
  server.mode = 'silent';
  const tg = await boot({});
  await waitFor(() => server.requests.length >= 4, 'four requests', 8000);
  const at = server.requests.map((r) => r.at);
  // timeout 300 ms, then waits of 200, 400, 400 ms (the last one repeats)
  expect(at[1] - at[0]).toBeGreaterThanOrEqual(480);
  expect(at[2] - at[1]).toBeGreaterThanOrEqual(680);
  expect(at[3] - at[2]).toBeGreaterThanOrEqual(680);
  expect(at[2] - at[1]).toBeLessThan(2000);
  const doc = await time(tg);
  expect(['retry', 'connecting']).toContain(doc.ntp_status);
  expect(doc.ntp_last_sync).toBe(0);
  expect(tg.logs.some((l) => /sntp: no answer from 127\.0\.0\.1 in 0\.3 s, retry in 0\.2 s/.test(l))).toBe(true);
  expect(tg.clock.offset).toBe(0);
});

test('disabled: no packets, not even on sync_now; enabling it through /config syncs', async () => {
  const tg = await boot({ sntp_enabled: false });
  const r = await call(tg.url, 'POST', '/time', { sync_now: true }, { 'Content-Type': 'application/json' });
  expect(r.status).toBe(200);
  await new Promise((res) => setTimeout(res, 600));
  expect(server.requests.length).toBe(0);
  const doc = await time(tg);
  expect(doc.ntp_status).toBe('disabled');
  expect(doc.ntp_next_sync_ms).toBeUndefined();
  const on = await call(tg.url, 'POST', '/config', { sntp_enabled: true }, { 'Content-Type': 'application/json' });
  expect(on.status).toBe(200);
  await waitFor(async () => (await time(tg)).ntp_status === 'synchronized', 'synchronized');
  expect(server.requests.length).toBe(1);
  // and off again: the hourly sync is cancelled
  await call(tg.url, 'POST', '/config', { sntp_enabled: false }, { 'Content-Type': 'application/json' });
  expect((await time(tg)).ntp_next_sync_ms).toBeUndefined();
});

test('a server name that does not resolve: no crash, a timeout and retries', async () => {
  const tg = await boot({ sntp_hostname: 'no-such-host.invalid' });
  await waitFor(() => tg.logs.filter((l) => /sntp: no answer from no-such-host\.invalid/.test(l)).length >= 2, 'two failed attempts', 5000);
  expect((await time(tg)).ntp_status).toMatch(/^(retry|connecting)$/);
  expect(tg.clock.offset).toBe(0);
  expect(server.requests.length).toBe(0);
});
