// /update over real HTTP on the Node gateway: curl's multipart upload, a raw body, the checks
// (hash, length, size, one at a time, auth), a client that goes away, the `npm run ota` script,
// and the ESP32's switch (the state file and the restart) on the same handler.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import * as http from 'node:http';
import { execFile } from 'node:child_process';
import { startGateway, TestGateway, waitFor, basicAuth } from '../helpers/gateway';
import { RawConn, call } from '../helpers/http';
import { WsTestClient } from '../helpers/ws-client';
import { setImageSwitching } from '../../src/core/ota/slots';
import * as zlib from 'node:zlib';
import * as crypto from 'node:crypto';
import { MAX_IMAGE, MAX_PAGE, UPLOAD_IDLE_MS } from '../../src/http/update';
import { setAssetSource } from '../../src/http/static';
import { folderStorage } from '../../src/hal/node/storage';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { imageFile, pageFile } = require('../../scripts/ota-image.js');

const ROOT = path.join(__dirname, '../..');

/** A valid-looking image of about `kb` KB: JavaScript with every byte value in a string. */
function makeJs(kb: number, mark: string): Buffer {
  let s = 'var OTA_MARK=' + JSON.stringify(mark) + ';\n';
  let bytes = '';
  for (let i = 0; i < 256; i++) bytes += String.fromCharCode(i);
  while (s.length < kb * 1024) s += '// ' + Math.random().toString(36) + '\r\n--x' + bytes.replace(/[\r\n]/g, '') + '\n';
  return Buffer.from(s, 'latin1');
}

function multipart(file: Buffer, boundary = 'XyZ' + Math.random().toString(16).slice(2), field = 'file'): { body: Buffer; type: string } {
  const head = '--' + boundary + '\r\nContent-Disposition: form-data; name="' + field + '"; filename="image.bin"\r\nContent-Type: application/octet-stream\r\n\r\n';
  return { body: Buffer.concat([Buffer.from(head), file, Buffer.from('\r\n--' + boundary + '--\r\n')]), type: 'multipart/form-data; boundary=' + boundary };
}

function post(port: number, body: Buffer, type: string, headers: { [k: string]: string } = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/update', agent: false, headers: { 'Content-Type': type, 'Content-Length': String(body.length), ...headers } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode || 0, text }));
    });
    req.on('error', reject);
    // in pieces, as a network delivers them
    for (let i = 0; i < body.length; i += 3000) req.write(body.subarray(i, i + 3000));
    req.end();
  });
}

/** A gzipped page that tells itself apart from any other. */
function makePage(mark: string): Buffer {
  // random text: it stays about 8 KB gzipped, so a byte flipped from the end is in the page, not the header line
  return zlib.gzipSync('<!DOCTYPE html><title>' + mark + '</title><p>' + crypto.randomBytes(6000).toString('base64') + '</p>');
}

