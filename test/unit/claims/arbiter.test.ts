import {
  ClaimsArbiter,
  ClaimsMonitor,
  ClaimsEvent,
  CLIENT_MANUAL,
  CLIENT_DIVERT,
  CLIENT_LIMIT,
  CLIENT_SCHEDULE,
  CLIENT_SHAPER,
  CLIENT_MQTT,
  PRIORITY_MANUAL,
  PRIORITY_DIVERT,
  PRIORITY_LIMIT,
  PRIORITY_TIMER,
  PRIORITY_SAFETY,
  PRIORITY_MQTT,
  MAX_CLAIMS,
  clientName,
} from '../../../src/core/evse/claims';
import { explainClaims } from '../../../src/core/evse/claims-explain';
import { RapiLine } from '../../../src/core/rapi/framing';

/** A clock whose timers run only when the test advances it. */
class StepClock {
  t = 1000;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 1;
  now() {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number) {
    const id = this.nextId++;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimeout(id: any) {
    this.timers = this.timers.filter((x) => x.id !== id);
  }
  setInterval(): any {
    throw new Error('not used');
  }
  clearInterval() {}
  advance(ms: number) {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = due.at;
      due.fn();
    }
    this.t = end;
  }
  pending() {
    return this.timers.length;
  }
}

/** The monitor as the arbiter sees it: the test answers each command itself. */
class FakeMonitor implements ClaimsMonitor {
  status: any = { state: 1, pilot: 32, vehicle: 0, max_current: 32, evse_connected: 1 };
  info: any = { min_current_hard: 6, max_current_hard: 32, max_current_soft: 32 };
  ready = true;
  sent: string[] = [];
  private waiting: { cmd: string; cb?: (err: string | null, reply?: RapiLine) => void }[] = [];
  private listeners: ((c: any) => void)[] = [];
  isReady() {
    return this.ready;
  }
  query(cmd: string, cb?: (err: string | null, reply?: RapiLine) => void) {
    this.sent.push(cmd);
    this.waiting.push({ cmd, cb });
  }
  onChange(fn: (c: any) => void) {
    this.listeners.push(fn);
  }
  /** The controller reports changed fields. */
  change(c: any) {
    Object.assign(this.status, c);
    this.listeners.forEach((fn) => fn(c));
  }
  inFlight() {
    return this.waiting.length;
  }
  /** Answers the oldest command: `$OK args` by default. */
  answer(kind: 'OK' | 'NK' | 'timeout' = 'OK', args: string[] = []) {
    const w = this.waiting.shift()!;
    const line: RapiLine = { kind, args, seq: 0, raw: '$' + kind };
    if (w.cb) w.cb(kind === 'OK' ? null : kind === 'NK' ? 'RAPI_RESPONSE_NK' : 'RAPI_RESPONSE_TIMEOUT', kind === 'timeout' ? undefined : line);
  }
  /** Answers like the controller: `$OK` (and the $AT that follows a change), for every command in flight. */
  behave() {
    while (this.waiting.length) {
      const cmd = this.waiting[0].cmd;
      if (cmd.startsWith('$SC')) {
        const a = Math.min(parseInt(cmd.split(' ')[1], 10), this.info.max_current_soft);
        this.answer('OK', [String(a)]);
        if (this.status.pilot !== a) this.change({ pilot: a });
      } else {
        this.answer('OK');
        const state = cmd === '$FE' ? (this.status.vehicle ? 2 : 1) : cmd === '$FS' ? 0xfe : 0xff;
        if (this.status.state !== state) this.change({ state });
      }
    }
  }
}

function setup(opts?: any) {
  const clock = new StepClock();
  const monitor = new FakeMonitor();
  const logs: string[] = [];
  const arbiter = new ClaimsArbiter(monitor, clock, (level, msg) => logs.push(level + ' ' + msg), opts);
  const events: ClaimsEvent[] = [];
  arbiter.onChange((e) => events.push(e));
  return { clock, monitor, arbiter, events, logs };
}

