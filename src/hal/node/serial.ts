// RAPI over a serial device (`serialport`), or over TCP (`host:port`, e.g. a ser2net bridge).
import { SerialPort } from 'serialport';
import * as net from 'node:net';
import { SerialLink, Log } from '../types';

/** Opens `path` at 115200 8N1. Bytes are passed as binary ('latin1') strings. */
export function openSerial(path: string, log: Log): SerialLink & { close(): void } {
  var receiver: ((data: string) => void) | null = null;
  var port = new SerialPort({ path: path, baudRate: 115200 });
  port.on('data', function (buf: Buffer) {
    if (receiver) receiver(buf.toString('latin1'));
  });
  port.on('error', function (err: Error) {
    log('error', 'serial ' + path + ': ' + err.message);
  });
  return {
    write: function (data) {
      port.write(Buffer.from(data, 'latin1'));
    },
    onData: function (cb) {
      receiver = cb;
    },
    close: function () {
      if (port.isOpen) port.close();
    },
  };
}

/** A link over TCP that reconnects by itself (every 2 s) when the peer goes away. */
export function openTcpSerial(host: string, port: number, log: Log): SerialLink {
  var receiver: ((data: string) => void) | null = null;
  var sock: net.Socket | null = null;
  function connect() {
    var s = net.connect(port, host);
    s.on('connect', function () {
      sock = s;
    });
    s.on('data', function (buf: Buffer) {
      if (receiver) receiver(buf.toString('latin1'));
    });
    s.on('error', function (err: Error) {
      log('warn', 'serial tcp ' + host + ':' + port + ': ' + err.message);
    });
    s.on('close', function () {
      sock = null;
      setTimeout(connect, 2000);
    });
  }
  connect();
  return {
    write: function (data) {
      if (sock) sock.write(Buffer.from(data, 'latin1'));
    },
    onData: function (cb) {
      receiver = cb;
    },
  };
}
