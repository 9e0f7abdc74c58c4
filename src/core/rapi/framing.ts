// RAPI line framing: `$CC args[ :SS]^XX\r` (see ref/rapi.md §1).
// Checksums and sequence ids are printed as uppercase hex; payload hex is lowercase.

/** The longest line the controller accepts, from `$` through the checksum (its buffer is 32 bytes). */
export var RAPI_MAX_LINE = 31;

var HEX = '0123456789ABCDEF';

export function hex2(n: number): string {
  return HEX.charAt((n >> 4) & 15) + HEX.charAt(n & 15);
}

/** XOR of every byte of `text` (which starts with `$` and excludes the `^`). */
export function xorChecksum(text: string): number {
  var cs = 0;
  for (var i = 0; i < text.length; i++) cs ^= text.charCodeAt(i) & 255;
  return cs;
}

/** The complete line for a command, CR included. `seq` 0 means "no sequence id". */
export function frameCommand(cmd: string, seq: number): string {
  // hex2() inline: the device image then has no function object for it (only the emulator uses it)
  var body = seq ? cmd + ' :' + HEX.charAt((seq >> 4) & 15) + HEX.charAt(seq & 15) : cmd;
  var cs = xorChecksum(body);
  return body + '^' + HEX.charAt((cs >> 4) & 15) + HEX.charAt(cs & 15) + '\r';
}

/** A received line, checked and split. */
export interface RapiLine {
  /** Two letters after `$`: `OK`, `NK`, `AT`, `AB`, ... */
  kind: string;
  /** Payload tokens, without the kind, the sequence id and the checksum. */
  args: string[];
  /** Echoed sequence id, 0 when absent. */
  seq: number;
  /** The line as received, from `$` through the checksum, without the CR. */
  raw: string;
}

/**
 * Checks and splits one line (from `$`, without the CR). Returns a string saying what is wrong
 * when the line is not a valid frame: a bad or missing checksum is never trusted, because the
 * controller has put an XOR checksum on every reply since RAPI 2.0.
 */
export function parseLine(raw: string): RapiLine | string {
  /**
   * Parses 1–2 hex digits, case-insensitive; -1 when not hex. (No regex: Espruino's `?` never
   * matches.) A function of this call: at module level it would cost JsVars all the time.
   */
  var parseHex = function (s: string): number {
    if (s.length < 1 || s.length > 2) return -1;
    var n = 0;
    for (var i = 0; i < s.length; i++) {
      var d = HEX.indexOf(s.charAt(i).toUpperCase());
      if (d < 0) return -1;
      n = n * 16 + d;
    }
    return n;
  };
  var caret = raw.indexOf('^');
  if (raw.charAt(0) !== '$' || caret < 3) return 'not a frame';
  var sum = parseHex(raw.substr(caret + 1, 2));
  if (sum < 0 || raw.length !== caret + 3) return 'bad checksum field';
  var body = raw.substr(0, caret);
  if (xorChecksum(body) !== sum) return 'checksum mismatch';
  var tokens = body.substr(1).split(' ');
  var kind = tokens.shift() as string;
  if (kind.length !== 2) return 'bad kind';
  var seq = 0;
  var last = tokens[tokens.length - 1];
  if (tokens.length && last.charAt(0) === ':' && last.length === 3) {
    seq = parseHex(last.substr(1));
    if (seq < 0) return 'bad sequence id';
    tokens.pop();
  }
  return { kind: kind, args: tokens, seq: seq, raw: raw };
}
