// One simulated ESP32 running Espruino: a Storage folder, UARTs, and a fresh `node:vm` context per
// boot holding the Espruino globals the image uses. No Espruino interpreter is involved: this runs
// the image's JavaScript on V8, so it checks the image's logic and its use of the Espruino API,
// not the interpreter's memory or its language gaps (scripts/check-image.js and
// scripts/espruino-harness.js with a real interpreter do those).
//
// Boot order (ref/espruino.md §1): power-on and E.reboot() run `.bootPowerOn` (power-on only),
// `.boot0`..`.boot3`, then `.bootrst` or else `.bootcde`; load(name) runs `name` instead of
// `.bootcde` (with __FILE__ set); then E.on('init') handlers and onInit(). A reboot first tears the
// current boot down: its timers, servers, sockets and serial listeners all go.
//
// Anything the image reaches for that is not here fails loudly: unknown globals are
// ReferenceErrors (Map, Set, Symbol, Proxy, Reflect... are removed, as Espruino has none), and
// reading an unknown member of E, process, a module or a Serial port throws and is recorded in
// errors(), even when the image catches it.
'use strict';
const vm = require('vm');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { crc32 } = require('../../scripts/crc32');
const crypto = require('crypto');
const { SerialPort } = require('serialport');
const { FolderStorage, bytesOf } = require('./storage');
const { Emitter, httpModule, netModule, tlsModule, dgramModule } = require('./network');
const { wifiWorld, wifiModule } = require('./wifi');

/** V8 builtins Espruino 2v29 lacks (ref/espruino.md §2): gone from the device's global object. */
const NOT_IN_ESPRUINO = ['Map', 'Set', 'WeakMap', 'WeakSet', 'Symbol', 'Proxy', 'Reflect', 'BigInt', 'Intl', 'WeakRef', 'FinalizationRegistry', 'SharedArrayBuffer', 'Atomics', 'WebAssembly'];
/** Property reads that inspection and promise resolution make on any object: never an error. */
/** ESP32 modules the Linux build lacks too: require() throws as there, without counting as an error. */
const ABSENT = ['Wifi', 'ESP32'];
const HARMLESS = ['then', 'toJSON', 'inspect', 'constructor', 'nodeType', 'asymmetricMatch', '$$typeof', 'prototype', 'valueOf', 'toString'];


/** One boot: its vm context and everything it opened. */
class Boot {
  constructor(device) {
    this.device = device;
    this.alive = true;
    this.closers = [];
    this.timers = new Map();
    this.nextTimer = 1;
    this.initHandlers = [];
    this.serialListeners = [];
    this.watches = new Map();
    const sandbox = {};
    this.context = vm.createContext(sandbox, { name: 'espruino-sim boot ' + (device.bootCount + 1) });
    this.global = vm.runInContext('this', this.context);
    vm.runInContext(NOT_IN_ESPRUINO.map((n) => 'delete this.' + n + ';').join(''), this.context);
    this.install();
  }

  /** An Error of the device's realm (so that the image's `e.message` and instanceof work). */
  error(msg) {
    return new this.global.Error(msg);
  }

  /** Runs a device callback as the interpreter's event loop would: an exception is printed, not fatal. */
  call(fn, thisArg, args) {
    if (!this.alive) return undefined;
    try {
      if (typeof fn === 'string') return vm.runInContext(fn, this.context);
      return fn.apply(thisArg, args || []);
    } catch (e) {
      this.uncaught(e);
    }
    return undefined;
  }

  uncaught(e) {
    const msg = e && e.message !== undefined ? e.message : String(e);
    this.device.errors.push(msg);
    this.device.log('Uncaught ' + (e && e.name ? e.name : 'Error') + ': ' + msg + '\n' + (e && e.stack ? e.stack.split('\n').slice(1, 4).join('\n') + '\n' : ''));
  }

  track(close) {
    this.closers.push(close);
  }

  /** `obj` with reads of anything it lacks thrown and recorded: a new use of the API must be noticed. */
  strict(name, obj) {
    const boot = this;
    return new Proxy(obj, {
      get(t, k) {
        if (k in t || typeof k === 'symbol' || HARMLESS.indexOf(k) >= 0) return t[k];
        const msg = 'espruino-sim: ' + name + '.' + String(k) + ' is not simulated (add it to test/espruino-sim if the image now uses it)';
        boot.device.errors.push(msg);
        boot.device.log(msg + '\n');
        throw boot.error(msg);
      },
    });
  }

