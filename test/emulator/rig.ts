// A controller emulator on a FakeClock, with its output captured: the common setup of these tests.
import { ControllerEmulator, ControllerOptions } from '../../src/emulator/controller';
import { frameCommand } from '../../src/core/rapi/framing';
import { FakeClock } from '../helpers/fake-clock';

export interface Rig {
  clock: FakeClock;
  emu: ControllerEmulator;
  /** Powers on and lets the boot finish. Returns the boot output. */
  boot(ms?: number): string;
  /** Output since the last take(). */
  take(): string;
  /** Sends `cmd` with its XOR checksum, lets `ms` pass, returns the output split after each CR. */
  cmd(cmd: string, ms?: number): string[];
  /** Lets `ms` pass and returns the output split after each CR. */
  wait(ms: number): string[];
}

export function lines(bytes: string): string[] {
  return bytes.split(/(?<=\r)/).filter((s) => s.length > 0);
}

export function rig(opts: Partial<Omit<ControllerOptions, 'clock' | 'write'>> & { start?: number } = {}): Rig {
  const clock = new FakeClock(opts.start !== undefined ? opts.start : Date.UTC(2024, 0, 1, 12, 0, 0));
  let out = '';
  const emu = new ControllerEmulator({ clock, write: (b) => (out += b), timing: opts.timing || 'fast', eu: opts.eu, firmware: opts.firmware });
  const take = () => {
    const o = out;
    out = '';
    return o;
  };
  return {
    clock,
    emu,
    take,
    boot(ms = 1000) {
      emu.powerOn();
      clock.advance(ms);
      return take();
    },
    cmd(cmd, ms = 100) {
      emu.receive(frameCommand(cmd, 0));
      clock.advance(ms);
      return lines(take());
    },
    wait(ms) {
      clock.advance(ms);
      return lines(take());
    },
  };
}
