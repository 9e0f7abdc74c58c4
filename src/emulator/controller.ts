// A faithful emulator of the OpenEVSE charging-station controller (open_evse 8.2.3, RAPI 5.2.1),
// seen from its serial port. It reproduces the real firmware's bytes, including its quirks, and its
// timing ('real'), or the same bytes in the same order with every delay shrunk ('fast').
//
// This file is the board and the car around the firmware (firmware.ts): the pilot voltage the car
// presents, the AC sense pins, the current sensor, the GFI, temperature sensors and the RTC, plus
// the scripting API used by tests and the control server. The firmware's RAM is rebuilt at every
// boot; the EEPROM and the outside world persist.

import { Clock } from '../hal/types';
import { Eeprom } from './eeprom';
import { AC_BOTH_LIVE, AC_NONE, Board, EvseFirmware, PilotLevel, Steps, WatchdogReset } from './firmware';
import { VF_CHARGING_ON } from './flags';

export interface ControllerOptions {
  clock: Clock;
  /** Sends bytes (a binary string) to the gateway. */
  write: (bytes: string) => void;
  /** 'real' (default) reproduces the firmware's delays; 'fast' shrinks them to a few ms. */
  timing?: 'real' | 'fast';
  /** The EU build (openevse_eu): L2 only, 32 A, 230 V, overcurrent check. */
  eu?: boolean;
  /** Version string for $GV / $AB; default 8.2.3 (8.2.3.EU with `eu`). */
  firmware?: string;
}

export type EvState = 'A' | 'B' | 'C';

/** Faults the test harness can cause, by the state code the controller reports for them. */
export const FAULTS: { [code: number]: string } = {
  0x04: 'vent required (the car presents state D)',
  0x05: 'diode check (the car has no pilot diode)',
  0x06: 'GFCI (ground-fault leak)',
  0x07: 'no ground',
  0x08: 'stuck relay (welded contacts)',
  0x09: 'GFI self-test failure',
  0x0a: 'over temperature (ambient sensor at 72.0 C)',
  0x0b: 'over current (the car draws 6 A over the pilot)',
};

const NOT_INSTALLED = -2560;
/** The AVR core's receive ring buffer holds 63 bytes; more are lost while the program is busy. */
const RX_BUFFER = 63;

export class ControllerEmulator {
  private readonly clock: Clock;
  private readonly out: (bytes: string) => void;
  private readonly fast: boolean;
  private readonly ee = new Eeprom();
  private readonly build: { version: string; eu: boolean };
  private readonly board: Board;
  private fw: EvseFirmware | null = null;
  private program: Steps | null = null;
  private timer: any = null;
  // The world outside the controller.
  private ev: EvState = 'A';
  private carMaxAmps = 80;
  private fault = 0;
  private temps: [number, number, number] = [NOT_INSTALLED, NOT_INSTALLED, NOT_INSTALLED];
  /** RTC minus clock, ms; null until $S1 sets it. The RTC has a battery: it survives reboots. */
  private rtcOffset: number | null = null;

  constructor(opts: ControllerOptions) {
    this.clock = opts.clock;
    this.out = opts.write;
    this.fast = opts.timing === 'fast';
    const eu = !!opts.eu;
    this.build = { version: opts.firmware || (eu ? '8.2.3.EU' : '8.2.3'), eu };
    this.board = this.makeBoard();
  }

  // ---- power

  /** Applies power: the boot sequence starts (no-op if already on). */
  powerOn(): void {
    if (!this.program) this.boot();
  }

  /** Power-cycles the controller at once (RAM lost, EEPROM kept). */
  reboot(): void {
    this.boot();
  }

  /** Cuts the power: no output, no timers left. */
  powerOff(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.program = null;
    this.fw = null;
  }

  // ---- serial

  /** Bytes from the gateway, in any pieces. Kept in the UART buffer until the program reads them. */
  receive(bytes: string): void {
    const fw = this.fw;
    if (!fw || !fw.serialOpen) return; // before Serial.begin nothing is listening
    for (let i = 0; i < bytes.length; i++) {
      if (fw.rx.length < RX_BUFFER) fw.rx.push(bytes.charCodeAt(i) & 255);
    }
  }

