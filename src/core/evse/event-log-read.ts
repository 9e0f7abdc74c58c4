// Reading the event log (src/core/evse/event-log.ts) for `/logs` and `/logs/{i}`: apart from the
// log itself, which the device keeps running, so that this code is defined only for those requests
// (http/logs.ts, one of the routes defined per request: http/routes.ts). The log takes only
// `written` from here.
import type { EventLog } from './event-log';

/** Where a block file's written part ends: its first erased (0xFF) byte, or its end. */
export function written(text: string): number {
  var n = text.indexOf('\xFF');
  return n < 0 ? text.length : n;
}

/** `/logs`: {min, max} (both 0 when empty, as a fresh reference log). */
export function logRange(log: EventLog): any {
  return { min: log.min < 0 ? 0 : log.min, max: log.max < 0 ? 0 : log.max };
}

/** `/logs/{i}`: the entries of block i, or null when it is not kept ("Block out of range"). */
export function logBlock(log: EventLog, i: number): any[] | null {
  if (log.max < 0 && i === 0) return [];
  if (!(i >= log.min && i <= log.max) || i % 1 !== 0) return null;
  var text = log.storage.read('elog' + (i % log.blocks)) || '';
  var lines = text.substr(0, written(text)).split('\n');
  // the slot holds another block, or its header is torn (as in the constructor)
  var h = lines.length > 1 && lines[0].charAt(0) === '#' ? lines[0].substr(1) : '';
  if (!/^[0-9]+$/.test(h) || parseInt(h, 10) !== i) return null;
  var out: any[] = [];
  // the fields of a line: built here, on this rare path, rather than kept (a module-level string
  // would stay in RAM for as long as the routes module is defined)
  var names = 'time,type,managerState,evseState,evseFlags,pilot,energy,elapsed,temperature,temperatureMax,divertMode,shaper'.split(',');
  for (var l = 1; l < lines.length; l++) {
    var f = lines[l].split(',');
    if (f.length !== names.length) continue;
    var o: any = {};
    for (var k = 0; k < names.length; k++) {
      var v: any = f[k];
      if (k === 0) v = new Date(+v * 1000).toISOString().substr(0, 19) + 'Z';
      else if (k === 1) v = v === 'w' ? 'warning' : v === 'n' ? 'notification' : 'information';
      else if (k === 2) v = v === 'd' ? 'disabled' : 'active';
      else v = v === '' ? false : +v;
      o[names[k]] = v;
    }
    if (!isNaN(o.evseState)) out.push(o);
  }
  return out;
}
