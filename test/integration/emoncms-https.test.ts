// Emoncms over HTTPS (an `https://` emoncms_server) on Node, against a local HTTPS server with a
// self-signed certificate made here with openssl. The HTTP client verifies the server's
// certificate, and no setting turns that off for emoncms (emoncms_fingerprint is accepted but
// unused, as in the reference's HEAD; the HttpClient HAL has no TLS option): so a self-signed
// server is refused, with a message saying why, before any request leaves; once the certificate
// is trusted by the host (here Node's default agent's CA list, as NODE_EXTRA_CA_CERTS or the system
// store would on an install), the exact GET goes out over TLS.
import * as https from 'node:https';
import * as tls from 'node:tls';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { AddressInfo } from 'node:net';
import { EmoncmsService } from '../../src/services/emoncms';
import * as emoncmsPost from '../../src/services/emoncms-post';
import { nodeHttpClient } from '../../src/hal/node/http-client';
import { startGateway, waitFor, TestGateway } from '../helpers/gateway';

jest.setTimeout(30000);

function which(cmd: string): string | null {
  for (const d of (process.env.PATH || '').split(':')) if (fs.existsSync(path.join(d, cmd))) return path.join(d, cmd);
  return null;
}
const OPENSSL = which('openssl');
if (!OPENSSL) {
  // eslint-disable-next-line no-console
  console.warn('emoncms-https tests SKIPPED: openssl not installed (apt-get install -y openssl)');
}
const maybe = OPENSSL ? describe : describe.skip;

maybe('emoncms over HTTPS', () => {
  let dir = '';
  let cert = '';
  let server: https.Server;
  let port = 0;
  const seen: { method: string; url: string; headers: any; body: string }[] = [];
  const tlsErrors: string[] = [];
  let g: TestGateway;
  let svc: EmoncmsService;
  const agentCa = https.globalAgent.options.ca;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'emoncms-https-'));
    execFileSync(
      OPENSSL as string,
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
      { cwd: dir, stdio: 'pipe' }
    );
    cert = fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8');
    server = https.createServer({ key: fs.readFileSync(path.join(dir, 'key.pem')), cert }, (req, res) => {
      let body = '';
      req.setEncoding('latin1');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        seen.push({ method: req.method || '', url: req.url || '', headers: req.headers, body });
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('ok');
      });
    });
    server.on('tlsClientError', (e: Error) => tlsErrors.push(e.message));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as AddressInfo).port;
    g = await startGateway({
      config: { emoncms_enabled: true, emoncms_server: 'https://127.0.0.1:' + port + '/emon/', emoncms_node: 'garage', emoncms_apikey: 'k3y&x=1' },
      services: false, // the service is built here, with a short timeout
    });
    svc = new EmoncmsService(g.gateway, nodeHttpClient, { timeoutMs: 3000, loadRequest: () => emoncmsPost });
  });

  afterAll(async () => {
    https.globalAgent.options.ca = agentCa;
    if (svc) svc.stop();
    if (g) await g.close();
    if (server) {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a self-signed server is refused at the TLS handshake: no request leaves, the message says why', async () => {
    svc.start();
    svc.post(null);
    await waitFor(() => svc.sent === 1 && svc.busy === 0, 'the post to fail');
    expect(svc.success).toBe(0);
    expect(svc.connected).toBe(0);
    expect(svc.message).toMatch(/^Failed to connect: .*self[- ]signed certificate/);
    expect(seen).toEqual([]);
    // the handshake reached the server and the client broke it off there
    await waitFor(() => tlsErrors.length >= 1, 'the server to see the aborted handshake');
  });

  test('with the certificate trusted by the host, the exact GET goes out over TLS', async () => {
    https.globalAgent.options.ca = [...tls.rootCertificates, cert];
    // a new start: no back-off left from the refusal above
    svc.stop();
    svc.start();
    svc.post(null);
    await waitFor(() => svc.success === 1, 'the post over TLS answered');
    expect(seen.length).toBe(1);
    const r = seen[0];
    expect(r.method).toBe('GET');
    expect(r.body).toBe('');
    expect(r.headers.host).toBe('127.0.0.1:' + port);
    const u = new URL(r.url, 'https://x');
    expect(u.pathname).toBe('/emon/input/post');
    const fulljson = u.searchParams.get('fulljson') || '';
    // the whole query, in order and encoded as the reference sends it
    expect(r.url).toBe('/emon/input/post?fulljson=' + encodeURIComponent(fulljson) + '&node=garage&apikey=k3y%26x%3D1');
    const doc = JSON.parse(fulljson);
    const st = g.gateway.monitor.status;
    for (const k of ['amp', 'voltage', 'pilot', 'state']) expect(doc[k]).toEqual(st[k]);
    expect(svc.statusFields({})).toEqual({ emoncms_connected: 1, emoncms_message: 'Connected', packets_sent: 2, packets_success: 1 });
  });
});