  install() {
    const g = this.global;
    const boot = this;
    const device = this.device;
    g.global = g;
    const fmt = (a) => (typeof a === 'string' ? a : a === undefined ? 'undefined' : typeof a === 'function' ? 'function' : JSON.stringify(a));
    g.console = { log: function () { device.log([].map.call(arguments, fmt).join(' ') + '\n'); } };
    g.print = g.console.log;

    // Timers: one id space for timeouts and intervals, and clearTimeout() with no argument
    // clears them all (jswrap_interactive.c); clearing undefined throws; an unknown id is ignored.
    const addTimer = (fn, ms, args, repeat) => {
      if (typeof fn !== 'function' && typeof fn !== 'string') throw boot.error('Function or String not supplied!');
      const id = boot.nextTimer++;
      const run = () => {
        if (!repeat) boot.timers.delete(id);
        boot.call(fn, undefined, args);
      };
      const h = repeat ? setInterval(run, ms) : setTimeout(run, ms);
      boot.timers.set(id, h);
      return id;
    };
    const clear = (name) =>
      function (id) {
        if (arguments.length === 0) {
          for (const h of boot.timers.values()) clearTimeout(h);
          boot.timers.clear();
          return;
        }
        if (id === undefined) throw boot.error('clear' + name + '(undefined) not allowed. Use clear' + name + '() instead');
        const h = boot.timers.get(id);
        if (h !== undefined) {
          clearTimeout(h);
          boot.timers.delete(id);
        }
      };
    g.setTimeout = function (fn, ms) {
      return addTimer(fn, ms || 0, [].slice.call(arguments, 2), false);
    };
    g.setInterval = function (fn, ms) {
      return addTimer(fn, ms || 0, [].slice.call(arguments, 2), true);
    };
    g.clearTimeout = clear('Timeout');
    g.clearInterval = clear('Interval');

    g.btoa = (s) => bytesOf(String(s), 'btoa').toString('base64');
    g.atob = (s) => Buffer.from(String(s), 'base64').toString('latin1');
    g.getSerial = () => device.serial;
    // setTime moves the clock Date reads (the RTC survives soft reboots: the offset is the device's);
    // timers are relative and keep their delays, as on the interpreter.
    const RealDate = g.Date;
    const realNow = RealDate.now;
    g.Date = new Proxy(RealDate, {
      construct: (t, args) => (args.length ? new t(...args) : new t(realNow() + device.clockOffset)),
      apply: () => new RealDate(realNow() + device.clockOffset).toString(),
      get: (t, k) => (k === 'now' ? () => realNow() + device.clockOffset : t[k]),
    });
    g.setTime = (sec) => {
      device.clockOffset = sec * 1000 - realNow();
    };
    g.getTime = () => (realNow() + device.clockOffset) / 1000;
    g.load = (file) => device.schedule({ kind: 'load', file: file });
    g.reset = (clearFlash) => device.schedule({ kind: 'reset', clearFlash: !!clearFlash });

    const storage = this.strict('Storage', {
      read: (n, o, l) => device.storage.read(n, o, l),
      readJSON: (n, ne) => {
        const v = device.storage.readJSON(n, ne);
        // objects of the device's realm, as the interpreter would make them
        return v === undefined ? undefined : vm.runInContext('(' + JSON.stringify(v) + ')', boot.context);
      },
      write: (n, d, o, s) => this.wrap(() => device.storage.write(n, d, o, s)),
      erase: (n) => device.storage.erase(n),
      list: (p, f) => this.wrap(() => vm.runInContext(JSON.stringify(device.storage.list(p, f)), boot.context)),
      getFree: () => device.storage.getFree(),
      getStats: () => device.storage.getStats(),
      compact: () => device.storage.compact(),
    });
    const toBuffer = (b) => vm.runInContext('(function(a){var u=new Uint8Array(a.length);for(var i=0;i<a.length;i++)u[i]=a[i];return u.buffer})', boot.context)(Array.from(b));
    const hash = (alg) => (data) => toBuffer(crypto.createHash(alg).update(bytesOf(data, 'crypto.' + alg)).digest());
    const modules = {
      Storage: () => storage,
      http: () => this.strict('http', httpModule(boot)),
      net: () => this.strict('net', netModule(boot)),
      tls: () => this.strict('tls', tlsModule(boot)),
      dgram: () => this.strict('dgram', dgramModule(boot)),
      crypto: () => this.strict('crypto', { SHA1: hash('sha1'), SHA256: hash('sha256'), SHA512: hash('sha512') }),
    };
    // A stub radio only when the test asks for one (wifi.js); otherwise absent, as on the Linux build.
    if (device.wifi) modules.Wifi = () => this.strict('Wifi', wifiModule(boot, device.wifi));
    const loaded = {};
    g.require = (name) => {
      if (loaded[name]) return loaded[name];
      if (ABSENT.indexOf(name) >= 0 && !modules[name]) {
        // As on the interpreter's Linux build, which has no radio: the image probes for it.
        throw boot.error('Module ' + name + ' not found');
      }
      if (!modules[name]) {
        const msg = 'Module ' + name + ' not found (espruino-sim has no "' + name + '": add it to test/espruino-sim if the image now uses it)';
        device.errors.push(msg);
        throw boot.error(msg);
      }
      return (loaded[name] = modules[name]());
    };

    const events = {};
    g.E = this.strict('E', {
      toString: function () {
        let out = '';
        for (const a of arguments) out += typeof a === 'number' ? String.fromCharCode(a & 255) : bytesOf(a, 'E.toString').toString('latin1');
        return out;
      },
      CRC32: (d) => crc32(bytesOf(d, 'E.CRC32')),
      reboot: () => device.schedule({ kind: 'reboot' }),
      setBootCode: (code, always) => {
        device.storage.erase('.bootcde');
        device.storage.erase('.bootrst');
        if (code) device.storage.write(always ? '.bootrst' : '.bootcde', code);
      },
      enableWatchdog: (seconds, isAuto) => device.enableWatchdog(seconds, isAuto),
      kickWatchdog: () => device.kickWatchdog(),
      // The console moves off the RAPI UART (boards with rapi_console); the sim's console is its own.
      setConsole: (dev, opts) => {
        device.consoleDevice = dev;
      },
      // Not a measurement: the sim has no JsVars. A rough figure so that callers get a number.
      getSizeOf: (v) => Math.ceil((JSON.stringify(v) || '').length / 10) + 1,
      on: (event, cb) => {
        // errorFlag: the sim never runs out of memory, so the handler is kept and never called
        if (event !== 'init' && event !== 'kill' && event !== 'errorFlag') throw boot.error('espruino-sim: E.on("' + event + '") is not simulated');
        (events[event] || (events[event] = [])).push(cb);
      },
    });
    this.events = events;

    // Not measured: a plausible ESP32 figure (ref/espruino.md §1), overridable by bootDevice({memory}).
    const memory = device.memory;
    g.process = this.strict('process', {
      memory: () => Object.assign({ free: memory.total - memory.usage, history: 0, gc: 0, gctime: 0, blocksize: 14, simulated: 'espruino-sim: not a measurement' }, memory),
      env: { VERSION: '2v29', BOARD: 'ESP32', MODULES: Object.keys(modules).join(','), SIMULATED: 'espruino-sim' },
      version: '2v29',
    });

    for (const name of ['Serial1', 'Serial2']) g[name] = this.serialPort(name);
    this.installPins();
  }

