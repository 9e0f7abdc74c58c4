// The client against a stream it cannot trust: random bytes, truncated and mutated lines, wrong
// checksums and sequence ids, late replies, silences. It must never throw, never hang, answer
// every command exactly once, and never hand a command a reply that was meant for another.
import { RapiClient, RAPI_QUEUE_FULL } from '../../../src/core/rapi/client';
import { xorChecksum, hex2, RapiLine } from '../../../src/core/rapi/framing';
import { FakeClock } from '../../helpers/fake-clock';
import { FakeLink, silentLog } from '../../helpers/fake-link';

/** Small seeded generator so that a failure can be replayed. */
function rng(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
}
const frame = (body: string) => body + '^' + hex2(xorChecksum(body)) + '\r';

describe('RapiClient under hostile input', () => {
  test('20,000 random and mutated lines without a command: no crash, no spurious reply', () => {
    const rand = rng(7);
    const clock = new FakeClock(0);
    const link = new FakeLink();
    const client = new RapiClient(link, clock, silentLog);
    let asyncs = 0;
    client.onAsync = () => asyncs++;
    const alphabet = '$^:*\r\n 0123456789ABCDEFOKNATGS\x00\xff';
    for (let i = 0; i < 20000; i++) {
      const kind = rand();
      let line: string;
      if (kind < 0.5) {
        line = '';
        const n = Math.floor(rand() * 40);
        for (let j = 0; j < n; j++) line += alphabet[Math.floor(rand() * alphabet.length)];
      } else {
        line = frame('$OK ' + Math.floor(rand() * 1000));
        const pos = Math.floor(rand() * line.length);
        line = line.substr(0, pos) + String.fromCharCode(Math.floor(rand() * 256)) + line.substr(pos + 1);
      }
      link.feed(line);
    }
    expect(client.success).toBe(0);
    // afterwards a normal exchange still works
    const got: (string | null)[] = [];
    client.send('$GS', (err) => got.push(err));
    link.feed('\r');
    const seq = / :([0-9A-F]{2})\^/.exec(link.last())![1];
    link.feed(frame('$OK 01 0 01 0200 :' + seq));
    expect(got).toEqual([null]);
  });

  test.each([1, 2, 3, 4, 5])('5,000 commands against a misbehaving controller (seed %i)', (seed) => {
    const rand = rng(seed);
    const clock = new FakeClock(0);
    const link = new FakeLink();
    const client = new RapiClient(link, clock, silentLog, { timeoutMs: 500, queueMax: 5 });
    client.onAsync = () => undefined;
    const calls = new Map<number, number>();
    const sentSeq = new Map<number, number>(); // command number → seq id on the wire
    const order: number[] = []; // commands in the order they were accepted: the order they go out
    const lateReplies: string[] = [];
    let written = 0;
    let mismatched = 0;
    let okCount = 0;
    const write = link.write.bind(link);
    link.write = (line: string) => {
      sentSeq.set(order[link.written.length], parseInt(/ :([0-9A-F]{2})\^/.exec(line)![1], 16));
      write(line);
    };

    for (let n = 0; n < 5000; n++) {
      const id = n;
      order.push(id);
      client.send('$GS', (err: string | null, reply?: RapiLine) => {
        calls.set(id, (calls.get(id) || 0) + 1);
        if (err === RAPI_QUEUE_FULL) order.splice(order.indexOf(id), 1);
        if (reply && reply.seq !== 0 && reply.seq !== sentSeq.get(id)) mismatched++;
        if (!err) okCount++;
      });
      while (written < link.written.length) {
        const line = link.written[written++];
        const seq = parseInt(/ :([0-9A-F]{2})\^/.exec(line)![1], 16);
        const ok = frame('$OK 01 0 01 0200 :' + hex2(seq));
        const r = rand();
        let out = '';
        if (r < 0.4) out = ok;
        else if (r < 0.5) out = ok.replace(/\^../, '^' + hex2((xorChecksum(ok) + 1) & 255));
        else if (r < 0.6) out = frame('$OK 01 0 01 0200 :' + hex2(((seq + 100) % 255) + 1));
        else if (r < 0.65) out = ok.substr(0, Math.floor(rand() * ok.length));
        else if (r < 0.7) out = frame('$AT 03 03 16 0540') + ok;
        else if (r < 0.75) out = '\nrelayCloseMs: 100\r' + ok;
        else if (r < 0.8) {
          lateReplies.push(ok);
          if (lateReplies.length > 5) lateReplies.shift();
        }
        else if (r < 0.85) out = lateReplies.shift() || '';
        // else: silence
        if (rand() < 0.3) clock.advance(Math.floor(rand() * 700));
        // deliver in random pieces
        let i = 0;
        while (i < out.length) {
          const len = 1 + Math.floor(rand() * 8);
          link.feed(out.substr(i, len));
          i += len;
        }
      }
      if (rand() < 0.1) clock.advance(600);
    }
    clock.advance(600 * 10);
    for (let k = 0; k < 5000; k++) expect(calls.get(k)).toBe(1);
    expect(mismatched).toBe(0);
    // about 40 % of the commands get a clean answer in time; the rest fail cleanly
    expect(okCount).toBeGreaterThan(0.3 * order.length);
    expect(order.length).toBeGreaterThan(1000);
    expect((client as any).queue.length).toBe(0);
  });
});
