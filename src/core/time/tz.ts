// POSIX TZ strings ("GMT0BST,M3.5.0/1,M10.5.0", "<+03>-3", "AEST-10AEDT,M10.1.0,M4.1.0/3") and
// UTC <-> local conversion with their DST rules. Espruino has no Intl and no zone database, so
// the config's time_zone ("Location|POSIX") carries the rules itself, as on the reference gateway.
//
// Inside, everything is UTC; a "local" time is a count of ms since 1970 read as if it were UTC
// (so its calendar fields come from civil()). Offsets are seconds EAST of UTC (POSIX writes
// them west-positive: "EST5" is -18000 here).

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1..12; out-of-range days roll). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  var era = Math.floor(y / 400);
  var yoe = y - era * 400;
  var mp = (m + 9) % 12;
  var doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  var doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** [year, month 1..12, day 1..31, weekday 0=Sunday] of a day number. */
export function civil(days: number): number[] {
  var z = days + 719468;
  var era = Math.floor(z / 146097);
  var doe = z - era * 146097;
  var yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  var doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  var mp = Math.floor((5 * doy + 2) / 153);
  var d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  var m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d, (((days + 4) % 7) + 7) % 7];
}

export class Tz {
  /** Standard and DST offsets, seconds east of UTC. */
  std = 0;
  dst = 0;
  hasDst = false;
  /** False when the last string given could not be parsed (UTC is used then). */
  valid = true;
  /** DST start and end rules: [kind 0=Jn 1=n 2=Mm.w.d, a, b, c, time of day in s]. */
  private r: number[][] = [];

  constructor(spec?: string) {
    this.set(spec || 'UTC0');
  }

  /** Takes "Location|POSIX" or a bare POSIX string. Returns false (and falls back to UTC) if bad. */
  set(spec: string): boolean {
    /**
     * Parses `[+-]hh[:mm[:ss]]` at `s[p.i]`, advancing p.i; NaN when there is no number. Rule times
     * may be negative or beyond 24 h (POSIX.1-2024 / glibc extension), offsets are up to 24 h.
     * (Memory: built here, where it is used, and let go after: set() runs at boot and on a change.)
     */
    var hms = function (s: string, p: { i: number }): number {
      var sign = 1;
      var c = s.charAt(p.i);
      if (c === '+' || c === '-') {
        if (c === '-') sign = -1;
        p.i++;
      }
      var total = 0;
      var mul = 3600;
      var any = false;
      while (mul >= 1) {
        var start = p.i;
        while (p.i < s.length && s.charCodeAt(p.i) >= 48 && s.charCodeAt(p.i) <= 57) p.i++;
        if (p.i === start || p.i - start > 3) return any ? sign * total : NaN;
        any = true;
        total += parseInt(s.substring(start, p.i), 10) * mul;
        if (s.charAt(p.i) !== ':' || mul === 1) break;
        p.i++;
        mul /= 60;
      }
      return sign * total;
    };
    var s = String(spec);
    var bar = s.indexOf('|');
    if (bar >= 0) s = s.substr(bar + 1);
    var p = { i: 0 };
    var std = 0;
    var dst = 0;
    var dstOn = false;
    var rules: number[][] = [];
    var ok = true;
    for (var part = 0; part < 2 && ok; part++) {
      // the name: <...> quoted (may hold digits and signs), or 3+ letters
      var start = p.i;
      if (s.charAt(p.i) === '<') {
        p.i = s.indexOf('>', p.i) + 1;
        if (p.i <= 0 || p.i - start < 5) ok = false;
      } else {
        while (p.i < s.length && /[A-Za-z]/.test(s.charAt(p.i))) p.i++;
        if (p.i - start < 3) ok = false;
      }
      if (!ok) break;
      var c = s.charAt(p.i);
      var n = 0;
      if (part === 0 || (c !== ',' && c !== '')) {
        n = hms(s, p);
        n = n ? -n : n; // not -0
        if (isNaN(n) || n > 86400 || n < -86400) ok = false;
      } else n = std + 3600;
      if (part === 0) std = n;
      else {
        dst = n;
        dstOn = true;
      }
      if (p.i >= s.length) break;
    }
    if (ok && dstOn) {
      // no rules given: the US rules, as glibc assumes
      var r = p.i >= s.length ? 'M3.2.0,M11.1.0' : s.substr(p.i + 1);
      if (p.i < s.length && s.charAt(p.i) !== ',') ok = false;
      var rs = r.split(',');
      if (rs.length !== 2) ok = false;
      for (var k = 0; k < 2 && ok; k++) {
        var t = rs[k];
        var slash = t.indexOf('/');
        var time = 7200;
        if (slash >= 0) {
          var q = { i: slash + 1 };
          time = hms(t, q);
          if (isNaN(time) || q.i !== t.length || time > 167 * 3600 || time < -167 * 3600) ok = false;
          t = t.substr(0, slash);
        }
        var rule: number[];
        if (!/^[MJ0-9.]+$/.test(t)) ok = false;
        if (t.charAt(0) === 'M') {
          var f = t.substr(1).split('.');
          rule = [2, +f[0], +f[1], +f[2], time];
          if (f.length !== 3 || !(rule[1] >= 1 && rule[1] <= 12) || !(rule[2] >= 1 && rule[2] <= 5) || !(rule[3] >= 0 && rule[3] <= 6)) ok = false;
        } else if (t.charAt(0) === 'J') {
          rule = [0, +t.substr(1), 0, 0, time];
          if (!(rule[1] >= 1 && rule[1] <= 365)) ok = false;
        } else {
          rule = [1, +t, 0, 0, time];
          if (!(rule[1] >= 0 && rule[1] <= 365)) ok = false;
        }
        rules.push(rule);
      }
    } else if (ok && p.i < s.length) ok = false;
    this.valid = ok;
    if (!ok) std = dst = 0;
    this.hasDst = ok && dstOn;
    this.std = std;
    this.dst = this.hasDst ? dst : std;
    this.r = this.hasDst ? rules : [];
    return ok;
  }

