// The commands a user runs, as built by `npm run build`: the gateway with its built-in emulator
// (`npm start`), and the standalone emulator on a pty and on TCP with the gateway as its client.
import { spawn, ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.join(__dirname, '../..');
const procs: ChildProcess[] = [];

beforeAll(() => {
  if (!fs.existsSync(path.join(root, 'dist/node/main.js'))) throw new Error('dist/node is missing: run `npm run build` (npm test does)');
});
afterEach(() => {
  for (const p of procs.splice(0)) p.kill('SIGTERM');
});

/** Starts `node dist/node/<file>` and resolves with the first capture of `pattern` in its output. */
function run(file: string, args: string[], pattern: RegExp): Promise<{ proc: ChildProcess; match: RegExpExecArray }> {
  const proc = spawn(process.execPath, [path.join(root, 'dist/node', file), ...args], { cwd: root });
  procs.push(proc);
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(file + ' printed no ' + pattern + ':\n' + out)), 10000);
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = pattern.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, match: m });
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.on('exit', (code) => reject(new Error(file + ' exited (' + code + '):\n' + out)));
  });
}

async function statusWhenConnected(url: string, ms: number): Promise<any> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const s: any = await (await fetch(url + '/status')).json();
      if (s.evse_connected === 1) return s;
    } catch (e) {
      // not listening yet
    }
    if (Date.now() > end) throw new Error('no live /status within ' + ms + ' ms');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const dataDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'gw-data-'));

test('npm start: a live /status from the emulated charger within 15 s, and its control interface works', async () => {
  const started = Date.now();
  const { match } = await run('main.js', ['--port', '0', '--emulator-control-port', '0', '--data', dataDir()], /listening on (http:\/\/localhost:\d+)/);
  const url = match[1];
  const status = await statusWhenConnected(url, 15000);
  expect(Date.now() - started).toBeLessThan(15000);
  expect(status).toMatchObject({ state: 1, pilot: 24, rapi_connected: 1 });
  const rapi = await (await fetch(url + '/r?rapi=$GV&json=1')).json();
  expect(rapi).toEqual({ cmd: '$GV', ret: expect.stringMatching(/^\$OK 8\.2\.3 5\.2\.1 :[0-9A-F]{2}\^[0-9A-F]{2}$/) });
}, 30000);

test('emulator --pty, and the gateway on that serial device with --serial', async () => {
  const emu = await run('emulator.js', ['--pty', '--fast', '--control-port', '0'], /pty: (\S+)[\s\S]*control: (http:\/\/[\d.:]+)/);
  const [, ptyPath, control] = emu.match;
  const gw = await run('main.js', ['--serial', ptyPath, '--port', '0', '--data', dataDir()], /listening on (http:\/\/localhost:\d+)/);
  const url = gw.match[1];
  await statusWhenConnected(url, 15000);
  // the car plugs in through the emulator's control interface; the gateway sees it
  const res = await fetch(control + '/ev', { method: 'POST', body: JSON.stringify({ state: 'B' }) });
  expect(res.status).toBe(200);
  const end = Date.now() + 5000;
  let s: any;
  do {
    s = await (await fetch(url + '/status')).json();
  } while (s.state !== 2 && Date.now() < end);
  expect(s).toMatchObject({ state: 2, vehicle: 1 });
}, 30000);

test('emulator --tcp, and the gateway as its TCP client (--serial host:port)', async () => {
  const emu = await run('emulator.js', ['--tcp', '0', '--fast', '--control-port', '0'], /tcp: (\d+)/);
  const gw = await run('main.js', ['--serial', '127.0.0.1:' + emu.match[1], '--port', '0', '--data', dataDir()], /listening on (http:\/\/localhost:\d+)/);
  const status = await statusWhenConnected(gw.match[1], 15000);
  expect(status.state).toBe(1);
}, 30000);
