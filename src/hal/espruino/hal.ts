// The HAL on the Espruino interpreter (ESP32, or its Linux build for tests).
import { Hal, System, Log, SerialLink, Storage, HttpServer, Clock, Net, TcpSocket, Crypto, Udp, UdpSocket } from '../types';
import { espruinoWifi } from './wifi';
import { espruinoButton } from './button';
// (defined for each WebSocket connection: no class in RAM while no browser is connected)
import loadUpgraded from 'lazy:./upgraded';

/** Which pins/paths a board uses; read from Storage `board.json` (written by the flash script). */
export interface Board {
  name: string;
  /** `Serial2` etc. */
  rapi_serial: string;
  rapi_tx?: string;
  rapi_rx?: string;
  /** A tty path instead of pins: the interpreter's Linux build. */
  rapi_path?: string;
  /**
   * The RAPI UART is the interpreter's console (UART0, `Serial1`), as on the OpenEVSE WiFi v1
   * module: the console is switched off, else the REPL would read the controller's replies as
   * JavaScript and print into the controller.
   */
  rapi_console?: boolean;
  http_port: number;
  /** The button's pin ("D0"); pressed pulls it to ground. */
  button?: string;
  /** The status LED, for a later LED driver: a pin, or the pixel of a WS2812 chain. */
  led?: { pin: string; type: string; on?: number; count?: number; index?: number };
  /** Flash size in bytes. */
  flash_size?: number;
  description?: string;
}

declare function setTime(seconds: number): void;

/** clearTimeout and clearInterval are one function in Espruino; it throws on a missing handle. */
var clearTimer = function (h: any) {
  if (h !== undefined && h !== null) clearTimeout(h);
};

// Memory: the natives themselves where no adaptation is needed (a wrapper function costs ~6
// JsVars, a reference to a native ~1): measured 30 → 19 vars for this object.
var espruinoClock: Clock = {
  now: function () {
    // Espruino's Date.now() has a fraction of a millisecond; the core expects whole ms
    return Math.floor(Date.now());
  },
  setTimeout: setTimeout as any,
  clearTimeout: clearTimer,
  setInterval: setInterval as any,
  clearInterval: clearTimer,
  set: function (ms) {
    // The interpreter's time (Date, getTime) moves; its timers are relative and keep their delays.
    setTime(ms / 1000);
  },
};

/**
 * The Storage module (read, erase and getFree as they are) with one rule added to write: a new
 * file that does not fit in the free space while erased files (trash) would make room is refused
 * and the gateway restarts. Left alone, Espruino would compact the flash right there, moving the
 * running image under its own functions and flash views; the OTA loader compacts at boot instead
 * (src/core/ota/boot.js). Writers already treat a throw as a lost write.
 */
function storage(): Storage {
  var s = require('Storage');
  return {
    read: s.read,
    erase: s.erase,
    getFree: s.getFree,
    write: function (name: string, data: string, offset?: number, total?: number) {
      // 64: the file's header and alignment, with room to spare
      if (!offset && (total || data.length) + 64 > s.getFree() && s.getStats().trashBytes) {
        console.log('warn Storage full until compacted: restarting');
        setTimeout(E.reboot, 1000);
        throw new Error('Storage full: restarting to compact it');
      }
      s.write(name, data, offset, total);
    },
  };
}

function httpServer(): HttpServer {
  return {
    upgrade: function (req: any, res: any, headers) {
      res.writeHead(101, headers);
      // The request object lives as long as the connection: let its headers go (~20 JsVars).
      delete req.headers;
      return new (loadUpgraded().UpgradedConnection)(req, res);
    },
    listen: function (port, handler) {
      require('http')
        .createServer(function (req: any, res: any) {
          // Espruino keeps header names as the client sent them; the handlers expect lower case.
          var h: any = {};
          for (var k in req.headers) h[k.toLowerCase()] = req.headers[k];
          req.headers = h;
          handler(req, res);
        })
        .listen(port);
    },
  };
}

/**
 * TCP/TLS client sockets. On the Linux build a refused connection throws at once; on the ESP32
 * it arrives as an event: both become 'error' then 'close' here.
 */
