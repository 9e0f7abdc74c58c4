// The update file (dist/esp32/image.bin, written by the build through scripts/ota-image.js):
//
//   OEVSE1 <length> <sha256>\n<image>
//
// one ASCII line — the format tag, the image's length in bytes (decimal) and the SHA-256 of those
// bytes (64 lower-case hex digits) — then the image itself, the ES5 JavaScript the device runs.
// The line comes first so that the device knows the size before the first byte is stored (a
// Storage file is created at its full size) and can check the bytes once they are all in.
//
// The web UI travels the same way, under its own tag (dist/esp32/web.bin):
//
//   OEVSE-WEB1 <length> <sha256>\n<index.html.gz>
//
// so that one upload path, one check and one tool serve both, and a page can never be taken for an
// image (or the reverse): the tag decides where the bytes go.

export var IMAGE_TAG = 'OEVSE1';
export var PAGE_TAG = 'OEVSE-WEB1';
/** The header line is never longer than this (tag, up to 9 digits, 64 hex digits, spaces, \n). */
export var MAX_IMAGE_HEAD = 96;

export interface ImageHead {
  /** Bytes of the header line, with its \n. */
  headLength: number;
  /** Bytes of image after it. */
  length: number;
  /** Lower-case hex. */
  sha256: string;
  /** The web UI page (PAGE_TAG), not an image. */
  page: boolean;
}

/**
 * The header at the start of `text`: the head, null while the line is not complete yet, or an
 * error message.
 */
export function parseImageHead(text: string): ImageHead | string | null {
  var nl = text.indexOf('\n');
  if (nl < 0) return text.length >= MAX_IMAGE_HEAD ? 'not an OpenEVSE image (no header line)' : null;
  if (nl >= MAX_IMAGE_HEAD) return 'not an OpenEVSE image (header line too long)';
  var f = text.substr(0, nl).split(' ');
  if ((f[0] !== IMAGE_TAG && f[0] !== PAGE_TAG) || f.length !== 3) return 'not an OpenEVSE image (expected "' + IMAGE_TAG + ' <length> <sha256>")';
  var digits = f[1];
  var n = 0;
  for (var i = 0; i < digits.length; i++) {
    var d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return 'bad image length in header';
    n = n * 10 + d;
  }
  if (!digits.length || digits.length > 9 || n === 0) return 'bad image length in header';
  var hash = f[2].toLowerCase();
  if (hash.length !== 64) return 'bad SHA-256 in header';
  for (i = 0; i < 64; i++) if ('0123456789abcdef'.indexOf(hash.charAt(i)) < 0) return 'bad SHA-256 in header';
  return { headLength: nl + 1, length: n, sha256: hash, page: f[0] === PAGE_TAG };
}

/** A binary string (a digest) as lower-case hex. */
export function toHex(bin: string): string {
  var out = '';
  for (var i = 0; i < bin.length; i++) {
    var c = bin.charCodeAt(i);
    out += (c < 16 ? '0' : '') + c.toString(16);
  }
  return out;
}
