// The simulated device's JavaScript console, like Espruino's REPL on USB serial or Telnet, as far
// as an uploader needs it: lines are evaluated in the running boot; a line starting with \x10 is
// not echoed (nor is its result printed); Ctrl-C (\x03) drops the line being typed; a statement
// spanning lines is collected until it parses; every line ends with the ">" prompt; errors print as
// "Uncaught Error: ..."; console.log/print output of the device goes to the console too.
// On a pty pair (socat, like the USB serial port) or a TCP port (like `-p tcp://host:23`).
'use strict';
const net = require('net');
const vm = require('vm');
const path = require('path');
const fs = require('fs');
const os = require('os');
const { spawn } = require('child_process');
const { SerialPort } = require('serialport');

function show(v) {
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'function') return 'function () { [code] }';
  try {
    return JSON.stringify(v);
  } catch (e) {
    return String(v);
  }
}

/** Line discipline and evaluation for one byte stream; `send(text)` writes to the user's side. */
function replSession(device, send) {
  let line = '';
  let held = '';
  let echoOff = false;
  let queue = Promise.resolve();
  const runLine = (code, quiet) =>
    device.evaluate(code).then(
      (v) => {
        if (!quiet) send('=' + show(v) + '\r\n');
      },
      (e) => send('Uncaught ' + ((e && e.name) || 'Error') + ': ' + (e && e.message !== undefined ? e.message : String(e)) + '\r\n')
    ).then(() => send('>'));
  const complete = (text) => {
    try {
      new vm.Script(text);
      return true;
    } catch (e) {
      return !/Unexpected end of input|Unterminated template/.test(e.message);
    }
  };
  return (chunk) => {
    for (const ch of chunk) {
      if (ch === '\x03') {
        line = '';
        held = '';
        echoOff = false;
        send('\r\n>');
        continue;
      }
      if (ch === '\x10' && line === '') {
        echoOff = true;
        continue;
      }
      if (ch === '\r' || ch === '\n') {
        if (ch === '\n' && line === '' && !held) continue;
        const quiet = echoOff;
        const text = held + line;
        line = '';
        echoOff = false;
        if (!quiet) send('\r\n');
        if (!text.trim()) {
          if (!held) send('>');
          continue;
        }
        if (!complete(text)) {
          held = text + '\n';
          if (!quiet) send(':');
          continue;
        }
        held = '';
        queue = queue.then(() => runLine(text, quiet));
        continue;
      }
      line += ch;
      if (!echoOff) send(ch);
    }
  };
}

/** A console on TCP (like Espruino's Telnet server). Resolves with {port, close()}. */
function tcpConsole(device, port) {
  const socks = new Set();
  const server = net.createServer((sock) => {
    socks.add(sock);
    sock.setNoDelay(true);
    const send = (t) => sock.writable && sock.write(Buffer.from(t, 'latin1'));
    const c = { print: (t) => send(t.replace(/\n/g, '\r\n')), close: async () => sock.destroy() };
    device.consoles.add(c);
    const input = replSession(device, send);
    sock.on('data', (b) => input(b.toString('latin1')));
    sock.on('close', () => {
      socks.delete(sock);
      device.consoles.delete(c);
    });
    sock.on('error', () => undefined);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port || 0, '127.0.0.1', () =>
      resolve({
        port: server.address().port,
        close: () => {
          for (const s of socks) s.destroy();
          return new Promise((r) => server.close(() => r()));
        },
      })
    );
  });
}

/**
 * A console on a pseudo-terminal pair, like the ESP32's USB serial port: the device holds one
 * side, `path` is the other (for scripts/flash.js --port). Resolves with {path, close()}.
 */
function ptyConsole(device) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'espruino-sim-console-'));
  const user = path.join(dir, 'tty');
  const mine = path.join(dir, 'dev');
  // ignoreeof: the user's side may be closed and opened again (one flash, then another), as a USB
  // serial port can; without it socat ends at the first close.
  const socat = spawn('socat', ['-d', '-d', 'pty,raw,echo=0,link=' + mine, 'pty,raw,echo=0,ignoreeof,link=' + user], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error('socat gave no pty pair: ' + err)), 5000);
    socat.on('error', (e) => reject(new Error('socat is needed for a pty console: ' + e.message)));
    socat.stderr.on('data', (b) => {
      err += b;
      if (!/starting data transfer loop/.test(err) || !fs.existsSync(user)) return;
      clearTimeout(timer);
      const port = new SerialPort({ path: mine, baudRate: 115200 });
      const send = (t) => port.write(Buffer.from(t, 'latin1'));
      const input = replSession(device, send);
      port.on('data', (b) => input(b.toString('latin1')));
      port.on('error', () => undefined);
      const c = {
        print: (t) => send(t.replace(/\n/g, '\r\n')),
        close: () =>
          new Promise((r) => {
            device.consoles.delete(c);
            const done = () => {
              const gone = () => {
                fs.rmSync(dir, { recursive: true, force: true });
                r();
              };
              if (socat.exitCode !== null || socat.signalCode !== null) return gone();
              socat.once('exit', gone);
              socat.kill();
            };
            if (port.isOpen) port.close(done);
            else done();
          }),
      };
      device.consoles.add(c);
      port.on('open', () => resolve({ path: user, close: c.close }));
    });
  });
}

module.exports = { tcpConsole, ptyConsole, replSession };
