// The Node HttpClient's timeout is a deadline for the whole request (the HAL's contract, which the
// emoncms, OhmConnect and Tesla services rely on instead of timers of their own): a server that
// keeps the connection busy with a byte now and then still gets 'timeout', once.
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { nodeHttpClient } from '../../src/hal/node/http-client';

test('a server trickling its answer gets timeout at the deadline, and the callback runs once', async () => {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    const t = setInterval(() => res.write('.'), 50);
    res.on('close', () => clearInterval(t));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = 'http://127.0.0.1:' + (server.address() as AddressInfo).port + '/';
  const calls: any[] = [];
  const start = Date.now();
  await new Promise<void>((resolve) =>
    nodeHttpClient.request({ method: 'GET', url, timeoutMs: 400, maxBytes: 100000 }, (err, status, body) => {
      calls.push([err, status, body, Date.now() - start]);
      resolve();
    })
  );
  await new Promise((r) => setTimeout(r, 300));
  server.close();
  expect(calls.length).toBe(1);
  expect(calls[0].slice(0, 3)).toEqual(['timeout', 0, '']);
  expect(calls[0][3]).toBeGreaterThanOrEqual(390);
  expect(calls[0][3]).toBeLessThan(1500);
});