  /**
   * GPIO as far as a button needs it: pins D0..D39 (objects of the device's realm), pinMode, and
   * setWatch with edge/repeat/debounce. Levels are the device's (`device.pins`), set by the test
   * through the handle's setPin(name, level): a mock, since there is no GPIO here.
   */
  installPins() {
    const g = this.global;
    const boot = this;
    const device = this.device;
    const pinName = (pin) => {
      const n = pin && pin.__pin;
      if (!n) throw boot.error('espruino-sim: not a pin: ' + pin);
      return n;
    };
    for (let i = 0; i < 40; i++) {
      const p = vm.runInContext('({})', this.context);
      Object.defineProperty(p, '__pin', { value: 'D' + i });
      p.toString = () => 'D' + i;
      g['D' + i] = p;
    }
    g.pinMode = (pin, mode) => {
      const n = pinName(pin);
      device.pinModes[n] = mode;
      if (mode === 'input_pullup' && device.pins[n] === undefined) device.pins[n] = true;
    };
    g.digitalRead = (pin) => (device.pins[pinName(pin)] ? 1 : 0);
    let nextWatch = 1;
    g.setWatch = (fn, pin, opts) => {
      const n = pinName(pin);
      opts = typeof opts === 'object' && opts ? opts : { repeat: !!opts };
      const id = nextWatch++;
      boot.watches.set(id, { fn, pin: n, edge: opts.edge || 'both', repeat: !!opts.repeat, debounce: opts.debounce || 0, last: Date.now() / 1000, timer: null });
      return id;
    };
    g.clearWatch = function (id) {
      if (arguments.length === 0) boot.watches.clear();
      else boot.watches.delete(id);
    };
  }

