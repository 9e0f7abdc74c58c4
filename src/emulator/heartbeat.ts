// Heartbeat supervision ($SY / $GY): if the gateway stops pulsing, the controller falls back to a
// safe current until the miss is acknowledged. The interval and current are kept in EEPROM, so the
// supervision is active from boot; the "triggered" state is RAM.

import { Eeprom } from './eeprom';

const ACK_COOKIE = 0xa5; // $SY 165
const MISSED_NOACK = 2; // a pulse was missed and not acknowledged yet
const MISSED_ACKED = 1; // one was missed earlier (kept as a record)

/** What the supervisor needs of the controller. */
export interface Ampacity {
  now(): number;
  readonly capacity: number;
  readonly overTemperature: boolean;
  getMaxCurrentCapacity(): number;
  /** Volatile set; returns the firmware's 0/1/2 clamp code. */
  setCurrentCapacity(amps: number, nosave: boolean): number;
}

export class Heartbeat {
  interval = 0;
  fallback = 0;
  triggered = 0;
  private lastPulse = 0;

  constructor(private ee: Eeprom, private evse: Ampacity) {}

  /** At the end of Init(): the settings from EEPROM (erased = never configured = off). */
  load(): void {
    if (this.ee.hsInterval !== 0xffff) {
      this.interval = this.ee.hsInterval;
      this.fallback = this.ee.hsCurrent;
    }
    this.lastPulse = this.evse.now();
  }

  /** `$SY` + "i c t" payload. */
  get status(): string {
    return this.interval + ' ' + this.fallback + ' ' + this.triggered;
  }

  /** A pulse: rc 1 ($NK) while a missed pulse is unacknowledged. */
  pulse(): number {
    this.lastPulse = this.evse.now();
    return this.triggered === MISSED_NOACK ? 1 : 0;
  }

  /** `$SY interval amps` (interval 0 = off); resets the trigger. */
  configure(interval: number, amps: number): void {
    this.interval = this.ee.hsInterval = interval;
    this.fallback = this.ee.hsCurrent = amps;
    this.triggered = 0;
    this.lastPulse = this.evse.now();
  }

  /** Back to the saved max after a missed pulse (not while over temperature). */
  restoreAmpacity(): number {
    if (!this.triggered) return 0;
    if (this.evse.overTemperature) return 1;
    return this.evse.setCurrentCapacity(this.evse.getMaxCurrentCapacity(), true);
  }

  /** `$SY 165`. */
  ack(cookie: number): number {
    if (cookie !== ACK_COOKIE) return 1;
    if (this.triggered !== MISSED_NOACK) return 0;
    const rc = this.restoreAmpacity();
    if (rc === 0) this.triggered = MISSED_ACKED;
    return rc;
  }

  /** Once per Update(): a missed pulse drops the current to the fallback (at least 6 A). */
  check(): void {
    // `m_HsInterval * 1000` is 16-bit arithmetic on the AVR: intervals over 65 s wrap around.
    const limit = (this.interval * 1000) & 0xffff;
    const now = this.evse.now();
    if (this.interval === 0 || now - this.lastPulse <= limit) return;
    if (this.fallback < this.evse.capacity) this.evse.setCurrentCapacity(this.fallback, true);
    this.triggered = MISSED_NOACK;
    this.lastPulse = now;
  }
}
