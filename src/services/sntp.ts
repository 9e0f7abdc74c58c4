// SNTP client (RFC 4330) over the HAL's UDP: while `sntp_enabled`, asks `sntp_hostname` for the
// time at start, then every hour, and on `sync_now`; a good answer sets the gateway's clock and
// the controller's RTC (services/time-set.ts).
//
// One 48-byte request (mode 3, our send time as its transmit timestamp) from a fresh socket on a
// random port. A reply counts only if it is 48+ bytes, mode 4 (server), leap indicator not 3
// (unsynchronised), stratum 1..15 (0 is a kiss-o'-death), echoes our transmit timestamp as its
// originate timestamp (so a stray or forged datagram is dropped) and has a non-zero transmit
// timestamp; anything else is ignored and the wait goes on. No good reply within the timeout:
// retry after 10 s, 30 s, 90 s, 5 min, then every 30 min (the reference's back-off).
//
// The host name is resolved by the UDP layer when sending (node:dgram; Espruino's dgram calls
// networkGetHostByName in socketserver.c, a blocking lwIP lookup on the ESP32). `sntp_hostname`
// may end in ":port" (for a server on another port, and for tests); the default port is 123.
// The reference polls every 8 h; this gateway every hour, since the Node host's and the ESP32's
// oscillators both drift by seconds a day.
import type { Gateway } from '../app';
import type { UdpSocket } from '../hal/types';
import { setGatewayTime } from './time-set';

export var NTP_PORT = 123;
/** Seconds from 1900-01-01 (NTP era 0) to 1970-01-01. */
var NTP_UNIX_S = 2208988800;
var TWO32 = 4294967296;

export interface SntpOptions {
  /** How long to wait for a reply (default 5 s). */
  timeoutMs?: number;
  /** Time between good syncs (default 1 h). */
  intervalMs?: number;
  /** Waits after the 1st, 2nd, ... failure; the last one repeats (default 10 s ... 30 min). */
  retryMs?: number[];
}

function u32(p: string, at: number): number {
  // arithmetic, not bit operators: Espruino's integers are 32-bit signed
  return ((p.charCodeAt(at) * 256 + p.charCodeAt(at + 1)) * 256 + p.charCodeAt(at + 2)) * 256 + p.charCodeAt(at + 3);
}

function bytes4(n: number): string {
  return String.fromCharCode(Math.floor(n / 16777216) % 256, Math.floor(n / 65536) % 256, Math.floor(n / 256) % 256, n % 256);
}

/**
 * An NTP timestamp (8 bytes) of `ms` since the Unix epoch. `noise` (0..65535) fills the fraction's
 * low 16 bits (< 16 µs), so that a forger cannot guess the timestamp from our clock alone.
 */
export function ntpStamp(ms: number, noise: number): string {
  var s = Math.floor(ms / 1000);
  var frac = Math.floor(((ms - s * 1000) / 1000) * TWO32);
  frac = frac - (frac % 65536) + (Math.floor(noise) % 65536);
  return bytes4((s + NTP_UNIX_S) % TWO32) + bytes4(frac);
}

/**
 * The NTP timestamp at `p[at..at+8]` as ms since the Unix epoch. Seconds with the top bit clear
 * are era 1 (from 2036-02-07 06:28:16 UTC), as RFC 4330 §3 says, so this works until 2104.
 */
export function ntpTime(p: string, at: number): number {
  var s = u32(p, at);
  var unix = s >= 2147483648 ? s - NTP_UNIX_S : s + TWO32 - NTP_UNIX_S;
  return unix * 1000 + (u32(p, at + 4) / TWO32) * 1000;
}

/** The 48-byte client request: LI 0, version 4, mode 3, `stamp` as the transmit timestamp. */
export function sntpRequest(stamp: string): string {
  var zeros = '\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0';
  return '\x23' + zeros + stamp;
}

/** '' when `reply` is a valid answer to the request that carried `stamp`, else why not. */
export function sntpCheck(reply: string, stamp: string): string {
  if (reply.length < 48) return 'short packet (' + reply.length + ' bytes)';
  var b0 = reply.charCodeAt(0);
  if (b0 % 8 !== 4) return 'not a server reply (mode ' + (b0 % 8) + ')';
  if (Math.floor(b0 / 64) === 3) return 'server not synchronised (LI 3)';
  var stratum = reply.charCodeAt(1);
  if (stratum < 1 || stratum > 15) return 'stratum ' + stratum + (stratum === 0 ? ' (kiss-o-death ' + reply.substr(12, 4) + ')' : '');
  if (reply.substr(24, 8) !== stamp) return 'originate timestamp does not match';
  if (u32(reply, 40) === 0 && u32(reply, 44) === 0) return 'no transmit timestamp';
  return '';
}

/**
 * How far our clock is behind the server (ms; add it to now()): ((T2 - T1) + (T3 - T4)) / 2,
 * i.e. the server's transmit time plus half the round trip it did not spend, minus our T4.
 */
export function sntpOffset(reply: string, t4: number): number {
  var t1 = ntpTime(reply, 24);
  var t2 = ntpTime(reply, 32);
  var t3 = ntpTime(reply, 40);
  return (t2 - t1 + (t3 - t4)) / 2;
}

/** `sntp_hostname` as [host, port]: "pool.ntp.org" → 123, "10.0.0.5:1123" → 1123. */
export function sntpServer(name: string): [string, number] {
  var parts = String(name).split(':');
  var p = parts[1];
  if (parts.length === 2 && parts[0] && p.length <= 5 && String(parseInt(p, 10)) === p && +p >= 1 && +p <= 65535) return [parts[0], +p];
  return [name, NTP_PORT];
}

