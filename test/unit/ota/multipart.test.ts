// The streaming multipart reader: the file part's bytes come out exactly, however the body is cut.
import { multipartReader, MultipartReader, boundaryOf } from '../../../src/core/ota/multipart';

const B = '----X7boundaryQ';

function body(file: string, opts: { preamble?: string; before?: string; after?: string; epilogue?: string } = {}): string {
  let s = opts.preamble !== undefined ? opts.preamble + '\r\n' : '';
  if (opts.before !== undefined) s += '--' + B + '\r\nContent-Disposition: form-data; name="note"\r\n\r\n' + opts.before + '\r\n';
  s += '--' + B + '\r\nContent-Disposition: form-data; name="file"; filename="image.bin"\r\nContent-Type: application/octet-stream\r\n\r\n' + file + '\r\n';
  if (opts.after !== undefined) s += '--' + B + '\r\nContent-Disposition: form-data; name="x"\r\n\r\n' + opts.after + '\r\n';
  return s + '--' + B + '--\r\n' + (opts.epilogue || '');
}

/** Feeds `pieces` and returns what the sink got, and the reader. */
function read(pieces: string[]): { out: string; calls: number; r: MultipartReader; ok: boolean } {
  let out = '';
  let calls = 0;
  const r = multipartReader(B, {
    part: (d: string) => {
      expect(d.length).toBeGreaterThan(0);
      out += d;
      calls++;
    },
  });
  let ok = true;
  for (const p of pieces) ok = r.push(p) && ok;
  ok = r.end() && ok;
  return { out, calls, r, ok };
}

// Bytes that look like the delimiter's beginnings, CRLFs and every byte value.
let all = '';
for (let i = 0; i < 256; i++) all += String.fromCharCode(i);
const FILE = 'OEVSE1 3 x\n\r\n--' + B.substr(0, 8) + '\r\n\r\n--\r\n-' + all + '\r\n--' + B.substr(0, B.length - 1) + 'Z\r\n';

describe('MultipartReader', () => {
  test('whole body in one piece: exactly the file bytes, with the CRLFs inside them', () => {
    const res = read([body(FILE)]);
    expect(res.ok).toBe(true);
    expect(res.out).toBe(FILE);
    expect(res.r.fileDone).toBe(true);
  });

  test('split in two at every byte position', () => {
    const b = body(FILE, { preamble: 'This is a preamble --' + B.substr(0, 4) });
    for (let i = 0; i <= b.length; i++) {
      const res = read([b.substr(0, i), b.substr(i)]);
      if (!res.ok || res.out !== FILE) throw new Error('split at ' + i + ': ' + res.r.error + ' ' + JSON.stringify(res.out.substr(0, 40)));
    }
  });

  test('one byte at a time, with fields before and after the file', () => {
    const b = body(FILE, { before: 'hello\r\n--', after: 'bye', epilogue: 'trailing junk' });
    const res = read(b.split(''));
    expect(res.ok).toBe(true);
    expect(res.out).toBe(FILE);
  });

  test('counts the bytes before the file content', () => {
    const b = body(FILE, { preamble: 'pre', before: 'abc' });
    const res = read([b]);
    expect(b.indexOf(FILE)).toBe(res.r.before);
  });

  test('the buffer stays bounded while a large file streams', () => {
    const big = 'A\r\n-'.repeat(50000);
    const r = multipartReader(B, { part: () => undefined });
    const b = body(big);
    let max = 0;
    for (let i = 0; i < b.length; i += 1400) {
      r.push(b.substr(i, 1400));
      max = Math.max(max, (r as any).buf.length);
    }
    expect(r.end()).toBe(true);
    expect(max).toBeLessThan(1400 + B.length + 4);
  });

  test('an empty file part gives no data but completes', () => {
    const res = read([body('')]);
    expect(res.ok).toBe(true);
    expect(res.calls).toBe(0);
  });

  test('missing closing delimiter → error at end', () => {
    const b = body(FILE);
    const cut = b.substr(0, b.length - ('--' + B + '--\r\n').length);
    const res = read([cut]);
    expect(res.ok).toBe(false);
    expect(res.r.error).toMatch(/before the closing multipart boundary/);
  });

  test('truncated in the middle of the file → error at end', () => {
    const b = body(FILE);
    const res = read([b.substr(0, 200)]);
    expect(res.ok).toBe(false);
    expect(res.r.fileDone).toBe(false);
  });

  test('a form without a file part → error', () => {
    const b = '--' + B + '\r\nContent-Disposition: form-data; name="a"\r\n\r\nxyz\r\n--' + B + '--\r\n';
    const res = read([b]);
    expect(res.ok).toBe(false);
    expect(res.r.error).toBe('no file in the upload');
    expect(res.out).toBe('');
  });

  test('garbage after a delimiter → error, and nothing more is read', () => {
    const b = '--' + B + 'XX\r\n\r\nabc';
    const r = multipartReader(B, { part: () => undefined });
    expect(r.push(b)).toBe(false);
    expect(r.error).toMatch(/malformed/);
    expect(r.push('more')).toBe(false);
  });

  test('endless part headers → error', () => {
    const r = multipartReader(B, { part: () => undefined });
    expect(r.push('--' + B + '\r\n' + 'X'.repeat(2000))).toBe(false);
    expect(r.error).toMatch(/headers too long/);
  });

  test('no data when the body is not multipart at all', () => {
    const res = read(['just some bytes\r\n']);
    expect(res.ok).toBe(false);
    expect(res.out).toBe('');
  });
});

describe('boundaryOf', () => {
  test('plain, quoted, with other parameters, missing', () => {
    expect(boundaryOf('multipart/form-data; boundary=abc123')).toBe('abc123');
    expect(boundaryOf('multipart/form-data; boundary="a b:c"; charset=x')).toBe('a b:c');
    expect(boundaryOf('multipart/form-data; BOUNDARY=Zz; x=1')).toBe('Zz');
    expect(boundaryOf('multipart/form-data')).toBe('');
    expect(boundaryOf('multipart/form-data; boundary=' + 'x'.repeat(71))).toBe('');
  });
});
