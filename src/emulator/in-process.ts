// The emulated controller wired straight to the gateway, with no serial port in between.
// Bytes are delivered on the next turn of the event loop in each direction, as a UART would,
// so neither side ever runs inside the other's write().
import { Clock, SerialLink } from '../hal/types';
import { ControllerEmulator } from './controller';

export function inProcessEmulator(clock: Clock, timing: 'real' | 'fast'): { link: SerialLink; emulator: ControllerEmulator } {
  var receiver: ((data: string) => void) | null = null;
  var emulator = new ControllerEmulator({
    clock: clock,
    timing: timing,
    write: function (bytes) {
      setTimeout(function () {
        if (receiver) receiver(bytes);
      }, 0);
    },
  });
  var link: SerialLink = {
    write: function (data) {
      setTimeout(function () {
        emulator.receive(data);
      }, 0);
    },
    onData: function (cb) {
      receiver = cb;
    },
  };
  emulator.powerOn();
  return { link: link, emulator: emulator };
}