  // ---- the car

  /** EV plugged in, not asking for charge (state B, 9 V). */
  plugIn(): void {
    this.ev = 'B';
  }

  /** EV asks for charge (state C, 6 V); it draws current once the relay closes. */
  requestCharge(): void {
    this.ev = 'C';
  }

  /** EV stops asking for charge (back to B). */
  stopRequest(): void {
    this.ev = 'B';
  }

  /** EV unplugged (state A, 12 V). */
  unplug(): void {
    this.ev = 'A';
  }

  /** The car draws min(offered, this) while charging. */
  setCarMaxCurrent(amps: number): void {
    if (!(amps >= 0)) throw new RangeError('max current must be >= 0');
    this.carMaxAmps = amps;
  }

  // ---- faults and sensors

  /**
   * Causes fault `code` (0x04-0x0B, see FAULTS). The controller sees it the way the firmware
   * detects it: a GFCI leak trips at once (and again whenever the relay closes); no ground is seen
   * with the relay closed for 1 s, or at POST; a stuck relay once the relay has been open 1 s, or at
   * POST; a broken GFI at the next self-test (POST or before closing the relay); D and the diode
   * fault need the car plugged in (the diode check needs PWM); over temperature at once; over current
   * only in the EU build (the US build has no overcurrent check).
   */
  injectFault(code: number): void {
    if (!FAULTS[code]) throw new RangeError('fault code must be 0x04..0x0b');
    this.fault = code;
    if (code === 0x06 && this.fw) this.fw.gfiTripped();
  }

  /** Removes the cause. The controller recovers as the firmware does (often: when the EV is unplugged). */
  clearFault(): void {
    this.fault = 0;
  }

  /** A temperature sensor reading, tenths of a degree C ($GP): 0 DS3231, 1 MCP9808 (default), 2 TMP007. */
  setTemperature(tenthsC: number, sensor: 0 | 1 | 2 = 1): void {
    if (!Number.isInteger(tenthsC) || tenthsC < -32768 || tenthsC > 32767) throw new RangeError('temperature must be an int16');
    this.temps[sensor] = tenthsC;
  }

  /** Everything a test may want to look at, as a plain object. */
  snapshot() {
    const fw = this.fw;
    const drawn = this.drawnAmps();
    return {
      powered: this.program !== null,
      firmware: this.build.version,
      eu: this.build.eu,
      state: fw ? fw.state : 0,
      pilotState: fw ? fw.pilotState : 0,
      pilot: fw ? fw.pilot : 'P12',
      currentCapacity: fw ? fw.capacity : 0,
      maxCurrentCapacity: fw ? fw.getMaxCurrentCapacity() : 0,
      hwMaxCurrentCapacity: fw ? fw.maxHwCapacity : 0,
      serviceLevel: fw ? fw.serviceLevel : 0,
      vflags: fw ? fw.vflags : 0,
      flags: fw ? fw.flags : 0,
      relayClosed: fw ? fw.relayClosed : false,
      elapsedS: fw ? fw.elapsedChargeTime : 0,
      evState: this.ev,
      carMaxCurrent: this.carMaxAmps,
      fault: this.fault,
      ampsDrawn: drawn,
      chargingCurrentMa: fw ? fw.chargingCurrent : 0,
      voltageMv: fw ? fw.voltage : 0,
      sessionWs: fw ? fw.energy.sessionWs : 0,
      lifetimeWh: fw ? fw.energy.totalWh : this.ee.wattHours === 0xffffffff ? 0 : this.ee.wattHours,
      temperatures: this.board.temperatures(),
      faultCounters: {
        gfi: ((this.ee.gfiTrips + 1) & 255),
        noGround: ((this.ee.noGroundTrips + 1) & 255),
        stuckRelay: ((this.ee.stuckRelayTrips + 1) & 255),
      },
      heartbeat: fw ? { interval: fw.heartbeat.interval, current: fw.heartbeat.fallback, trigger: fw.heartbeat.triggered } : null,
      delayTimer: fw
        ? { enabled: fw.timer.enabled, start: [fw.timer.startHour, fw.timer.startMin], stop: [fw.timer.stopHour, fw.timer.stopMin] }
        : null,
      mennekesLocked: fw ? fw.mennekesLocked : false,
      echo: fw ? fw.port.echo : false,
      lcd: fw ? { backlight: fw.lcd.backlight, updatesDisabled: fw.lcd.updatesDisabled, lines: fw.lcd.lines.slice() } : null,
    };
  }