var espruinoNet: Net = {
  connect: function (host, port, secure) {
    var handlers: any = {};
    var sock: any = null;
    function emit(event: string, arg?: any) {
      var h = handlers[event];
      if (h) h(arg);
    }
    try {
      sock = require(secure ? 'tls' : 'net').connect({ host: host, port: port, rejectUnauthorized: secure ? secure.rejectUnauthorized !== false : undefined }, function () {
        emit('connect');
      });
      sock.on('data', function (d: string) {
        emit('data', d);
      });
      sock.on('close', function () {
        emit('close');
      });
      sock.on('error', function (e: any) {
        emit('error', { message: String((e && e.message) || e) });
      });
    } catch (e) {
      setTimeout(function () {
        emit('error', { message: String((e as any).message || e) });
        emit('close');
      }, 0);
    }
    var wrapped: TcpSocket = {
      write: function (data) {
        if (sock) sock.write(data);
      },
      end: function () {
        if (sock) sock.end();
      },
      on: function (event: string, cb: any) {
        handlers[event] = cb;
      },
    };
    return wrapped;
  },
};

/**
 * A bound UDP socket's methods, made once at the top level and reached through the prototype
 * (`this.sock` is the dgram socket): made in bind(), each would keep that call's scope.
 */
var UDP_SOCKET = {
  send: function (this: any, data: string, toPort: number, host: string) {
    this.sock.send(data, toPort, host);
  },
  onMessage: function (this: any, cb: (msg: string, rinfo: any) => void) {
    this.sock.on('message', cb);
  },
  close: function (this: any) {
    this.sock.close();
  },
};

var espruinoUdp: Udp = {
  bind: function (port, group) {
    var sock = require('dgram').createSocket(group ? { type: 'udp4', reuseAddr: true } : 'udp4');
    // Espruino only stores the membership, and applies it when bind() creates the socket
    if (group) sock.addMembership(group, '0.0.0.0');
    try {
      sock.bind(port);
    } catch (e) {
      console.log('warn udp port ' + port + ': ' + e);
    }
    var wrapped: any = Object.create(UDP_SOCKET);
    wrapped.sock = sock;
    return wrapped as UdpSocket;
  },
};

var espruinoCrypto: Crypto = {
  sha1: function (data) {
    return E.toString(require('crypto').SHA1(data));
  },
  sha256: function (data) {
    // `data` may be a Storage view of a whole image: hashed from flash, not copied
    return E.toString(require('crypto').SHA256(data));
  },
};

declare function getSerial(): string;

var espruinoSystem: System = {
  id: function () {
    // The chip's serial (its MAC on the ESP32), hex digits only.
    return String(getSerial()).replace(/[^0-9A-Fa-f]/g, '').toUpperCase();
  },
  // the native itself: a wrapper would cost a function object
  restart: E.reboot,
  freeMemory: function () {
    var m: any = (global as any).process.memory();
    return m.free * (m.blocksize || 14);
  },
};

var log: Log = function (level, msg) {
  if (level !== 'debug') console.log(level + ' ' + msg);
};

/**
 * `text` as a view of the same bytes in the image's own Storage file, or `text` itself when the
 * file or the text is not found. A string literal is copied to RAM when evaluated (~1 JsVar per
 * 13 characters); a Storage view costs 1 and points into the memory-mapped flash. Only for text
 * whose literal has no escape sequence (its bytes in the image are its value), read once at boot;
 * a view dangles if the file is rewritten, which only an update does, and that restarts.
 */
export function flashView(text: string): string {
  var s = require('Storage');
  // load("app.js") sets __FILE__; a boot from .bootcde may not
  var file = (global as any).__FILE__ || '.bootcde';
  var all = s.read(file);
  if (!all) return text;
  var at = all.indexOf(text);
  // 2v29's indexOf also "finds" a needle whose head matches the very end of the string
  if (at < 0 || at + text.length > all.length) return text;
  var view = s.read(file, at, text.length);
  return view === text ? view : text;
}

export function espruinoHal(board: Board): Hal {
  // the RAPI UART (inline: a function of its own would stay alive for one call)
  var port = global[board.rapi_serial];
  if (board.rapi_console) E.setConsole(null, { force: true });
  port.setup(115200, board.rapi_path ? { path: board.rapi_path } : { tx: global[board.rapi_tx as string], rx: global[board.rapi_rx as string] });
  // The port is the link itself: its native write() needs no wrapper (a function object less).
  var serial: SerialLink = port;
  serial.onData = function (cb) {
    port.on('data', cb);
  };
  var hal: Hal = { system: espruinoSystem, clock: espruinoClock, serial: serial, storage: storage(), http: httpServer(), net: espruinoNet, crypto: espruinoCrypto, log: log, udp: espruinoUdp };
  // (the Linux build has neither: no Wifi module, and its board file names no button; a measurement
  // there hands the WiFi manager a stand-in module as global OEVSE_WIFI: scripts/bench-features.js)
  var wifi = espruinoWifi((global as any).OEVSE_WIFI);
  if (wifi) hal.wifi = wifi;
  if (board.button) hal.button = espruinoButton(board.button);
  return hal;
}
