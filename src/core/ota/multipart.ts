// A multipart/form-data body read as it arrives, for uploads too big to hold: the content of the
// first part that carries a file (`filename=`) goes to the sink in pieces, the rest is skipped.
// Only a bounded tail is kept between pieces (the delimiter may be split across them).
import { find } from '../text';

/** Where the file's bytes go. */
export interface PartSink {
  /** A piece of the file part's content (never empty). */
  part(data: string): void;
}

/** The longest part header block accepted (names, content type). */
var MAX_PART_HEAD = 1024;

// states
var PREAMBLE = 0;
var HEAD = 1;
var BODY = 2;
var AFTER = 3;
var DONE = 4;

/** `boundary` from a Content-Type header (`multipart/form-data; boundary=xyz`), '' when there is none. */
export function boundaryOf(contentType: string): string {
  var at = find(contentType.toLowerCase(), 'boundary=');
  if (at < 0) return '';
  var b = contentType.substr(at + 9);
  var semi = b.indexOf(';');
  if (semi >= 0) b = b.substr(0, semi);
  b = b.trim();
  if (b.charAt(0) === '"' && b.charAt(b.length - 1) === '"') b = b.substr(1, b.length - 2);
  // RFC 2046: 1 to 70 characters
  return b.length > 0 && b.length <= 70 ? b : '';
}

export interface MultipartReader {
  /** The file part has been read whole. */
  fileDone: boolean;
  /** Bytes of input before the file's content (part headers, preamble); for the size check. */
  before: number;
  /** Why the input was refused ('' while it is fine). */
  error: string;
  /** Feeds the next piece of the body. Returns false once the input is malformed (see `error`). */
  push(chunk: string): boolean;
  /** The body has ended: true when it was complete (closing delimiter seen) and held a file. */
  end(): boolean;
}

/**
 * A reader for one body. The class is defined here, at the call, not when the image loads: its
 * methods cost JsVars only while an upload runs (updates are rare).
 */
export function multipartReader(boundary: string, sink: PartSink): MultipartReader {
  class Reader implements MultipartReader {
    /** CRLF + "--" + boundary: what ends every part's content. */
    private delim: string;
    /** Unconsumed input; bounded by one piece plus the delimiter. */
    private buf: string;
    private state: number;
    /** The part being read is the file. */
    private inFile: boolean;
    fileDone: boolean;
    before: number;
    error: string;

    constructor(boundary: string, private sink: PartSink) {
      this.delim = '\r\n--' + boundary;
      // The first delimiter may open the body without a CRLF before it: pretend there was one.
      this.buf = '\r\n';
      this.state = PREAMBLE;
      this.inFile = false;
      this.fileDone = false;
      this.before = -2;
      this.error = '';
    }

    push(chunk: string): boolean {
      if (this.error) return false;
      if (this.state === DONE) return true;
      this.buf += chunk;
      for (;;) {
        var buf = this.buf;
        var at: number;
        if (this.state === PREAMBLE || this.state === BODY) {
          at = find(buf, this.delim);
          if (at < 0) {
            // all but what could be the start of a delimiter is content (or preamble)
            var keep = this.delim.length - 1;
            if (buf.length > keep) {
              this.emit(buf.substr(0, buf.length - keep));
              this.buf = buf.substr(buf.length - keep);
            }
            return true;
          }
          if (at > 0) this.emit(buf.substr(0, at));
          if (this.state === BODY && this.inFile) {
            this.fileDone = true;
            this.inFile = false;
          }
          this.buf = buf.substr(at + this.delim.length);
          this.state = AFTER;
        } else if (this.state === AFTER) {
          if (buf.length < 2) return true;
          var two = buf.substr(0, 2);
          if (two === '--') {
            this.state = DONE;
            this.buf = '';
            return true;
          }
          if (two !== '\r\n') return this.fail('malformed multipart delimiter');
          if (!this.fileDone) this.before += this.delim.length + 2;
          this.buf = buf.substr(2);
          this.state = HEAD;
        } else {
          at = find(buf, '\r\n\r\n');
          if (at < 0) {
            if (buf.length > MAX_PART_HEAD) return this.fail('multipart part headers too long');
            return true;
          }
          var head = buf.substr(0, at).toLowerCase();
          this.inFile = !this.fileDone && find(head, 'filename=') >= 0;
          if (!this.fileDone) this.before += at + 4;
          this.buf = buf.substr(at + 4);
          this.state = BODY;
        }
      }
    }

    end(): boolean {
      if (this.error) return false;
      if (this.state !== DONE) return this.fail('upload ended before the closing multipart boundary');
      if (!this.fileDone) return this.fail('no file in the upload');
      return true;
    }

    private emit(data: string): void {
      if (this.state === BODY && this.inFile) this.sink.part(data);
      else if (!this.fileDone) this.before += data.length;
    }

    private fail(msg: string): boolean {
      this.error = msg;
      this.buf = '';
      return false;
    }
  }
  return new Reader(boundary, sink);
}
