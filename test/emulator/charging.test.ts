// Charging: $GG current follows the pilot (0.99 x, 220 mA steps) or the car's own max; $GU energy;
// elapsed time; sleep, enable, disable and the $AT each one sends.
import { xorChecksum, hex2 } from '../../src/core/rapi/framing';
import { rig, Rig } from './rig';

const x = (text: string) => text + '^' + hex2(xorChecksum(text)) + '\r';

function startCharging(r: Rig): void {
  r.emu.plugIn();
  r.emu.requestCharge();
  r.wait(1000);
}

test('$GG: 0.99 x the offered current in 220 mA steps, or the car\'s max if lower; 0 when not charging', () => {
  const r = rig();
  r.boot();
  startCharging(r);
  expect(r.cmd('$GG')).toEqual([x('$OK 23760 240000')]);
  expect(r.cmd('$SC 16 V')).toEqual([x('$OK 16'), x('$AT 03 03 16 0540')]);
  expect(r.cmd('$GG')).toEqual([x('$OK 15840 240000')]);
  expect(r.cmd('$SC 13 V')).toEqual([x('$OK 13'), x('$AT 03 03 13 0540')]);
  expect(r.cmd('$GG')).toEqual([x('$OK 12760 240000')]); // 12870 rounded down to a 220 mA step
  r.emu.setCarMaxCurrent(10);
  r.wait(100);
  expect(r.cmd('$GG')).toEqual([x('$OK 9900 240000')]);
  expect(r.emu.snapshot().ampsDrawn).toBe(10);
  r.emu.stopRequest();
  expect(r.wait(100)).toEqual([x('$AT 02 02 13 0500')]);
  expect(r.cmd('$GG')).toEqual([x('$OK 0 240000')]);
});

test('$GU: session Ws while charging (firmware integer steps), lifetime Wh added at unplug, kept at reboot', () => {
  const r = rig({ timing: 'real' });
  r.boot(5000);
  expect(r.cmd('$GU')).toEqual([x('$OK 0 0')]);
  r.cmd('$SC 16 V');
  r.emu.plugIn();
  r.emu.requestCharge();
  r.wait(3000);
  const ws0 = r.emu.snapshot().sessionWs;
  r.wait(600000);
  const ws = r.emu.snapshot().sessionWs - ws0;
  // 15.84 A x 240 V x 600 s, give or take one ~260 ms step and the firmware's truncation.
  const exact = 15.84 * 240 * 600;
  expect(Math.abs(ws - exact)).toBeLessThan(exact * 0.001);
  r.emu.stopRequest();
  r.wait(60000); // plugged in, not charging: no energy
  const session = r.emu.snapshot().sessionWs;
  expect(session - ws0 - ws).toBeLessThanOrEqual(1100); // at most the step in progress
  expect(r.cmd('$GU')).toEqual([x('$OK ' + session + ' 0')]);
  r.emu.unplug();
  r.wait(1000);
  const wh = Math.floor(session / 3600);
  expect(r.cmd('$GU')).toEqual([x('$OK ' + session + ' ' + wh)]);
  r.cmd('$FR', 7000);
  expect(r.cmd('$GU')).toEqual([x('$OK 0 ' + wh)]);
  expect(r.cmd('$SK 1000')).toEqual(['$OK^20\r']);
  expect(r.cmd('$GU')).toEqual([x('$OK 0 1000')]);
});

test('$GU uses the $SV voltage', () => {
  const r = rig({ timing: 'real' });
  r.boot(5000);
  r.cmd('$SV 120000');
  r.cmd('$SC 10 V');
  r.emu.plugIn();
  r.emu.requestCharge();
  r.wait(3000);
  const ws0 = r.emu.snapshot().sessionWs;
  r.wait(100000);
  const ws = r.emu.snapshot().sessionWs - ws0;
  expect(Math.abs(ws - 9.9 * 120 * 100)).toBeLessThan(300);
});

test('elapsed: counts while charging, accumulates over pauses in one session, resets when an EV connects', () => {
  const r = rig();
  r.boot();
  startCharging(r);
  r.wait(10000);
  r.emu.stopRequest();
  r.wait(5000);
  expect(r.cmd('$GS')).toEqual([x('$OK 02 10 02 0500')]);
  r.emu.requestCharge();
  r.wait(10500);
  expect(r.cmd('$GS')).toEqual([x('$OK 03 20 03 0540')]);
  r.emu.unplug();
  r.wait(1000);
  expect(r.cmd('$GS')).toEqual([x('$OK 01 20 01 0200')]);
  r.emu.plugIn();
  r.wait(1000);
  expect(r.cmd('$GS')).toEqual([x('$OK 02 0 02 0700')]);
});

