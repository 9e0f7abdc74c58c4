// The delay timer ($ST / $GD): a daily window in which the EVSE is awake; outside it, it sleeps.
// This holds the timer's settings and the window arithmetic; the controller's main loop does the
// once-a-second check (EvseFirmware.checkDelayTimer).

import { Eeprom } from './eeprom';

// Defaults written to an erased EEPROM (start 00:05, stop 06:55).
const DEFAULT_START_HOUR = 0;
const DEFAULT_START_MIN = 5;
const DEFAULT_STOP_HOUR = 6;
const DEFAULT_STOP_MIN = 55;

export class DelayTimer {
  // All zero until init(): the firmware's RAM copy is only loaded after the controller's Init(),
  // which matters at boot (see EvseFirmware.init).
  enabled = false;
  startHour = 0;
  startMin = 0;
  stopHour = 0;
  stopMin = 0;
  /** Set by the front button to override the timer until the next window edge. */
  manualOverride = false;
  lastCheckMs = -Infinity;

  constructor(private ee: Eeprom) {}

  /** Loads the settings, initialising erased cells as the firmware does. */
  init(): void {
    const ee = this.ee;
    if (ee.timerEnabled === 0xff) ee.timerEnabled = 0;
    if (ee.timerStartHour === 0xff) ee.timerStartHour = DEFAULT_START_HOUR;
    if (ee.timerStartMin === 0xff) ee.timerStartMin = DEFAULT_START_MIN;
    if (ee.timerStopHour === 0xff) ee.timerStopHour = DEFAULT_STOP_HOUR;
    if (ee.timerStopMin === 0xff) ee.timerStopMin = DEFAULT_STOP_MIN;
    this.enabled = ee.timerEnabled !== 0;
    this.startHour = ee.timerStartHour;
    this.startMin = ee.timerStartMin;
    this.stopHour = ee.timerStopHour;
    this.stopMin = ee.timerStopMin;
    this.manualOverride = false;
  }

  set(startHour: number, startMin: number, stopHour: number, stopMin: number): void {
    this.startHour = this.ee.timerStartHour = startHour;
    this.startMin = this.ee.timerStartMin = startMin;
    this.stopHour = this.ee.timerStopHour = stopHour;
    this.stopMin = this.ee.timerStopMin = stopMin;
  }

  enable(on: boolean): void {
    this.enabled = on;
    this.ee.timerEnabled = on ? 1 : 0;
    this.manualOverride = false;
  }

  /** Not all zero, and start differs from stop. */
  isValid(): boolean {
    if (!(this.startHour || this.startMin || this.stopHour || this.stopMin)) return false;
    return !(this.startHour === this.stopHour && this.startMin === this.stopMin);
  }

  /** Whether hour:min falls in the awake window, with the firmware's comparisons. */
  isAwake(hour: number, min: number): boolean {
    if (!this.enabled || !this.isValid()) return false;
    const start = this.startHour * 60 + this.startMin;
    const stop = this.stopHour * 60 + this.stopMin;
    const cur = hour * 60 + min;
    if (stop < start) {
      // The window crosses midnight.
      return (cur >= start && cur > stop) || (cur <= start && cur < stop);
    }
    return cur >= start && cur < stop;
  }
}
