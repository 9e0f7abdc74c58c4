import { Log } from '../types';

/** Log lines on stdout with a timestamp; `debug` only when `verbose`. */
export function consoleLog(verbose: boolean): Log {
  return function (level, msg) {
    if (level === 'debug' && !verbose) return;
    console.log(new Date().toISOString() + ' ' + level + ' ' + msg);
  };
}