test('$FS while charging: $OK, $AT fe, the relay opens once the car stops; $FE resumes through B', () => {
  const r = rig();
  r.boot();
  startCharging(r);
  expect(r.cmd('$FS', 10)).toEqual(['$OK^20\r', x('$AT fe 03 24 0540')]);
  r.wait(100);
  expect(r.emu.snapshot().relayClosed).toBe(false);
  expect(r.cmd('$GG')).toEqual([x('$OK 0 240000')]);
  expect(r.cmd('$FS')).toEqual(['$OK^20\r']); // already sleeping: nothing changes
  const resumed = r.cmd('$FE', 1000);
  expect(resumed).toEqual(['$OK^20\r', x('$AT 02 03 24 0500'), '\nrelayCloseMs: 100\r', '\nrelayHoldPwm: 255\r', '\n' + x('$AT 03 03 24 0540')]);
});

test('sleeping: EV plug and unplug are announced; $FE only acts from sleeping or disabled', () => {
  const r = rig();
  r.boot();
  expect(r.cmd('$FE')).toEqual(['$OK^20\r']);
  expect(r.cmd('$FS')).toEqual(['$OK^20\r', x('$AT fe 01 24 0200')]);
  r.emu.plugIn();
  expect(r.wait(100)).toEqual([x('$AT fe 01 24 0300')]);
  r.emu.unplug();
  expect(r.wait(100)).toEqual([x('$AT fe 01 24 0600')]);
  expect(r.cmd('$FE')).toEqual(['$OK^20\r', x('$AT 01 01 24 0200')]);
});

test('$FD: pilot -12 V, $AT ff after the $OK, $G0 = 2; the EV is not seen until $FE', () => {
  const r = rig();
  r.boot();
  expect(r.cmd('$FD')).toEqual(['$OK^20\r', x('$AT ff 01 24 0200')]);
  expect(r.cmd('$G0')).toEqual([x('$OK 2')]);
  r.emu.plugIn();
  expect(r.wait(1000)).toEqual([]);
  expect(r.cmd('$GS')).toEqual([x('$OK ff 0 01 0200')]);
  expect(r.cmd('$FE', 1000)).toEqual(['$OK^20\r', x('$AT 02 02 24 0700')]);
});

test('$FD answers only after the Mennekes unlock pulse (300 ms in real timing)', () => {
  const r = rig({ timing: 'real' });
  r.boot(5000);
  expect(r.cmd('$FD', 250)).toEqual([]);
  expect(r.wait(150)).toEqual(['$OK^20\r', x('$AT ff 01 24 0200')]);
});

test('$F1 (short press) toggles sleep; $S5 / $G5 drive the Mennekes lock', () => {
  const r = rig();
  r.boot();
  expect(r.cmd('$F1')).toEqual(['$OK^20\r', x('$AT fe 01 24 0200')]);
  expect(r.cmd('$F1')).toEqual(['$OK^20\r', x('$AT 01 01 24 0200')]);
  expect(r.cmd('$G5')).toEqual([x('$OK 0 A')]);
  r.emu.plugIn();
  r.wait(1000);
  expect(r.cmd('$G5')).toEqual([x('$OK 1 A')]);
  expect(r.cmd('$S5 M')).toEqual(['$OK^20\r']);
  expect(r.cmd('$S5 0')).toEqual(['$OK^20\r']);
  expect(r.cmd('$G5')).toEqual([x('$OK 0 M')]);
  expect(r.cmd('$GS')).toEqual([x('$OK 02 0 02 8700')]);
  expect(r.cmd('$S5 X')).toEqual(['$NK^21\r']);
});

test('LCD commands are accepted and kept for snapshot()', () => {
  const r = rig();
  r.boot();
  expect(r.cmd('$F0 0')).toEqual(['$OK^20\r']);
  expect(r.cmd('$FB 3')).toEqual(['$OK^20\r']);
  expect(r.cmd('$FP 2 1 Hello World')).toEqual(['$OK^20\r']);
  expect(r.cmd('$FP 2 1')).toEqual(['$NK^21\r']);
  expect(r.emu.snapshot().lcd).toEqual({ backlight: 3, updatesDisabled: true, lines: ['                ', '  Hello World   '] });
});
