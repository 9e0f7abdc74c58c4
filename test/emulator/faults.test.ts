// Fault injection: each fault appears the way the firmware detects it, opens the relay, and the
// GFI / no-ground / stuck-relay counters of $GF count the trips (saved across reboots).
import { xorChecksum, hex2 } from '../../src/core/rapi/framing';
import { rig, Rig } from './rig';

const x = (text: string) => text + '^' + hex2(xorChecksum(text)) + '\r';

/** Boots, plugs in and charges for `seconds`. */
function charging(r: Rig, seconds = 3): void {
  r.boot();
  r.emu.plugIn();
  r.emu.requestCharge();
  r.clock.advance(seconds * 1000);
  expect(r.emu.snapshot().relayClosed).toBe(true);
  r.take();
}

test('GFCI while charging: relay opens at once, state 06, $GF counts; unplugging clears it', () => {
  const r = rig();
  charging(r);
  r.emu.injectFault(0x06);
  expect(r.emu.snapshot().relayClosed).toBe(false);
  // State 06 at once; the pilot state follows after its debounce (no pilot reading in a fault).
  expect(r.wait(100)).toEqual([x('$AT 06 03 24 0580'), x('$AT 06 00 24 0580')]);
  expect(r.cmd('$GF')).toEqual([x('$OK 1 0 0')]);
  expect(r.cmd('$GG')).toEqual([x('$OK 0 240000')]);
  r.emu.clearFault();
  expect(r.wait(1000)).toEqual([]); // still faulted while the EV is plugged in
  r.emu.unplug();
  expect(r.wait(1000)).toEqual([x('$AT 01 01 24 0280')]); // GFI_TRIPPED stays until reboot
  r.cmd('$FR', 2000);
  expect(r.cmd('$GF')).toEqual([x('$OK 1 0 0')]);
});

test('GFCI within 2 s of closing the relay is a hard fault (UL): RAPI answers, $FP refused, unplug recovers', () => {
  const r = rig();
  r.boot();
  r.emu.plugIn();
  r.emu.requestCharge();
  while (!r.emu.snapshot().relayClosed) r.clock.advance(1);
  r.take();
  r.emu.injectFault(0x06);
  const out = r.wait(100);
  expect(out[0]).toBe(x('$AT 06 03 24 0582'));
  expect(r.cmd('$GV')).toEqual([x('$OK 8.2.3 5.2.1')]);
  expect(r.cmd('$FP 0 0 hi')).toEqual(['$NK^21\r']);
  r.emu.clearFault();
  r.emu.unplug();
  r.wait(1000);
  expect(r.emu.snapshot().state).toBe(0x01);
  expect(r.emu.snapshot().vflags & 0x0002).toBe(0);
});

test('no ground: checked while the relay is closed; state 07; retried after 5 minutes', () => {
  const r = rig({ timing: 'real' });
  charging(r, 10);
  r.emu.injectFault(0x07);
  expect(r.wait(1000)).toEqual([x('$AT 07 03 24 0500'), x('$AT 07 00 24 0500')]);
  expect(r.emu.snapshot().relayClosed).toBe(false);
  expect(r.cmd('$GF')).toEqual([x('$OK 0 1 0')]);
  r.emu.clearFault();
  r.wait(4 * 60000);
  expect(r.emu.snapshot().state).toBe(0x07);
  r.wait(62000);
  expect(r.emu.snapshot().state).toBe(0x03);
  expect(r.emu.snapshot().relayClosed).toBe(true);
});

test('stuck relay: seen with the relay open; a hard fault that only a reboot ends, and POST then fails', () => {
  const r = rig();
  r.boot();
  r.emu.injectFault(0x08);
  expect(r.wait(100)).toEqual([x('$AT 08 01 24 0202')]);
  // The hard-fault loop still reads the pilot; the next command's $AT shows the EV connected.
  r.emu.plugIn();
  expect(r.wait(1000)).toEqual([]);
  expect(r.cmd('$GF')).toEqual([x('$OK 0 0 1'), x('$AT 08 01 24 0702')]);
  expect(r.cmd('$GS')).toEqual([x('$OK 08 0 01 0702')]);
  // Reboot with the relay still welded: POST fails, $AB reports it, the controller spins.
  const boot = r.cmd('$FR', 2000);
  // (0201: the EV is plugged in, so POST skipped the L1/L2 probe.)
  expect(boot.slice(-2)).toEqual([x('$AB 08 8.2.3'), x('$AT 08 00 0 0201')]);
  expect(r.cmd('$GV')).toEqual([x('$OK 8.2.3 5.2.1')]);
  r.emu.clearFault();
  expect(r.cmd('$FR', 2000)).toContain(x('$AB 00 8.2.3'));
});

