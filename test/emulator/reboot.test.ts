// $FR and power cycles: no reply, the reboot delays, the boot sequence in order, RAM lost, EEPROM kept.
import { xorChecksum, hex2 } from '../../src/core/rapi/framing';
import { rig, lines } from './rig';

const x = (text: string) => text + '^' + hex2(xorChecksum(text)) + '\r';
const BOOT = ['\nrelayCloseMs: 100\r', '\nrelayHoldPwm: 255\r', '\n' + x('$AT 00 00 0 0200'), x('$AB 00 8.2.3'), x('$AT 01 01 24 0200')];

test('power-on (real timing): 2.2 s of silence, banner and forced $AT, 2.2 s of POST, $AB, then state A', () => {
  const r = rig({ timing: 'real' });
  r.emu.powerOn();
  expect(r.wait(2150)).toEqual([]);
  expect(r.wait(100)).toEqual(BOOT.slice(0, 3));
  expect(r.wait(2100)).toEqual([]);
  expect(r.wait(300)).toEqual(BOOT.slice(3));
});

test('bytes sent before the firmware listens are lost', () => {
  const r = rig({ timing: 'real' });
  r.emu.powerOn();
  r.emu.receive('$GV^35\r');
  r.clock.advance(1000);
  r.emu.receive('$GS^30\r');
  expect(r.wait(6000)).toEqual(BOOT);
  expect(r.cmd('$GV')).toEqual([x('$OK 8.2.3 5.2.1')]);
});

test('$FR while idle: no reply; the controller resets after the 1 s watchdog and boots again', () => {
  const r = rig({ timing: 'real' });
  r.boot(5000);
  expect(r.cmd('$FR', 500)).toEqual([]);
  r.emu.receive(x('$GV')); // received during the watchdog wait, lost in the reset
  expect(r.wait(2600)).toEqual([]);
  expect(r.wait(200)).toEqual(BOOT.slice(0, 3));
  expect(r.wait(3000)).toEqual(BOOT.slice(3));
});

test('$FR while charging: 3 s more for the car to stop; volatile current lost, saved kept', () => {
  const r = rig({ timing: 'real' });
  r.boot(5000);
  r.cmd('$SC 20');
  r.cmd('$SC 10 V');
  r.emu.plugIn();
  r.emu.requestCharge();
  r.wait(3000);
  expect(r.emu.snapshot().relayClosed).toBe(true);
  r.take();
  expect(r.cmd('$FR', 6100)).toEqual([]);
  expect(r.wait(200)).toEqual(BOOT.slice(0, 3));
  r.wait(10000);
  expect(r.cmd('$GE')).toEqual([x('$OK 20 0001')]);
  expect(r.emu.snapshot().state).toBe(0x03);
});

test('reboot() power-cycles at once; fast timing keeps the order and boots in milliseconds', () => {
  const r = rig();
  r.boot();
  r.emu.reboot();
  expect(lines(r.take())).toEqual([]);
  expect(r.wait(100)).toEqual(BOOT);
  r.emu.powerOff();
  expect(r.clock.pending()).toBe(0);
  r.emu.receive(x('$GV'));
  expect(r.wait(1000)).toEqual([]);
});
