// A whole gateway for integration tests, built the way src/main/node.ts builds it: a real node:http
// server, folder storage, the node system, crypto and net, and the in-process controller emulator
// ('fast' timing) — with three test-only differences:
//  - `system.restart` only records the request (restarting would kill the test process);
//  - the HTTP server listens on port 0 (a free port), whatever www_http_port says;
//  - the gateway's clock is the real one plus an offset the test can move forward (`clock.skip`),
//    so that time-based behaviour (the auth lockout) can be tested without waiting. The emulator
//    keeps the unmoved node clock, as a separate device would.
// Every timer either clock sets is tracked and cleared by close(), with the data folder.
import { Planning } from '../../src/planning';
import { MqttService } from '../../src/services/mqtt/service';
import { EmoncmsService } from '../../src/services/emoncms';
import { OhmConnectService } from '../../src/services/ohmconnect';
import * as emoncmsPost from '../../src/services/emoncms-post';
import * as ohmPoll from '../../src/services/ohmconnect-poll';
import { nodeHttpClient } from '../../src/hal/node/http-client';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Gateway, GatewayOptions } from '../../src/app';
import * as routes from '../../src/http/routes';
import { Clock, HttpServer } from '../../src/hal/types';
import { nodeClock } from '../../src/hal/node/clock';
import { folderStorage } from '../../src/hal/node/storage';
import { nodeHttpServer } from '../../src/hal/node/http';
import { nodeNet } from '../../src/hal/node/net';
import { nodeSystem } from '../../src/hal/node/system';
import { nodeCrypto } from '../../src/hal/node/crypto';
import { inProcessEmulator } from '../../src/emulator/in-process';
import { ControllerEmulator } from '../../src/emulator/controller';
import { ConfigStore } from '../../src/core/config/store';

/** The node clock, moved forward by `skip(ms)`; remembers its timers so that they can all be cleared. */
export class TestClock implements Clock {
  offset = 0;
  private timers = new Set<any>();
  private intervals = new Set<any>();

  now(): number {
    return Date.now() + this.offset;
  }
  setTimeout(fn: () => void, ms: number): any {
    const h = setTimeout(() => {
      this.timers.delete(h);
      fn();
    }, ms);
    this.timers.add(h);
    return h;
  }
  clearTimeout(h: any): void {
    this.timers.delete(h);
    clearTimeout(h);
  }
  setInterval(fn: () => void, ms: number): any {
    const h = setInterval(fn, ms);
    this.intervals.add(h);
    return h;
  }
  clearInterval(h: any): void {
    this.intervals.delete(h);
    clearInterval(h);
  }
  /** As the node clock's `set` (SNTP, /settime): now() reads `ms` from here on. */
  set(ms: number): void {
    this.offset = ms - Date.now();
  }
  /** Time jumps forward: now() moves, pending timers keep their real delays. */
  skip(ms: number): void {
    this.offset += ms;
  }
  clearAll(): void {
    this.timers.forEach((h) => clearTimeout(h));
    this.intervals.forEach((h) => clearInterval(h));
    this.timers.clear();
    this.intervals.clear();
  }
}

export interface StartOptions {
  /** Attach eco mode and charge planning (default true, as on Node). */
  planning?: boolean;
  /** Attach emoncms and OhmConnect as Node does (default true); false when a test builds its own against a local server. */
  services?: boolean;
  /** Settings stored before the gateway boots (as if saved by an earlier run), e.g. { www_password: 'x' }. */
  config?: { [key: string]: any };
  /** GatewayOptions.rapiTimeoutMs (default: the Gateway's own). */
  rapiTimeoutMs?: number;
  /** Log lines to the console too (they are always kept in `logs`). */
  verbose?: boolean;
  /** How long to wait for `evse_connected: 1` (ms). */
  bootTimeoutMs?: number;
}

export interface TestGateway {
  url: string;
  port: number;
  gateway: Gateway;
  emulator: ControllerEmulator;
  /** now() of the gateway's clock at each restart the gateway asked for. */
  restarts: number[];
  /** The gateway's clock. */
  clock: TestClock;
  /** The data folder. */
  dir: string;
  logs: string[];
  /** Stops everything, removes the data folder. */
  close(): Promise<void>;
}

