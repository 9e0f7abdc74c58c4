import { RapiClient, RAPI_TIMEOUT, RAPI_QUEUE_FULL, RAPI_NK, RAPI_TOO_LONG, RAPI_BAD_COMMAND } from '../../../src/core/rapi/client';
import { frameCommand, xorChecksum, hex2, RapiLine } from '../../../src/core/rapi/framing';
import { FakeClock } from '../../helpers/fake-clock';
import { FakeLink, silentLog } from '../../helpers/fake-link';

/** A reply frame as the controller prints it, echoing the sequence id of `cmdLine`. */
function reply(cmdLine: string, payload: string): string {
  const m = / :([0-9A-F]{2})\^/.exec(cmdLine);
  const body = payload + (m ? ' :' + m[1] : '');
  return body + '^' + hex2(xorChecksum(body)) + '\r';
}
function frame(body: string): string {
  return body + '^' + hex2(xorChecksum(body)) + '\r';
}

function setup(opts?: any) {
  const clock = new FakeClock(1000);
  const link = new FakeLink();
  const client = new RapiClient(link, clock, silentLog, opts);
  const results: { err: string | null; reply?: RapiLine }[] = [];
  const cb = (err: string | null, r?: RapiLine) => results.push({ err, reply: r });
  return { clock, link, client, results, cb };
}

