// The RAPI client's callbacks: on the device every live function object costs JsVars, so the client
// hands the link (receiver) and the clock (reply timer) one and the same bound function, made once,
// instead of a closure each, and tells each command's callback which command it answers, so that
// a caller can serve many commands with one function too. These tests pin that down.
import { RapiClient, RAPI_TIMEOUT, RAPI_NK, RAPI_QUEUE_FULL, RAPI_TOO_LONG, RAPI_BAD_COMMAND } from '../../../src/core/rapi/client';
import { RapiLine, xorChecksum, hex2 } from '../../../src/core/rapi/framing';
import { FakeClock } from '../../helpers/fake-clock';
import { FakeLink, silentLog } from '../../helpers/fake-link';

/** A FakeLink that also keeps the receiver it was given. */
class KeepLink extends FakeLink {
  kept: ((d: string) => void) | null = null;
  onData(cb: (d: string) => void) {
    this.kept = cb;
    super.onData(cb);
  }
}

/** A FakeClock that also keeps the functions of the timers set on it. */
class KeepClock extends FakeClock {
  fns: (() => void)[] = [];
  setTimeout(fn: () => void, ms: number): any {
    this.fns.push(fn);
    return super.setTimeout(fn, ms);
  }
}

/** A reply frame without sequence id, as the controller prints it. */
function frame(body: string): string {
  return body + '^' + hex2(xorChecksum(body)) + '\r';
}

function setup(opts?: any) {
  const clock = new KeepClock(1000);
  const link = new KeepLink();
  const client = new RapiClient(link, clock, silentLog, Object.assign({ sequenceIds: false }, opts));
  const got: [string | null, RapiLine | undefined, string | undefined][] = [];
  const cb = (err: string | null, reply?: RapiLine, cmd?: string) => got.push([err, reply, cmd]);
  return { clock, link, client, got, cb };
}

describe('RapiClient callbacks', () => {
  test('the link and every reply timer get the same function', () => {
    const { clock, link, client, cb } = setup();
    client.send('$GS', cb);
    client.send('$GE', cb);
    expect(link.kept).not.toBeNull();
    expect(clock.fns).toHaveLength(1);
    expect(clock.fns[0]).toBe(link.kept);
    link.feed(frame('$OK 01 0 01 0200'));
    clock.advance(1000); // `$GE` goes unanswered
    expect(clock.fns).toHaveLength(2);
    expect(clock.fns[1]).toBe(link.kept);
  });

  test('each callback is told the command it answers: reply, $NK, timeout and refusals', () => {
    const { clock, link, client, got, cb } = setup({ queueMax: 1 });
    client.send('$GS', cb);
    client.send('$SC 99', cb);
    client.send('$GE', cb); // the queue holds one: refused at once
    client.send('GS', cb);
    link.feed(frame('$OK 01 0 01 0200'));
    link.feed(frame('$NK 32'));
    client.send('$FP 0 0 a very long text for the lcd', cb);
    client.send('$GV', cb);
    clock.advance(1000);
    expect(got.map((g) => [g[0], g[2]])).toEqual([
      [RAPI_QUEUE_FULL, '$GE'],
      [RAPI_BAD_COMMAND, 'GS'],
      [null, '$GS'],
      [RAPI_NK, '$SC 99'],
      [RAPI_TOO_LONG, '$FP 0 0 a very long text for the lcd'],
      [RAPI_TIMEOUT, '$GV'],
    ]);
    expect(got[2][1]!.args).toEqual(['01', '0', '01', '0200']);
    expect(got[3][1]!.args).toEqual(['32']);
    expect(got[5][1]).toBeUndefined();
  });

  test('a reply timer never outlives its command: the next one gets a full timeout of its own', () => {
    const { clock, link, client, got, cb } = setup({ timeoutMs: 500 });
    client.send('$GS', cb);
    client.send('$GE', cb);
    clock.advance(400);
    link.feed(frame('$OK 01 0 01 0200')); // `$GS` answered at 400 ms, `$GE` goes out
    clock.advance(499);
    expect(got.map((g) => g[0])).toEqual([null]);
    clock.advance(1);
    expect(got.map((g) => [g[0], g[2]])).toEqual([
      [null, '$GS'],
      [RAPI_TIMEOUT, '$GE'],
    ]);
    expect(client.connected).toBe(false);
    expect(clock.pending()).toBe(0);
  });

  test('a command sent from a callback joins the queue behind those already waiting', () => {
    const { link, client } = setup();
    const order: string[] = [];
    client.send('$GS', (err, reply, cmd) => {
      order.push(cmd!);
      client.send('$GG', (e, r, c) => order.push(c!));
    });
    client.send('$GE', (err, reply, cmd) => order.push(cmd!));
    link.feed(frame('$OK 01 0 01 0200'));
    expect(link.written.map((w) => w.substr(0, 3))).toEqual(['$GS', '$GE']);
    link.feed(frame('$OK 32 0201'));
    link.feed(frame('$OK 0 240000'));
    expect(link.written.map((w) => w.substr(0, 3))).toEqual(['$GS', '$GE', '$GG']);
    expect(order).toEqual(['$GS', '$GE', '$GG']);
  });
});