  /** A level change on `pin`: watches fire after their debounce if the level held. */
  pinChanged(pin, level) {
    for (const [id, w] of this.watches) {
      if (w.pin !== pin) continue;
      if ((w.edge === 'rising' && !level) || (w.edge === 'falling' && level)) continue;
      clearTimeout(w.timer);
      w.timer = setTimeout(() => {
        if (!this.watches.has(id) || !!this.device.pins[pin] !== level) return;
        const now = Date.now() / 1000;
        const e = { state: level, time: now, lastTime: w.last, pin: this.global[pin] };
        w.last = now;
        if (!w.repeat) this.watches.delete(id);
        this.call(w.fn, null, [vm.runInContext('(function(o){return {state:o.state,time:o.time,lastTime:o.lastTime,pin:o.pin}})', this.context)(e)]);
      }, w.debounce);
      this.track(() => clearTimeout(w.timer));
    }
  }

  /** Runs `fn`, turning host errors into errors of the device's realm. */
  wrap(fn) {
    try {
      return fn();
    } catch (e) {
      throw e instanceof this.global.Error ? e : this.error(e.message);
    }
  }

  serialPort(name) {
    const boot = this;
    const device = this.device;
    let port = null;
    const listeners = [];
    return this.strict(name, {
      setup(baud, opts) {
        if (!opts || !opts.path) {
          // Pins (tx/rx) mean a real UART: there is none here. The board must give a tty path.
          throw boot.error('espruino-sim: ' + name + '.setup needs {path} (a tty): a UART on pins cannot exist in the sim');
        }
        port = device.uart(opts.path, baud);
        const onData = (s) => {
          if (boot.alive) listeners.forEach((cb) => boot.call(cb, null, [s]));
        };
        port.listeners.add(onData);
        boot.track(() => port.listeners.delete(onData));
      },
      on(event, cb) {
        if (event !== 'data') throw boot.error('espruino-sim: ' + name + '.on("' + event + '") is not simulated');
        listeners.push(cb);
      },
      write() {
        if (!port) throw boot.error(name + ' not set up');
        for (const a of arguments) port.write(typeof a === 'number' ? Buffer.from([a & 255]) : bytesOf(a, name + '.write'));
      },
    });
  }

  run(name, code) {
    if (code === undefined || !this.alive) return;
    try {
      vm.runInContext(code, this.context, { filename: name });
    } catch (e) {
      this.uncaught(e);
    }
  }

  /** Clears every timer and closes everything this boot opened. */
  teardown() {
    this.alive = false;
    for (const h of this.timers.values()) clearTimeout(h);
    this.timers.clear();
    return Promise.all(this.closers.map((c) => Promise.resolve().then(c).catch(() => undefined)));
  }
}

class Device {
  constructor(opts) {
    this.storage = new FolderStorage(opts.storageDir);
    // A compaction under running code: on the ESP32 its functions and flash views would read garbage.
    this.storage.onCompact = (why) => {
      if (!this.boot || !this.boot.alive) return;
      const msg = 'Storage compacted itself while the image runs from it (' + why + ')';
      this.errors.push(msg);
      this.log(msg + '\n');
    };
    this.serial = opts.serial || '24:0a:c4:5e:a1:b2';
    this.memory = Object.assign({ total: 4000, usage: 1200 }, opts.memory || {});
    this.echo = !!opts.echo;
    this.out = '';
    this.errors = [];
    this.bootCount = 0;
    this.boot = null;
    this.uarts = new Map();
    this.consoles = new Set();
    this.watchdog = null;
    this.pending = Promise.resolve();
    this.stopped = false;
    this.clockOffset = 0;
    this.pins = {};
    this.pinModes = {};
    this.wifi = opts.wifi ? wifiWorld(opts.wifi === true ? {} : opts.wifi) : null;
    /** Overrides the image's watchdog timeout (tests of a restart need not wait 30 s). */
    this.watchdogSeconds = opts.watchdogSeconds;
    this.consoleDevice = undefined;
  }

  log(text) {
    this.out += text;
    if (this.echo) process.stdout.write(text);
    for (const c of this.consoles) c.print(text);
  }

  /**
   * A host serial port kept open across boots, as the UART itself is: a reboot drops its
   * listeners, not the line (closing a socat pty side would end the pair).
   */
  uart(p, baud) {
    let u = this.uarts.get(p);
    if (u) return u;
    const sp = new SerialPort({ path: p, baudRate: baud || 115200 });
    u = { listeners: new Set(), write: (b) => sp.write(b), port: sp };
    sp.on('data', (b) => {
      const s = b.toString('latin1');
      for (const l of u.listeners) l(s);
    });
    sp.on('error', (e) => this.log('espruino-sim: serial ' + p + ': ' + e.message + '\n'));
    this.uarts.set(p, u);
    return u;
  }

