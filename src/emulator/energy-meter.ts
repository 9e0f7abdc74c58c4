// Session and lifetime energy, as the firmware's EnergyMeter counts them ($GU).
// A session runs from EV connect to EV disconnect; energy is added only while the relay is closed,
// in steps of more than 250 ms, with the firmware's integer arithmetic (it truncates at each
// step, so $GU is slightly below amps x volts x seconds). The lifetime total is updated only
// when the session ends.

import { Eeprom } from './eeprom';

const KWH_CALC_INTERVAL_MS = 250;

export class EnergyMeter {
  /** Watt-seconds of the current (or last) session, uint32. */
  sessionWs = 0;
  /** Lifetime Wh, uint32. */
  totalWh: number;
  private inSession = false;
  private evConnected = false;
  private relayClosed = false;
  private lastUpdateMs = 0;

  constructor(private ee: Eeprom) {
    // An erased cell is zeroed once so the count starts at 0 Wh.
    if (ee.wattHours === 0xffffffff) ee.wattHours = 0;
    this.totalWh = ee.wattHours;
  }

  /** Called once per main loop. `mv` and `ma` are the controller's voltage and $GG current. */
  update(now: number, evConnected: boolean, relayClosed: boolean, mv: number, ma: number): void {
    if (!this.evConnected && evConnected) this.startSession(now);
    else if (!evConnected && this.evConnected) this.endSession();

    if (this.inSession) {
      if (relayClosed) {
        // The step in which the relay closes only starts the clock.
        if (!this.relayClosed) this.lastUpdateMs = now;
        else this.calcUsage(now, mv, ma);
      }
      this.relayClosed = relayClosed;
    }
    this.evConnected = evConnected;
  }

  setTotal(wh: number): void {
    this.totalWh = wh >>> 0;
    this.ee.wattHours = this.totalWh;
  }

  private calcUsage(now: number, mv: number, ma: number): void {
    const dms = now - this.lastUpdateMs;
    if (dms <= KWH_CALC_INTERVAL_MS) return;
    // mws = (mv/16) * (ma/4) / 15625 * dms in uint32, as the firmware does it.
    const u = (x: number) => x >>> 0;
    const mws = u(Math.floor(u(Math.floor(u(mv) / 16) * Math.floor(u(ma) / 4)) / 15625) * dms);
    this.sessionWs = u(this.sessionWs + Math.floor(mws / 1000));
    this.lastUpdateMs = now;
  }

  private startSession(now: number): void {
    this.endSession();
    this.sessionWs = 0;
    this.lastUpdateMs = now;
    this.inSession = true;
  }

  private endSession(): void {
    if (!this.inSession) return;
    this.inSession = false;
    if (this.sessionWs) this.setTotal(this.totalWh + Math.floor(this.sessionWs / 3600));
  }
}
