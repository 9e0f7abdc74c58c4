// The mDNS responder (RFC 6762) with DNS-SD (RFC 6763), as the OpenEVSE gateway advertises itself
// (ref/openevse-gateway.md §8): `<hostname>.local` A, and the services `_http._tcp` and
// `_openevse._tcp` on the web port, instance name = hostname, TXT type/version/id.
//
// Replies: a query from port 5353 is answered on the group (or unicast to the asker when a question
// has the QU bit); a query from any other port is a "legacy unicast" one (dig, a plain resolver, the
// tests) and gets a reply to that port with the query's id and questions, TTLs of at most 10 s and
// no cache-flush bits (RFC 6762 §6.7). Not done: probing for name conflicts, known-answer
// suppression, NSEC for AAAA (we have no IPv6 address) — none is needed to be found.
//
// This is the part that stays alive: the socket, the name and address, the announcement's second
// round. The packets themselves (parsing a query, the records, the reply) are services/
// mdns-reply.ts, which the responder gets from `opts.loadReply` for each datagram that may concern
// it and for each announcement, and does not keep: on the ESP32 that is a `lazy:` loader. Most of
// what reaches port 5353 on a home network is other devices' answers and questions about other
// names; those are dropped here, by a look at the bytes, without the packet code.
import type { Udp, UdpSocket, Log, Clock } from '../hal/types';

export var MDNS_GROUP = '224.0.0.251';
export var MDNS_PORT = 5353;

/** What the packets need: services/mdns-reply.ts. */
export interface MdnsReply {
  mdnsReply(m: MdnsResponder, data: string, from: { address: string; port: number }): string;
  mdnsAnnounce(m: MdnsResponder, goodbye: boolean): void;
}

export interface MdnsOptions {
  /** The packet module, fetched again for each datagram and announcement (on the ESP32 it is defined anew). */
  loadReply: () => MdnsReply;
  hostname: string;
  /** The station address; '' until there is one (the responder stays silent without it). */
  ip?: string;
  /** The web server's port, advertised in the SRV records; 80 by default. */
  httpPort?: number;
  /** TXT strings, e.g. ['type=esp32', 'version=5.0.0', 'id=abcd']. */
  txt?: string[];
  /** UDP port to bind; 5353 unless a test picks another. */
  port?: number;
}

// The fields below are read by the packet module too (hence not private).
export class MdnsResponder {
  hostname: string;
  ip: string;
  httpPort: number;
  txt: string[];
  port: number;
  sock: UdpSocket | null = null;
  private timer: any = null;
  private loadReply: () => MdnsReply;

  constructor(private udp: Udp, private clock: Clock, private log: Log, opts: MdnsOptions) {
    this.loadReply = opts.loadReply;
    this.hostname = opts.hostname;
    this.ip = opts.ip || '';
    this.httpPort = opts.httpPort || 80;
    this.txt = opts.txt || [];
    this.port = opts.port !== undefined ? opts.port : MDNS_PORT;
  }

  /** Joins the group, answers from now on and announces; a second call does nothing. */
  start(): void {
    if (this.sock) return;
    var self = this;
    var sock = this.udp.bind(this.port, MDNS_GROUP);
    sock.onMessage(function (data, from) {
      if (self.mayConcern(data)) self.loadReply().mdnsReply(self, data, from);
    });
    this.sock = sock;
    this.log('info', 'mDNS: ' + this.hostname + '.local');
    this.announce();
  }

  /** Says goodbye (the records with TTL 0) and closes the port; a second call does nothing. */
  stop(): void {
    if (!this.sock) return;
    this.clock.clearTimeout(this.timer);
    this.timer = null;
    if (this.ip) this.loadReply().mdnsAnnounce(this, true);
    this.sock.close();
    this.sock = null;
  }

  /** The station got, changed ('' lost) its address: the old one withdrawn, the new one announced. */
  setAddress(ip: string): void {
    if (ip === this.ip) return;
    // (a new address replaces the old in caches by the cache-flush bit; the goodbye is for none at all)
    if (this.sock && !ip) this.loadReply().mdnsAnnounce(this, true);
    this.ip = ip;
    if (this.sock) this.announce();
  }

  /** The old name's records are withdrawn and the new ones announced. */
  setHostname(name: string): void {
    if (name === this.hostname) return;
    if (this.sock) this.loadReply().mdnsAnnounce(this, true);
    this.hostname = name;
    if (this.sock) this.announce();
  }

  /**
   * Whether a datagram may be a question we answer: a query (not a response) naming our host or
   * one of the services (mdns-reply.ts SERVICES, SERVICE_ENUM) somewhere in its bytes. Every name a question can carry is written out in
   * full at its first appearance (a compression pointer only points back), so a question about us
   * cannot pass unseen.
   */
  mayConcern(data: string): boolean {
    if (data.length < 12 || data.charCodeAt(2) & 0x80) return false;
    var d = data.toLowerCase();
    return d.indexOf(this.hostname.toLowerCase()) >= 0 || d.indexOf('_http') >= 0 || d.indexOf('_openevse') >= 0 || d.indexOf('_services') >= 0;
  }

  /** Every record now and again a second later (RFC 6762 §8.3 asks for at least two). */
  private announce(): void {
    var self = this;
    this.clock.clearTimeout(this.timer);
    this.timer = null;
    // (no address, nothing to announce: the packet code is not fetched for it, now or in 1 s)
    if (!this.ip) return;
    this.loadReply().mdnsAnnounce(this, false);
    this.timer = this.clock.setTimeout(function () {
      self.timer = null;
      self.loadReply().mdnsAnnounce(self, false);
    }, 1000);
  }
}
