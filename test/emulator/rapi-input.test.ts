// Byte-level input handling, as the firmware's doCmd/tokenize: framing, checksums, sequence ids,
// the 31-character limit, the 10-token limit, echo, and dispatch on two letters.
import { xorChecksum, hex2 } from '../../src/core/rapi/framing';
import { rig, lines, Rig } from './rig';

/** `text` with its XOR checksum, without CR. */
const x = (text: string) => text + '^' + hex2(xorChecksum(text));

let r: Rig;
beforeEach(() => {
  r = rig();
  r.boot();
});

function send(bytes: string, ms = 50): string[] {
  r.emu.receive(bytes);
  r.clock.advance(ms);
  return lines(r.take());
}

test('a command split into arbitrary pieces is answered once', () => {
  r.emu.receive('$G');
  r.clock.advance(20);
  r.emu.receive('V^3');
  r.clock.advance(20);
  expect(r.take()).toBe('');
  expect(send('5\r')).toEqual(['$OK 8.2.3 5.2.1^2F\r']);
});

test('CR ends a line, LF does not; a stray LF outside a command is ignored', () => {
  expect(send('$GV^35\n')).toEqual([]);
  // The LF sits after the checksum, where anything is ignored, so the CR now runs the command.
  expect(send('\r')).toEqual(['$OK 8.2.3 5.2.1^2F\r']);
  expect(send('\n$GS^30\r\n$GE^26\r\n')).toEqual(['$OK 01 0 01 0200^12\r', '$OK 24 0001^27\r']);
});

test('a $ restarts the line, even mid-command', () => {
  expect(send('$GS^3$GV^35\r')).toEqual(['$OK 8.2.3 5.2.1^2F\r']);
  expect(send('$SC 6 V$GE^26\r')).toEqual(['$OK 24 0001^27\r']);
});

test('31 characters from $ through the checksum are accepted; a 32nd drops the line silently', () => {
  const ok = x('$FP 0 0 ABCDEFGHIJKLMNOPQRST');
  expect(ok.length).toBe(31);
  expect(send(ok + '\r')).toEqual(['$OK^20\r']);
  const long = x('$FP 0 0 ABCDEFGHIJKLMNOPQRSTU');
  expect(long.length).toBe(32);
  expect(send(long + '\r')).toEqual([]);
  // Bytes after the drop are ignored until the next $.
  expect(send('GV^35\r')).toEqual([]);
  expect(send('$GV^35\r')).toEqual(['$OK 8.2.3 5.2.1^2F\r']);
  expect(r.emu.snapshot().lcd!.lines[0]).toBe('ABCDEFGHIJKLMNOP');
});

test('up to 10 tokens; an 11th gives $NK^21', () => {
  expect(send(x('$FP 1 2 3 4 5 6 7 8 9') + '\r')).toEqual(['$OK^20\r']);
  expect(send(x('$FP 1 2 3 4 5 6 7 8 9 A') + '\r')).toEqual(['$NK^21\r']);
});

test('XOR and additive checksums are verified; none at all is accepted', () => {
  expect(send('$GS^31\r')).toEqual(['$NK^21\r']);
  expect(send('$GS*BE\r')).toEqual(['$OK 01 0 01 0200^12\r']);
  expect(send('$GS*BF\r')).toEqual(['$NK^21\r']);
  expect(send('$GV*c1\r')).toEqual(['$OK 8.2.3 5.2.1^2F\r']); // hex digits in either case
  expect(send('$GV\r')).toEqual(['$OK 8.2.3 5.2.1^2F\r']);
  expect(send('$GV^35 trailing junk\r')).toEqual(['$OK 8.2.3 5.2.1^2F\r']);
  // A wrong checksum is never trusted, even for a command that would change something.
  expect(send('$SC 6^00\r')).toEqual(['$NK^21\r']);
  expect(r.emu.snapshot().currentCapacity).toBe(24);
});

