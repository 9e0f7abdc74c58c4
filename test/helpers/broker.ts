// A real MQTT broker for tests: aedes on a free loopback port, in this process.
import * as net from 'node:net';

// aedes 0.51 is CommonJS (1.x is ESM only, which jest's CommonJS runtime cannot load)
// eslint-disable-next-line @typescript-eslint/no-var-requires
const Aedes = require('aedes');

export interface TestBroker {
  aedes: any;
  port: number;
  /** The open client connections (to cut one as a network failure would). */
  sockets: Set<net.Socket>;
  /** The retained messages whose topic starts with `prefix` (all by default), by topic. */
  retained(prefix?: string): Promise<{ [topic: string]: string }>;
  close(): Promise<void>;
}

/** `port`: listen there (a broker restarted on the same address); default a free one. */
export async function startBroker(port = 0): Promise<TestBroker> {
  const aedes = new Aedes();
  const server = net.createServer(aedes.handle);
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return {
    aedes,
    port: (server.address() as net.AddressInfo).port,
    sockets,
    retained: (prefix = '') =>
      new Promise((resolve, reject) => {
        const out: { [topic: string]: string } = {};
        aedes.persistence
          .createRetainedStream('#')
          .on('data', (p: any) => {
            if (p.topic.indexOf(prefix) === 0) out[p.topic] = p.payload.toString();
          })
          .on('end', () => resolve(out))
          .on('error', reject);
      }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => aedes.close(() => resolve()));
      }),
  };
}