export class SntpService {
  /** Unix seconds of the last good sync, 0 before the first (`ntp_last_sync`). */
  lastSync = 0;
  /** Where the last good answer came from (`ntp_server_ip`). */
  serverIp = '';
  private retries = 0;
  private timer: any = null;
  /** now() when the next request is due; 0 when none is planned. */
  private nextAt = 0;
  private sock: UdpSocket | null = null;
  private stamp = '';
  private port = 0;
  /** Which request a reply or a timeout belongs to; a late one for an old request is dropped. */
  private seq = 0;
  private timeoutMs: number;
  private intervalMs: number;
  private retryMs: number[];

  constructor(private gw: Gateway, opts?: SntpOptions) {
    opts = opts || {};
    this.timeoutMs = opts.timeoutMs || 5000;
    this.intervalMs = opts.intervalMs || 3600000;
    this.retryMs = opts.retryMs || [10000, 30000, 90000, 300000, 1800000];
  }

  start(): void {
    if (!this.gw.config.get('sntp_enabled') || this.timer || this.sock) return;
    this.retries = 0;
    this.request();
  }

  stop(): void {
    this.cancel();
    this.nextAt = 0;
  }

  configChanged(changed: string[]): void {
    for (var i = 0; i < changed.length; i++) {
      if (changed[i] === 'sntp_enabled' || changed[i] === 'sntp_hostname') {
        this.stop();
        this.start();
        return;
      }
    }
  }

  /** `{"sync_now":true}`: a request now, unless one is under way (nothing while disabled). */
  syncNow(): void {
    if (!this.gw.config.get('sntp_enabled') || this.sock) return;
    this.cancel();
    this.retries = 0;
    this.request();
  }

  /** The reference's /time fields: ntp_status, ntp_last_sync, ntp_next_sync_ms, ntp_server_ip. */
  statusFields(doc: { [key: string]: any }): { [key: string]: any } {
    var on = this.gw.config.get('sntp_enabled');
    doc.ntp_status = !on ? 'disabled' : this.sock ? 'connecting' : this.retries > 0 ? 'retry' : this.lastSync ? 'synchronized' : 'waiting';
    doc.ntp_last_sync = this.lastSync;
    if (on && (this.sock || this.nextAt)) doc.ntp_next_sync_ms = this.sock ? 0 : Math.max(0, this.nextAt - this.gw.hal.clock.now());
    if (this.serverIp) doc.ntp_server_ip = this.serverIp;
    return doc;
  }

  private cancel(): void {
    if (this.timer) this.gw.hal.clock.clearTimeout(this.timer);
    this.timer = null;
    if (this.sock) this.sock.close();
    this.sock = null;
    this.seq++;
  }

  private later(ms: number): void {
    var self = this;
    var clock = this.gw.hal.clock;
    this.nextAt = clock.now() + ms;
    this.timer = clock.setTimeout(function () {
      self.timer = null;
      self.request();
    }, ms);
  }

  private request(): void {
    var self = this;
    var hal = this.gw.hal;
    this.nextAt = 0;
    if (!hal.udp) {
      hal.log('warn', 'sntp: no UDP on this host');
      return;
    }
    var server = sntpServer(this.gw.config.get('sntp_hostname'));
    var seq = ++this.seq;
    var sock = hal.udp.bind(0);
    this.sock = sock;
    this.port = server[1];
    sock.onMessage(function (data, from) {
      if (self.seq === seq) self.receive(data, from);
    });
    this.timer = hal.clock.setTimeout(function () {
      self.timer = null;
      if (self.seq === seq) self.failed('no answer from ' + server[0] + ' in ' + self.timeoutMs / 1000 + ' s');
    }, this.timeoutMs);
    this.stamp = ntpStamp(hal.clock.now(), Math.random() * 65536);
    try {
      sock.send(sntpRequest(this.stamp), server[1], server[0]);
    } catch (e) {
      // (a name that does not resolve may throw on Espruino; node:dgram reports it as an event)
      this.failed('cannot send to ' + server[0] + ': ' + ((e as any).message || e));
    }
  }

  private receive(data: string, from: { address: string; port: number }): void {
    var t4 = this.gw.hal.clock.now();
    var why = from.port !== this.port ? 'from port ' + from.port : sntpCheck(data, this.stamp);
    if (why) {
      // not ours, or not usable: keep waiting for the real answer until the timeout
      this.gw.hal.log('warn', 'sntp: reply from ' + from.address + ' ignored: ' + why);
      return;
    }
    var offset = sntpOffset(data, t4);
    this.cancel();
    this.retries = 0;
    this.serverIp = from.address;
    var now = this.gw.hal.clock.now() + offset;
    if (!setGatewayTime(this.gw, now, 'sntp')) {
      this.gw.hal.log('warn', 'sntp: this host cannot set its clock');
      return;
    }
    this.lastSync = Math.floor(now / 1000);
    this.later(this.intervalMs);
  }

  private failed(why: string): void {
    this.cancel();
    var r = this.retryMs;
    var wait = r[Math.min(this.retries, r.length - 1)];
    this.retries++;
    this.gw.hal.log('warn', 'sntp: ' + why + ', retry in ' + wait / 1000 + ' s');
    this.later(wait);
  }
}
