// $ST delay timer: asleep outside the daily window, awake inside it, using the $S1-set RTC time if
// any, else the host clock as UTC. $S1 / $GT set and read the RTC.
import { xorChecksum, hex2 } from '../../src/core/rapi/framing';
import { rig } from './rig';

const x = (text: string) => text + '^' + hex2(xorChecksum(text)) + '\r';

test('host clock (no RTC set): asleep outside the window, awake inside it; TIMER_ON in vflags; $GD', () => {
  const r = rig({ start: Date.UTC(2024, 0, 1, 12, 59, 50) });
  r.boot();
  expect(r.cmd('$ST 13 0 14 0', 1500)).toEqual(['$OK^20\r', x('$AT fe 01 24 1200')]);
  expect(r.cmd('$GD')).toEqual([x('$OK 13 0 14 0')]);
  expect(r.wait(7000)).toEqual([]);
  expect(r.wait(3000)).toEqual([x('$AT 01 01 24 1200')]);
});

test('RTC time: $S1 moves the time of day; the window end puts it back to sleep', () => {
  const r = rig();
  r.boot();
  r.cmd('$ST 13 0 14 0', 1500);
  r.cmd('$S1 24 1 1 13 59 57', 2000);
  expect(r.emu.snapshot().state).toBe(0x01);
  expect(r.wait(3000)).toEqual([x('$AT fe 01 24 1200')]);
});

test('a window across midnight', () => {
  const r = rig();
  r.boot();
  r.cmd('$S1 24 1 1 12 0 0');
  expect(r.cmd('$ST 22 0 6 0', 1500)).toEqual(['$OK^20\r', x('$AT fe 01 24 1200')]);
  r.cmd('$S1 24 1 1 21 59 58', 1000);
  expect(r.emu.snapshot().state).toBe(0xfe);
  r.wait(3000);
  expect(r.emu.snapshot().state).toBe(0x01);
  r.cmd('$S1 24 1 2 5 59 58', 1000);
  expect(r.emu.snapshot().state).toBe(0x01);
  r.wait(3000);
  expect(r.emu.snapshot().state).toBe(0xfe);
});

test('$ST 0 0 0 0 disables the timer: $GD zeros, TIMER_ON cleared, the EVSE stays asleep until $FE', () => {
  const r = rig();
  r.boot();
  r.cmd('$ST 13 0 14 0', 1500);
  expect(r.cmd('$ST 0 0 0 0', 5000)).toEqual(['$OK^20\r']);
  expect(r.cmd('$GD')).toEqual([x('$OK 0 0 0 0')]);
  expect(r.cmd('$GS')).toEqual([x('$OK fe 0 01 0200')]);
  expect(r.cmd('$FE')).toEqual(['$OK^20\r', x('$AT 01 01 24 0200')]);
});

test('boot with the timer on, outside the window: $AB 00, then the first loop sleeps (pilot state still 00)', () => {
  // The firmware's Init() checks the timer before the timer's settings are loaded, so the
  // "$AB fe" path never runs; the main loop's timer check puts it to sleep right after $AB.
  const r = rig();
  r.boot();
  r.cmd('$ST 13 0 14 0', 1500);
  const boot = r.cmd('$FR', 2000);
  expect(boot).toEqual(['\nrelayCloseMs: 100\r', '\nrelayHoldPwm: 255\r', '\n' + x('$AT 00 00 0 0200'), x('$AB 00 8.2.3'), x('$AT fe 00 24 1200')]);
});

test('$S1 sets the RTC: $GT then reads it advancing, across reboots; the timer follows it', () => {
  const r = rig();
  r.boot();
  expect(r.cmd('$GT')).toEqual([x('$OK 165 165 165 165 165 85')]);
  expect(r.cmd('$S1 24 3 15 10 30 0', 0)).toEqual([]);
  expect(r.wait(100)).toEqual(['$OK^20\r']);
  r.wait(64900);
  expect(r.cmd('$GT')).toEqual([x('$OK 24 3 15 10 31 5')]);
  r.cmd('$FR', 2000);
  expect(r.cmd('$GT')).toEqual([x('$OK 24 3 15 10 31 7')]);
  expect(r.cmd('$S1 24 3 15')).toEqual(['$NK^21\r']);
  // RTC 10:31 is inside 10:00-11:00 (the host clock, 12:03 UTC, is not).
  expect(r.cmd('$ST 10 0 11 0', 3000)).toEqual(['$OK^20\r']);
  expect(r.emu.snapshot().state).toBe(0x01);
  expect(r.cmd('$ST 12 0 13 0', 3000)).toEqual(['$OK^20\r', x('$AT fe 01 24 1200')]);
});
