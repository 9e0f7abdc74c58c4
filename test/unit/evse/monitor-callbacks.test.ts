// The monitor's callbacks: on the device every live function object costs JsVars, so the monitor
// hands the RAPI client (async handler, the reply handler of its own commands) and the clock (the
// poll tick) one and the same bound function, made once, instead of a closure each; what those
// closures did (the heartbeat's acknowledgements, the connection retry) is now done by the reply's
// command. These tests pin that down, against a scripted controller (the real RAPI client over a
// fake link: what the controller answers is up to each test).
import { EvseMonitor, Status } from '../../../src/core/evse/monitor';
import { RapiClient, RapiCallback } from '../../../src/core/rapi/client';
import { xorChecksum, hex2 } from '../../../src/core/rapi/framing';
import { FakeClock } from '../../helpers/fake-clock';

/** What the scripted controller answers by default (payloads; RAPI 5.2.1, no vehicle). */
const ANSWERS: { [cmd: string]: string } = {
  $GV: '$OK 8.2.3 5.2.1',
  $GF: '$OK 0 0 0',
  $GE: '$OK 32 0201',
  $GC: '$OK 6 80 32 32',
  $GA: '$OK 220 0',
  $GI: '$OK  SN123',
  $GS: '$OK 01 0 32 0100',
  $GP: '$OK 250 -2560 -2560',
  $GU: '$OK 0 1000',
  $GG: '$OK 0 240000',
  $GY: '$OK 5 6 0',
  '$SY 5 6': '$OK 5 6 0',
  '$SY 165': '$OK 5 6 1',
  $SY: '$OK 5 6 0',
};

function frame(body: string): string {
  return body + '^' + hex2(xorChecksum(body)) + '\r';
}

function setup(opts?: { heartbeatInterval?: number; voltage?: number }) {
  const clock = new FakeClock(1_000_000);
  /** Commands as sent, without checksum; with the time they went out. */
  const sent: string[] = [];
  const at: number[] = [];
  /** Overrides of ANSWERS: a payload, or null for no answer. */
  const answers: { [cmd: string]: string | null } = {};
  let toGateway: ((d: string) => void) | null = null;
  const link = {
    write: (data: string) => {
      const cmd = data.replace(/\^[0-9A-F]{2}\r$/, '');
      sent.push(cmd);
      at.push(clock.now());
      const a = cmd in answers ? answers[cmd] : ANSWERS[cmd] || '$OK';
      if (a !== null) clock.setTimeout(() => toGateway!(frame(a)), 1);
    },
    onData: (cb: (d: string) => void) => {
      toGateway = cb;
    },
    /** An asynchronous message from the controller. */
    async: (body: string) => toGateway!(frame(body)),
  };
  const rapi = new RapiClient(link, clock, () => undefined, { sequenceIds: false });
  // keeps the callback each command was sent with
  const cbs: RapiCallback[] = [];
  const send = rapi.send;
  rapi.send = function (this: RapiClient, cmd: string, cb: RapiCallback) {
    cbs.push(cb);
    return send.call(this, cmd, cb);
  };
  // keeps the poll tick's function
  const ticks: (() => void)[] = [];
  const setInterval = clock.setInterval;
  clock.setInterval = function (this: FakeClock, fn: () => void, ms: number) {
    ticks.push(fn);
    return setInterval.call(this, fn, ms);
  };
  const monitor = new EvseMonitor(rapi, clock, () => undefined, opts);
  const changes: Status[] = [];
  monitor.onChange((c) => changes.push(c));
  return { clock, sent, at, answers, link, rapi, cbs, ticks, monitor, changes };
}