test('a sequence id is echoed, uppercase, before the checksum; never on a checksum error', () => {
  expect(send('$GS :2A^59\r')).toEqual(['$OK 01 0 01 0200 :2A^7B\r']);
  expect(send(x('$GS :2a') + '\r')).toEqual(['$OK 01 0 01 0200 :2A^7B\r']);
  expect(send(x('$SC 5 V :10') + '\r')).toEqual([x('$NK 6 :10') + '\r', '$AT 01 01 6 0200^05\r']);
  expect(send(x('$QQ :07') + '\r')).toEqual([x('$NK :07') + '\r']);
  expect(send(x('$GV :00') + '\r')).toEqual(['$OK 8.2.3 5.2.1^2F\r']); // 00 = no id
  expect(send('$GS :2A^58\r')).toEqual(['$NK^21\r']);
});

test('dispatch looks at the first two letters only; unknown and compiled-out commands get a bare $NK', () => {
  expect(send(x('$GSX') + '\r')).toEqual(['$OK 01 0 01 0200^12\r']);
  for (const c of ['$gs', '$QQ', '$G', '$Z0 100 255', '$T0 75', '$G3', '$GH', '$G4', '$GM', '$GO', '$S2 1', '$S3 4', '$SH 5', '$S4 1', '$SM 1 2', '$SB', '$GR', '$GZ']) {
    expect([c, send(x(c) + '\r')]).toEqual([c, ['$NK^21\r']]);
  }
});

test('$GI has the firmware\'s leading extra space; $G0 reports the connection', () => {
  const [gi] = send(x('$GI') + '\r');
  expect(gi).toMatch(/^\$OK  [\x20-\xff]{6}[0-9A-F]{8}\^[0-9A-F]{2}\r$/);
  expect(send(x('$G0') + '\r')).toEqual([x('$OK 0') + '\r']);
  r.emu.plugIn();
  r.clock.advance(100);
  r.take();
  expect(send(x('$G0') + '\r')).toEqual([x('$OK 1') + '\r']);
});

test('echo bug: $FF E 0 turns echo ON; replies then get an extra LF, until a reboot', () => {
  expect(send(x('$FF E 0') + '\r')).toEqual(['$OK^20\r', '\n']);
  expect(r.emu.snapshot().echo).toBe(true);
  expect(r.take()).toBe('');
  r.emu.receive('xy$GV^35\r');
  r.clock.advance(50);
  expect(r.take()).toBe('xy$GV^35\r$OK 8.2.3 5.2.1^2F\r\n');
  // Async messages get no LF.
  r.emu.receive('$SC 7 V\r');
  r.clock.advance(50);
  expect(r.take()).toBe('$SC 7 V\r' + x('$OK 7') + '\r\n' + x('$AT 01 01 7 0200') + '\r');
  r.emu.reboot();
  r.clock.advance(1000);
  r.take();
  expect(send('$GV^35\r')).toEqual(['$OK 8.2.3 5.2.1^2F\r']);
});

test('$FF: feature flags in $GE; bad letter or value is $NK', () => {
  expect(send(x('$FF D 0') + '\r')).toEqual(['$OK^20\r']);
  expect(send(x('$FF V 0') + '\r')).toEqual(['$OK^20\r']);
  expect(send(x('$FF B 0') + '\r')).toEqual(['$OK^20\r']);
  expect(send('$GE^26\r')).toEqual([x('$OK 24 8007') + '\r']);
  expect(send(x('$FF D 1') + '\r')).toEqual(['$OK^20\r']);
  expect(send('$GE^26\r')).toEqual([x('$OK 24 8005') + '\r']);
  expect(send(x('$FF X 1') + '\r')).toEqual(['$NK^21\r']);
  expect(send(x('$FF D 2') + '\r')).toEqual(['$NK^21\r']);
  expect(send(x('$FF D') + '\r')).toEqual(['$NK^21\r']);
});
