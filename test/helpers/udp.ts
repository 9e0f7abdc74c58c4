// UDP helpers for the tests of the name servers (captive DNS, mDNS) and the WiFi manager.
import * as dgram from 'node:dgram';

/** A UDP port free on this machine a moment ago. */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.bind(0, () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

/** Sends one datagram from a fresh socket to 127.0.0.1:`port`; the first reply, or null after `ms`. */
export function ask(port: number, packet: Buffer, ms = 400): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    const t = setTimeout(() => (s.close(), resolve(null)), ms);
    s.on('message', (b) => (clearTimeout(t), s.close(), resolve(b)));
    s.send(packet, port, '127.0.0.1');
  });
}
