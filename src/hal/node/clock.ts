import { Clock } from '../types';

/** The host's clock and timers. */
export var nodeClock: Clock = {
  now: function () {
    return Date.now();
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
