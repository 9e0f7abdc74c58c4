// $SY heartbeat supervision: a missed pulse drops the capacity (volatile) to the fallback and sets
// trigger 2; pulses then get $NK until `$SY 165` acknowledges and restores the capacity.
import { xorChecksum, hex2 } from '../../src/core/rapi/framing';
import { rig, Rig } from './rig';

const x = (text: string) => text + '^' + hex2(xorChecksum(text)) + '\r';

function pulse(r: Rig, seconds: number): void {
  for (let i = 0; i < seconds; i++) expect(r.cmd('$SY', 1000)).toEqual([x('$OK 5 6 0')]);
}

test('configure, pulse, miss, NK, acknowledge, restore', () => {
  const r = rig();
  r.boot();
  expect(r.cmd('$GY')).toEqual([x('$OK 0 0 0')]);
  expect(r.cmd('$SY 5 6')).toEqual([x('$OK 5 6 0')]);
  pulse(r, 12);
  expect(r.emu.snapshot().currentCapacity).toBe(24);
  // No pulse for more than 5 s (the last one was 1 s ago): fallback current, announced by $AT.
  expect(r.wait(3500)).toEqual([]);
  expect(r.wait(1000)).toEqual([x('$AT 01 01 6 0200')]);
  expect(r.cmd('$GY')).toEqual([x('$OK 5 6 2')]);
  expect(r.cmd('$GE')).toEqual([x('$OK 6 0001')]); // volatile only
  expect(r.cmd('$SY')).toEqual([x('$NK 5 6 2')]);
  expect(r.cmd('$SY 12')).toEqual([x('$NK 5 6 2')]); // wrong cookie
  expect(r.cmd('$SY 165')).toEqual([x('$OK 5 6 1'), x('$AT 01 01 24 0200')]);
  expect(r.cmd('$SY')).toEqual([x('$OK 5 6 1')]);
  expect(r.cmd('$SY 1 2 3 4')).toEqual([x('$NK 5 6 1')]);
});

test('the setting survives a reboot: a gateway that does not pulse after it finds trigger 2', () => {
  const r = rig();
  r.boot();
  r.cmd('$SY 5 6');
  r.cmd('$FR', 2000);
  expect(r.cmd('$GY')).toEqual([x('$OK 5 6 0')]);
  expect(r.wait(5000)).toEqual([x('$AT 01 01 6 0200')]);
  expect(r.cmd('$SY')).toEqual([x('$NK 5 6 2')]);
});

test('$SY 0 0 disables supervision and restores the capacity', () => {
  const r = rig();
  r.boot();
  r.cmd('$SY 2 0');
  expect(r.wait(3000)).toEqual([x('$AT 01 01 6 0200')]); // fallback 0 A is clamped to 6
  expect(r.cmd('$SY 0 0')).toEqual([x('$OK 0 0 0'), x('$AT 01 01 24 0200')]);
  expect(r.wait(10000)).toEqual([]);
});

test('the interval is multiplied by 1000 in 16 bits on the AVR: 100 s acts as 34.464 s', () => {
  const r = rig();
  r.boot();
  expect(r.cmd('$SY 100 6')).toEqual([x('$OK 100 6 0')]);
  expect(r.wait(34000)).toEqual([]);
  expect(r.wait(1000)).toEqual([x('$AT 01 01 6 0200')]);
});
