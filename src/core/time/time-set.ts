// Setting the gateway's time (from SNTP or by hand) and handing it on to the controller's RTC,
// as the reference's time manager does: `$GT` first, and only if the RTC is off, `$S1 yy mo dd
// hh mm ss` at the next second boundary (the RTC counts whole seconds). The controller keeps
// LOCAL time with a 2-digit year (ref/rapi.md §2.2, §5.1), so the POSIX TZ of `time_zone` is
// applied here. Plain functions, no state: nothing of this stays alive between settings. It sits
// in core/ (not services/) because the core (/time, app.ts) and the SNTP exchange both use it: the
// image then defines it once, and a lazy feature is handed the core's copy (scripts/rollup-lazy.mjs).
import type { Gateway } from '../../app';
import type { Status } from '../evse/monitor';
import type { RapiLine } from '../rapi/framing';
import { Tz, civil, daysFromCivil } from './tz';

function two(n: number): string {
  return n < 10 ? '0' + n : '' + n;
}

/** `[year, month, day, hour, minute, second]` of a time in ms (a local time is read as UTC). */
function fields(ms: number): number[] {
  var s = Math.floor(ms / 1000);
  var day = Math.floor(s / 86400);
  var c = civil(day);
  var r = s - day * 86400;
  return [c[0], c[1], c[2], Math.floor(r / 3600), Math.floor((r % 3600) / 60), r % 60];
}

/** `YYYY-MM-DDTHH:MM:SS` of a time in ms. */
function isoSeconds(ms: number): string {
  var f = fields(ms);
  return f[0] + '-' + two(f[1]) + '-' + two(f[2]) + 'T' + two(f[3]) + ':' + two(f[4]) + ':' + two(f[5]);
}

/** The `$S1` arguments for a local time: "26 11 24 8 30 5"; '' outside the RTC's 2000..2099. */
export function rtcArgs(localMs: number): string {
  var f = fields(localMs);
  if (f[0] < 2000 || f[0] > 2099) return '';
  f[0] -= 2000;
  return f.join(' ');
}

/** Adds `local_time` ("2026-07-01T09:30:00+0100") and `offset` ("+0100") from `time_zone`, as strftime %z. */
export function localTimeFields(gw: Gateway, doc: Status): Status {
  var tz = new Tz(gw.config.get('time_zone'));
  var now = gw.hal.clock.now();
  var off = tz.offset(now);
  var a = Math.abs(off);
  var z = (off < 0 ? '-' : '+') + two(Math.floor(a / 3600)) + two(Math.floor((a % 3600) / 60));
  doc.local_time = isoSeconds(now + off * 1000) + z;
  doc.offset = z;
  return doc;
}

/**
 * Parses `YYYY-MM-DDTHH:MM:SS[.fff]Z` (what /settime sends, and what a browser's toISOString()
 * gives) to ms since the epoch; NaN for anything else or a date that does not exist. The year
 * is held to 2000..2099, what the controller's RTC can keep.
 */
export function parseIsoUtc(s: any): number {
  if (typeof s !== 'string' || s.length < 20 || s.charAt(s.length - 1) !== 'Z') return NaN;
  // fixed positions: a regex would need quantifiers and `?`, which Espruino gets wrong
  var shape = 'dddd-dd-ddTdd:dd:dd';
  for (var i = 0; i < shape.length; i++) {
    var c = s.charAt(i);
    var want = shape.charAt(i);
    if (want === 'd' ? c < '0' || c > '9' : c !== want) return NaN;
  }
  var ms = 0;
  var rest = s.substring(19, s.length - 1);
  if (rest) {
    // a fraction of a second: "." and 1..9 digits
    if (rest.charAt(0) !== '.' || rest.length < 2 || rest.length > 10) return NaN;
    for (var j = 1; j < rest.length; j++) if (rest.charAt(j) < '0' || rest.charAt(j) > '9') return NaN;
    ms = Math.floor(parseFloat('0' + rest) * 1000);
  }
  var y = +s.substr(0, 4);
  var mo = +s.substr(5, 2);
  var d = +s.substr(8, 2);
  var h = +s.substr(11, 2);
  var mi = +s.substr(14, 2);
  var sec = +s.substr(17, 2);
  if (y < 2000 || y > 2099 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59) return NaN;
  var day = daysFromCivil(y, mo, d);
  if (civil(day)[1] !== mo) return NaN; // 31 April, 29 February of a common year
  return ((day * 24 + h) * 60 + mi) * 60000 + sec * 1000 + ms;
}

/**
 * Sets the gateway's clock to `utcMs`, tells the parts that follow the wall clock, publishes the
 * new time (/ws, MQTT) and passes it on to the controller. False when this host's clock cannot
 * be set (nothing changes then).
 */
export function setGatewayTime(gw: Gateway, utcMs: number, source: string): boolean {
  var clock = gw.hal.clock;
  if (!clock.set) return false;
  var before = clock.now();
  clock.set(utcMs);
  var moved = clock.now() - before;
  gw.clockMoved(moved);
  gw.hal.log(Math.abs(moved) >= 1000 ? 'info' : 'debug', 'time set by ' + source + ', moved ' + moved + ' ms');
  gw.publish(localTimeFields(gw, gw.timeFields({})));
  pushTimeToController(gw);
  return true;
}

/** `$GT`, then `$S1` at the next second boundary unless the controller's RTC already agrees. */
export function pushTimeToController(gw: Gateway): void {
  var clock = gw.hal.clock;
  var log = gw.hal.log;
  // a clock never set (the ESP32 starts in 1970) has nothing to tell
  if (!rtcArgs(clock.now())) return;
  var send = function () {
    var args = rtcArgs(new Tz(gw.config.get('time_zone')).toLocal(Math.round(clock.now() / 1000) * 1000));
    if (!args) return;
    gw.rapi.send('$S1 ' + args, function (err) {
      if (err) log('warn', 'controller clock not set: ' + err);
    });
  };
  gw.rapi.send('$GT', function (err: string | null, reply?: RapiLine) {
    var now = clock.now();
    var local = new Tz(gw.config.get('time_zone')).toLocal(now);
    if (!err && reply && reply.args.length === 6) {
      var a = reply.args;
      var rtc = (daysFromCivil(2000 + +a[0], +a[1], +a[2]) * 86400 + +a[3] * 3600 + +a[4] * 60 + +a[5]) * 1000;
      if (rtc === Math.floor(local / 1000) * 1000) return;
    }
    // (an RTC that did not answer may still take the time: try)
    clock.setTimeout(send, 1000 - (((local % 1000) + 1000) % 1000));
  });
}