/** GET / as the bytes that came (no decompression) and the encoding. */
function getPage(port: number): Promise<{ status: number; encoding: string | undefined; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode || 0, encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: ROOT, timeout: 20000 }, (err: any, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 99) : 0, stdout, stderr }));
  });
}

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ota-test-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('/update on the Node gateway', () => {
  let tg: TestGateway;
  beforeEach(async () => {
    tg = await startGateway({ planning: false, services: false });
  });
  afterEach(async () => {
    setImageSwitching(false);
    await tg.close();
  });

  const stored = (name: string) => {
    const p = path.join(tg.dir, name);
    return fs.existsSync(p) ? fs.readFileSync(p) : null;
  };

  test('GET gives an upload form', async () => {
    const r = await call(tg.url, 'GET', '/update');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/text\/html/);
    expect(r.text).toMatch(/<form[^>]*method="POST"[^>]*enctype="multipart\/form-data"/);
    expect(r.text).toMatch(/<input type="file" name="firmware">/);
  });

  test("curl -F 'file=@image.bin': 200, stored in the spare slot, progress on /ws, nothing switched", async () => {
    const js = makeJs(120, 'new');
    const bin = path.join(tmp, 'image.bin');
    fs.writeFileSync(bin, imageFile(js));
    const ws = new WsTestClient(tg.port);
    await ws.nextText(1); // the status document
    const r = await run('curl', ['-sS', '-w', '\n%{http_code}', '-F', 'file=@' + bin, tg.url + '/update']);
    expect(r.stdout).toBe('OK (stored as app-b.js; a Node install updates with git/npm)\n200');
    expect(stored('app-b.js')!.equals(js)).toBe(true);
    expect(stored('ota.json')).toBe(null);
    await ws.until(() => ws.texts().some((t) => t.ota === 'completed'), 'ota completed');
    const ota = ws.texts().filter((t) => t.ota !== undefined || t.ota_progress !== undefined);
    expect(ota[0]).toEqual({ ota: 'started' });
    const pct = ota.filter((t) => t.ota_progress !== undefined).map((t) => t.ota_progress);
    // (curl sends 64 KB pieces on loopback: a few steps, the first below 100)
    expect(pct.length).toBeGreaterThanOrEqual(2);
    expect(pct[0]).toBeLessThan(100);
    expect(pct).toEqual([...pct].sort((a, b) => a - b));
    expect(pct[pct.length - 1]).toBe(100);
    ws.destroy();
    await new Promise((r) => setTimeout(r, 1200));
    expect(tg.restarts).toEqual([]);
  });

  test('the build output dist/esp32/image.bin is accepted (field `firmware`, as the web form sends)', async () => {
    const file = path.join(ROOT, 'dist/esp32/image.bin');
    if (!fs.existsSync(file)) throw new Error('run npm run build first');
    const bin = fs.readFileSync(file);
    const m = multipart(bin, undefined, 'firmware');
    const r = await post(tg.port, m.body, m.type);
    expect(r).toEqual({ status: 200, text: 'OK (stored as app-b.js; a Node install updates with git/npm)' });
    expect(stored('app-b.js')!.equals(fs.readFileSync(path.join(ROOT, 'dist/esp32/image.js')))).toBe(true);
  });

  test('a raw application/octet-stream body works too', async () => {
    const js = makeJs(30, 'raw');
    const r = await post(tg.port, imageFile(js), 'application/octet-stream');
    expect(r.status).toBe(200);
    expect(stored('app-b.js')!.equals(js)).toBe(true);
  });

  test('a corrupt image (hash mismatch): 400, the partial file erased, nothing switched', async () => {
    setImageSwitching(true);
    fs.writeFileSync(path.join(tg.dir, 'app-a.js'), 'old image');
    const bin: Buffer = imageFile(makeJs(40, 'bad'));
    bin[bin.length - 1000] ^= 1;
    const m = multipart(bin);
    const ws = new WsTestClient(tg.port);
    await ws.nextText(1);
    const r = await post(tg.port, m.body, m.type);
    expect(r).toEqual({ status: 400, text: 'Error: SHA-256 mismatch: the image is corrupt' });
    expect(stored('app-b.js')).toBe(null);
    expect(stored('ota.json')).toBe(null);
    expect(stored('app-a.js')!.toString()).toBe('old image');
    await ws.until(() => ws.texts().some((t) => t.ota === 'failed'), 'ota failed');
    ws.destroy();
    await new Promise((r) => setTimeout(r, 1200));
    expect(tg.restarts).toEqual([]);
  });

  test('not an image, wrong length, more bytes than the header says: 400 with the reason', async () => {
    let m = multipart(Buffer.from('<html>hello</html>\n'));
    expect(await post(tg.port, m.body, m.type)).toEqual({ status: 400, text: 'Error: not an OpenEVSE image (expected "OEVSE1 <length> <sha256>")' });
    const js = makeJs(10, 'x');
    const good: Buffer = imageFile(js);
    // one byte more than the header says
    m = multipart(Buffer.concat([good, Buffer.from('!')]));
    expect(await post(tg.port, m.body, m.type)).toEqual({ status: 400, text: 'Error: the upload has more bytes than the image header says (' + js.length + ')' });
    // a body that cannot hold what the header announces is refused as soon as the header is in
    m = multipart(good.subarray(0, good.length - 10));
    const r = await post(tg.port, m.body, m.type);
    expect(r).toEqual({ status: 400, text: 'Error: the upload is shorter than the image header says (' + js.length + ' bytes)' });
    // the same without the closing boundary (the client's Content-Length is honest about it)
    m = multipart(good);
    const cut = m.body.subarray(0, m.body.length - 8);
    expect(await post(tg.port, cut, m.type)).toEqual({ status: 400, text: 'Error: the upload is shorter than the image header says (' + js.length + ' bytes)' });
    // a form without a file
    const b = 'B0undary';
    const form = Buffer.from('--' + b + '\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--' + b + '--\r\n');
    expect(await post(tg.port, form, 'multipart/form-data; boundary=' + b)).toEqual({ status: 400, text: 'Error: no file in the upload' });
    expect(await post(tg.port, form, 'multipart/form-data')).toEqual({ status: 400, text: 'Error: multipart upload without a boundary' });
    expect(stored('app-b.js')).toBe(null);
  });

  test('chunked upload that ends early (no Content-Length): 400, nothing kept', async () => {
    const good: Buffer = imageFile(makeJs(20, 'x'));
    const c = new RawConn(tg.port);
    await c.connected();
    const part = good.subarray(0, 5000);
    c.write('POST /update HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n' + part.length.toString(16) + '\r\n' + part.toString('latin1') + '\r\n0\r\n\r\n');
    const r = await c.response();
    expect(r.status).toBe(400);
    expect(r.text).toMatch(/^Error: the upload ended early \(\d+ of \d+ bytes\)$/);
    c.destroy();
    expect(stored('app-b.js')).toBe(null);
  });

  test('oversize: 413 by Content-Length, and by the size in the header', async () => {
    const c = new RawConn(tg.port);
    await c.connected();
    c.write('POST /update HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: ' + (MAX_IMAGE + 10000) + '\r\n\r\n');
    const r = await c.response();
    expect(r.status).toBe(413);
    expect(r.text).toBe('Error: upload too large (' + (MAX_IMAGE + 10000) + ' bytes; an image may have ' + MAX_IMAGE + ')');
    c.destroy();
    // a header claiming more than fits, in a small chunked body
    const head = 'OEVSE1 ' + (MAX_IMAGE + 1) + ' ' + 'a'.repeat(64) + '\n';
    const c2 = new RawConn(tg.port);
    await c2.connected();
    c2.write('POST /update HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n' + head.length.toString(16) + '\r\n' + head + '\r\n');
    const r2 = await c2.response();
    expect(r2.status).toBe(413);
    expect(r2.text).toBe('Error: image of ' + (MAX_IMAGE + 1) + ' bytes too large (room for ' + MAX_IMAGE + ')');
    c2.destroy();
    // the router's 8 KB limit does not apply: a 100 KB image goes through (above, and here raw)
    expect((await post(tg.port, imageFile(makeJs(100, 'x')), 'application/octet-stream')).status).toBe(200);
  });

  test('a second upload while one runs: 409; a client that goes away frees the slot and leaves nothing', async () => {
    const good: Buffer = imageFile(makeJs(50, 'first'));
    const m = multipart(good);
    const c = new RawConn(tg.port);
    await c.connected();
    c.write('POST /update HTTP/1.1\r\nHost: x\r\nContent-Type: ' + m.type + '\r\nContent-Length: ' + m.body.length + '\r\n\r\n');
    c.write(m.body.subarray(0, 20000).toString('latin1'));
    await waitFor(() => fs.existsSync(path.join(tg.dir, 'app-b.js')), 'the first upload writing');
    const second = await post(tg.port, multipart(imageFile(makeJs(5, 'second'))).body, m.type);
    expect(second).toEqual({ status: 409, text: 'Error: another update is in progress' });
    // the first client aborts mid-upload
    c.destroy();
    await waitFor(() => !fs.existsSync(path.join(tg.dir, 'app-b.js')), 'the partial image erased');
    await waitFor(() => tg.logs.some((l) => l === 'warn update failed: the client went away'), 'the failure logged');
    // and the next upload is taken
    const again = multipart(good);
    expect((await post(tg.port, again.body, again.type)).status).toBe(200);
  });

  test('an upload that stalls: 408 once nothing came for UPLOAD_IDLE_MS, the partial file erased', async () => {
    const m = multipart(imageFile(makeJs(30, 'slow')));
    const c = new RawConn(tg.port);
    await c.connected();
    c.write('POST /update HTTP/1.1\r\nHost: x\r\nContent-Type: ' + m.type + '\r\nContent-Length: ' + m.body.length + '\r\n\r\n' + m.body.subarray(0, 10000).toString('latin1'));
    await waitFor(() => fs.existsSync(path.join(tg.dir, 'app-b.js')), 'the upload writing');
    tg.clock.skip(UPLOAD_IDLE_MS + 1000);
    const r = await c.response(UPLOAD_IDLE_MS / 4 + 3000);
    expect(r.status).toBe(408);
    expect(r.text).toBe('Error: upload stalled');
    expect(stored('app-b.js')).toBe(null);
    c.destroy();
  });

  test('two uploads at once, both complete: the one that came second gets 409, the first 200', async () => {
    const a = multipart(imageFile(makeJs(60, 'a')));
    const ws = new WsTestClient(tg.port);
    await ws.nextText(1);
    const c = new RawConn(tg.port);
    await c.connected();
    c.write('POST /update HTTP/1.1\r\nHost: x\r\nContent-Type: ' + a.type + '\r\nContent-Length: ' + a.body.length + '\r\n\r\n' + a.body.subarray(0, 100).toString('latin1'));
    await ws.until(() => ws.texts().some((t) => t.ota === 'started'), 'ota started');
    ws.destroy();
    const b = multipart(imageFile(makeJs(5, 'b')));
    expect((await post(tg.port, b.body, b.type)).status).toBe(409);
    c.write(a.body.subarray(100).toString('latin1'));
    const r = await c.response();
    expect(r.status).toBe(200);
    c.destroy();
  });

  test('the ESP32 path (switching on): 200 OK, the state file names the new image on trial, restart after ~1 s', async () => {
    setImageSwitching(true);
    const js = makeJs(30, 'b');
    const m = multipart(imageFile(js));
    const t0 = tg.clock.now();
    const r = await post(tg.port, m.body, m.type);
    expect(r).toEqual({ status: 200, text: 'OK' });
    expect(JSON.parse(stored('ota.json')!.toString())).toEqual({ cur: 'app-b.js', prev: 'app-a.js', trial: 1 });
    expect(tg.restarts).toEqual([]);
    await waitFor(() => tg.restarts.length === 1, 'the restart', 3000);
    expect(tg.restarts[0] - t0).toBeGreaterThanOrEqual(900);
    // the next update goes to the other slot
    fs.writeFileSync(path.join(tg.dir, 'ota.json'), JSON.stringify({ cur: 'app-b.js', prev: 'app-a.js' }));
    const m2 = multipart(imageFile(makeJs(10, 'c')));
    expect((await post(tg.port, m2.body, m2.type)).status).toBe(200);
    expect(JSON.parse(stored('ota.json')!.toString())).toEqual({ cur: 'app-a.js', prev: 'app-b.js', trial: 1 });
    expect(stored('app-b.js')!.equals(js)).toBe(true);
  });

  test('a host that refuses updates (a device flashed without the loader): 500 with the reason, nothing read or stored', async () => {
    setImageSwitching(false, '.bootcde is not the OTA loader');
    const m = multipart(imageFile(makeJs(10, 'x')));
    expect(await post(tg.port, m.body, m.type)).toEqual({ status: 500, text: 'Error: .bootcde is not the OTA loader' });
    expect(stored('app-b.js')).toBe(null);
  });

  test('npm run ota (scripts/ota-upload.js): progress, the answer, exit code', async () => {
    const bin = path.join(tmp, 'script.bin');
    fs.writeFileSync(bin, imageFile(makeJs(80, 'script')));
    const ok = await run('node', ['scripts/ota-upload.js', '--host', '127.0.0.1', '--port', String(tg.port), '--file', bin]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe('200 OK (stored as app-b.js; a Node install updates with git/npm)\n');
    expect(ok.stderr).toMatch(/100% \(\d+\/\d+ bytes\)/);
    const bad = path.join(tmp, 'bad.bin');
    const b: Buffer = imageFile(makeJs(20, 'bad'));
    b[b.length - 1] ^= 4;
    fs.writeFileSync(bad, b);
    const no = await run('node', ['scripts/ota-upload.js', '--host', '127.0.0.1:' + tg.port, '--file', bad]);
    expect(no.code).toBe(1);
    expect(no.stdout).toBe('400 Error: SHA-256 mismatch: the image is corrupt\n');
    const usage = await run('node', ['scripts/ota-upload.js', '--file', bad]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--host is required/);
  });
});

