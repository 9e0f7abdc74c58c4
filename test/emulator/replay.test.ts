// Replays the recorded transcript of the real firmware (v5-real-8.2.3.md) against the emulator:
// every `->` line is sent at its recorded time, the harness's `ev B/C/A` lines become
// plugIn/requestCharge/unplug, and the emulator's output must equal every `<-` line, byte for byte.
import * as fs from 'fs';
import * as path from 'path';
import { ControllerEmulator } from '../../src/emulator/controller';
import { FakeClock } from '../helpers/fake-clock';

const TRANSCRIPT = path.join(__dirname, '../../../shared/data/rapi-frames/v5-real-8.2.3.md');

interface Event {
  t: number; // seconds since the harness started (and powered the controller)
  kind: '->' | '<-' | 'ev';
  data: string; // bytes, or the EV state letter
}

/** Timed lines of the transcript: `  8.004  -> $GV^35\r`, `  32.038  ## harness stdin: ev B`. */
function parseTranscript(text: string): Event[] {
  const unescape = (s: string) => s.replace(/\\r/g, '\r').replace(/\\n/g, '\n');
  const out: Event[] = [];
  for (const line of text.split('\n')) {
    let m = /^\s*(\d+\.\d+)\s+(->|<-) (.*)$/.exec(line);
    if (m) out.push({ t: parseFloat(m[1]), kind: m[2] as '->' | '<-', data: unescape(m[3]) });
    else if ((m = /^\s*(\d+\.\d+)\s+## harness stdin: ev ([ABC])\s*$/.exec(line))) out.push({ t: parseFloat(m[1]), kind: 'ev', data: m[2] });
  }
  return out;
}

interface Received {
  t: number;
  line: string;
}

/** Runs the transcript's inputs; returns every received line with the time its CR arrived. */
function replay(events: Event[], timing: 'real' | 'fast', check: (sentAt: number, got: Received[]) => void): Received[] {
  const clock = new FakeClock(0);
  const got: Received[] = [];
  let partial = '';
  const emu = new ControllerEmulator({
    clock,
    timing,
    write(bytes) {
      // Split after each CR, as the transcript does.
      for (const ch of bytes) {
        partial += ch;
        if (ch === '\r') {
          got.push({ t: clock.now() / 1000, line: partial });
          partial = '';
        }
      }
    },
  });
  emu.powerOn();
  for (const e of events) {
    clock.advanceTo(e.t * 1000);
    if (e.kind === '->') {
      check(e.t, got.slice());
      emu.receive(e.data);
    } else if (e.kind === 'ev') {
      if (e.data === 'A') emu.unplug();
      else if (e.data === 'B') emu.plugIn();
      else emu.requestCharge();
    }
  }
  clock.advance(5000);
  return got;
}

const events = parseTranscript(fs.readFileSync(TRANSCRIPT, 'utf8'));
const expected = events.filter((e) => e.kind === '<-');

test('the transcript parses into the expected number of lines', () => {
  expect(events.filter((e) => e.kind === '->').length).toBe(29);
  expect(events.filter((e) => e.kind === 'ev').map((e) => e.data)).toEqual(['B', 'C', 'A']);
  expect(expected.length).toBe(51);
  expect(expected[0].data).toBe('\nrelayCloseMs: 100\r');
});

test('real timing: every received line, byte for byte, in order, and none early or late', () => {
  const got = replay(events, 'real', (sentAt, soFar) => {
    // Causality: when a command is sent, exactly the lines recorded before it have arrived.
    expect(soFar.map((r) => r.line)).toEqual(expected.filter((e) => e.t < sentAt).map((e) => e.data));
  });
  expect(got.map((r) => r.line)).toEqual(expected.map((e) => e.data));
  // Timing is not part of the byte comparison, but 'real' should be close to the recording.
  got.forEach((r, i) => expect(Math.abs(r.t - expected[i].t)).toBeLessThan(0.15));
});

test('fast timing: the same bytes in the same order, and the boot takes milliseconds', () => {
  // Only $GS's elapsed charge time (seconds) depends on how long things took; mask it and its checksum.
  const mask = (l: string) => l.replace(/^(\$OK [0-9a-f]{2}) \d+ (.*)\^[0-9A-F]{2}\r$/, '$1 N $2\r');
  const got = replay(events, 'fast', () => undefined);
  expect(got.map((r) => mask(r.line))).toEqual(expected.map((e) => mask(e.data)));
  const ab = got.find((r) => r.line.startsWith('$AB'))!;
  expect(ab.t).toBeLessThan(0.1);
});
