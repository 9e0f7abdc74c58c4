// espruino-sim: runs the ESP32 image (dist/esp32/image.js) on Node with the Espruino globals it
// uses, for CI that has no Espruino interpreter. See device.js for what is simulated and how.
//
//   const { bootDevice } = require('test/espruino-sim');
//   const dev = await bootDevice({ image: true, board: { rapi_path: pty } });
//   await fetch(dev.url + '/status'); await dev.reboot(); await dev.stop();
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const net = require('net');
const { Device } = require('./device');
const { tcpConsole, ptyConsole } = require('./console');

const ROOT = path.join(__dirname, '..', '..');
const IMAGE = path.join(ROOT, 'dist', 'esp32', 'image.js');

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Boots a simulated device (power-on) and, when it has something to boot, waits until its
 * /status answers 200.
 *   storageDir  the Storage folder (default: a new temp folder); kept between reboots
 *   files       {name: string (binary) | Buffer} written into Storage before power-on
 *   image       true (dist/esp32/image.js) or a path or the code: written as `bootFile`
 *   bootFile    the Storage name for `image` (default '.bootcde')
 *   board       object merged over boards/linux.json and written as board.json; http_port
 *               defaults to a free port
 *   console     'pty' | 'tcp': a REPL console (consolePath / consolePort in the result)
 *   memory      {total, usage} for process.memory() (default 4000 / 1200; not measured)
 *   wait        false: do not wait for /status; a number: ms to wait (default 20000)
 *   echo        true: device output also to stdout (or ESPRUINO_SIM_ECHO=1)
 *   wifi        true or {networks: [{ssid, password, rssi, channel}], ip}: a STUB require("Wifi")
 *               (wifi.js); without it require("Wifi") throws "not found" as on the Linux build
 *   watchdogSeconds  the timeout of a hand-kicked watchdog (E.enableWatchdog(s, false)) instead of s
 */
async function bootDevice(opts) {
  opts = opts || {};
  const storageDir = opts.storageDir || fs.mkdtempSync(path.join(os.tmpdir(), 'espruino-sim-'));
  const device = new Device({ storageDir, memory: opts.memory, echo: opts.echo || !!process.env.ESPRUINO_SIM_ECHO, serial: opts.serial, watchdogSeconds: opts.watchdogSeconds, wifi: opts.wifi });
  const st = device.storage;
  for (const name of Object.keys(opts.files || {})) {
    const v = opts.files[name];
    st.write(name, Buffer.isBuffer(v) ? v.toString('latin1') : v);
  }
  if (opts.image) {
    const code = opts.image === true ? fs.readFileSync(IMAGE, 'latin1') : fs.existsSync(opts.image) ? fs.readFileSync(opts.image, 'latin1') : opts.image;
    st.write(opts.bootFile || '.bootcde', code);
  }
  if (opts.board) {
    const base = JSON.parse(fs.readFileSync(path.join(ROOT, 'boards', 'linux.json'), 'utf8'));
    delete base.description;
    const board = Object.assign(base, opts.board);
    if (!opts.board.http_port) board.http_port = await freePort();
    st.write('board.json', JSON.stringify(board));
  }
  let con = null;
  if (opts.console === 'tcp') con = await tcpConsole(device, opts.consolePort);
  else if (opts.console === 'pty') con = await ptyConsole(device);
  else if (opts.console) throw new Error('console: "pty" or "tcp"');

  const url = () => {
    const b = st.readJSON('board.json', true);
    return b && b.http_port ? 'http://127.0.0.1:' + b.http_port : null;
  };
  const hasBootCode = () => ['.bootcde', '.bootrst'].some((n) => st.read(n) !== undefined);
  const waitMs = typeof opts.wait === 'number' ? opts.wait : 20000;

  /** Resolves once GET /status answers 200, or rejects with the device's output. */
  async function ready(ms) {
    const end = Date.now() + (ms || waitMs);
    await device.settled();
    for (;;) {
      const u = url();
      if (u) {
        try {
          const r = await fetch(u + '/status');
          if (r.status === 200) {
            await r.arrayBuffer();
            return;
          }
        } catch (e) {
          // not listening yet
        }
      }
      if (Date.now() > end) throw new Error('espruino-sim: no /status within ' + (ms || waitMs) + ' ms; device output:\n' + device.out.slice(-2000));
      await sleep(100);
    }
  }

  device.schedule({ kind: 'power' });
  await device.settled();
  const handle = {
    get url() {
      return url();
    },
    storageDir,
    storage: st,
    consolePath: con && con.path,
    consolePort: con && con.port,
    get bootCount() {
      return device.bootCount;
    },
    /** Everything the device printed (console.log, uncaught errors, reboots). */
    output: () => device.out,
    /** Every uncaught error and every use of an unsimulated API, in order. */
    errors: () => device.errors.slice(),
    /** Evaluates code in the running boot, like a console line. */
    evaluate: (code) => device.evaluate(code),
    /** E.reboot(): tears the boot down and boots again from Storage; waits for /status. */
    reboot: async (waitOpts) => {
      device.schedule({ kind: 'reboot' });
      await device.settled();
      if (!(waitOpts && waitOpts.wait === false)) await ready();
    },
    ready,
    settled: () => device.settled(),
    stop: async () => {
      if (con) await con.close();
      await device.stop();
    },
    /** Sets a GPIO level (a mock: no GPIO here); a button pulls its pin low: setPin('D0', false). */
    setPin: (pin, level) => device.setPin(pin, level),
    /** The stub radio (with `wifi`): networks, calls, radio {sta, ap, hostname, drop()}. */
    wifi: device.wifi,
    device,
  };
  if (opts.wait !== false && hasBootCode()) {
    try {
      await ready();
    } catch (e) {
      await handle.stop();
      throw e;
    }
  }
  return handle;
}

module.exports = { bootDevice, freePort, IMAGE };