test('no ground at POST: $AB 07; $FF G 0 then $FR recovers (at L1: POST could not detect L2)', () => {
  const r = rig();
  r.emu.injectFault(0x07);
  const boot = r.boot();
  expect(boot.endsWith(x('$AT 00 00 0 0200') + x('$AB 07 8.2.3') + x('$AT 07 00 0 0200'))).toBe(true);
  expect(r.cmd('$FF G 0')).toEqual(['$OK^20\r']);
  const reboot = r.cmd('$FR', 2000);
  expect(reboot.slice(-2)).toEqual([x('$AB 00 8.2.3'), x('$AT 01 01 12 0200')]);
  expect(r.cmd('$GE')).toEqual([x('$OK 12 0008')]);
});

test('GFI self-test failure before closing the relay: state 09, hard fault until unplugged', () => {
  const r = rig();
  r.boot();
  r.emu.plugIn();
  r.wait(1000);
  r.emu.injectFault(0x09);
  r.emu.requestCharge();
  expect(r.wait(1000)).toEqual([x('$AT 09 03 24 0702')]);
  expect(r.emu.snapshot().relayClosed).toBe(false);
  r.emu.unplug();
  r.emu.clearFault();
  expect(r.wait(1000)).toEqual([x('$AT 01 01 24 0200')]);
});

test('vent required (D) and a missing diode are hard faults while the EV stays plugged in', () => {
  const r = rig();
  r.boot();
  r.emu.plugIn();
  r.wait(1000);
  r.emu.injectFault(0x04);
  expect(r.wait(1000)).toEqual([x('$AT 04 04 24 0702')]);
  r.emu.clearFault();
  expect(r.wait(1000)).toEqual([]);
  r.emu.unplug();
  r.wait(1000);
  r.emu.plugIn();
  r.wait(1000);
  r.take();
  r.emu.injectFault(0x05);
  expect(r.wait(1000)).toEqual([x('$AT 05 05 24 0702')]);
});

test('temperature: throttle to half at 65 C while charging ($SC raise refused), back at 62 C; 71 C is a fault', () => {
  const r = rig();
  charging(r);
  expect(r.cmd('$GP')).toEqual([x('$OK -2560 -2560 -2560')]);
  r.emu.setTemperature(660);
  expect(r.wait(1500)).toEqual([x('$AT 03 03 12 0540')]);
  expect(r.cmd('$GP')).toEqual([x('$OK -2560 660 -2560')]);
  expect(r.cmd('$SC 20 V')).toEqual([x('$NK 12')]);
  r.emu.setTemperature(600);
  expect(r.wait(100)).toEqual([x('$AT 03 03 24 0540')]);
  r.emu.injectFault(0x0a);
  expect(r.wait(1000)).toEqual([x('$AT 0a 03 24 0502')]);
  expect(r.emu.snapshot().relayClosed).toBe(false);
});

test('over current is detected by the EU build only (5 A over the pilot for 10 s)', () => {
  const us = rig();
  charging(us);
  us.emu.injectFault(0x0b);
  us.wait(20000);
  expect(us.cmd('$GG')).toEqual([x('$OK 29700 240000')]); // 30 A drawn at 24 A offered
  expect(us.emu.snapshot().state).toBe(0x03);

  const eu = rig({ eu: true });
  charging(eu);
  eu.emu.injectFault(0x0b);
  expect(eu.wait(9000)).toEqual([]);
  expect(eu.wait(2000)).toEqual([x('$AT 0b 03 32 0502')]);
  expect(eu.emu.snapshot().relayClosed).toBe(false);
});

test('injectFault rejects codes outside 4..11', () => {
  const r = rig();
  expect(() => r.emu.injectFault(3)).toThrow(RangeError);
  expect(() => r.emu.injectFault(0x0c)).toThrow(RangeError);
});
