// $SC current capacity: uint8 truncation, clamping to [6, max] with $NK, volatile values capped at the
// saved max, write-once hardware max; $SL service level; the EU build's limits.
import { xorChecksum, hex2 } from '../../src/core/rapi/framing';
import { rig } from './rig';

const x = (text: string) => text + '^' + hex2(xorChecksum(text)) + '\r';

test('$SC clamps into [6, max] and replies with the resulting amps on OK and NK; $AT only on a change', () => {
  const r = rig();
  r.boot();
  expect(r.cmd('$SC 300 V')).toEqual([x('$NK 24')]); // 300 -> 44 (uint8), over the saved max 24, unchanged
  expect(r.cmd('$SC 300')).toEqual([x('$OK 44'), x('$AT 01 01 44 0200')]); // saved: limit is the hardware max 80
  expect(r.cmd('$GC')).toEqual([x('$OK 6 80 44 44')]);
  expect(r.cmd('$SC 99')).toEqual([x('$NK 80'), x('$AT 01 01 80 0200')]);
  expect(r.cmd('$SC 5')).toEqual([x('$NK 6'), x('$AT 01 01 6 0200')]);
  expect(r.cmd('$SC 6')).toEqual([x('$OK 6')]);
  expect(r.cmd('$GE')).toEqual([x('$OK 6 0001')]);
  expect(r.cmd('$SC')).toEqual(['$NK^21\r']);
  expect(r.cmd('$SC 1 2 3')).toEqual(['$NK^21\r']);
});

test('a volatile value (any third token but M) is capped at the saved max and lost at reboot', () => {
  const r = rig();
  r.boot();
  expect(r.cmd('$SC 20')).toEqual([x('$OK 20'), x('$AT 01 01 20 0200')]);
  expect(r.cmd('$SC 30 V')).toEqual([x('$NK 20')]);
  expect(r.cmd('$SC 10 X')).toEqual([x('$OK 10'), x('$AT 01 01 10 0200')]);
  expect(r.cmd('$GC')).toEqual([x('$OK 6 80 10 20')]);
  r.cmd('$FR', 3000);
  expect(r.cmd('$GE')).toEqual([x('$OK 20 0001')]);
});

test('$SC a M sets the hardware max once, only if unset and within 6..80', () => {
  const r = rig();
  r.boot();
  expect(r.cmd('$SC 90 M')).toEqual([x('$NK 80')]);
  expect(r.cmd('$SC 20 M')).toEqual([x('$OK 20'), x('$AT 01 01 20 0200')]); // capacity 24 > 20: lowered
  expect(r.cmd('$SC 40 M')).toEqual([x('$NK 20')]);
  expect(r.cmd('$SC 30')).toEqual([x('$NK 20')]);
  expect(r.cmd('$GC')).toEqual([x('$OK 6 20 20 20')]);
  r.cmd('$FR', 3000);
  expect(r.cmd('$GC')).toEqual([x('$OK 6 20 20 20')]);
});

test('$SL switches level: capacity to that level\'s saved max, voltage, auto detection off', () => {
  const r = rig();
  r.boot();
  expect(r.cmd('$SL 1')).toEqual(['$OK^20\r', x('$AT 01 01 12 0200')]);
  expect(r.cmd('$GE')).toEqual([x('$OK 12 0020')]);
  expect(r.cmd('$GC')).toEqual([x('$OK 6 24 12 12')]);
  expect(r.cmd('$GG')).toEqual([x('$OK 0 120000')]);
  expect(r.cmd('$SC 30')).toEqual([x('$NK 24'), x('$AT 01 01 24 0200')]);
  expect(r.cmd('$SL A')).toEqual(['$OK^20\r']);
  expect(r.cmd('$GE')).toEqual([x('$OK 24 0000')]);
  expect(r.cmd('$SL 2')).toEqual(['$OK^20\r']); // L2's saved max is the default 24: no change, no $AT
  expect(r.cmd('$GE')).toEqual([x('$OK 24 0021')]);
  expect(r.cmd('$SL 3')).toEqual(['$NK^21\r']);
});

test('$SV sets the voltage used for energy; $SL resets it', () => {
  const r = rig();
  r.boot();
  expect(r.cmd('$SV 231500')).toEqual(['$OK^20\r']);
  expect(r.cmd('$GG')).toEqual([x('$OK 0 231500')]);
  r.cmd('$SL 2');
  expect(r.cmd('$GG')).toEqual([x('$OK 0 240000')]);
});

test('EU build: 8.2.3.EU, L2 only at 32 A and 230 V, no auto service level', () => {
  const r = rig({ eu: true });
  const boot = r.boot();
  expect(boot).toContain(x('$AB 00 8.2.3.EU'));
  expect(boot.endsWith(x('$AT 01 01 32 0200'))).toBe(true);
  expect(r.cmd('$GV')).toEqual([x('$OK 8.2.3.EU 5.2.1')]);
  expect(r.cmd('$GE')).toEqual([x('$OK 32 0021')]);
  expect(r.cmd('$GC')).toEqual([x('$OK 6 32 32 32')]);
  expect(r.cmd('$GG')).toEqual([x('$OK 0 230000')]);
  expect(r.cmd('$SC 40')).toEqual([x('$NK 32')]);
  expect(r.cmd('$SL A')).toEqual(['$NK^21\r']);
});
