// HTTP benchmark (not a test): a whole gateway on Node, built as src/main/node.ts builds it with the
// in-process emulated controller ('fast' timing), and N keep-alive clients hammering GET /status.
//
//   npm run bench:http [-- --seconds 10 --clients 50 --path /status]
//
// The load runs in a child process (this same file with --load), so the figures are the gateway's:
// requests/s, p50/p99 latency as the clients saw it, how many answers were 503 (the router refuses
// more than MAX_REQUESTS simultaneous requests, a device limit), and the gateway process's peak
// RSS (process.resourceUsage().maxRSS).
import { Planning } from '../src/planning';
import { MqttService } from '../src/services/mqtt/service';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as http from 'node:http';
import { fork, ChildProcess } from 'node:child_process';
import { Gateway } from '../src/app';
import * as routes from '../src/http/routes';
import { MAX_REQUESTS } from '../src/http/router';
import { nodeClock } from '../src/hal/node/clock';
import { folderStorage } from '../src/hal/node/storage';
import { nodeHttpServer } from '../src/hal/node/http';
import { nodeNet } from '../src/hal/node/net';
import { nodeSystem } from '../src/hal/node/system';
import { nodeCrypto } from '../src/hal/node/crypto';
import { inProcessEmulator } from '../src/emulator/in-process';
import { HttpServer } from '../src/hal/types';

interface LoadResult {
  total: number;
  byStatus: { [code: string]: number };
  errors: number;
  seconds: number;
  /** Latencies of the 200 answers, ms, sorted. */
  p50: number;
  p99: number;
  max: number;
}

