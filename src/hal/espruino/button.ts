// The Button HAL on an Espruino pin: pressed pulls the pin to ground (every supported board's
// button, see boards/*.json), the internal pull-up holds it high otherwise.
import { Button } from '../types';

declare function setWatch(fn: (e: { state: boolean }) => void, pin: any, opts: any): any;
declare function pinMode(pin: any, mode: string): void;

/** Milliseconds a level must hold before it counts: contact bounce is shorter. */
var DEBOUNCE_MS = 50;

/** `pinName` as the board file names it ("D0"). */
export function espruinoButton(pinName: string): Button {
  var pin = global[pinName];
  pinMode(pin, 'input_pullup');
  return {
    onChange: function (cb) {
      setWatch(
        function (e) {
          cb(!e.state);
        },
        pin,
        { repeat: true, edge: 'both', debounce: DEBOUNCE_MS }
      );
    },
  };
}
