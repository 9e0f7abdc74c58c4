// A request the router or /update refuses without reading its body still has its body taken (and
// dropped) as it arrives: on Espruino a body nobody reads stays in RAM for as long as the client
// sends it, and a refused 2 MB upload ran the interpreter out of memory (src/http/util.ts dropBody;
// bench:memory sends two on the interpreter). Checked here on the router itself, with requests
// that record which events the gateway listens to.
import { startGateway, TestGateway } from '../helpers/gateway';
import { createRouter, MAX_BODY } from '../../src/http/router';
import { HttpRequest, HttpResponse } from '../../src/hal/types';

let g: TestGateway;

beforeAll(async () => {
  g = await startGateway({ config: { www_username: 'admin', www_password: 'secret' } });
});

afterAll(async () => {
  if (g) await g.close();
});

/** Sends one request through a router; the events listened to and the answer's status. */
function send(router: (req: HttpRequest, res: HttpResponse) => void, method: string, url: string, headers: { [k: string]: string }) {
  const listened: string[] = [];
  let status = 0;
  const req: any = { method, url, headers, on: (event: string) => listened.push(event) };
  const res: any = { writeHead: (code: number) => (status = code), write: () => undefined, end: () => undefined, on: () => undefined };
  router(req, res);
  return { listened, status: () => status };
}

const auth = { authorization: 'Basic ' + Buffer.from('admin:secret').toString('base64') };

test('refused requests still take their body (wrong password, bad path, too large, too many, /update refused)', () => {
  const router = createRouter(g.gateway);
  const cases: [string, string, string, { [k: string]: string }, number][] = [
    ['wrong password', 'POST', '/config', { authorization: 'Basic ' + Buffer.from('admin:nope').toString('base64'), 'content-length': '2000000' }, 401],
    ['no password', 'POST', '/config', { 'content-length': '2000000' }, 401],
    ['a path around the names', 'POST', '/../config', { ...auth, 'content-length': '2000000' }, 404],
    ['over MAX_BODY', 'POST', '/config', { ...auth, 'content-length': String(MAX_BODY + 1) }, 413],
    ['/update too large', 'POST', '/update', { ...auth, 'content-length': '99999999' }, 413],
    ['/update multipart without a boundary', 'POST', '/update', { ...auth, 'content-type': 'multipart/form-data', 'content-length': '2000000' }, 400],
    ['/update with PUT', 'PUT', '/update', { ...auth, 'content-length': '2000000' }, 405],
  ];
  for (const [what, method, url, headers, code] of cases) {
    const r = send(router, method, url, headers);
    expect({ what, status: r.status(), data: r.listened.includes('data') }).toEqual({ what, status: code, data: true });
  }
});

test('more requests than the cap: the one refused with 503 takes its body too', () => {
  const router = createRouter(g.gateway);
  // requests whose bodies never end keep their slots
  const max = g.gateway.opts.maxRequests || 4;
  for (let i = 0; i < max; i++) send(router, 'POST', '/config', { ...auth, 'content-length': '10' });
  const r = send(router, 'POST', '/config', { ...auth, 'content-length': '2000000' });
  expect(r.status()).toBe(503);
  expect(r.listened).toContain('data');
});