  // ---- internals

  /** A fresh program on fresh RAM. */
  private boot(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.fw = new EvseFirmware(this.board, this.ee, this.build, (ms) => this.scale(ms));
    this.program = this.fw.main();
    this.run();
  }

  /** Runs the program until it blocks, then sleeps on the clock for as long as it blocks. */
  private run = (): void => {
    this.timer = null;
    const program = this.program;
    if (!program) return;
    for (;;) {
      let r: IteratorResult<number, void>;
      try {
        r = program.next();
      } catch (e) {
        if (e instanceof WatchdogReset) return this.boot();
        throw e;
      }
      if (r.done) {
        this.program = null;
        return;
      }
      if (r.value > 0) {
        this.timer = this.clock.setTimeout(this.run, r.value);
        return;
      }
    }
  };

  /** 'fast' keeps every delay but shrinks it 100 times (at least 1 ms), so the byte order stays. */
  private scale(ms: number): number {
    if (!this.fast || ms <= 0) return ms;
    return Math.max(1, Math.round(ms / 100));
  }

  /** Amps the car takes: while the relay is closed, it asks for charge and the pilot offers PWM. */
  private drawnAmps(): number {
    const fw = this.fw;
    if (!fw || !(fw.vflags & VF_CHARGING_ON) || fw.pilot !== 'PWM') return 0;
    if (this.ev !== 'C' && !(this.fault === 0x04 && this.ev !== 'A')) return 0;
    if (this.fault === 0x0b) return fw.pwmAmps + 6;
    return Math.min(fw.pwmAmps, this.carMaxAmps);
  }

  private makeBoard(): Board {
    const self = this;
    return {
      now: () => self.clock.now(),
      write: (bytes) => self.out(bytes),
      pilotLevel(): PilotLevel {
        if (self.ev === 'A') return 'A';
        return self.fault === 0x04 ? 'D' : self.ev;
      },
      diodeMissing: () => self.fault === 0x05 && self.ev !== 'A',
      acPins(relay1) {
        // As in the recorded unit: AC on both lines whenever relay 1 is closed (relay 2 adds nothing).
        if (self.fault === 0x08) return AC_BOTH_LIVE;
        if (self.fault === 0x07 || !relay1) return AC_NONE;
        return AC_BOTH_LIVE;
      },
      // The real unit's ammeter reads 0.99 x the current, in steps of the 220 mA scale factor.
      ammeterRaw: () => Math.floor((self.drawnAmps() * 1000 * 99) / 22000),
      gfiLeak: () => self.fault === 0x06,
      gfiSelfTestWorks: () => self.fault !== 0x09,
      temperatures(): [number, number, number] {
        const t = self.temps.slice() as [number, number, number];
        if (self.fault === 0x0a) t[1] = Math.max(t[1], 720);
        return t;
      },
      rtcNow: () => (self.rtcOffset === null ? null : new Date(self.clock.now() + self.rtcOffset)),
      setRtc(y, mo, d, h, mi, s) {
        self.rtcOffset = Date.UTC(2000 + y, mo - 1, d, h, mi, s) - self.clock.now();
      },
      timeOfDay() {
        // The $S1-set RTC if any, else the host clock as UTC.
        const t = new Date(self.clock.now() + (self.rtcOffset || 0));
        return { hour: t.getUTCHours(), minute: t.getUTCMinutes() };
      },
    };
  }
}