describe('RapiClient', () => {
  test('sends one framed command with a sequence id and completes it with the matching reply', () => {
    const { link, client, results, cb } = setup();
    client.send('$GS', cb);
    client.send('$GV', cb);
    expect(link.written).toHaveLength(1); // one in flight
    expect(link.last()).toMatch(/^\$GS :[0-9A-F]{2}\^[0-9A-F]{2}$/);
    link.feed(reply(link.last(), '$OK 01 0 01 0200'));
    expect(results).toEqual([{ err: null, reply: expect.objectContaining({ kind: 'OK', args: ['01', '0', '01', '0200'] }) }]);
    expect(link.written).toHaveLength(2);
    expect(link.last()).toMatch(/^\$GV :/);
    expect(client.sent).toBe(2);
    expect(client.success).toBe(1);
    expect(client.connected).toBe(true);
  });

  test('without sequence ids the frame is the plain command', () => {
    const { link, client, results, cb } = setup({ sequenceIds: false });
    client.send('$SC 16 V', cb);
    expect(link.written[0]).toBe('$SC 16 V^65\r');
    link.feed('$OK 16^07\r');
    expect(results[0].err).toBeNull();
  });

  test('an $NK reply is an error that still carries its payload ($SC clamping)', () => {
    const { link, client, results, cb } = setup();
    client.send('$SC 99 V', cb);
    link.feed(reply(link.last(), '$NK 24'));
    expect(results[0].err).toBe(RAPI_NK);
    expect(results[0].reply!.args).toEqual(['24']);
  });

  test('async messages between a command and its reply are dispatched and do not complete it', () => {
    const { link, client, results, cb } = setup();
    const asyncs: string[] = [];
    client.onAsync = (l) => asyncs.push(l.kind + ' ' + l.args.join(' '));
    client.send('$SC 16 V', cb);
    link.feed(frame('$AT 01 01 16 0200') + frame('$AB 00 8.2.3') + frame('$AN 0') + frame('$WF 02') + frame('$ST 3'));
    expect(results).toHaveLength(0);
    link.feed(reply(link.last(), '$OK 16'));
    expect(results).toHaveLength(1);
    expect(asyncs).toEqual(['AT 01 01 16 0200', 'AB 00 8.2.3', 'AN 0', 'WF 02', 'ST 3']);
  });

  test('a reply split into single bytes, with boot banners and LFs around it, is still read', () => {
    const { link, client, results, cb } = setup();
    client.send('$GV', cb);
    const data = '\nrelayCloseMs: 100\r\nrelayHoldPwm: 255\r\n' + reply(link.last(), '$OK 8.2.3 5.2.1') + '\n';
    for (const c of data) link.feed(c);
    expect(results).toHaveLength(1);
    expect(results[0].reply!.args).toEqual(['8.2.3', '5.2.1']);
  });

  test('a timeout fails the command, marks the link down, and the next command goes out', () => {
    const { clock, link, client, results, cb } = setup({ timeoutMs: 500 });
    client.send('$FR', cb);
    client.send('$GS', cb);
    clock.advance(499);
    expect(results).toHaveLength(0);
    clock.advance(1);
    expect(results).toEqual([{ err: RAPI_TIMEOUT, reply: undefined }]);
    expect(client.connected).toBe(false);
    expect(link.last()).toMatch(/^\$GS :/);
  });

  test('a late reply to a timed-out command is never taken for the answer to the next one', () => {
    const { clock, link, client, results, cb } = setup({ timeoutMs: 500 });
    client.send('$GE', cb);
    const first = link.last();
    clock.advance(500);
    client.send('$GC', cb);
    link.feed(reply(first, '$OK 24 0001')); // the late answer to $GE
    expect(results).toHaveLength(1);
    link.feed(reply(link.last(), '$OK 6 80 24 24'));
    expect(results[1]).toEqual({ err: null, reply: expect.objectContaining({ args: ['6', '80', '24', '24'] }) });
  });

  test('a reply with a bad checksum is not trusted: the command times out', () => {
    const { clock, link, client, results, cb } = setup({ timeoutMs: 500 });
    client.send('$GS', cb);
    link.feed(reply(link.last(), '$OK 01 0 01 0200').replace(/\^(..)/, '^00'));
    expect(results).toHaveLength(0);
    clock.advance(500);
    expect(results[0].err).toBe(RAPI_TIMEOUT);
  });

  test("the controller's checksum refusal ($NK^21, never with a sequence id) answers the command in flight", () => {
    const { link, client, results, cb } = setup();
    client.send('$GS', cb);
    link.feed('$NK^21\r');
    expect(results[0].err).toBe(RAPI_NK);
  });

  test('a full queue refuses at once; the queue drains in order', () => {
    const { link, client, results, cb } = setup({ queueMax: 2 });
    client.send('$G1', cb);
    client.send('$G2', cb);
    client.send('$G3', cb);
    client.send('$G4', cb);
    expect(results).toEqual([{ err: RAPI_QUEUE_FULL }]);
    for (let i = 0; i < 3; i++) link.feed(reply(link.last(), '$OK'));
    expect(link.written.map((w) => w.substr(0, 3))).toEqual(['$G1', '$G2', '$G3']);
    expect(results.map((r) => r.err)).toEqual([RAPI_QUEUE_FULL, null, null, null]);
  });

  test('refuses commands the controller would drop or misread', () => {
    const { link, client, results, cb } = setup();
    client.send('$FP 0 0 a very long text for the lcd', cb);
    client.send('GS', cb);
    client.send('$SC 6^', cb);
    client.send('$GS\r$FR', cb);
    expect(results.map((r) => r.err)).toEqual([RAPI_TOO_LONG, RAPI_BAD_COMMAND, RAPI_BAD_COMMAND, RAPI_BAD_COMMAND]);
    expect(link.written).toHaveLength(0);
  });

  test('the longest line the controller accepts (31 characters) is sent', () => {
    const { link, client } = setup({ sequenceIds: false });
    const cmd = '$FP 0 0 ' + 'x'.repeat(31 - 3 - 8); // 28 chars + ^XX = 31
    client.send(cmd, () => undefined);
    expect(link.written[0]).toBe(frameCommand(cmd, 0));
    expect(link.written[0].length - 1).toBe(31);
  });

  test('sequence ids run 01..FF and skip 00', () => {
    const { link, client } = setup();
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) {
      client.send('$GS', () => undefined);
      const m = / :([0-9A-F]{2})\^/.exec(link.last())!;
      expect(m[1]).not.toBe('00');
      seen.add(m[1]);
      link.feed(reply(link.last(), '$OK'));
    }
    expect(seen.size).toBe(255);
  });

  test('a clock with fractions of a millisecond (Espruino) still gives whole sequence ids', () => {
    const clock = new FakeClock(1000);
    clock.now = () => 1234567.891;
    const link = new FakeLink();
    const client = new RapiClient(link, clock, silentLog);
    const got: (string | null)[] = [];
    client.send('$GS', (err) => got.push(err));
    expect(link.last()).toMatch(/^\$GS :[0-9A-F]{2}\^[0-9A-F]{2}$/);
    link.feed(reply(link.last(), '$OK 01 0 01 0200'));
    expect(got).toEqual([null]);
  });
});