describe('ClaimsArbiter: who wins', () => {
  test('no claims: the default state and the soft maximum', () => {
    const { arbiter } = setup();
    expect(arbiter.target()).toEqual({
      properties: { state: 'active', auto_release: false },
      claims: {},
      pilot: 32,
      names: { state: 'default', charge_current: 'default', max_current: 'default', pilot: 'default' },
    });
    expect(explainClaims(arbiter)).toBe('active by default; 32 A by default');
  });

  test('the default state is configurable, and changing it changes the target', () => {
    const { arbiter, events } = setup({ defaultState: 'disabled' });
    expect(arbiter.target().properties.state).toBe('disabled');
    arbiter.configure({ defaultState: 'active' });
    expect(arbiter.wantState).toBe('active');
    expect(events).toEqual([{ status: 'active' }]);
    arbiter.configure({ defaultState: 'active' });
    expect(events).toHaveLength(1); // no change, no event
  });

  test('each property independently goes to the highest priority that sets it', () => {
    const { arbiter } = setup();
    expect(arbiter.claim(CLIENT_DIVERT, PRIORITY_DIVERT, { state: 'active', charge_current: 10 })).toBeNull();
    expect(arbiter.claim(CLIENT_SCHEDULE, PRIORITY_TIMER, { state: 'disabled' })).toBeNull();
    expect(arbiter.claim(CLIENT_SHAPER, PRIORITY_SAFETY, { max_current: 20 })).toBeNull();
    const t = arbiter.target();
    expect(t.properties).toEqual({ state: 'disabled', charge_current: 10, max_current: 20, auto_release: false });
    expect(t.claims).toEqual({ state: CLIENT_SCHEDULE, charge_current: CLIENT_DIVERT, max_current: CLIENT_SHAPER });
    expect(t.names).toEqual({ state: 'schedule', charge_current: 'divert', max_current: 'shaper', pilot: 'divert' });
    expect(t.pilot).toBe(10);
  });

  test('pilot = min(soft max, max_current, charge_current), whoever sets it, with the name of who binds', () => {
    const { arbiter } = setup();
    arbiter.claim(CLIENT_DIVERT, PRIORITY_DIVERT, { charge_current: 16 });
    arbiter.claim(CLIENT_SHAPER, PRIORITY_SAFETY, { max_current: 12 });
    // a low-priority max_current still limits a higher-priority charge_current: they are separate properties
    expect(arbiter.target().pilot).toBe(12);
    expect(arbiter.target().names.pilot).toBe('shaper');
    expect(explainClaims(arbiter)).toBe('active by default; 12 A by shaper (5000)');
    arbiter.release(CLIENT_SHAPER);
    expect(arbiter.wantPilot).toBe(16);
    arbiter.claim(CLIENT_MQTT, PRIORITY_MQTT, { charge_current: 30 });
    expect(arbiter.wantPilot).toBe(30); // the API claim outranks divert
    arbiter.claim(CLIENT_LIMIT, PRIORITY_LIMIT, { max_current: 32 });
    expect(arbiter.wantPilot).toBe(30);
  });

  test('the pilot never exceeds the soft maximum and never falls below the controller minimum', () => {
    const { arbiter, monitor } = setup();
    monitor.info.max_current_hard = 80;
    monitor.info.max_current_soft = 24;
    arbiter.claim(CLIENT_MQTT, PRIORITY_MQTT, { charge_current: 40 });
    expect(arbiter.wantPilot).toBe(24); // soft max binds
    expect(arbiter.target().names.pilot).toBe('default');
    monitor.info.min_current_hard = 8;
    arbiter.claim(CLIENT_MQTT, PRIORITY_MQTT, { charge_current: 8, max_current: 8 });
    monitor.info.min_current_hard = 10; // e.g. a controller with a higher minimum after a reconfiguration
    monitor.change({ max_current: 24 }); // any status change of max_current re-evaluates
    expect(arbiter.wantPilot).toBe(10);
  });

  test('a new soft maximum from the controller re-evaluates the pilot', () => {
    const { arbiter, monitor } = setup();
    expect(arbiter.wantPilot).toBe(32);
    monitor.info.max_current_soft = 20;
    monitor.change({ max_current: 20 });
    expect(arbiter.wantPilot).toBe(20);
  });

  test('manual vs divert vs limit: limit disables over manual, manual overrides divert', () => {
    const { arbiter } = setup();
    arbiter.claim(CLIENT_DIVERT, PRIORITY_DIVERT, { state: 'disabled' }); // not enough sun
    expect(explainClaims(arbiter)).toBe('disabled by divert (50); 32 A by default');
    expect(arbiter.override('set', { state: 'active', charge_current: 20 })).toBeNull(); // the user insists
    expect(arbiter.wantState).toBe('active');
    expect(explainClaims(arbiter)).toBe('active by manual (1000); 20 A by manual (1000)');
    arbiter.claim(CLIENT_LIMIT, PRIORITY_LIMIT, { state: 'disabled', auto_release: true }); // energy limit reached
    expect(arbiter.wantState).toBe('disabled');
    expect(arbiter.target().claims).toEqual({ state: CLIENT_LIMIT, charge_current: CLIENT_MANUAL });
    expect(arbiter.target().names.state).toBe('limit');
    arbiter.release(CLIENT_LIMIT);
    expect(arbiter.wantState).toBe('active');
    arbiter.override('clear');
    expect(arbiter.wantState).toBe('disabled');
    arbiter.release(CLIENT_DIVERT);
    expect(arbiter.wantState).toBe('active');
  });

  test('equal priorities: the older claim keeps the property', () => {
    const { arbiter } = setup();
    arbiter.claim(0x00030001, 500, { state: 'disabled' });
    arbiter.claim(CLIENT_MQTT, 500, { state: 'active' });
    expect(arbiter.wantState).toBe('disabled');
    expect(arbiter.target().names.state).toBe('api'); // an id from /claims/{client}
    expect(clientName(CLIENT_MQTT)).toBe('mqtt');
  });
});