  /**
   * The offset (s east of UTC) in force at `utcMs`. With `edge`, instead: the UTC seconds of the
   * DST start (0) or end (1) in the year of utcMs (read in standard time), for fromLocal (memory:
   * no method of its own).
   */
  offset(utcMs: number, edge?: number): number {
    if (!this.hasDst) return this.std;
    var t = Math.floor(utcMs / 1000);
    var y = civil(Math.floor((t + this.std) / 86400))[0];
    var a = 0;
    var b = 0;
    // DST start (i=0, given in standard time) and end (i=1, given in DST) in year y, UTC seconds
    for (var i = 0; i < 2; i++) {
      var r = this.r[i];
      var day: number;
      if (r[0] === 2) {
        var first = daysFromCivil(y, r[1], 1);
        var len = daysFromCivil(r[1] === 12 ? y + 1 : y, r[1] === 12 ? 1 : r[1] + 1, 1) - first;
        day = first + ((r[3] - civil(first)[3] + 7) % 7) + (r[2] - 1) * 7;
        while (day - first >= len) day -= 7;
      } else {
        day = daysFromCivil(y, 1, 1) + r[1];
        if (r[0] === 0) {
          day--;
          var leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
          if (leap && r[1] >= 60) day++;
        }
      }
      var at = day * 86400 + r[4] - (i === 0 ? this.std : this.dst);
      if (i === 0) a = at;
      else b = at;
    }
    if (edge !== undefined) return edge ? b : a;
    var inDst = a < b ? t >= a && t < b : !(t >= b && t < a);
    return inDst ? this.dst : this.std;
  }

  toLocal(utcMs: number): number {
    return utcMs + this.offset(utcMs) * 1000;
  }

  /**
   * The UTC instant of a local wall time. In a fall-back overlap (the time happens twice) the
   * first occurrence is returned; in a spring-forward gap (it never happens) the instant of the
   * jump, i.e. the first existing local time after it, so that the order of times is kept.
   */
  fromLocal(localMs: number): number {
    var L = Math.floor(localMs / 1000);
    var ms = localMs - L * 1000;
    var a = L - this.std;
    var b = L - this.dst;
    var okA = this.offset(a * 1000) === this.std;
    var okB = this.offset(b * 1000) === this.dst;
    if (okA && okB) return Math.min(a, b) * 1000 + ms;
    if (okA) return a * 1000 + ms;
    if (okB) return b * 1000 + ms;
    var lo = Math.min(a, b);
    var hi = Math.max(a, b);
    // the edges of the year of L (a + std = L)
    for (var i = 0; i < 2; i++) {
      var e = this.offset(a * 1000, i);
      if (e >= lo && e <= hi) return e * 1000;
    }
    return hi * 1000 + ms;
  }
}
