// The claims arbiter driving the emulated controller through the real RapiClient and EvseMonitor,
// wired in-process on a FakeClock (each direction delivers its bytes 1 ms later, as a UART would).
import { RapiClient } from '../../src/core/rapi/client';
import { EvseMonitor } from '../../src/core/evse/monitor';
import {
  ClaimsArbiter,
  CLIENT_DIVERT,
  CLIENT_LIMIT,
  CLIENT_MANUAL,
  PRIORITY_DIVERT,
  PRIORITY_LIMIT,
} from '../../src/core/evse/claims';
import { explainClaims } from '../../src/core/evse/claims-explain';
import { ControllerEmulator } from '../../src/emulator/controller';
import { FakeClock } from '../helpers/fake-clock';

const SLEEPING = 0xfe;
const DISABLED = 0xff;

function setup(opts?: { defaultState?: 'active' | 'disabled'; pauseUsesDisabled?: boolean }) {
  const clock = new FakeClock(1_700_000_000_000);
  let toGateway: ((d: string) => void) | null = null;
  /** Commands the gateway wrote (without seq id and checksum) and async lines from the controller. */
  const sent: string[] = [];
  const asyncs: string[] = [];
  const emulator = new ControllerEmulator({
    clock,
    timing: 'fast',
    write: (bytes) => {
      const m = bytes.match(/\$A[TB][^^]*/g);
      if (m) asyncs.push(...m);
      clock.setTimeout(() => toGateway && toGateway(bytes), 1);
    },
  });
  const link = {
    /** Loses the heartbeat pulses (`$SY` alone) on their way to the controller. */
    dropPulses: false,
    write: (data: string) => {
      if (link.dropPulses && /^\$SY( :|\^)/.test(data)) return;
      sent.push(data.replace(/( :[0-9A-F]{2})?\^[0-9A-F]{2}\r$/, ''));
      clock.setTimeout(() => emulator.receive(data), 1);
    },
    onData: (cb: (d: string) => void) => {
      toGateway = cb;
    },
  };
  const logs: string[] = [];
  const log = (level: string, msg: string) => logs.push(level + ' ' + msg);
  const rapi = new RapiClient(link, clock, log);
  const monitor = new EvseMonitor(rapi, clock, log);
  const arbiter = new ClaimsArbiter(monitor, clock, log, opts);
  emulator.powerOn();
  monitor.start();
  clock.advance(20_000);
  expect(monitor.isReady()).toBe(true);
  /** The control commands sent so far. */
  const control = () => sent.filter((c) => /^\$(FE|FS|FD|SC)/.test(c));
  return { clock, emulator, monitor, arbiter, sent, asyncs, control, logs, link };
}