describe('EvseMonitor callbacks', () => {
  test('the async handler, the poll tick and every command of its own get the same function', () => {
    const s = setup();
    s.monitor.start();
    s.clock.advance(1000);
    expect(s.monitor.isReady()).toBe(true);
    expect(s.ticks).toHaveLength(1);
    expect(s.rapi.onAsync).toBe(s.ticks[0]);
    // the boot's commands but its two `$GV` (they must know their attempt), and the pulses since
    const own = s.cbs.filter((cb, i) => s.sent[i] !== '$GV');
    expect(own.length).toBeGreaterThan(10);
    for (const cb of own) expect(cb).toBe(s.ticks[0]);
    // a caller's callback is its own, and runs once the reply is in the status and published
    const seen: any[] = [];
    s.answers.$GU = '$OK 5 4321';
    s.monitor.query('$GU', (err) => seen.push([err, s.monitor.status.watthour, s.changes[s.changes.length - 1].watthour]));
    expect(s.cbs[s.cbs.length - 1]).not.toBe(s.ticks[0]);
    s.clock.advance(5);
    expect(seen).toEqual([[null, 4321, 4321]]);
  });

  test('boot: trigger 2 in `$GY` (a pulse missed while away) is acknowledged; pulses follow', () => {
    const s = setup();
    s.answers.$GY = '$OK 5 6 2';
    s.monitor.start();
    s.clock.advance(500);
    expect(s.sent).toEqual(['$GV', '$GF', '$GE', '$GC', '$GA', '$GI', '$GS', '$GP', '$GU', '$GG', '$GY', '$SY 5 6', '$GV', '$SY 165']);
    expect(s.monitor.info).toMatchObject({ firmware: '8.2.3', protocolNum: 5201, heartbeat_interval: 5, heartbeat_current: 6, serial: 'SN123' });
    const n = s.sent.length;
    s.clock.advance(1000);
    expect(s.sent.slice(n)).toEqual(['$SY']);
  });

  test('boot without trigger 2: no acknowledgement', () => {
    const s = setup();
    s.monitor.start();
    s.clock.advance(500);
    expect(s.sent).not.toContain('$SY 165');
    expect(s.sent).toContain('$SY 5 6');
  });

  test('a pulse answered `$NK` is acknowledged with `$SY 165`; one answered `$OK` is not', () => {
    const s = setup();
    s.monitor.start();
    s.clock.advance(500);
    let n = s.sent.length;
    s.clock.advance(1000);
    expect(s.sent.slice(n)).toEqual(['$SY']);
    s.answers.$SY = '$NK 5 6 2';
    n = s.sent.length;
    s.clock.advance(1000);
    expect(s.sent.slice(n)).toEqual(['$SY', '$SY 165']);
  });

  test('heartbeat settings: supervision (the pulses) stops with interval 0, and with a refusal', () => {
    const s = setup();
    s.monitor.start();
    s.clock.advance(500);
    s.monitor.setHeartbeat(0, 6);
    s.clock.advance(500);
    let n = s.sent.length;
    s.clock.advance(3000);
    expect(s.sent.slice(n)).toEqual([]);
    s.monitor.setHeartbeat(10, 8);
    s.clock.advance(500);
    n = s.sent.length;
    s.clock.advance(1000);
    expect(s.sent.slice(n)).toEqual(['$SY']);
    s.answers['$SY 20 8'] = '$NK';
    s.monitor.setHeartbeat(20, 8);
    s.clock.advance(500);
    n = s.sent.length;
    s.clock.advance(3000);
    expect(s.sent.slice(n)).toEqual([]);
  });

  test('boot with supervision off: neither `$GY` nor `$SY`, and no pulses', () => {
    const s = setup({ heartbeatInterval: 0, voltage: 230 });
    s.monitor.start();
    s.clock.advance(500);
    expect(s.sent).toEqual(['$GV', '$GF', '$GE', '$GC', '$GA', '$GI', '$GS', '$GP', '$GU', '$GG', '$SV 230000', '$GV']);
    s.clock.advance(5000);
    expect(s.sent.filter((c) => c.substr(0, 3) === '$SY')).toEqual([]);
  });

  test('no answer to `$GV`: asked again 5 s after the timeout, until it answers', () => {
    const s = setup();
    s.answers.$GV = null;
    s.monitor.start();
    s.clock.advance(11_999);
    expect(s.sent).toEqual(['$GV', '$GV']);
    expect(s.at[1] - s.at[0]).toBe(1000 + 5000);
    s.clock.advance(1);
    expect(s.sent).toEqual(['$GV', '$GV', '$GV']);
    expect(s.monitor.isReady()).toBe(false);
    delete s.answers.$GV; // (the third is lost too: the fourth, at 18 s, is answered)
    s.clock.advance(5999);
    expect(s.monitor.isReady()).toBe(false);
    s.clock.advance(500);
    expect(s.monitor.isReady()).toBe(true);
    expect(s.monitor.status.evse_connected).toBe(1);
  });

  test('the controller reboots during the boot: the older attempt ends there, the new one completes', () => {
    const s = setup();
    s.monitor.start();
    s.clock.advance(3); // `$GV` answered, the settings queries under way
    const n = s.sent.length;
    s.link.async('$AB 00 8.2.3');
    s.clock.advance(500);
    // the first attempt's closing `$GV` still goes out, but only the second one's counts
    expect(s.sent.slice(n).filter((c) => c === '$GV')).toEqual(['$GV', '$GV', '$GV']);
    expect(s.monitor.isReady()).toBe(true);
    expect(s.changes.filter((c) => 'evse_connected' in c).map((c) => c.evse_connected)).toEqual([1]);
  });

  test('async messages: $AT sets the state and asks for details, $ST (4.x) too, others are ignored', () => {
    const s = setup();
    s.monitor.start();
    s.clock.advance(500);
    s.changes.length = 0;
    let n = s.sent.length;
    s.link.async('$AT 02 01 24 0200');
    expect(s.changes).toEqual([{ state: 2, flags: 0x200, vehicle: 0, colour: 3, pilot: 24 }]);
    expect(s.sent.slice(n)).toEqual(['$GG']);
    s.clock.advance(3);
    expect(s.sent.slice(n)).toEqual(['$GG', '$GS']);
    s.clock.advance(10);
    n = s.sent.length;
    s.changes.length = 0;
    s.link.async('$ST 3');
    expect(s.changes[0]).toEqual({ state: 3, colour: 6 });
    expect(s.sent.slice(n)).toEqual(['$GS']);
    s.clock.advance(10);
    n = s.sent.length;
    s.changes.length = 0;
    s.link.async('$WF 02');
    s.clock.advance(10);
    expect(s.changes).toEqual([]);
    expect(s.sent.slice(n)).toEqual([]);
  });
});
