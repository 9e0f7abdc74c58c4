// The device tests' common parts: the built image booted in test/espruino-sim with its RAPI UART on
// a pseudo-terminal to an emulated controller, and waiting on and talking HTTP to it.
import { ControllerEmulator } from '../../src/emulator/controller';
import { openPtyPair } from '../../src/emulator/pty';
import { attachSerialPort } from '../../src/emulator/cli';
import { nodeClock } from '../../src/hal/node/clock';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { bootDevice } = require('../espruino-sim');

interface Booted {
  url: string;
  output(): string;
}

export interface DeviceOnEmulator {
  dev: any;
  emu: ControllerEmulator;
  /** Stops the device, then the controller and the pty. */
  close(): Promise<void>;
}

/** The image on a powered emulated controller (fast timing); `more`: more bootDevice options (e.g. `wifi`). */
export async function bootOnEmulator(more?: { [key: string]: any }): Promise<DeviceOnEmulator> {
  const pair = await openPtyPair();
  let toGateway: (b: string) => void = () => undefined;
  const emu = new ControllerEmulator({ clock: nodeClock, timing: 'fast', write: (b) => toGateway(b) });
  const emuSide = await attachSerialPort(emu, (s) => (toGateway = s || (() => undefined)), pair.emulatorPath);
  emu.powerOn();
  const close = async () => {
    emu.powerOff();
    await emuSide.close();
    await pair.close();
  };
  try {
    const dev = await bootDevice(Object.assign({ image: true, board: { rapi_path: pair.gatewayPath } }, more));
    return { dev, emu, close: async () => (await dev.stop(), await close()) };
  } catch (e) {
    await close();
    throw e;
  }
}

/** `device()` gives the booted device (a reboot may replace it); its output is shown when a wait runs out. */
export function deviceHttp(device: () => Booted | undefined) {
  /** Resolves once `pred` holds; rejects after `ms` naming `what`, with the device's last output. */
  async function until(what: string, pred: () => boolean | Promise<boolean>, ms = 10000): Promise<void> {
    const end = Date.now() + ms;
    while (!(await pred())) {
      const dev = device();
      if (Date.now() > end) throw new Error('not within ' + ms + ' ms: ' + what + '\ndevice output:\n' + (dev ? dev.output().slice(-1500) : ''));
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** GET `p`, which must answer 200 with JSON. */
  async function get(p: string): Promise<any> {
    const r = await fetch(device()!.url + p);
    expect(r.status).toBe(200);
    return r.json();
  }

  /** POST `body` as JSON to `p`; the status code. */
  async function post(p: string, body: any): Promise<number> {
    const r = await fetch(device()!.url + p, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    await r.text();
    return r.status;
  }

  return { until, get, post };
}
