// The arbiter's callbacks: on the device every live function object costs JsVars, so the arbiter
// hands the monitor (status listener), each command (reply handler) and the clock (timer) one and
// the same bound function, made once, instead of a closure each. These tests pin that down, and
// the events that go through that one function: a reply, a status change, the timer.
import { ClaimsArbiter, ClaimsMonitor, CLIENT_DIVERT, CLIENT_MANUAL, PRIORITY_DIVERT, PRIORITY_MANUAL } from '../../../src/core/evse/claims';
import { explainClaims } from '../../../src/core/evse/claims-explain';
import { RapiLine } from '../../../src/core/rapi/framing';

function setup() {
  var t = 5000;
  var timers: { at: number; fn: () => void }[] = [];
  var listeners: ((c: any) => void)[] = [];
  var queries: { cmd: string; cb?: (err: string | null, reply?: RapiLine) => void }[] = [];
  var monitor: ClaimsMonitor = {
    status: { state: 1, pilot: 32, vehicle: 1, max_current: 32, evse_connected: 1 } as any,
    info: { min_current_hard: 6, max_current_hard: 32, max_current_soft: 32 } as any,
    isReady: () => true,
    query: (cmd, cb) => {
      queries.push({ cmd, cb });
    },
    onChange: (fn) => {
      listeners.push(fn);
    },
  };
  var clock = {
    now: () => t,
    setTimeout: (fn: () => void, ms: number) => {
      timers.push({ at: t + ms, fn });
      return timers.length;
    },
    clearTimeout: (id: any) => {
      timers[id - 1].fn = () => undefined;
    },
    setInterval: (): any => {
      throw new Error('not used');
    },
    clearInterval: () => undefined,
    set: () => undefined,
  } as any;
  /** Runs the timers due by `ms` from now. */
  var advance = (ms: number) => {
    var end = t + ms;
    for (var i = 0; i < timers.length; i++) {
      if (timers[i].at > end) continue;
      t = timers[i].at;
      var fn = timers[i].fn;
      timers[i].fn = () => undefined;
      fn();
    }
    t = end;
  };
  var logs: string[] = [];
  var arbiter = new ClaimsArbiter(monitor, clock, (level, msg) => logs.push(level + ' ' + msg));
  var events: any[] = [];
  arbiter.onChange((e) => events.push(e));
  var reply = (err: string | null, args: string[]) => {
    var q = queries.shift()!;
    q.cb!(err, { kind: err ? 'NK' : 'OK', args, seq: 0, raw: '' });
  };
  var change = (c: any) => {
    Object.assign(monitor.status, c);
    listeners.forEach((fn) => fn(c));
  };
  return { arbiter, monitor, timers, listeners, queries, advance, reply, change, logs, events };
}

describe('ClaimsArbiter callbacks', () => {
  test('the monitor, every command and the timer get the same function', () => {
    var s = setup();
    expect(s.listeners).toHaveLength(1);
    s.arbiter.claim(CLIENT_DIVERT, PRIORITY_DIVERT, { charge_current: 16 });
    expect(s.queries.map((q) => q.cmd)).toEqual(['$SC 16 V']);
    expect(s.queries[0].cb).toBe(s.listeners[0]);
    s.reply('RAPI_RESPONSE_TIMEOUT', []); // no answer: a retry timer
    expect(s.timers).toHaveLength(1);
    expect(s.timers[0].fn).toBe(s.listeners[0]);
    s.advance(2000);
    expect(s.queries.map((q) => q.cmd)).toEqual(['$SC 16 V']);
    expect(s.queries[0].cb).toBe(s.listeners[0]);
  });

  test('a status change with nothing the arbiter cares about sends nothing and arms nothing', () => {
    var s = setup();
    s.change({ amp: 12000, voltage: 230 });
    expect(s.queries).toHaveLength(0);
    expect(s.timers).toHaveLength(0);
    expect(s.events).toEqual([]);
  });

  test('end of session through the same function: releases the auto-release manual claim and re-applies', () => {
    var s = setup();
    expect(s.arbiter.override('set', { state: 'disabled' })).toBeNull();
    expect(s.queries.map((q) => q.cmd)).toEqual(['$FS']);
    s.reply(null, []);
    s.change({ state: 0xfe });
    expect(explainClaims(s.arbiter)).toBe('disabled by manual (' + PRIORITY_MANUAL + '); 32 A by default');
    s.events.length = 0;
    s.change({ vehicle: 0 });
    expect(s.arbiter.get(CLIENT_MANUAL)).toBeNull();
    expect(s.events).toEqual([{ status: 'active', manual_override: 0, claims_version: 2, override_version: 2 }]);
    expect(s.queries.map((q) => q.cmd)).toEqual(['$FE']);
    expect(s.logs).toContain('info session ended: 1 auto-release claim(s) released');
  });
});
