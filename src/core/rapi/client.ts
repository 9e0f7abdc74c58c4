// The gateway side of the RAPI link: one command in flight, a bounded queue, a timeout per
// command, sequence ids so that a late reply is never taken for the answer to the next command,
// and asynchronous messages ($AT, $AB, $AN, $WF, 4.x $ST) passed on without completing a command.
import { Clock, SerialLink, Log } from '../../hal/types';
import { frameCommand, parseLine, RapiLine, RAPI_MAX_LINE } from './framing';

/** Errors given to a command's callback. */
export var RAPI_TIMEOUT = 'RAPI_RESPONSE_TIMEOUT';
export var RAPI_QUEUE_FULL = 'RAPI_RESPONSE_QUEUE_FULL';
export var RAPI_NK = 'RAPI_RESPONSE_NK';
export var RAPI_TOO_LONG = 'RAPI_COMMAND_TOO_LONG';
export var RAPI_BAD_COMMAND = 'RAPI_BAD_COMMAND';

/**
 * `err` is null for `$OK`, RAPI_NK for `$NK` (then `reply` is set too), else one of the errors above.
 * `cmd` is the command answered, so that one handler can serve many commands (memory: no closure
 * per command).
 */
export type RapiCallback = (err: string | null, reply?: RapiLine, cmd?: string) => void;

interface Pending {
  cmd: string;
  cb: RapiCallback;
  seq: number;
}

export interface RapiClientOptions {
  /** Milliseconds to wait for a reply; the firmware answers in a few ms, OpenEVSE_Lib waits 500. */
  timeoutMs?: number;
  /** Commands waiting behind the one in flight (OpenEVSE_Lib: 20). */
  queueMax?: number;
  /** Send ` :SS` sequence ids (RAPI 3.0+). On by default. */
  sequenceIds?: boolean;
}

/** Lines longer than this are noise or a broken stream: the buffer is dropped, not grown. */
var MAX_RX_LINE = 100;

export class RapiClient {
  /** Counters for `/status`: commands sent and commands answered `$OK`/`$NK` in time. */
  sent = 0;
  success = 0;
  /** True after a valid reply, false after a timeout (the gateway's `rapi_connected`). */
  connected = false;
  /** Receives $AT, $AB, $AN, $WF and 4.x $ST lines. */
  onAsync: ((line: RapiLine) => void) | null = null;

  private queue: Pending[] = [];
  private current: Pending | null = null;
  private timer: any = null;
  private rx = '';
  private seq = 0;
  private timeoutMs: number;
  private queueMax: number;
  private useSeq: boolean;
  /** step(), bound once: the link's receiver and the reply timer's function. */
  private cb: (e?: string | RapiLine | null) => void;

  constructor(private link: SerialLink, private clock: Clock, private log: Log, opts?: RapiClientOptions) {
    opts = opts || {};
    this.timeoutMs = opts.timeoutMs || 1000;
    this.queueMax = opts.queueMax || 20;
    this.useSeq = opts.sequenceIds !== false;
    // The seed for sequence ids comes from the clock, as in OpenEVSE_Lib, so that a gateway
    // restart does not reuse the ids of replies still on the wire.
    this.seq = Math.floor(clock.now()) % 255;
    // Memory: one bound function for everything that calls back, instead of a closure each.
    this.cb = this.step.bind(this);
    link.onData(this.cb);
  }

  /**
   * Queues `cmd` (for example `$SC 16 V`, without seq id or checksum). The callback is always
   * called exactly once: with the reply, an `$NK`, a timeout, or a refusal.
   */
  send(cmd: string, cb: RapiCallback): void {
    if (!/^\$[A-Z0-9][A-Z0-9]/.test(cmd) || /[\^*\r\n$]/.test(cmd.substr(1))) {
      cb(RAPI_BAD_COMMAND, undefined, cmd);
      return;
    }
    if (this.queue.length >= this.queueMax) {
      cb(RAPI_QUEUE_FULL, undefined, cmd);
      return;
    }
    this.queue.push({ cmd: cmd, cb: cb, seq: 0 });
    if (!this.current) this.step(null);
  }

  /**
   * Everything the client does goes through here (memory: one method; bound once, it is also the
   * link's receiver and the reply timer's function). `e` is:
   * - a string: bytes from the link;
   * - a RapiLine: the reply to the command in flight (found in those bytes);
   * - nothing: the reply timer ran out;
   * - null: the link is free: send the next queued command, if any.
   */
  private step(e?: string | RapiLine | null): void {
    var p = this.current;
    if (e === null) {
      // A callback may already have sent the next command (send() starts one when idle).
      while (!this.current) {
        var next = this.queue.shift();
        if (!next) return;
        p = next;
        if (this.useSeq) {
          this.seq = (this.seq % 255) + 1; // 01..FF; 00 means "no sequence id"
          p.seq = this.seq;
        }
        var out = frameCommand(p.cmd, p.seq);
        // The controller silently drops a line over 31 characters: refuse it here with a clear
        // error rather than wait for a timeout (then on to the next one).
        if (out.length - 1 > RAPI_MAX_LINE) {
          p.cb(RAPI_TOO_LONG, undefined, p.cmd);
          continue;
        }
        this.current = p;
        this.sent++;
        this.timer = this.clock.setTimeout(this.cb, this.timeoutMs);
        this.link.write(out);
      }
      return;
    }
    if (typeof e === 'string') {
      for (var i = 0; i < e.length; i++) {
        var c = e.charAt(i);
        if (c === '$') this.rx = '$'; // a `$` always starts a new line, as in the firmware
        else if (c === '\r' || c === '\n') {
          var raw = this.rx;
          this.rx = '';
          if (!raw) continue;
          // one line: a reply completes the command in flight, an async message is passed on
          var line = parseLine(raw);
          if (typeof line === 'string') {
            this.log('debug', 'RAPI ignored (' + line + '): ' + raw);
            continue;
          }
          var kind = line.kind;
          if (kind !== 'OK' && kind !== 'NK') {
            if (kind === 'AT' || kind === 'AB' || kind === 'AN' || kind === 'WF' || (kind === 'ST' && line.args.length === 1)) {
              if (this.onAsync) this.onAsync(line);
            }
            continue;
          }
          // (read again: a callback of the line before may have completed or sent one)
          p = this.current;
          if (!p) {
            this.log('debug', 'RAPI reply with no command waiting: ' + line.raw);
            continue;
          }
          if (line.seq !== p.seq) {
            // A bare `$NK` is how the controller answers a command whose checksum it could not
            // verify: it never echoes the sequence id then, so that one is ours.
            var checksumRefusal = line.seq === 0 && kind === 'NK' && line.args.length === 0;
            if (!checksumRefusal || !p.seq) {
              this.log('debug', 'RAPI reply for another command ignored: ' + line.raw);
              continue;
            }
          }
          this.connected = true;
          this.success++;
          this.step(line);
        } else if (this.rx) {
          this.rx += c;
          if (this.rx.length > MAX_RX_LINE) this.rx = '';
        }
        // bytes outside a `$` line (boot banners, echo, noise) are ignored
      }
      return;
    }
    // The command in flight is done: answered (e), or not in time.
    if (!p) return;
    var err: string | null = RAPI_TIMEOUT;
    if (e) err = e.kind === 'OK' ? null : RAPI_NK;
    else {
      this.timer = null;
      this.connected = false;
      this.log('warn', 'RAPI timeout: ' + p.cmd);
    }
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.current = null;
    try {
      p.cb(err, e || undefined, p.cmd);
    } finally {
      this.step(null);
    }
  }
}
