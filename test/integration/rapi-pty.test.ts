// The gateway's RAPI client and EVSE monitor against the emulated controller over a REAL
// pseudo-terminal pair (socat), through the same Node serial HAL a USB-serial adapter uses.
import { ControllerEmulator } from '../../src/emulator/controller';
import { openPtyPair, PtyPair } from '../../src/emulator/pty';
import { attachSerialPort, Closable } from '../../src/emulator/cli';
import { nodeClock } from '../../src/hal/node/clock';
import { openSerial } from '../../src/hal/node/serial';
import { RapiClient, RAPI_NK, RAPI_TIMEOUT } from '../../src/core/rapi/client';
import { RapiLine } from '../../src/core/rapi/framing';
import { EvseMonitor, Status } from '../../src/core/evse/monitor';

const log = () => undefined;
let pair: PtyPair;
let emuSide: Closable;
let emu: ControllerEmulator;
let toGateway: (b: string) => void = () => undefined;
let link: ReturnType<typeof openSerial>;
let rapi: RapiClient;
let monitor: EvseMonitor | null = null;

async function start(timing: 'fast' | 'real') {
  pair = await openPtyPair();
  emu = new ControllerEmulator({ clock: nodeClock, timing, write: (b) => toGateway(b) });
  emuSide = await attachSerialPort(emu, (s) => (toGateway = s || (() => undefined)), pair.emulatorPath);
  link = openSerial(pair.gatewayPath, log);
  rapi = new RapiClient(link, nodeClock, log, { timeoutMs: 500 });
}

afterEach(async () => {
  if (monitor) monitor.stop();
  monitor = null;
  emu.powerOff();
  link.close();
  await emuSide.close();
  await pair.close();
});

function send(cmd: string): Promise<{ err: string | null; reply?: RapiLine }> {
  return new Promise((resolve) => rapi.send(cmd, (err, reply) => resolve({ err, reply })));
}

function until(pred: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const t = setInterval(() => {
      if (pred()) {
        clearInterval(t);
        resolve();
      } else if (Date.now() > end) {
        clearInterval(t);
        reject(new Error('condition not met in ' + ms + ' ms'));
      }
    }, 10);
  });
}

async function booted() {
  emu.powerOn();
  await until(() => emu.snapshot().state === 1, 5000);
}

describe('RAPI over a pseudo-terminal', () => {
  test('commands and replies, clamping with $NK, in order, with sequence ids', async () => {
    await start('fast');
    await booted();
    expect(await send('$GV')).toMatchObject({ err: null, reply: { args: ['8.2.3', '5.2.1'] } });
    expect(await send('$SC 16 V')).toMatchObject({ err: null, reply: { args: ['16'] } });
    expect(await send('$SC 99 V')).toMatchObject({ err: RAPI_NK, reply: { args: ['24'] } });
    expect(emu.snapshot().currentCapacity).toBe(24);
    // bursts that fill the queue: every command gets its own answer, in order
    for (let burst = 0; burst < 5; burst++) {
      const replies = await Promise.all(Array.from({ length: 21 }, (_, i) => send(i % 2 ? '$GE' : '$GC')));
      replies.forEach((r, i) => expect(r.reply!.args.length).toBe(i % 2 ? 2 : 4));
    }
    expect(rapi.sent).toBe(108);
    expect(rapi.success).toBe(108);
  });

  test('noise and broken lines on the wire are ignored; the next reply is still read', async () => {
    await start('fast');
    await booted();
    toGateway('garbage\r\n$OK 1^00\r$OK 16\r\x00\xff$A');
    const r = await send('$GE');
    expect(r).toMatchObject({ err: null, reply: { args: ['24', '0001'] } });
  });

  test('a controller that goes silent: the command times out, and the link recovers when it is back', async () => {
    await start('fast');
    await booted();
    emu.powerOff();
    expect(await send('$GS')).toEqual({ err: RAPI_TIMEOUT, reply: undefined });
    expect(rapi.connected).toBe(false);
    await booted();
    expect(await send('$GS')).toMatchObject({ err: null, reply: { args: ['01', '0', '01', '0200'] } });
    expect(rapi.connected).toBe(true);
  });

  test('the monitor boots, follows a charging session and re-syncs after $FR (real timing)', async () => {
    await start('real');
    monitor = new EvseMonitor(rapi, nodeClock, log);
    const changes: Status[] = [];
    monitor.onChange((c) => changes.push(c));
    monitor.start();
    emu.powerOn();
    await until(() => monitor!.isReady(), 10000);
    expect(monitor.status).toMatchObject({ evse_connected: 1, rapi_connected: 1, state: 1, pilot: 24, service_level: 2, vehicle: 0, temp: false, temp1: false });
    expect(monitor.info).toMatchObject({ firmware: '8.2.3', protocol: '5.2.1', protocolNum: 5201, min_current_hard: 6, max_current_hard: 80 });

    emu.plugIn();
    emu.requestCharge();
    await until(() => monitor!.status.state === 3 && monitor!.status.amp > 0, 5000);
    // the real unit reports 0.99 × the offered current, in 220 mA steps: 23760 mA at 24 A
    expect(monitor.status).toMatchObject({ vehicle: 1, colour: 6, amp: 23760, power: Math.round(23.76 * 240) });

    // $FR: no reply (the controller reboots after 3 s because it is charging), then the boot chatter
    const fr = send('$FR');
    expect((await fr).err).toBe(RAPI_TIMEOUT);
    await until(() => !monitor!.isReady(), 10000);
    await until(() => monitor!.isReady(), 15000);
    expect(changes.some((c) => c.evse_connected === 0)).toBe(true);
    expect(monitor.status.evse_connected).toBe(1);
    // after the reboot the car, still asking, charges again
    await until(() => monitor!.status.state === 3, 10000);

    emu.unplug();
    // (for a moment the controller may report state 3 with the vehicle flag already cleared)
    await until(() => monitor!.status.state === 1, 5000);
    expect(monitor.status).toMatchObject({ state: 1, vehicle: 0, colour: 2, amp: 0, power: 0 });
  }, 60000);
});
