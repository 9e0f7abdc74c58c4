// The update file's header line, against the file the build tool writes.
import { parseImageHead, toHex, MAX_IMAGE_HEAD } from '../../../src/core/ota/image';
import * as crypto from 'node:crypto';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { imageFile, pageFile } = require('../../../scripts/ota-image.js');

describe('image header', () => {
  test('the build tool writes what the device reads', () => {
    const js = 'print("hello é")';
    const bin: Buffer = imageFile(js);
    const h: any = parseImageHead(bin.toString('latin1'));
    const body = Buffer.from(js, 'utf8');
    expect(h.length).toBe(body.length);
    expect(h.sha256).toBe(crypto.createHash('sha256').update(body).digest('hex'));
    expect(bin.subarray(h.headLength).equals(body)).toBe(true);
  });

  test('the page file (web.bin) is told apart from an image by its tag alone', () => {
    const gz = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 0xff, 0x0a, 0x0d, 0x00]);
    const bin: Buffer = pageFile(gz);
    expect(bin.subarray(0, 11).toString('latin1')).toBe('OEVSE-WEB1 ');
    const h: any = parseImageHead(bin.toString('latin1'));
    expect(h).toEqual({ headLength: bin.length - gz.length, length: gz.length, sha256: crypto.createHash('sha256').update(gz).digest('hex'), page: true });
    expect((parseImageHead(imageFile(gz).toString('latin1')) as any).page).toBe(false);
    expect(parseImageHead('OEVSE-WEB2 5 ' + 'a'.repeat(64) + '\n')).toMatch(/not an OpenEVSE image/);
  });

  test('incomplete line: wait; too long without a newline: refuse', () => {
    expect(parseImageHead('OEVSE1 12')).toBe(null);
    expect(parseImageHead('x'.repeat(MAX_IMAGE_HEAD))).toMatch(/no header line/);
  });

  test('wrong tag, bad length, bad hash', () => {
    const hash = 'a'.repeat(64);
    expect(parseImageHead('HELLO 1 ' + hash + '\n')).toMatch(/not an OpenEVSE image/);
    expect(parseImageHead('OEVSE1 1x ' + hash + '\n')).toMatch(/bad image length/);
    expect(parseImageHead('OEVSE1 0 ' + hash + '\n')).toMatch(/bad image length/);
    expect(parseImageHead('OEVSE1 -5 ' + hash + '\n')).toMatch(/bad image length/);
    expect(parseImageHead('OEVSE1 5 ' + hash.substr(1) + 'g\n')).toMatch(/bad SHA-256/);
    expect(parseImageHead('OEVSE1 5 ' + hash + 'a\n')).toMatch(/bad SHA-256/);
    expect(parseImageHead('OEVSE1 5\n')).toMatch(/not an OpenEVSE image/);
  });

  test('toHex', () => {
    expect(toHex('\x00\x0f\xff\x10')).toBe('000fff10');
  });
});