  /** Reboots after the running code returns, as the interpreter does; resolves once the new boot has run. */
  schedule(what) {
    if (this.boot) this.boot.alive = false;
    this.pending = this.pending.then(
      () =>
        new Promise((resolve) =>
          setImmediate(() => {
            this.start(what).then(resolve, resolve);
          })
        )
    );
    return undefined;
  }

  async start(what) {
    if (this.stopped) return;
    const old = this.boot;
    if (old) {
      // E.on('kill') runs before a reboot (jsinteractive.c jsiKill)
      const kills = (old.events && old.events.kill) || [];
      old.alive = true;
      kills.forEach((cb) => old.call(cb, null, []));
      await old.teardown();
    }
    if (what.kind === 'reboot' || what.kind === 'power') this.disableWatchdog();
    if (what.kind === 'reset') {
      if (what.clearFlash) ['.bootcde', '.bootrst', '.varimg'].forEach((n) => this.storage.erase(n));
      this.boot = new Boot(this);
      this.bootCount++;
      this.log('espruino-sim: reset\n>');
      return;
    }
    const boot = (this.boot = new Boot(this));
    this.bootCount++;
    this.log('espruino-sim: boot ' + this.bootCount + ' (' + what.kind + (what.file ? ' ' + what.file : '') + ')\n');
    const st = this.storage;
    if (what.kind === 'power') boot.run('.bootPowerOn', st.read('.bootPowerOn'));
    for (let i = 0; i < 4; i++) boot.run('.boot' + i, st.read('.boot' + i));
    if (what.file) {
      const code = st.read(what.file);
      if (code === undefined) boot.uncaught(new Error('load("' + what.file + '"): no such file in Storage'));
      boot.global.__FILE__ = what.file;
      boot.run(what.file, code);
    } else if (st.read('.bootrst') !== undefined) boot.run('.bootrst', st.read('.bootrst'));
    else boot.run('.bootcde', st.read('.bootcde'));
    (boot.events.init || []).forEach((cb) => boot.call(cb, null, []));
    if (typeof boot.global.onInit === 'function') boot.call(boot.global.onInit, null, []);
  }

  /** Waits for every scheduled reboot to have run. */
  settled() {
    let last;
    const wait = () => {
      last = this.pending;
      return last.then(() => (this.pending === last ? undefined : wait()));
    };
    return wait();
  }

  /**
   * E.enableWatchdog: with isAuto false the image must kick it within `seconds` or the chip
   * restarts. With isAuto (the default) the idle loop kicks it, which never stops here: off.
   */
  enableWatchdog(seconds, isAuto) {
    this.disableWatchdog();
    if (isAuto !== false) return;
    this.watchdog = { ms: (this.watchdogSeconds || seconds) * 1000, timer: null };
    this.kickWatchdog();
  }
  kickWatchdog() {
    const w = this.watchdog;
    if (!w) return;
    clearTimeout(w.timer);
    w.timer = setTimeout(() => {
      this.log('espruino-sim: watchdog timeout, restarting\n');
      this.schedule({ kind: 'reboot' });
    }, w.ms);
  }
  disableWatchdog() {
    if (this.watchdog) clearTimeout(this.watchdog.timer);
    this.watchdog = null;
  }

  /** The test's hand on a pin (a mock: there is no GPIO here), e.g. a button pulling D0 low. */
  setPin(pin, level) {
    level = !!level;
    if (!!this.pins[pin] === level && this.pins[pin] !== undefined) return;
    this.pins[pin] = level;
    if (this.boot && this.boot.alive) this.boot.pinChanged(pin, level);
  }

  /** Evaluates one console line in the running boot; resolves with its value or rejects with its error. */
  async evaluate(code) {
    await this.settled();
    const boot = this.boot;
    if (!boot || !boot.alive) throw new Error('no running boot');
    return vm.runInContext(code, boot.context, { filename: 'console' });
  }

  async stop() {
    this.stopped = true;
    this.disableWatchdog();
    await this.settled();
    if (this.boot) await this.boot.teardown();
    for (const c of this.consoles) await c.close();
    for (const u of this.uarts.values()) await new Promise((r) => (u.port.isOpen ? u.port.close(() => r()) : r()));
    this.uarts.clear();
  }
}

module.exports = { Device, Boot };