/** Polls `test` every few ms until it is true; rejects after `ms`. */
export async function waitFor(test: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    if (await test()) return;
    if (Date.now() - t0 > ms) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function startGateway(opts: StartOptions = {}): Promise<TestGateway> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openevse-gw-'));
  const logs: string[] = [];
  const log = (level: string, msg: string) => {
    logs.push(level + ' ' + msg);
    if (opts.verbose) console.log(level + ' ' + msg);
  };
  const emuClock = new TestClock(); // never skipped: the controller's own time
  const clock = new TestClock();
  const emu = inProcessEmulator(emuClock, 'fast');
  const storage = folderStorage(dir);
  const system = nodeSystem(storage);
  const restarts: number[] = [];
  if (opts.config) {
    const r = new ConfigStore(storage, system.id()).update(opts.config);
    if (!r.ok) throw new Error('startGateway: bad config ' + JSON.stringify(r.errors));
  }
  let port = 0;
  let listening: () => void = () => undefined;
  const listened = new Promise<void>((resolve) => (listening = resolve));
  const server = nodeHttpServer((p) => {
    port = p;
    listening();
  });
  const http: HttpServer = {
    listen: (_port, handler) => server.listen(0, handler),
    upgrade: (req, res, headers) => server.upgrade(req, res, headers),
  };
  const gwOpts: GatewayOptions = { loadRoutes: () => routes };
  if (opts.rapiTimeoutMs) gwOpts.rapiTimeoutMs = opts.rapiTimeoutMs;
  const gateway = new Gateway(
    {
      system: {
        id: () => system.id(),
        freeMemory: () => system.freeMemory(),
        restart: () => {
          restarts.push(clock.now());
        },
      },
      clock,
      serial: emu.link,
      storage,
      http,
      net: nodeNet,
      crypto: nodeCrypto,
      log: log as any,
    },
    gwOpts
  );
  // as src/main/node.ts does; `planning: false` gives the ESP32 image's composition
  if (opts.planning !== false) gateway.planning = new Planning(gateway);
  gateway.mqtt = new MqttService(gateway);
  if (opts.services !== false) {
    gateway.emoncms = new EmoncmsService(gateway, nodeHttpClient, { loadRequest: () => emoncmsPost });
    gateway.ohm = new OhmConnectService(gateway, nodeHttpClient, { loadRequest: () => ohmPoll });
  }
  gateway.start();
  await listened;
  const url = 'http://127.0.0.1:' + port;
  let closed = false;
  const tg: TestGateway = {
    url,
    port,
    gateway,
    emulator: emu.emulator,
    restarts,
    clock,
    dir,
    logs,
    close: async () => {
      if (closed) return;
      closed = true;
      gateway.monitor.stop();
      // its socket would otherwise keep reconnecting and hold jest open after the file's tests
      if (gateway.mqtt) gateway.mqtt.stop();
      server.close();
      emu.emulator.powerOff();
      clock.clearAll();
      emuClock.clearAll();
      // let the in-process link's setTimeout(0) deliveries drain
      await new Promise((r) => setTimeout(r, 5));
      clock.clearAll();
      emuClock.clearAll();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  const auth = opts.config && opts.config.www_password ? basicAuth(opts.config.www_username || 'openevseadmin', opts.config.www_password) : undefined;
  try {
    await waitForEvse(tg, opts.bootTimeoutMs || 10000, auth);
  } catch (e) {
    await tg.close();
    throw e;
  }
  return tg;
}

/** The `Authorization` header value for Basic auth. */
export function basicAuth(user: string, pass: string): string {
  return 'Basic ' + Buffer.from(user + ':' + pass).toString('base64');
}

/** Waits until GET /status says `evse_connected: 1`. */
export async function waitForEvse(tg: TestGateway, ms = 10000, authorization?: string): Promise<void> {
  const headers: { [k: string]: string } = authorization ? { Authorization: authorization } : {};
  await waitFor(
    async () => {
      const res = await fetch(tg.url + '/status', { headers });
      if (res.status !== 200) {
        await res.arrayBuffer();
        return false;
      }
      const doc: any = await res.json();
      return doc.evse_connected === 1;
    },
    'evse_connected: 1',
    ms
  );
}
