// The event log (ref/openevse-gateway.md §1.7 /logs, §9 Event log): one entry per EVSE state
// change, kept on the device as a ring of small Storage files, one per block: `elog<slot>` with
// slot = block % blocks, each starting "#<block>\n", then one CSV line per entry:
//     time(epoch s),type(i|n|w),managerState(a|d),evseState,evseFlags,pilot,energy,elapsed,
//     temperature,temperatureMax,divertMode,shaper          (a temperature may be empty = false)
// Writing block N+blocks reuses N's file, which drops the oldest block. No index file: the blocks
// present are found at boot by reading each file's header. The device keeps no entry in RAM.
// A block's file is made at its full size when the block starts (the rest erased, 0xFF on flash)
// and each entry is written into the erased part: an append leaves no trash in Storage. (Rewriting
// the file for each entry left ~550 bytes of trash per entry on the interpreter, and Storage filled
// until the device restarted to compact it.) A power cut while an entry is written may lose that
// entry; a line that does not parse is skipped, the next entry starts a new block, and a block
// whose header is torn is left out.
import type { Clock, Storage } from '../../hal/types';
import { isError } from './states';
import { written } from './event-log-read';

export interface EventLogOptions {
  /** Entries per block (default 50). */
  perBlock?: number;
  /** Blocks kept (default 10). */
  blocks?: number;
}

/** What the caller knows at a state change; `time` and `type` are added here. */
export interface EventEntry {
  managerState: string;
  evseState: number;
  evseFlags: number;
  pilot: number;
  energy: number;
  elapsed: number;
  temperature: number | false;
  temperatureMax: number | false;
  divertMode: number;
  shaper: number;
}

/** Room per entry in a block's file (a line is ~50 bytes; a longer one starts the next block). */
var ENTRY_BYTES = 96;

export class EventLog {
  /** Lowest and highest block present (-1 when empty). */
  min = -1;
  max = -1;
  /** Entries in block `max`, where its written part ends, and its file's size. */
  count = 0;
  end = 0;
  size = 0;
  perBlock: number;
  blocks: number;

  constructor(public storage: Storage, public clock: Clock, opts?: EventLogOptions) {
    opts = opts || {};
    this.perBlock = opts.perBlock || 50;
    this.blocks = opts.blocks || 10;
    for (var s = 0; s < this.blocks; s++) {
      // the block number in the slot's header "#<block>\n"; none when it is torn
      var t = storage.read('elog' + s) || '';
      var nl = t.indexOf('\n');
      var h = nl > 1 && t.charAt(0) === '#' ? t.substring(1, nl) : '';
      if (!/^[0-9]+$/.test(h)) continue;
      var n = parseInt(h, 10);
      if (this.min < 0 || n < this.min) this.min = n;
      if (n > this.max) this.max = n;
    }
    // a ring can hold older headers than a full ring back when files were left by a larger setting
    if (this.max >= 0 && this.min < this.max - this.blocks + 1) this.min = this.max - this.blocks + 1;
    if (this.max >= 0) {
      var text = storage.read('elog' + (this.max % this.blocks)) || '';
      this.size = text.length;
      this.end = written(text);
      for (var i = text.indexOf('\n'); i >= 0 && i < this.end - 1; i = text.indexOf('\n', i + 1)) this.count++;
      // an entry cut by a power cut: the next one goes to a new block rather than after the piece
      if (text.charAt(this.end - 1) !== '\n') this.count = this.perBlock;
    }
  }

  /** Appends one entry (call on each EVSE state change). */
  declare add: (e: EventEntry) => void;
}

// The methods are put on the prototype here rather than written in the class: an ES5 class
// compiles to a wrapper function, and on the device each function made inside it costs one more
// JsVar (its own copy of the scope chain). Members once private are public for the same reason.
EventLog.prototype.add = function (this: EventLog, e: EventEntry): void {
  var st = e.evseState;
  var line =
    Math.floor(this.clock.now() / 1000) +
    ',' +
    (isError(st) ? 'w' : 'i') +
    ',' +
    (e.managerState === 'disabled' ? 'd' : 'a') +
    ',' +
    [st, e.evseFlags, e.pilot, e.energy, e.elapsed, e.temperature === false ? '' : e.temperature, e.temperatureMax === false ? '' : e.temperatureMax, e.divertMode, e.shaper].join(',') +
    '\n';
  var at = this.end;
  if (this.max < 0 || this.count >= this.perBlock || at + line.length > this.size) {
    this.max++;
    if (this.min < 0) this.min = this.max;
    if (this.max - this.min >= this.blocks) this.min = this.max - this.blocks + 1;
    line = '#' + this.max + '\n' + line;
    at = 0;
    this.count = 0;
    this.size = 16 + this.perBlock * ENTRY_BYTES;
  }
  this.count++;
  try {
    this.storage.write('elog' + (this.max % this.blocks), line, at, this.size);
    this.end = at + line.length;
  } catch (err) {
    // A full flash must not stop the gateway: the entry is lost, and the next one starts a new
    // block (this one may now hold part of a line where the next would go).
    this.count = this.perBlock;
  }
};
