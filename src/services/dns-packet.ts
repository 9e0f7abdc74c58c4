// The little of the DNS wire format (RFC 1035) that the captive portal's DNS responder and the
// mDNS responder need, on binary strings (one char per byte, as datagrams cross the HAL).
// Parsing never throws: a packet that is short, has a bad label or a compression loop is null.

export var TYPE_A = 1;
export var TYPE_PTR = 12;
export var TYPE_TXT = 16;
export var TYPE_AAAA = 28;
export var TYPE_SRV = 33;
export var TYPE_ANY = 255;
export var CLASS_IN = 1;
export var CLASS_ANY = 255;
/** Header flag bits. */
export var FLAG_QR = 0x8000;
export var FLAG_AA = 0x0400;

export interface DnsQuestion {
  /** Labels joined by dots, as received (compare case-insensitively). */
  name: string;
  type: number;
  /** The class as sent: mDNS uses the top bit as "unicast response wanted". */
  cls: number;
}

export interface DnsQuery {
  id: number;
  flags: number;
  /** The count in the header; `questions` holds at most the parser's limit of them. */
  qdcount: number;
  questions: DnsQuestion[];
  /** Offset just past the last parsed question: bytes 12..end are the questions to copy into a reply. */
  end: number;
}

// readName's second result (the offset after the name), kept here rather than in an object per name.
var nameEnd = 0;

/** The 16-bit big-endian number at `off` (the caller checks the length). */
export function u16at(p: string, off: number): number {
  return ((p.charCodeAt(off) & 255) << 8) | (p.charCodeAt(off + 1) & 255);
}

/**
 * The name at `off`, following compression pointers; null when it runs past the end, uses a
 * reserved label type, grows past 253 characters or loops. Termination: a pointer must point
 * before itself, so pointer chains strictly go back, and every label lengthens the name, which
 * is bounded; the jump cap is a second fence.
 */
export function readName(p: string, off: number): string | null {
  var name = '';
  var end = -1;
  var jumps = 0;
  var len = p.length;
  for (;;) {
    if (off >= len) return null;
    var c = p.charCodeAt(off) & 255;
    if (c === 0) break;
    if (c >= 0xc0) {
      if (off + 1 >= len) return null;
      var ptr = ((c & 0x3f) << 8) | (p.charCodeAt(off + 1) & 255);
      if (end < 0) end = off + 2;
      if (ptr >= off || ++jumps > 64) return null;
      off = ptr;
      continue;
    }
    // 0x40 and 0x80 are obsolete or unassigned label types
    if (c >= 0x40 || off + 1 + c > len) return null;
    name = name.length ? name + '.' + p.substr(off + 1, c) : p.substr(off + 1, c);
    // 255 bytes on the wire at most (RFC 1035 §3.1), which is 253 characters written with dots
    if (name.length > 253) return null;
    off += 1 + c;
  }
  nameEnd = end < 0 ? off + 1 : end;
  return name;
}

/** Header and up to `max` questions of a message (query or response); null when malformed. */
export function parseQuery(p: string, max: number): DnsQuery | null {
  if (typeof p !== 'string' || p.length < 12) return null;
  var q: DnsQuery = { id: u16at(p, 0), flags: u16at(p, 2), qdcount: u16at(p, 4), questions: [], end: 12 };
  var n = q.qdcount < max ? q.qdcount : max;
  var off = 12;
  for (var i = 0; i < n; i++) {
    var name = readName(p, off);
    if (name === null) return null;
    off = nameEnd;
    if (off + 4 > p.length) return null;
    q.questions.push({ name: name, type: u16at(p, off), cls: u16at(p, off + 2) });
    off += 4;
  }
  q.end = off;
  return q;
}

export function u16(n: number): string {
  return String.fromCharCode((n >> 8) & 255, n & 255);
}

export function header(id: number, flags: number, qd: number, an: number, ns: number, ar: number): string {
  return u16(id) + u16(flags) + u16(qd) + u16(an) + u16(ns) + u16(ar);
}

/** "a.b.local" as labels; empty labels are skipped and long ones cut to the 63-byte limit. */
export function encodeName(name: string): string {
  var out = '';
  var labels = name.split('.');
  for (var i = 0; i < labels.length; i++) {
    var l = labels[i];
    if (!l.length) continue;
    if (l.length > 63) l = l.substr(0, 63);
    out += String.fromCharCode(l.length) + l;
  }
  return out + '\0';
}

/** "192.168.4.1" as 4 bytes; '' for anything that is not a dotted quad. */
export function ipBytes(ip: string): string {
  var parts = String(ip).split('.');
  if (parts.length !== 4) return '';
  var out = '';
  for (var i = 0; i < 4; i++) {
    var s = parts[i];
    var v = parseInt(s, 10);
    // parseInt accepts "1x"; the round trip refuses it
    if (!(v >= 0 && v <= 255) || String(v) !== s) return '';
    out += String.fromCharCode(v);
  }
  return out;
}

/** One resource record; `name` already encoded (encodeName, or a pointer such as "\xC0\x0C"). */
export function record(name: string, type: number, cls: number, ttl: number, data: string): string {
  return name + u16(type) + u16(cls) + u16(ttl >>> 16) + u16(ttl) + u16(data.length) + data;
}

/** SRV data: priority 0, weight 0, `port`, `target`. */
export function srvData(port: number, target: string): string {
  return u16(0) + u16(0) + u16(port) + encodeName(target);
}

/** TXT data: each string behind its length byte (cut at 255); no strings is one empty string (RFC 6763 §6.1). */
export function txtData(strings: string[]): string {
  var out = '';
  for (var i = 0; i < strings.length; i++) {
    var s = strings[i].length > 255 ? strings[i].substr(0, 255) : strings[i];
    out += String.fromCharCode(s.length) + s;
  }
  return out.length ? out : '\0';
}

/**
 * The reply to `q`, received as `p`: its parsed questions copied (parse with max 1 to answer the
 * first only) and, when `ip` is given, one A record for the first behind the pointer 0xC00C (its
 * name at offset 12). Opcode and RD are echoed; AA and RA are set.
 */
export function buildAnswer(p: string, q: DnsQuery, rcode: number, ttl: number, ip: string | null): string {
  var flags = FLAG_QR | FLAG_AA | (q.flags & 0x7900) | 0x80 | (rcode & 15);
  var n = q.questions.length;
  // without a question the pointer would lead nowhere
  var rec = ip && n ? ipBytes(ip) : '';
  // built with fromCharCode: terser would write a literal "\xC0" as a non-ASCII character in the image
  var an = rec.length ? record(String.fromCharCode(0xc0, 12), TYPE_A, CLASS_IN, ttl, rec) : '';
  return header(q.id, flags, n, an.length ? 1 : 0, 0, 0) + p.substring(12, q.end) + an;
}
