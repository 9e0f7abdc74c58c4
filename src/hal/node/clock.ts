import { Clock } from '../types';

/**
 * A clock on the host's time. `set` cannot change the system clock (that needs root, and on a
 * computer the OS keeps it right with its own NTP), so it keeps an offset that now() adds: the
 * gateway then reads the time it was given, the rest of the machine is left alone.
 */
export function createNodeClock(): Clock {
  var offset = 0;
  return {
    now: function () {
      return Date.now() + offset;
    },
    set: function (ms) {
      offset = Math.round(ms) - Date.now();
    },
    setTimeout: function (fn, ms) {
      return setTimeout(fn, ms);
    },
    clearTimeout: function (h) {
      clearTimeout(h);
    },
    setInterval: function (fn, ms) {
      return setInterval(fn, ms);
    },
    clearInterval: function (h) {
      clearInterval(h);
    },
  };
}

/** The host's clock and timers, shared by whatever does not own its own time (the emulator, tools). */
export var nodeClock: Clock = createNodeClock();
