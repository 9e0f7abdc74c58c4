// The captive portal's DNS server (ref/openevse-gateway.md §8): while the access point is up,
// every name resolves to the gateway's AP address, so a phone that joins the AP finds its
// connectivity check answered by our web server and opens the setup page.
//
// A (and ANY) queries get the address. Every other type gets NOERROR with no answer ("no data"),
// not NXDOMAIN: phones ask A and AAAA side by side, and NXDOMAIN says the name does not exist at
// all (RFC 8020), which some resolvers then apply to the A answer too. Opcodes other than QUERY
// get NOTIMP so the client gives up at once instead of timing out. Responses and packets that do
// not parse are dropped without a reply.
import type { Udp, UdpSocket, Log } from '../hal/types';
import { parseQuery, buildAnswer, FLAG_QR, TYPE_A, TYPE_ANY, CLASS_IN, CLASS_ANY } from './dns-packet';

export var AP_ADDRESS = '192.168.4.1';
/** Short, so that a phone leaving the AP does not keep our address for the names it looked up. */
var TTL_S = 60;
var RCODE_NOTIMP = 4;

export interface CaptiveDnsOptions {
  /** UDP port; 53 unless a test picks another. */
  port?: number;
  /** The address every name resolves to; AP_ADDRESS by default. */
  ip?: string;
}

export class CaptiveDns {
  private sock: UdpSocket | null = null;
  private port: number;
  private ip: string;
  /** Queries answered since construction (for tests and the log). */
  answered = 0;

  constructor(private udp: Udp, private log: Log, opts?: CaptiveDnsOptions) {
    this.port = opts && opts.port !== undefined ? opts.port : 53;
    this.ip = (opts && opts.ip) || AP_ADDRESS;
  }

  /** Binds the port and answers from now on; a second call does nothing. */
  start(): void {
    if (this.sock) return;
    var self = this;
    var sock = this.udp.bind(this.port);
    sock.onMessage(function (data, from) {
      self.handle(data, from);
    });
    this.sock = sock;
    this.log('info', 'captive DNS: every name -> ' + this.ip + ' on port ' + this.port);
  }

  /** Closes the port; a second call does nothing. */
  stop(): void {
    if (!this.sock) return;
    this.sock.close();
    this.sock = null;
    this.log('info', 'captive DNS stopped');
  }

  /** One datagram; returns the reply sent, or ''. */
  handle(data: string, from: { address: string; port: number }): string {
    var q = parseQuery(data, 1);
    if (!q || q.flags & FLAG_QR || !q.questions.length || !this.sock) return '';
    var reply: string;
    if ((q.flags >> 11) & 15) {
      reply = buildAnswer(data, q, RCODE_NOTIMP, 0, null);
    } else {
      var t = q.questions[0].type;
      var c = q.questions[0].cls;
      var a = (t === TYPE_A || t === TYPE_ANY) && (c === CLASS_IN || c === CLASS_ANY);
      reply = buildAnswer(data, q, 0, TTL_S, a ? this.ip : null);
    }
    this.sock.send(reply, from.port, from.address);
    this.answered++;
    return reply;
  }
}
