// The controller's RAPI input processor, byte for byte (rapi_proc.cpp doCmd/tokenize/response).
//
// The firmware assembles a line in a 32-byte buffer, tokenises it in place and later writes its
// reply text into the same buffer. We keep that buffer as bytes, including stale content, because
// malformed lines (a missing argument, a bare `$`) read whatever the previous command left there.

import { xorChecksum, hex2 } from '../core/rapi/framing';

const BUFLEN = 32; // ESRAPI_BUFLEN
const MAX_ARGS = 10; // ESRAPI_MAX_ARGS
const SOC = 0x24; // '$'
const EOC = 0x0d; // CR
const SPACE = 0x20;

/** Frames an outgoing line: checksum and CR appended. */
export function frame(text: string): string {
  return text + '^' + hex2(xorChecksum(text)) + '\r';
}

export class RapiPort {
  /** `$FF E` state: every processed byte is echoed and replies get an extra LF. */
  echo = false;
  /** Tokens after a successful tokenise, sequence id excluded once processCmd has looked at it. */
  tokenCnt = 0;
  seqId = 0;
  private buf = new Uint8Array(BUFLEN);
  private bufCnt = 0;
  /** Start index of each token in buf; -1 = never set (a null pointer in the firmware). */
  private tokens: number[] = new Array(MAX_ARGS).fill(-1);

  constructor(private write: (bytes: string) => void) {}

  /**
   * Processes one received byte. Returns true when a complete, correctly checksummed line is ready
   * for the caller to execute (then call beginCommand / token / respond). A line that fails the
   * checksum or has too many tokens is answered here with `$NK^21`.
   */
  feed(c: number): boolean {
    if (this.echo) this.write(String.fromCharCode(c));
    if (c === SOC) {
      this.buf[0] = SOC;
      this.bufCnt = 1;
    } else if (this.buf[0] === SOC) {
      if (this.bufCnt < BUFLEN) {
        if (c === EOC) {
          this.buf[this.bufCnt++] = 0;
          if (this.tokenize()) return true;
          this.reset();
          this.seqId = 0;
          this.respond(false, null);
        } else {
          this.buf[this.bufCnt++] = c;
        }
      } else {
        // 32nd character without a CR: the line is dropped silently.
        this.reset();
      }
    }
    return false;
  }

  /** Takes the optional ` :SS` last token off, as processCmd does first. */
  beginCommand(): void {
    this.seqId = 0;
    const last = this.tokens[this.tokenCnt - 1];
    if (this.tokenCnt > 1 && this.at(last) === 0x3a) {
      this.seqId = this.htou8(last + 1);
      this.tokenCnt--;
    }
  }

  /** Token i as a C string (stale tokens included: the firmware does not clear the pointers). */
  token(i: number): string {
    let p = this.tokens[i];
    if (p < 0) return '';
    let s = '';
    while (p < BUFLEN && this.buf[p] !== 0) s += String.fromCharCode(this.buf[p++]);
    return s;
  }

  /** For $FP: puts back the spaces the tokeniser replaced, from token `from` on. */
  rejoin(from: number): string {
    for (let i = from + 1; i < this.tokenCnt; i++) this.buf[this.tokens[i] - 1] = SPACE;
    return this.token(from);
  }

  /** Sends `$OK`/`$NK` with the payload and the sequence id, then clears the line buffer. */
  respond(ok: boolean, payload: string | null): void {
    let text = ok ? '$OK' : '$NK';
    if (payload !== null) {
      // The firmware sprintf's its payload into the input buffer: keep that side effect.
      for (let i = 0; i < payload.length && i < BUFLEN - 1; i++) this.buf[i] = payload.charCodeAt(i) & 255;
      this.buf[Math.min(payload.length, BUFLEN - 1)] = 0;
      text += ' ' + payload;
    }
    if (this.seqId) text += ' :' + hex2(this.seqId);
    this.write(frame(text) + (this.echo ? '\n' : ''));
  }

  reset(): void {
    this.buf[0] = 0;
    this.bufCnt = 0;
  }

  private at(i: number): number {
    return i >= 0 && i < BUFLEN ? this.buf[i] : 0;
  }

  /** 2-digit hex, either case; a single digit before the NUL is accepted; a bad digit gives 0. */
  private htou8(i: number): number {
    let u = 0;
    for (let k = 0; k < 2; k++) {
      const c = this.at(i + k);
      if (c === 0) continue;
      if (k === 1) u = (u << 4) & 255;
      if (c >= 0x30 && c <= 0x39) u += c - 0x30;
      else if (c >= 0x41 && c <= 0x46) u += c - 0x41 + 10;
      else if (c >= 0x61 && c <= 0x66) u += c - 0x61 + 10;
      else return 0;
    }
    return u & 255;
  }

  /** Splits on single spaces, stops at `^` (XOR) or `*` (additive) and verifies that checksum. */
  private tokenize(): boolean {
    const b = this.buf;
    this.tokens[0] = 1;
    this.tokenCnt = 1;
    let add = (SOC + b[1]) & 255;
    let xor = SOC ^ b[1];
    let type = 0; // 0 none, 1 additive, 2 xor, 255 too many tokens
    let sum = 0;
    // The scan starts at index 2: the first command letter is never taken for a separator.
    for (let s = 2; s < BUFLEN && b[s] !== 0; ) {
      const c = b[s];
      if (c === SPACE) {
        if (this.tokenCnt >= MAX_ARGS) {
          type = 255;
          break;
        }
        add = (add + c) & 255;
        xor ^= c;
        b[s] = 0;
        this.tokens[this.tokenCnt++] = ++s;
      } else if (c === 0x2a || c === 0x5e) {
        type = c === 0x2a ? 1 : 2;
        b[s] = 0;
        sum = this.htou8(s + 1);
        break;
      } else {
        add = (add + c) & 255;
        xor ^= c;
        s++;
      }
    }
    const ok = type === 0 || (type === 1 && sum === add) || (type === 2 && sum === xor);
    if (!ok) this.tokenCnt = 0;
    return ok;
  }
}

/** The firmware's decimal parser: no validation, every char counts as (c - '0'), uint32 wrap. */
export function dtou32(s: string): number {
  let u = 0;
  for (let i = 0; i < s.length; i++) u = (u * 10 + (s.charCodeAt(i) - 0x30)) >>> 0;
  return u;
}

/** printf %02x / %04x: payload hex is lowercase. */
export function hex2l(n: number): string {
  return ('0' + (n & 255).toString(16)).slice(-2);
}
export function hex4l(n: number): string {
  return ('000' + (n & 0xffff).toString(16)).slice(-4);
}
/** A uint16 read back as the int16 the firmware declares. */
export function int16(n: number): number {
  return (n << 16) >> 16;
}
