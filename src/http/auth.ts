// HTTP Basic authentication for every route when a password is set, with a constant-time
// comparison and a throttle: after MAX_FAILURES wrong attempts in a row, every request is refused
// with 429 for a lockout that doubles each time (30 s up to 10 min), the right password included,
// so that guessing over the network is hopeless. A success resets the count.
import { Clock } from '../hal/types';

var MAX_FAILURES = 5;
var FIRST_LOCK_MS = 30000;
var MAX_LOCK_MS = 600000;

/** Compares two strings in time that depends only on their lengths, not on where they differ. */
export function safeEqual(a: string, b: string): boolean {
  var diff = a.length ^ b.length;
  var n = Math.max(a.length, b.length);
  for (var i = 0; i < n; i++) diff |= (a.charCodeAt(i % (a.length || 1)) || 0) ^ (b.charCodeAt(i % (b.length || 1)) || 0);
  return diff === 0;
}

export class BasicAuth {
  private failures = 0;
  private lockedUntil = 0;
  private lockMs = FIRST_LOCK_MS;

  constructor(private clock: Clock) {}

  /**
   * 'ok' when no password is set or the Authorization header matches; 'denied' (answer 401 with
   * a challenge); 'locked' (answer 429). A blank configured user name means `openevseadmin`,
   * as in the reference gateway.
   */
  check(header: string | undefined, user: string, pass: string): 'ok' | 'denied' | 'locked' {
    if (!pass) return 'ok';
    var now = this.clock.now();
    if (now < this.lockedUntil) return 'locked';
    var given = '';
    var m = /^Basic +([A-Za-z0-9+\/=]+) *$/.exec(header || '');
    if (m) {
      try {
        given = atob(m[1]);
      } catch (e) {
        given = '';
      }
    }
    var expected = (user || 'openevseadmin') + ':' + pass;
    if (m && safeEqual(given, expected)) {
      this.failures = 0;
      this.lockMs = FIRST_LOCK_MS;
      return 'ok';
    }
    // A request without credentials is a browser asking for the challenge, not a guess.
    if (!header) return 'denied';
    if (++this.failures >= MAX_FAILURES) {
      this.failures = 0;
      this.lockedUntil = now + this.lockMs;
      this.lockMs = Math.min(this.lockMs * 2, MAX_LOCK_MS);
      return 'locked';
    }
    return 'denied';
  }
}
