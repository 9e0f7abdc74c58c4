// The mDNS responder (RFC 6762) with DNS-SD (RFC 6763), as the OpenEVSE gateway advertises itself
// (ref/openevse-gateway.md §8): `<hostname>.local` A, and the services `_http._tcp` and
// `_openevse._tcp` on the web port, instance name = hostname, TXT type/version/id.
//
// Replies: a query from port 5353 is answered on the group (or unicast to the asker when a question
// has the QU bit); a query from any other port is a "legacy unicast" one (dig, a plain resolver, the
// tests) and gets a reply to that port with the query's id and questions, TTLs of at most 10 s and
// no cache-flush bits (RFC 6762 §6.7). Not done: probing for name conflicts, known-answer
// suppression, NSEC for AAAA (we have no IPv6 address) — none is needed to be found.
import type { Udp, UdpSocket, Log, Clock } from '../hal/types';
import { parseQuery, header, record, encodeName, ipBytes, srvData, txtData, FLAG_QR, FLAG_AA, TYPE_A, TYPE_PTR, TYPE_TXT, TYPE_SRV, TYPE_ANY, CLASS_IN, CLASS_ANY } from './dns-packet';

export var MDNS_GROUP = '224.0.0.251';
export var MDNS_PORT = 5353;
var TTL_S = 120;
var LEGACY_TTL_S = 10;
/** In a record's class: "replace what you cached"; in a question's: "answer me by unicast". */
var TOP_BIT = 0x8000;
var MAX_QUESTIONS = 8;
var SERVICE_ENUM = '_services._dns-sd._udp.local';

// Which records a reply holds, as bits; a service's bits are these shifted by its index in SERVICES.
var R_HOST = 1;
var R_PTR = 2;
var R_SRV_TXT = 8;
var R_ENUM = 32;
var R_ALL = 31;
var SERVICES = ['_http._tcp.local', '_openevse._tcp.local'];

export interface MdnsOptions {
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

export class MdnsResponder {
  hostname: string;
  ip: string;
  private httpPort: number;
  private txt: string[];
  private port: number;
  private sock: UdpSocket | null = null;
  private timer: any = null;
  // build()'s second result: how many records it wrote
  private count = 0;

  constructor(private udp: Udp, private clock: Clock, private log: Log, opts: MdnsOptions) {
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
      self.handle(data, from);
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
    this.unsolicited(0);
    this.sock.close();
    this.sock = null;
  }

  /** The station got, changed ('' lost) its address: announced at once when running. */
  setAddress(ip: string): void {
    if (ip === this.ip) return;
    // a new address replaces the old in caches (cache-flush bit); none at all must withdraw it
    if (this.sock && !ipBytes(ip)) this.unsolicited(0);
    this.ip = ip;
    if (this.sock) this.announce();
  }

  /** The old name's records are withdrawn and the new ones announced. */
  setHostname(name: string): void {
    if (name === this.hostname) return;
    if (this.sock) this.unsolicited(0);
    this.hostname = name;
    if (this.sock) this.announce();
  }

  /** One datagram; returns the reply sent, or ''. */
  handle(data: string, from: { address: string; port: number }): string {
    var q = parseQuery(data, MAX_QUESTIONS);
    if (!q || q.flags & FLAG_QR || (q.flags >> 11) & 15 || !this.sock) return '';
    var host = this.hostname.toLowerCase() + '.local';
    var ans = 0;
    var add = 0;
    var qu = false;
    for (var i = 0; i < q.questions.length; i++) {
      var n = q.questions[i].name.toLowerCase();
      var t = q.questions[i].type;
      var c = q.questions[i].cls & ~TOP_BIT;
      var any = t === TYPE_ANY;
      if (c !== CLASS_IN && c !== CLASS_ANY) continue;
      if (q.questions[i].cls & TOP_BIT) qu = true;
      if (n === host) {
        if (t === TYPE_A || any) ans |= R_HOST;
      } else if (n === SERVICE_ENUM) {
        if (t === TYPE_PTR || any) ans |= R_ENUM;
      } else {
        for (var s = 0; s < SERVICES.length; s++) {
          if (n === SERVICES[s]) {
            if (t === TYPE_PTR || any) {
              ans |= R_PTR << s;
              add |= (R_SRV_TXT << s) | R_HOST;
            }
          } else if (n === this.hostname.toLowerCase() + '.' + SERVICES[s]) {
            if (t === TYPE_SRV || t === TYPE_TXT || any) {
              ans |= R_SRV_TXT << s;
              add |= R_HOST;
            }
          }
        }
      }
    }
    add &= ~ans;
    if (!ans || !ipBytes(this.ip)) return '';
    var legacy = from.port !== MDNS_PORT;
    var ttl = legacy ? LEGACY_TTL_S : TTL_S;
    var an = this.build(ans, ttl, !legacy);
    var anCount = this.count;
    var ar = this.build(add, ttl, !legacy);
    var reply = header(legacy ? q.id : 0, FLAG_QR | FLAG_AA, legacy ? q.questions.length : 0, anCount, 0, this.count);
    reply += (legacy ? data.substring(12, q.end) : '') + an + ar;
    if (legacy || qu) this.sock.send(reply, from.port, from.address);
    else this.sock.send(reply, this.port, MDNS_GROUP);
    return reply;
  }

  /** Every record now and again a second later (RFC 6762 §8.3 asks for at least two). */
  private announce(): void {
    var self = this;
    this.clock.clearTimeout(this.timer);
    this.unsolicited(TTL_S);
    this.timer = this.clock.setTimeout(function () {
      self.timer = null;
      self.unsolicited(TTL_S);
    }, 1000);
  }

  /** An unsolicited response on the group with every record; TTL 0 withdraws them. */
  private unsolicited(ttl: number): void {
    if (!this.sock || !ipBytes(this.ip)) return;
    var recs = this.build(R_ALL, ttl, true);
    this.sock.send(header(0, FLAG_QR | FLAG_AA, 0, this.count, 0, 0) + recs, this.port, MDNS_GROUP);
  }

  /** The records named by `mask`, unique ones with the cache-flush bit when `flush`; sets `count`. */
  private build(mask: number, ttl: number, flush: boolean): string {
    var out = '';
    var n = 0;
    var uniq = flush ? CLASS_IN | TOP_BIT : CLASS_IN;
    var host = this.hostname + '.local';
    var a = ipBytes(this.ip);
    if (mask & R_HOST && a) {
      out += record(encodeName(host), TYPE_A, uniq, ttl, a);
      n++;
    }
    for (var s = 0; s < SERVICES.length; s++) {
      var inst = encodeName(this.hostname + '.' + SERVICES[s]);
      if (mask & (R_PTR << s)) {
        out += record(encodeName(SERVICES[s]), TYPE_PTR, CLASS_IN, ttl, inst);
        n++;
      }
      if (mask & (R_SRV_TXT << s)) {
        out += record(inst, TYPE_SRV, uniq, ttl, srvData(this.httpPort, host)) + record(inst, TYPE_TXT, uniq, ttl, txtData(this.txt));
        n += 2;
      }
      if (mask & R_ENUM) {
        out += record(encodeName(SERVICE_ENUM), TYPE_PTR, CLASS_IN, ttl, encodeName(SERVICES[s]));
        n++;
      }
    }
    this.count = n;
    return out;
  }
}