describe('ClaimsArbiter: claims', () => {
  test('list() and get() use the /claims shapes; a claim is replaced, or merged on request', () => {
    const { arbiter } = setup();
    arbiter.claim(CLIENT_MQTT, PRIORITY_MQTT, { state: 'active', charge_current: 16, junk: 1 });
    expect(arbiter.list()).toEqual([{ client: CLIENT_MQTT, priority: 500, state: 'active', charge_current: 16, auto_release: false }]);
    expect(arbiter.get(CLIENT_MQTT)).toEqual({ priority: 500, state: 'active', charge_current: 16, auto_release: false });
    expect(arbiter.get(CLIENT_DIVERT)).toBeNull();
    arbiter.claim(CLIENT_MQTT, PRIORITY_MQTT, { max_current: 20 }, true);
    expect(arbiter.get(CLIENT_MQTT)).toEqual({ priority: 500, state: 'active', charge_current: 16, max_current: 20, auto_release: false });
    arbiter.claim(CLIENT_MQTT, PRIORITY_MQTT, { charge_current: 'clear' }, true);
    expect(arbiter.get(CLIENT_MQTT)).toEqual({ priority: 500, state: 'active', max_current: 20, auto_release: false });
    arbiter.claim(CLIENT_MQTT, PRIORITY_MQTT, { state: 'disabled' });
    expect(arbiter.get(CLIENT_MQTT)).toEqual({ priority: 500, state: 'disabled', auto_release: false });
    // list() hands out copies
    arbiter.list()[0].priority = 1;
    expect(arbiter.get(CLIENT_MQTT)!.priority).toBe(500);
  });

  test('bad properties get a clear error and change nothing', () => {
    const { arbiter, events } = setup();
    arbiter.claim(CLIENT_MQTT, PRIORITY_MQTT, { charge_current: 16 });
    const before = JSON.stringify(arbiter.list());
    events.length = 0;
    expect(arbiter.claim(CLIENT_MQTT, PRIORITY_MQTT, { state: 'on' })).toMatch(/state must be "active" or "disabled"/);
    expect(arbiter.claim(CLIENT_MQTT, PRIORITY_MQTT, { charge_current: 5 })).toMatch(/charge_current .* 6 to 32/);
    expect(arbiter.claim(CLIENT_MQTT, PRIORITY_MQTT, { charge_current: 33 })).toMatch(/charge_current/);
    expect(arbiter.claim(CLIENT_MQTT, PRIORITY_MQTT, { max_current: 10.5 })).toMatch(/max_current/);
    expect(arbiter.claim(CLIENT_MQTT, PRIORITY_MQTT, { max_current: '16' })).toMatch(/max_current/);
    expect(arbiter.claim(CLIENT_MQTT, PRIORITY_MQTT, { auto_release: 'yes' })).toMatch(/auto_release/);
    expect(arbiter.claim(CLIENT_MQTT, PRIORITY_MQTT, null)).toMatch(/object/);
    expect(arbiter.claim(CLIENT_MQTT, -1, {})).toMatch(/priority/);
    expect(arbiter.claim(0, 500, {})).toMatch(/client/);
    expect(arbiter.override('set', { state: 'sleep' })).toMatch(/state/);
    expect(JSON.stringify(arbiter.list())).toBe(before);
    expect(events).toEqual([]);
    expect(arbiter.version).toBe(1);
  });

  test('at most 10 claims: the 11th is refused, an update of an existing one is not', () => {
    const { arbiter } = setup();
    for (let i = 0; i < MAX_CLAIMS; i++) expect(arbiter.claim(0x00030000 + i, 100 + i, { charge_current: 6 + i })).toBeNull();
    expect(arbiter.claim(0x00030100, 100, { state: 'active' })).toBe('too many claims (max 10)');
    expect(arbiter.list()).toHaveLength(10);
    expect(arbiter.claim(0x00030000, 100, { charge_current: 20 })).toBeNull();
    arbiter.release(0x00030005);
    expect(arbiter.claim(0x00030100, 100, { state: 'active' })).toBeNull();
  });

  test('versions: claims_version on every change (not on a repeat), override_version for the manual client', () => {
    const { arbiter, events } = setup();
    arbiter.claim(CLIENT_DIVERT, PRIORITY_DIVERT, { charge_current: 10 });
    arbiter.claim(CLIENT_DIVERT, PRIORITY_DIVERT, { charge_current: 10 }); // same: nothing
    arbiter.claim(CLIENT_DIVERT, PRIORITY_DIVERT, { state: 'disabled' });
    expect(arbiter.version).toBe(2);
    expect(events).toEqual([{ claims_version: 1 }, { status: 'disabled', claims_version: 2 }]);
    events.length = 0;
    arbiter.override('set', { state: 'active' });
    expect(events).toEqual([{ status: 'active', manual_override: 1, claims_version: 3, override_version: 1 }]);
    expect(arbiter.release(CLIENT_MANUAL)).toBe(true);
    expect(arbiter.release(CLIENT_MANUAL)).toBe(false);
    expect(events[1]).toEqual({ status: 'disabled', manual_override: 0, claims_version: 4, override_version: 2 });
    expect(arbiter.statusFields()).toEqual({ status: 'disabled', manual_override: 0, claims_version: 4, override_version: 2 });
  });
});