describe('/update with a password', () => {
  test('401 without credentials (nothing stored); the script with --user/--pass gets through', async () => {
    const tg = await startGateway({ planning: false, services: false, config: { www_username: 'admin', www_password: 'secret' } });
    try {
      const m = multipart(imageFile(makeJs(10, 'x')));
      const r = await post(tg.port, m.body, m.type);
      expect(r.status).toBe(401);
      expect(fs.existsSync(path.join(tg.dir, 'app-b.js'))).toBe(false);
      expect((await post(tg.port, m.body, m.type, { Authorization: basicAuth('admin', 'wrong') })).status).toBe(401);
      const bin = path.join(tmp, 'auth.bin');
      fs.writeFileSync(bin, imageFile(makeJs(10, 'auth')));
      const ok = await run('node', ['scripts/ota-upload.js', '--host', '127.0.0.1', '--port', String(tg.port), '--user', 'admin', '--pass', 'secret', '--file', bin]);
      expect(ok.stdout).toBe('200 OK (stored as app-b.js; a Node install updates with git/npm)\n');
      expect(ok.code).toBe(0);
    } finally {
      await tg.close();
    }
  });
});

describe('the web page over /update (web.bin, OEVSE-WEB1) on the Node gateway', () => {
  let tg: TestGateway;
  const OK_PAGE = 'OK (new web page in use: reload it)';
  beforeEach(async () => {
    tg = await startGateway({ planning: false, services: false });
    fs.writeFileSync(path.join(tg.dir, 'index.html.gz'), makePage('flashed'));
  });
  afterEach(async () => {
    setImageSwitching(false);
    setAssetSource(null);
    await tg.close();
  });
  const stored = (name: string) => {
    const p = path.join(tg.dir, name);
    return fs.existsSync(p) ? fs.readFileSync(p) : null;
  };

  test("curl -F 'file=@web.bin': 200, GET / serves the new bytes gzipped, no restart; the next one goes back to index.html.gz", async () => {
    // switching on, as on the device: a page must not switch images or restart either way
    setImageSwitching(true);
    const old = stored('index.html.gz')!;
    const gz = makePage('new');
    const bin = path.join(tmp, 'web.bin');
    fs.writeFileSync(bin, pageFile(gz));
    const r = await run('curl', ['-sS', '-w', '\n%{http_code}', '-F', 'file=@' + bin, tg.url + '/update']);
    expect(r.stdout).toBe(OK_PAGE + '\n200');
    expect(stored('index-b.html.gz')!.equals(gz)).toBe(true);
    expect(stored('web.cur')!.toString()).toBe('index-b.html.gz');
    expect(stored('index.html.gz')!.equals(old)).toBe(true); // the fallback stays
    let page = await getPage(tg.port);
    expect(page.status).toBe(200);
    expect(page.encoding).toBe('gzip');
    expect(page.body.equals(gz)).toBe(true);
    // a second one: into index.html.gz, and web.cur erased names it
    const gz2 = makePage('newer');
    const m = multipart(pageFile(gz2), undefined, 'firmware');
    expect(await post(tg.port, m.body, m.type)).toEqual({ status: 200, text: OK_PAGE });
    expect(stored('web.cur')).toBe(null);
    expect(stored('index.html.gz')!.equals(gz2)).toBe(true);
    page = await getPage(tg.port);
    expect(page.body.equals(gz2)).toBe(true);
    expect(page.encoding).toBe('gzip');
    await new Promise((r) => setTimeout(r, 1200));
    expect(tg.restarts).toEqual([]);
    expect(stored('ota.json')).toBe(null);
    expect(stored('app-b.js')).toBe(null);
  });

  test('a corrupt page (SHA-256): 400, the old page still served, the partial file erased, web.cur untouched', async () => {
    const old = stored('index.html.gz')!;
    const bin: Buffer = pageFile(makePage('bad'));
    bin[bin.length - 100] ^= 1;
    const m = multipart(bin);
    const ws = new WsTestClient(tg.port);
    await ws.nextText(1);
    expect(await post(tg.port, m.body, m.type)).toEqual({ status: 400, text: 'Error: SHA-256 mismatch: the web page is corrupt' });
    await ws.until(() => ws.texts().some((t) => t.ota === 'failed'), 'ota failed');
    ws.destroy();
    expect(stored('index-b.html.gz')).toBe(null);
    expect(stored('web.cur')).toBe(null);
    const page = await getPage(tg.port);
    expect(page.encoding).toBe('gzip');
    expect(page.body.equals(old)).toBe(true);
  });

  test('a short page and one too large: 400 / 413 with the reason, the old page kept', async () => {
    const old = stored('index.html.gz')!;
    const gz = makePage('short');
    const good: Buffer = pageFile(gz);
    const m = multipart(good.subarray(0, good.length - 10));
    expect(await post(tg.port, m.body, m.type)).toEqual({ status: 400, text: 'Error: the upload is shorter than the web page header says (' + gz.length + ' bytes)' });
    const head = 'OEVSE-WEB1 ' + (MAX_PAGE + 1) + ' ' + 'a'.repeat(64) + '\n';
    const big = multipart(Buffer.concat([Buffer.from(head), Buffer.alloc(MAX_PAGE + 1)]));
    expect(await post(tg.port, big.body, big.type)).toEqual({ status: 413, text: 'Error: web page of ' + (MAX_PAGE + 1) + ' bytes too large (room for ' + MAX_PAGE + ')' });
    expect(stored('index-b.html.gz')).toBe(null);
    expect((await getPage(tg.port)).body.equals(old)).toBe(true);
  });

  test('stored where the Node gateway serves the page from (its asset folder), not in the data folder', async () => {
    const web = fs.mkdtempSync(path.join(tmp, 'web-'));
    fs.writeFileSync(path.join(web, 'index.html.gz'), makePage('dist'));
    setAssetSource(folderStorage(web));
    const file = path.join(ROOT, 'dist/esp32/web.bin');
    if (!fs.existsSync(file)) throw new Error('run npm run build first');
    const m = multipart(fs.readFileSync(file), undefined, 'firmware');
    expect(await post(tg.port, m.body, m.type)).toEqual({ status: 200, text: OK_PAGE });
    const built = fs.readFileSync(path.join(ROOT, 'dist/web/index.html.gz'));
    expect(fs.readFileSync(path.join(web, 'index-b.html.gz')).equals(built)).toBe(true);
    expect(fs.readFileSync(path.join(web, 'web.cur'), 'latin1')).toBe('index-b.html.gz');
    expect(stored('index-b.html.gz')).toBe(null);
    expect((await getPage(tg.port)).body.equals(built)).toBe(true);
  });

  test('npm run ota sends the page, then the image, by default; --only web sends the page alone', async () => {
    for (const f of ['dist/esp32/web.bin', 'dist/esp32/image.bin']) if (!fs.existsSync(path.join(ROOT, f))) throw new Error('run npm run build first');
    const built = fs.readFileSync(path.join(ROOT, 'dist/web/index.html.gz'));
    const both = await run('node', ['scripts/ota-upload.js', '--host', '127.0.0.1', '--port', String(tg.port)]);
    expect(both.stdout).toBe('web.bin: 200 ' + OK_PAGE + '\nimage.bin: 200 OK (stored as app-b.js; a Node install updates with git/npm)\n');
    expect(both.code).toBe(0);
    expect(stored('index-b.html.gz')!.equals(built)).toBe(true);
    expect(stored('app-b.js')!.equals(fs.readFileSync(path.join(ROOT, 'dist/esp32/image.js')))).toBe(true);
    fs.rmSync(path.join(tg.dir, 'app-b.js'));
    const web = await run('node', ['scripts/ota-upload.js', '--host', '127.0.0.1:' + tg.port, '--only', 'web']);
    expect(web.stdout).toBe('200 ' + OK_PAGE + '\n');
    expect(stored('index.html.gz')!.equals(built)).toBe(true);
    expect(stored('web.cur')).toBe(null);
    expect(stored('app-b.js')).toBe(null);
    // a refused page stops before the image
    const bad = path.join(tmp, 'bad-web.bin');
    const b: Buffer = pageFile(makePage('bad'));
    b[b.length - 1] ^= 4;
    fs.writeFileSync(bad, b);
    const no = await run('node', ['scripts/ota-upload.js', '--host', '127.0.0.1', '--port', String(tg.port), '--file', bad, '--file', 'dist/esp32/image.bin']);
    expect(no.stdout).toBe('bad-web.bin: 400 Error: SHA-256 mismatch: the web page is corrupt\n');
    expect(no.code).toBe(1);
    expect(stored('app-b.js')).toBe(null);
    expect((await run('node', ['scripts/ota-upload.js', '--host', 'x', '--only', 'ui'])).code).toBe(2);
  });
});
