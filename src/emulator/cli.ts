// The standalone controller emulator (dist/node/emulator.js, entry point src/main/emulator.ts).
//   --pty               make a pseudo-terminal pair (socat) and print the gateway's side: "pty: PATH"
//   --tcp PORT          serve the serial line on TCP instead (one client at a time)
//   --control-port N    HTTP control interface (default 8081; 0 = any free port)
//   --fast              every firmware delay shrunk (boots in ~30 ms), same bytes in the same order
//   --eu                the EU build (8.2.3.EU: L2 only, 32 A, 230 V)
//   --firmware VER      version string reported by $GV / $AB

import * as net from 'net';
import { SerialPort } from 'serialport';
import { parseArgs } from '../hal/node/args';
import { nodeClock } from '../hal/node/clock';
import { ControllerEmulator } from './controller';
import { startControlServer } from './control-server';
import { openPtyPair } from './pty';

/** Where the emulator's output goes: the connected client, if any. */
type Sink = ((bytes: string) => void) | null;

export interface Closable {
  close(): Promise<void>;
}

/** Drives the emulator through a serial device (here: the emulator's side of the pty pair). */
export function attachSerialPort(emu: ControllerEmulator, setSink: (s: Sink) => void, path: string): Promise<Closable> {
  return new Promise((resolve, reject) => {
    const port = new SerialPort({ path, baudRate: 115200 }, (err) => {
      if (err) return reject(err);
      setSink((bytes) => port.write(Buffer.from(bytes, 'latin1')));
      resolve({
        close: () =>
          new Promise<void>((done) => {
            setSink(null);
            port.close(() => done());
          }),
      });
    });
    port.on('data', (buf: Buffer) => emu.receive(buf.toString('latin1')));
    port.on('error', (err: Error) => console.error('emulator serial: ' + err.message));
  });
}

/** Serves the serial line on TCP. A new client replaces the previous one. */
export function attachTcp(emu: ControllerEmulator, setSink: (s: Sink) => void, port: number): Promise<net.Server> {
  let current: net.Socket | null = null;
  const server = net.createServer((sock) => {
    if (current) current.destroy();
    current = sock;
    sock.setNoDelay(true);
    setSink((bytes) => sock.write(Buffer.from(bytes, 'latin1')));
    sock.on('data', (buf: Buffer) => {
      if (current === sock) emu.receive(buf.toString('latin1'));
    });
    sock.on('error', () => undefined);
    sock.on('close', () => {
      if (current !== sock) return;
      current = null;
      setSink(null);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve(server));
  });
}

export async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  if (!args.pty && !args.tcp) throw new Error('usage: emulator --pty | --tcp PORT [--control-port N] [--fast] [--eu] [--firmware VER]');
  let sink: Sink = null;
  const setSink = (s: Sink) => (sink = s);
  const emu = new ControllerEmulator({
    clock: nodeClock,
    timing: args.fast ? 'fast' : 'real',
    eu: !!args.eu,
    firmware: args.firmware,
    // Bytes sent while nothing is connected are lost, as on a real UART.
    write: (bytes) => sink && sink(bytes),
  });

  const closers: Array<() => Promise<void>> = [];
  if (args.tcp) {
    const server = await attachTcp(emu, setSink, parseInt(args.tcp, 10));
    closers.push(() => new Promise<void>((done) => server.close(() => done())));
    console.log('tcp: ' + (server.address() as net.AddressInfo).port);
  } else {
    const pair = await openPtyPair();
    closers.push(() => pair.close());
    const serial = await attachSerialPort(emu, setSink, pair.emulatorPath);
    closers.unshift(() => serial.close());
    console.log('pty: ' + pair.gatewayPath);
  }
  const controlPort = args['control-port'] !== undefined ? parseInt(args['control-port'], 10) : 8081;
  const control = await startControlServer(emu, controlPort);
  closers.push(() => new Promise<void>((done) => control.close(() => done())));
  console.log('control: http://127.0.0.1:' + (control.address() as net.AddressInfo).port);

  emu.powerOn();

  const stop = () => {
    emu.powerOff();
    Promise.all(closers.map((c) => c().catch(() => undefined))).then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