describe('ClaimsArbiter with the emulated controller', () => {
  test('a claim makes the controller follow; releasing restores the default; nothing is sent when in step', () => {
    const { clock, emulator, arbiter, control } = setup();
    const soft = emulator.snapshot().maxCurrentCapacity;
    expect(soft).toBeGreaterThan(16);
    expect(control()).toEqual([]); // active at the soft maximum already
    expect(emulator.snapshot()).toMatchObject({ state: 1, currentCapacity: soft });

    arbiter.claim(CLIENT_DIVERT, PRIORITY_DIVERT, { charge_current: 16 });
    clock.advance(1000);
    expect(emulator.snapshot()).toMatchObject({ state: 1, currentCapacity: 16 });

    arbiter.claim(CLIENT_LIMIT, PRIORITY_LIMIT, { state: 'disabled' });
    clock.advance(1000);
    expect(emulator.snapshot()).toMatchObject({ state: SLEEPING, currentCapacity: 16 });
    expect(explainClaims(arbiter)).toBe('disabled by limit (1100); 16 A by divert (50)');

    arbiter.release(CLIENT_LIMIT);
    arbiter.release(CLIENT_DIVERT);
    clock.advance(1000);
    expect(emulator.snapshot()).toMatchObject({ state: 1, currentCapacity: soft });
    expect(control()).toEqual(['$SC 16 V', '$FS', '$FE', '$SC ' + soft + ' V']);

    clock.advance(120_000); // a quiet two minutes: no control traffic at all
    expect(control()).toHaveLength(4);
  });

  test('a vehicle charges at the claimed current; unplugging releases the auto-release override', () => {
    const { clock, emulator, monitor, arbiter } = setup({ defaultState: 'disabled' });
    clock.advance(2000);
    expect(emulator.snapshot().state).toBe(SLEEPING); // the default is applied after boot
    emulator.plugIn();
    emulator.requestCharge();
    clock.advance(3000);
    expect(emulator.snapshot()).toMatchObject({ state: SLEEPING, relayClosed: false });

    arbiter.override('set', { state: 'active', charge_current: 10 });
    clock.advance(5000);
    expect(emulator.snapshot()).toMatchObject({ state: 3, currentCapacity: 10, relayClosed: true, ampsDrawn: 10 });
    expect(monitor.status).toMatchObject({ state: 3, pilot: 10, vehicle: 1 });

    emulator.unplug();
    clock.advance(3000);
    expect(monitor.status.vehicle).toBe(0);
    expect(arbiter.override('get')).toEqual({});
    expect(emulator.snapshot().state).toBe(SLEEPING); // back to the default
  });

  test('after emulator.reboot() the target is applied again', () => {
    const { clock, emulator, arbiter, monitor } = setup();
    const soft = emulator.snapshot().maxCurrentCapacity;
    arbiter.claim(CLIENT_LIMIT, PRIORITY_LIMIT, { state: 'disabled', charge_current: 12 });
    clock.advance(1000);
    expect(emulator.snapshot()).toMatchObject({ state: SLEEPING, currentCapacity: 12 });

    emulator.reboot(); // RAM lost: the controller comes back active at its saved maximum
    clock.advance(300);
    expect(emulator.snapshot()).toMatchObject({ state: 1, currentCapacity: soft });
    clock.advance(10_000);
    expect(monitor.isReady()).toBe(true);
    expect(emulator.snapshot()).toMatchObject({ state: SLEEPING, currentCapacity: 12 });
  });

  test('pause_uses_disabled: $FD, and switching it over re-pauses with $FS', () => {
    const { clock, emulator, arbiter } = setup({ pauseUsesDisabled: true });
    arbiter.claim(CLIENT_MANUAL, 1000, { state: 'disabled' });
    clock.advance(1000);
    expect(emulator.snapshot().state).toBe(DISABLED);
    arbiter.configure({ pauseUsesDisabled: false });
    clock.advance(1000);
    expect(emulator.snapshot().state).toBe(SLEEPING);
  });

  test('the heartbeat fallback lowers the current; the arbiter puts the claimed current back', () => {
    const { clock, emulator, arbiter, monitor, control, asyncs, sent, link } = setup();
    const soft = emulator.snapshot().maxCurrentCapacity;
    arbiter.claim(CLIENT_DIVERT, PRIORITY_DIVERT, { charge_current: 16 });
    clock.advance(1000);
    expect(emulator.snapshot().currentCapacity).toBe(16);
    const before = control().length;

    // The heartbeat pulses get lost on the way: the controller falls back to 6 A after 5 s.
    link.dropPulses = true;
    asyncs.length = 0;
    clock.advance(7_000);
    expect(asyncs).toContain('$AT 01 01 6 0200');
    expect(emulator.snapshot().heartbeat!.trigger).toBe(2);
    // ...and the arbiter, told by the $AT, restored 16 A (behind the pulse in flight, whose reply never comes)
    expect(emulator.snapshot().currentCapacity).toBe(16);
    expect(control().slice(before)).toEqual(['$SC 16 V']);

    // Pulses get through again: the first one is answered $NK (a pulse was missed), the monitor
    // acknowledges it with `$SY 165`, which restores the saved maximum on the controller; the
    // arbiter brings the current back to the claim.
    link.dropPulses = false;
    asyncs.length = 0;
    const mark = sent.length;
    clock.advance(3_000);
    expect(sent.slice(mark)).toContain('$SY 165');
    expect(asyncs).toEqual(['$AT 01 01 ' + soft + ' 0200', '$AT 01 01 16 0200']);
    expect(emulator.snapshot().currentCapacity).toBe(16);
    expect(emulator.snapshot().heartbeat!.trigger).toBe(1); // missed once, acknowledged
    expect(monitor.status.pilot).toBe(16);
  });

  test('a controller that stops answering gets a retry with backoff, not a flood', () => {
    const { clock, emulator, arbiter, control, logs } = setup();
    emulator.powerOff();
    arbiter.claim(CLIENT_LIMIT, PRIORITY_LIMIT, { state: 'disabled' });
    clock.advance(60_000);
    const tries = control().filter((c) => c === '$FS').length;
    // 1 s timeouts and backoffs of 2, 4, 8, 16, 30 s: a handful of tries in a minute
    expect(tries).toBeGreaterThanOrEqual(3);
    expect(tries).toBeLessThanOrEqual(6);
    expect(logs.some((l) => /claims: \$FS failed \(RAPI_RESPONSE_TIMEOUT\)/.test(l))).toBe(true);
    emulator.powerOn();
    clock.advance(40_000);
    expect(emulator.snapshot().state).toBe(SLEEPING);
  });
});
