// The emulator over a real pseudo-terminal pair (socat) and over TCP, as the CLI wires it, with a real clock.
import * as net from 'net';
import { SerialPort } from 'serialport';
import { ControllerEmulator } from '../../src/emulator/controller';
import { openPtyPair, PtyPair } from '../../src/emulator/pty';
import { attachSerialPort, attachTcp, Closable } from '../../src/emulator/cli';
import { nodeClock } from '../../src/hal/node/clock';

let pair: PtyPair | null = null;
let emuSide: Closable | null = null;
let gateway: SerialPort | null = null;
let emu: ControllerEmulator | null = null;
let server: net.Server | null = null;

afterEach(async () => {
  if (emu) emu.powerOff();
  if (server) await new Promise((done) => server!.close(done));
  if (gateway && gateway.isOpen) await new Promise((done) => gateway!.close(done));
  if (emuSide) await emuSide.close();
  if (pair) await pair.close();
});

/** Resolves with everything received once `pattern` has been seen. */
function receiveUntil(port: SerialPort | net.Socket, pattern: RegExp, ms = 5000): Promise<string> {
  let got = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timeout; received ' + JSON.stringify(got))), ms);
    port.on('data', (buf: Buffer) => {
      got += buf.toString('latin1');
      if (pattern.test(got)) {
        clearTimeout(timer);
        resolve(got);
      }
    });
  });
}

test('a serial client on the gateway side gets the boot messages and an answer to $GV^35', async () => {
  pair = await openPtyPair();
  expect(pair.gatewayPath).toMatch(/\/gw$/);
  let sink: ((b: string) => void) | null = null;
  emu = new ControllerEmulator({ clock: nodeClock, timing: 'fast', write: (b) => sink && sink(b) });
  emuSide = await attachSerialPort(emu, (s) => (sink = s), pair.emulatorPath);
  gateway = await new Promise<SerialPort>((resolve, reject) => {
    const p: SerialPort = new SerialPort({ path: pair!.gatewayPath, baudRate: 115200 }, (err) => (err ? reject(err) : resolve(p)));
  });
  const booted = receiveUntil(gateway, /\$AT 01 01 24 0200\^35\r/);
  emu.powerOn();
  expect(await booted).toBe('\nrelayCloseMs: 100\r\nrelayHoldPwm: 255\r\n$AT 00 00 0 0200^03\r$AB 00 8.2.3^1E\r$AT 01 01 24 0200^35\r');
  const answer = receiveUntil(gateway, /\r/);
  gateway.write(Buffer.from('$GV^35\r', 'latin1'));
  expect(await answer).toBe('$OK 8.2.3 5.2.1^2F\r');
});

test('--tcp: one client at a time; a new connection replaces the old one', async () => {
  let sink: ((b: string) => void) | null = null;
  emu = new ControllerEmulator({ clock: nodeClock, timing: 'fast', write: (b) => sink && sink(b) });
  server = await attachTcp(emu, (s) => (sink = s), 0);
  const port = (server.address() as net.AddressInfo).port;
  emu.powerOn();
  await new Promise((done) => setTimeout(done, 200)); // booted, with nobody listening: output lost
  const connect = () => new Promise<net.Socket>((resolve) => { const s: net.Socket = net.connect(port, '127.0.0.1', () => resolve(s)); });
  const first = await connect();
  const a1 = receiveUntil(first, /\r/);
  first.write('$GV^35\r');
  expect(await a1).toBe('$OK 8.2.3 5.2.1^2F\r');
  const second = await connect();
  const closed = new Promise((done) => first.on('close', done));
  const a2 = receiveUntil(second, /\r/);
  second.write('$GS^30\r');
  expect(await a2).toBe('$OK 01 0 01 0200^12\r');
  await closed;
  second.destroy();
});