describe('ClaimsArbiter: manual override', () => {
  test('GET is {} without an override; POST defaults auto_release to true; DELETE removes it', () => {
    const { arbiter } = setup();
    expect(arbiter.override('get')).toEqual({});
    expect(arbiter.override('set', { state: 'disabled', max_current: 16 })).toBeNull();
    expect(arbiter.override('get')).toEqual({ state: 'disabled', max_current: 16, auto_release: true });
    expect(arbiter.get(CLIENT_MANUAL)!.priority).toBe(PRIORITY_MANUAL);
    expect(arbiter.override('set', { state: 'active', auto_release: false })).toBeNull();
    expect(arbiter.override('get')).toEqual({ state: 'active', auto_release: false });
    expect(arbiter.override('clear')).toBeNull();
    expect(arbiter.override('get')).toEqual({});
    expect(arbiter.override('clear')).toBeNull(); // DELETE without one is fine too
  });

  test('toggle: no override → claim the opposite of the current target state; override → release', () => {
    const { arbiter } = setup();
    arbiter.override('toggle');
    expect(arbiter.override('get')).toEqual({ state: 'disabled', auto_release: true });
    expect(arbiter.wantState).toBe('disabled');
    arbiter.override('toggle');
    expect(arbiter.override('get')).toEqual({});
    expect(arbiter.wantState).toBe('active');
    // with a schedule holding it off, the toggle turns it on
    arbiter.claim(CLIENT_SCHEDULE, PRIORITY_TIMER, { state: 'disabled' });
    arbiter.override('toggle');
    expect(arbiter.override('get').state).toBe('active');
    expect(arbiter.wantState).toBe('active');
    arbiter.override('toggle');
    expect(arbiter.wantState).toBe('disabled');
  });

  test('toggle of an override that sets only a current releases it (it exists)', () => {
    const { arbiter } = setup();
    arbiter.override('set', { charge_current: 10 });
    arbiter.override('toggle');
    expect(arbiter.override('get')).toEqual({});
    expect(arbiter.wantPilot).toBe(32);
  });
});

