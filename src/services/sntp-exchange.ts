// One SNTP request and its answer (RFC 4330), for the resident client in services/sntp.ts: that
// loads this module for each request and keeps nothing of it, so on the ESP32 (a `lazy:` import in
// src/main/espruino.ts) these functions exist only while a request runs, a few hundred ms an hour.
// Nothing here may stay referenced after the request ends: the socket (with its listener) is
// closed and dropped, the timeout cleared or spent, and the next request is planned by the
// resident service's own timer (SntpService.stop(nextMs)), not by a closure of this module.
//
// One 48-byte request (mode 3, our send time as its transmit timestamp) from a fresh socket on a
// random port. A reply counts only if it is 48+ bytes, mode 4 (server), leap indicator not 3
// (unsynchronised), stratum 1..15 (0 is a kiss-o'-death), echoes our transmit timestamp as its
// originate timestamp (so a stray or forged datagram is dropped) and has a non-zero transmit
// timestamp; anything else is ignored and the wait goes on. No good reply within the timeout:
// the next try follows the retry ladder (SntpOptions.retryMs).
//
// The host name is resolved by the UDP layer when sending (node:dgram; Espruino's dgram calls
// networkGetHostByName in socketserver.c, a blocking lwIP lookup on the ESP32). `sntp_hostname`
// may end in ":port" (for a server on another port, and for tests); the default port is 123.
import type { SntpService } from './sntp';
import { setGatewayTime } from '../core/time/time-set';

export var NTP_PORT = 123;
/** Seconds from 1900-01-01 (NTP era 0) to 1970-01-01. */
var NTP_UNIX_S = 2208988800;
var TWO32 = 4294967296;

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

/** Ends the request under way as failed and plans the next try on the retry ladder. */
function retry(svc: SntpService, why: string): void {
  var r = svc.opts.retryMs || [10000, 30000, 90000, 300000, 1800000];
  var wait = r[Math.min(svc.retries, r.length - 1)];
  svc.retries++;
  svc.gw.hal.log('warn', 'sntp: ' + why + ', retry in ' + wait / 1000 + ' s');
  svc.stop(wait);
}

/**
 * Sends one request to `sntp_hostname` and waits for its answer: a good one sets the gateway's
 * clock (and the controller's RTC) and plans the next sync in an hour; none in time, a retry.
 */
export function sntpSync(svc: SntpService): void {
  var gw = svc.gw;
  var hal = gw.hal;
  svc.nextAt = 0;
  if (!hal.udp) {
    hal.log('warn', 'sntp: no UDP on this host');
    return;
  }
  var server = sntpServer(gw.config.get('sntp_hostname'));
  var timeoutMs = svc.opts.timeoutMs || 5000;
  var sock = hal.udp.bind(0);
  var stamp = ntpStamp(hal.clock.now(), Math.random() * 65536);
  // (this socket is the request's identity: stop() drops it, so a late reply or timeout is ignored)
  svc.sock = sock;
  sock.onMessage(function (data, from) {
    if (svc.sock !== sock) return;
    var t4 = hal.clock.now();
    var why = from.port !== server[1] ? 'from port ' + from.port : sntpCheck(data, stamp);
    if (why) {
      // not ours, or not usable: keep waiting for the real answer until the timeout
      hal.log('warn', 'sntp: reply from ' + from.address + ' ignored: ' + why);
      return;
    }
    var offset = sntpOffset(data, t4);
    svc.stop();
    svc.retries = 0;
    svc.serverIp = from.address;
    var now = hal.clock.now() + offset;
    if (!setGatewayTime(gw, now, 'sntp')) {
      hal.log('warn', 'sntp: this host cannot set its clock');
      return;
    }
    svc.lastSync = Math.floor(now / 1000);
    svc.stop(svc.opts.intervalMs || 3600000);
  });
  svc.timer = hal.clock.setTimeout(function () {
    svc.timer = null;
    if (svc.sock === sock) retry(svc, 'no answer from ' + server[0] + ' in ' + timeoutMs / 1000 + ' s');
  }, timeoutMs);
  try {
    sock.send(sntpRequest(stamp), server[1], server[0]);
  } catch (e) {
    // (a name that does not resolve may throw on Espruino; node:dgram reports it as an event)
    retry(svc, 'cannot send to ' + server[0] + ': ' + ((e as any).message || e));
  }
}
