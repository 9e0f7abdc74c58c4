// The mDNS responder's packets (services/mdns.ts): the reply to a query, and the unsolicited
// announcement or goodbye. The responder gets this module from `opts.loadReply` for each datagram
// that may concern it, and for each announcement, and does not keep it: on the ESP32 that is a
// `lazy:` loader, so these functions and the DNS wire format's (dns-packet.ts) exist only for a
// moment, not for as long as the station is up.
import type { MdnsResponder } from './mdns';
import { parseQuery, header, record, encodeName, ipBytes, srvData, txtData, FLAG_QR, FLAG_AA, TYPE_A, TYPE_PTR, TYPE_TXT, TYPE_SRV, TYPE_ANY, CLASS_IN, CLASS_ANY } from './dns-packet';
import { MDNS_GROUP, MDNS_PORT } from './mdns';

var SERVICE_ENUM = '_services._dns-sd._udp.local';
/** (services/mdns.ts looks for these names in a datagram before it fetches this module) */
var SERVICES = ['_http._tcp.local', '_openevse._tcp.local'];

var TTL_S = 120;
var LEGACY_TTL_S = 10;
/** In a record's class: "replace what you cached"; in a question's: "answer me by unicast". */
var TOP_BIT = 0x8000;
var MAX_QUESTIONS = 8;

// Which records a reply holds, as bits; a service's bits are these shifted by its index in SERVICES.
var R_HOST = 1;
var R_PTR = 2;
var R_SRV_TXT = 8;
var R_ENUM = 32;
var R_ALL = 31;

// build()'s second result: how many records it wrote
var count = 0;

/** One datagram: the reply is sent and returned, or '' when there is none. */
export function mdnsReply(m: MdnsResponder, data: string, from: { address: string; port: number }): string {
  var q = parseQuery(data, MAX_QUESTIONS);
  if (!q || q.flags & FLAG_QR || (q.flags >> 11) & 15 || !m.sock) return '';
  var hostname = m.hostname.toLowerCase();
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
    if (n === hostname + '.local') {
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
        } else if (n === hostname + '.' + SERVICES[s]) {
          if (t === TYPE_SRV || t === TYPE_TXT || any) {
            ans |= R_SRV_TXT << s;
            add |= R_HOST;
          }
        }
      }
    }
  }
  add &= ~ans;
  if (!ans || !ipBytes(m.ip)) return '';
  var legacy = from.port !== MDNS_PORT;
  var ttl = legacy ? LEGACY_TTL_S : TTL_S;
  var an = build(m, ans, ttl, !legacy);
  var anCount = count;
  var ar = build(m, add, ttl, !legacy);
  var reply = header(legacy ? q.id : 0, FLAG_QR | FLAG_AA, legacy ? q.questions.length : 0, anCount, 0, count);
  reply += (legacy ? data.substring(12, q.end) : '') + an + ar;
  if (legacy || qu) m.sock.send(reply, from.port, from.address);
  else m.sock.send(reply, m.port, MDNS_GROUP);
  return reply;
}

/**
 * An unsolicited response on the group with every record (RFC 6762 §8.3); `goodbye`: TTL 0, which
 * withdraws them. Nothing while closed or without a usable address.
 */
export function mdnsAnnounce(m: MdnsResponder, goodbye: boolean): void {
  if (!m.sock || !ipBytes(m.ip)) return;
  var recs = build(m, R_ALL, goodbye ? 0 : TTL_S, true);
  m.sock.send(header(0, FLAG_QR | FLAG_AA, 0, count, 0, 0) + recs, m.port, MDNS_GROUP);
}

/** The records named by `mask`, unique ones with the cache-flush bit when `flush`; sets `count`. */
function build(m: MdnsResponder, mask: number, ttl: number, flush: boolean): string {
  var out = '';
  var n = 0;
  var uniq = flush ? CLASS_IN | TOP_BIT : CLASS_IN;
  var host = m.hostname + '.local';
  var a = ipBytes(m.ip);
  if (mask & R_HOST && a) {
    out += record(encodeName(host), TYPE_A, uniq, ttl, a);
    n++;
  }
  for (var s = 0; s < SERVICES.length; s++) {
    var inst = encodeName(m.hostname + '.' + SERVICES[s]);
    if (mask & (R_PTR << s)) {
      out += record(encodeName(SERVICES[s]), TYPE_PTR, CLASS_IN, ttl, inst);
      n++;
    }
    if (mask & (R_SRV_TXT << s)) {
      out += record(inst, TYPE_SRV, uniq, ttl, srvData(m.httpPort, host)) + record(inst, TYPE_TXT, uniq, ttl, txtData(m.txt));
      n += 2;
    }
    if (mask & R_ENUM) {
      out += record(encodeName(SERVICE_ENUM), TYPE_PTR, CLASS_IN, ttl, encodeName(SERVICES[s]));
      n++;
    }
  }
  count = n;
  return out;
}