describe('ClaimsArbiter: auto-release', () => {
  test('claims with auto_release are removed when the vehicle is unplugged, the others stay', () => {
    const { arbiter, monitor, events } = setup();
    monitor.change({ vehicle: 1, state: 2 });
    arbiter.override('set', { state: 'active', charge_current: 20 });
    arbiter.claim(CLIENT_LIMIT, PRIORITY_LIMIT, { state: 'disabled', auto_release: true });
    arbiter.claim(CLIENT_DIVERT, PRIORITY_DIVERT, { charge_current: 8 });
    events.length = 0;
    monitor.change({ vehicle: 0, state: 1 });
    expect(arbiter.list().map((c) => c.client)).toEqual([CLIENT_DIVERT]);
    expect(events[0]).toEqual({ status: 'active', manual_override: 0, claims_version: 4, override_version: 2 });
    // no vehicle change: nothing released
    arbiter.claim(CLIENT_LIMIT, PRIORITY_LIMIT, { state: 'disabled', auto_release: true });
    monitor.change({ state: 0xfe });
    expect(arbiter.list()).toHaveLength(2);
  });
});

describe('ClaimsArbiter: applying', () => {
  test('sends only what differs, through the monitor, and one command at a time', () => {
    const { arbiter, monitor } = setup();
    expect(monitor.sent).toEqual([]); // active at 32 A already
    arbiter.claim(CLIENT_DIVERT, PRIORITY_DIVERT, { charge_current: 16 });
    expect(monitor.sent).toEqual(['$SC 16 V']);
    arbiter.claim(CLIENT_LIMIT, PRIORITY_LIMIT, { state: 'disabled' });
    arbiter.claim(CLIENT_DIVERT, PRIORITY_DIVERT, { charge_current: 12 });
    expect(monitor.inFlight()).toBe(1); // still waiting for the first reply
    monitor.behave();
    // pausing comes before the current
    expect(monitor.sent).toEqual(['$SC 16 V', '$FS', '$SC 12 V']);
    expect(monitor.status).toMatchObject({ state: 0xfe, pilot: 12 });
    monitor.sent.length = 0;
    arbiter.claim(CLIENT_DIVERT, PRIORITY_DIVERT, { charge_current: 12, state: 'active' }); // limit still wins
    expect(monitor.sent).toEqual([]);
  });

  test('enabling sets the current first, then $FE; the arbiter applies the default from the start', () => {
    const { arbiter, monitor } = setup({ defaultState: 'disabled' });
    expect(monitor.sent).toEqual(['$FS']);
    monitor.behave();
    monitor.sent.length = 0;
    arbiter.claim(CLIENT_MANUAL, PRIORITY_MANUAL, { state: 'active', charge_current: 10 });
    monitor.behave();
    expect(monitor.sent).toEqual(['$SC 10 V', '$FE']);
    expect(monitor.status).toMatchObject({ state: 1, pilot: 10 });
  });

  test('pause uses $FD when configured, and switching the option re-pauses the other way', () => {
    const { arbiter, monitor } = setup({ pauseUsesDisabled: true });
    arbiter.claim(CLIENT_LIMIT, PRIORITY_LIMIT, { state: 'disabled' });
    monitor.behave();
    expect(monitor.sent).toEqual(['$FD']);
    expect(monitor.status.state).toBe(0xff);
    arbiter.configure({ pauseUsesDisabled: false });
    monitor.behave();
    expect(monitor.sent).toEqual(['$FD', '$FS']);
    expect(monitor.status.state).toBe(0xfe);
    arbiter.configure({ pauseUsesDisabled: false });
    expect(monitor.sent).toHaveLength(2);
  });

  test('a state command answered $OK is not repeated while the $AT is on its way; the status decides after 5 s', () => {
    const { arbiter, monitor, clock } = setup();
    arbiter.claim(CLIENT_LIMIT, PRIORITY_LIMIT, { state: 'disabled' });
    monitor.answer('OK'); // no $AT yet
    monitor.change({ pilot: 32, evse_connected: 1 } as any);
    expect(monitor.sent).toEqual(['$FS']);
    clock.advance(4000);
    expect(monitor.sent).toEqual(['$FS']);
    clock.advance(1500); // the controller never confirmed: send again
    expect(monitor.sent).toEqual(['$FS', '$FS']);
    monitor.answer('OK');
    monitor.change({ state: 0xfe });
    clock.advance(60000);
    expect(monitor.sent).toHaveLength(2);
  });

  test('adopts the amps of $OK; an $NK a (clamp) is accepted and logged, and asked again only a minute later', () => {
    const { arbiter, monitor, clock, logs } = setup();
    arbiter.claim(CLIENT_MQTT, PRIORITY_MQTT, { charge_current: 20 });
    monitor.answer('NK', ['16']); // e.g. over temperature
    expect(logs.some((l) => /clamped 20 A to 16 A/.test(l))).toBe(true);
    monitor.change({ pilot: 16 }); // the $AT after the reply
    expect(monitor.sent).toEqual(['$SC 20 V']);
    clock.advance(59000);
    expect(monitor.sent).toHaveLength(1);
    clock.advance(2000);
    expect(monitor.sent).toEqual(['$SC 20 V', '$SC 20 V']);
    monitor.answer('OK', ['20']);
    monitor.change({ pilot: 20 });
    clock.advance(120000);
    expect(monitor.sent).toHaveLength(2);
  });

  test('uses the amps of the $SC reply while the monitor has not reported the pilot (no $AT on 4.x)', () => {
    const { arbiter, monitor, clock } = setup();
    arbiter.claim(CLIENT_MQTT, PRIORITY_MQTT, { charge_current: 20 });
    monitor.answer('OK', ['20']);
    monitor.change({ state: 2 });
    clock.advance(10000);
    expect(monitor.sent).toEqual(['$SC 20 V']);
  });

  test('no answer: retries with a growing backoff, never hammering, then recovers', () => {
    const { arbiter, monitor, clock, logs } = setup();
    arbiter.claim(CLIENT_LIMIT, PRIORITY_LIMIT, { state: 'disabled' });
    monitor.answer('timeout');
    expect(logs.some((l) => /\$FS failed \(RAPI_RESPONSE_TIMEOUT\), retry in 2 s/.test(l))).toBe(true);
    // status traffic in between does not bypass the backoff
    monitor.change({ pilot: 32, state: 1 });
    arbiter.claim(CLIENT_DIVERT, PRIORITY_DIVERT, { charge_current: 10 });
    expect(monitor.sent).toEqual(['$FS']);
    clock.advance(2000);
    expect(monitor.sent).toEqual(['$FS', '$FS']);
    monitor.answer('timeout');
    clock.advance(3000);
    expect(monitor.sent).toHaveLength(2);
    clock.advance(1000); // 4 s after the second failure
    expect(monitor.sent).toHaveLength(3);
    monitor.behave();
    expect(monitor.sent).toEqual(['$FS', '$FS', '$FS', '$SC 10 V']);
    expect(monitor.status).toMatchObject({ state: 0xfe, pilot: 10 });
  });

  test('re-applies when the controller drifts: heartbeat fallback lowers the pilot, a button press enables it', () => {
    const { arbiter, monitor } = setup();
    arbiter.claim(CLIENT_DIVERT, PRIORITY_DIVERT, { charge_current: 16 });
    monitor.behave();
    monitor.sent.length = 0;
    monitor.change({ pilot: 6 }); // $AT from the heartbeat fallback
    monitor.behave();
    expect(monitor.sent).toEqual(['$SC 16 V']);
    arbiter.claim(CLIENT_LIMIT, PRIORITY_LIMIT, { state: 'disabled' });
    monitor.behave();
    monitor.sent.length = 0;
    monitor.change({ state: 1 }); // someone pressed the front button
    monitor.behave();
    expect(monitor.sent).toEqual(['$FS']);
  });

  test('waits while the monitor is (re)booting or the controller is starting, then applies', () => {
    const { arbiter, monitor, clock } = setup();
    monitor.ready = false;
    arbiter.claim(CLIENT_LIMIT, PRIORITY_LIMIT, { state: 'disabled' });
    monitor.change({ state: 0, pilot: 0 }); // forced $AT at boot
    expect(monitor.sent).toEqual([]);
    clock.advance(3000);
    expect(monitor.sent).toEqual([]);
    monitor.ready = true; // boot queries done; the monitor emits nothing more (the arbiter looks again by itself)
    clock.advance(1000);
    expect(monitor.sent).toEqual([]); // state 0: still starting
    monitor.status.state = 1;
    monitor.status.pilot = 32;
    clock.advance(1000);
    expect(monitor.sent).toEqual(['$FS']);
    monitor.behave();
    clock.advance(60000);
    expect(monitor.sent).toEqual(['$FS']);
    expect(clock.pending()).toBe(0); // no timer left running once in step
  });
});