function arg(name: string, def: string): string {
  var i = process.argv.indexOf('--' + name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

/** The child: `clients` loops of GET over keep-alive connections for `seconds`. */
function runLoad(url: string, clients: number, seconds: number, reqPath: string): Promise<LoadResult> {
  var agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  var u = new URL(url);
  var byStatus: { [code: string]: number } = {};
  var lat: number[] = [];
  var total = 0;
  var errors = 0;
  var t0 = Date.now();
  var end = t0 + seconds * 1000;
  function one(): Promise<void> {
    return new Promise(function (resolve) {
      var start = performance.now();
      var req = http.get({ host: u.hostname, port: u.port, path: reqPath, agent: agent }, function (res) {
        res.on('data', function () {});
        res.on('end', function () {
          var ms = performance.now() - start;
          var code = String(res.statusCode);
          byStatus[code] = (byStatus[code] || 0) + 1;
          if (res.statusCode === 200) lat.push(ms);
          total++;
          resolve();
        });
      });
      req.on('error', function () {
        errors++;
        total++;
        resolve();
      });
    });
  }
  async function client(): Promise<void> {
    while (Date.now() < end) await one();
  }
  var loops: Promise<void>[] = [];
  for (var i = 0; i < clients; i++) loops.push(client());
  return Promise.all(loops).then(function () {
    agent.destroy();
    lat.sort(function (a, b) {
      return a - b;
    });
    return {
      total: total,
      byStatus: byStatus,
      errors: errors,
      seconds: (Date.now() - t0) / 1000,
      p50: percentile(lat, 50),
      p99: percentile(lat, 99),
      max: lat.length ? lat[lat.length - 1] : NaN,
    };
  });
}

/** The parent: the gateway, as startGateway builds it (restart only logged, HTTP on a free port). */
function startGateway(dir: string): Promise<{ url: string; gateway: Gateway }> {
  var emu = inProcessEmulator(nodeClock, 'fast');
  var storage = folderStorage(dir);
  var system = nodeSystem(storage);
  var verbose = process.argv.indexOf('--verbose') >= 0;
  return new Promise(function (resolve) {
    var server = nodeHttpServer(function (port) {
      resolve({ url: 'http://127.0.0.1:' + port, gateway: gateway });
    });
    var httpServer: HttpServer = {
      listen: function (_port, handler) {
        server.listen(0, handler);
      },
      upgrade: function (req, res, headers) {
        return server.upgrade(req, res, headers);
      },
    };
    var gateway = new Gateway(
      {
        system: {
          id: system.id,
          freeMemory: system.freeMemory,
          restart: function () {
            console.log('(restart requested: ignored by the benchmark)');
          },
        },
        clock: nodeClock,
        serial: emu.link,
        storage: storage,
        http: httpServer,
        net: nodeNet,
        crypto: nodeCrypto,
        log: function (level, msg) {
          if (verbose || level === 'error') console.log(level + ' ' + msg);
        },
      },
      { loadRoutes: () => routes }
    );
    gateway.planning = new Planning(gateway); // as npm start runs it
    gateway.mqtt = new MqttService(gateway);
    gateway.start();
  });
}

function waitConnected(url: string, ms: number): Promise<void> {
  var t0 = Date.now();
  return new Promise(function (resolve, reject) {
    function poll() {
      http
        .get(url + '/status', function (res) {
          var body = '';
          res.on('data', function (d) {
            body += d;
          });
          res.on('end', function () {
            var ok = false;
            try {
              ok = JSON.parse(body).evse_connected === 1;
            } catch (e) {}
            if (ok) resolve();
            else if (Date.now() - t0 > ms) reject(new Error('the controller did not connect'));
            else setTimeout(poll, 20);
          });
        })
        .on('error', reject);
    }
    poll();
  });
}

function fmt(n: number): string {
  return isNaN(n) ? '-' : n.toFixed(2);
}

async function main(): Promise<void> {
  if (process.argv.indexOf('--load') >= 0) {
    var r = await runLoad(arg('url', ''), parseInt(arg('clients', '50'), 10), parseFloat(arg('seconds', '10')), arg('path', '/status'));
    (process as any).send(r, function () {
      process.exit(0);
    });
    return;
  }
  var clients = parseInt(arg('clients', '50'), 10);
  var seconds = parseFloat(arg('seconds', '10'));
  var reqPath = arg('path', '/status');
  var dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openevse-bench-'));
  var gw = await startGateway(dir);
  await waitConnected(gw.url, 15000);
  var rssBefore = process.resourceUsage().maxRSS;
  var child: ChildProcess = fork(__filename, ['--load', '--url', gw.url, '--clients', String(clients), '--seconds', String(seconds), '--path', reqPath], {
    stdio: 'inherit',
  });
  var result: LoadResult = await new Promise(function (resolve, reject) {
    child.on('message', function (m: any) {
      resolve(m);
    });
    child.on('exit', function (code) {
      if (code) reject(new Error('load process exited with ' + code));
    });
  });
  var usage = process.resourceUsage();
  var ok = result.byStatus['200'] || 0;
  var refused = result.byStatus['503'] || 0;
  var cmd = ['node'].concat(process.argv.slice(1).map((a) => path.relative(process.cwd(), a) || a)).join(' ');
  var npmScript = process.env.npm_lifecycle_event;
  console.log('command:      ' + (npmScript ? 'npm run ' + npmScript + ' (ran: ' + cmd + ')' : cmd));
  console.log('host:         node ' + process.version + ', ' + os.cpus().length + ' x ' + (os.cpus()[0] || { model: '?' }).model + ', ' + os.platform());
  console.log('load:         ' + clients + ' keep-alive clients, GET ' + reqPath + ', ' + result.seconds.toFixed(1) + ' s (clients in a child process)');
  console.log('router limit: MAX_REQUESTS = ' + MAX_REQUESTS + ' simultaneous requests (fixed in src/http/router.ts; GatewayOptions has no setting for it)');
  console.log('requests:     ' + result.total + ' (' + (result.total / result.seconds).toFixed(0) + '/s); 200: ' + ok + ' (' + (ok / result.seconds).toFixed(0) + '/s); 503: ' + refused + ' (' + ((100 * refused) / Math.max(1, result.total)).toFixed(1) + ' %); other: ' + JSON.stringify(result.byStatus) + '; errors: ' + result.errors);
  console.log('latency 200:  p50 ' + fmt(result.p50) + ' ms, p99 ' + fmt(result.p99) + ' ms, max ' + fmt(result.max) + ' ms');
  console.log('gateway RSS:  peak ' + (usage.maxRSS / 1024).toFixed(1) + ' MB (' + (rssBefore / 1024).toFixed(1) + ' MB before the load); CPU user ' + (usage.userCPUTime / 1e6).toFixed(1) + ' s, system ' + (usage.systemCPUTime / 1e6).toFixed(1) + ' s');
  fs.rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

main().catch(function (e) {
  console.error(e);
  process.exit(1);
});
