// The open_evse 8.2.3 controller program (official PlatformIO build: V6 board, RELAY_PWM, AMMETER,
// GFI + self-test, ADVPWR, UL_COMPLIANT, MENNEKES_LOCK, HEARTBEAT_SUPERVISION, TEMPERATURE_MONITORING,
// KWH_RECORDING, RTC + DELAYTIMER; US: AUTOSVCLEVEL; EU: fixed L2, 32 A, 230 V, overcurrent check).
//
// Written from reading the firmware's behaviour (J1772EvseController.cpp, main.cpp, rapi_proc.cpp)
// and checked against a recorded transcript of the real firmware. Its RAM is this object: a reboot
// builds a new one, the EEPROM (Eeprom) and the hardware (Board) stay.
//
// The firmware blocks in places (delay(), the GFI self-test, the hard-fault spin, the reboot
// wait). Those code paths are generators that yield the number of milliseconds they block; the
// ControllerEmulator runs them on its Clock. While the program blocks, received bytes wait in the
// UART buffer, as on the real controller.

import { RapiPort, frame, hex2l, hex4l, int16 } from './rapi-port';
import { Eeprom } from './eeprom';
import { EnergyMeter } from './energy-meter';
import { DelayTimer } from './delay-timer';
import { Heartbeat } from './heartbeat';
import { processCmd } from './rapi-commands';
import {
  ST_UNKNOWN,
  ST_A,
  ST_B,
  ST_C,
  ST_D,
  ST_DIODE_CHK_FAILED,
  ST_GFCI_FAULT,
  ST_NO_GROUND,
  ST_STUCK_RELAY,
  ST_GFI_TEST_FAILED,
  ST_OVER_TEMPERATURE,
  ST_OVER_CURRENT,
  ST_FAULT_BEGIN,
  ST_FAULT_END,
  ST_SLEEPING,
  ST_DISABLED,
  F_L2,
  F_DIODE_CHK_DISABLED,
  F_VENT_REQ_DISABLED,
  F_GND_CHK_DISABLED,
  F_STUCK_RELAY_CHK_DISABLED,
  F_AUTO_SVC_LEVEL_DISABLED,
  F_GFI_TEST_DISABLED,
  F_TEMP_CHK_DISABLED,
  VF_AUTOSVCLVL_SKIPPED,
  VF_HARD_FAULT,
  VF_CHARGING_ON,
  VF_GFI_TRIPPED,
  VF_EV_CONNECTED,
  VF_SESSION_ENDED,
  VF_EV_CONNECTED_PREV,
  VF_TIMER_ON,
  VF_MENNEKES_MANUAL,
  VF_CHANGED_TEST,
} from './flags';

/** A blocking code path: yields how long (ms, already scaled by the timing mode) it blocks. */
export type Steps<T = void> = Generator<number, T, void>;

/** Thrown out of the program by the watchdog: the runner starts a fresh boot. */
export class WatchdogReset {}

export type PilotOut = 'P12' | 'PWM' | 'N12';
/** The pilot voltage class the controller reads: 12, 9, 6 or 3 V. */
export type PilotLevel = 'A' | 'B' | 'C' | 'D';

/** AC sense pins (ReadACPins): bit set = no AC seen on that line. */
export const AC_BOTH_LIVE = 0;
export const AC_NONE = 3;

/** What the program reads and drives on the board (implemented by ControllerEmulator). */
export interface Board {
  now(): number;
  /** UART TX. */
  write(bytes: string): void;
  pilotLevel(): PilotLevel;
  /** With the pilot in PWM: the car's diode is missing (diode check fails). */
  diodeMissing(): boolean;
  /** AC sense with relay coils 1 and 2 driven as given. */
  acPins(relay1: boolean, relay2: boolean): number;
  /** RMS of the current sensor in ADC units (times the scale factor = mA). */
  ammeterRaw(): number;
  /** A ground-fault leak: the GFI sensor trips whenever the relay is closed. */
  gfiLeak(): boolean;
  /** Whether the GFI self-test current trips the sensor (false = broken GFI circuit). */
  gfiSelfTestWorks(): boolean;
  /** DS3231, MCP9808, TMP007 in tenths of a degree C; -2560 = not installed. */
  temperatures(): [number, number, number];
  /** RTC time (UTC fields are the RTC's), or null when the RTC has never been set. */
  rtcNow(): Date | null;
  setRtc(y: number, mo: number, d: number, h: number, mi: number, s: number): void;
  /** Time of day the delay timer uses. */
  timeOfDay(): { hour: number; minute: number };
}

/** Build-time options. */
export interface Build {
  version: string;
  eu: boolean;
}

// Firmware constants (open_evse.h). Durations marked "scaled" shrink in fast timing.
const DEFAULT_CURRENT_CAPACITY_L1 = 12;
const MIN_CURRENT_CAPACITY = 6;
const MAX_CURRENT_CAPACITY_L1 = 24;
const MV_FOR_L1 = 120000;
const DEFAULT_RELAY_CLOSE_MS = 100;
const DEFAULT_RELAY_HOLD_PWM = 255;
const GFI_TIMEOUT_MS = 5 * 60000; // fault retry interval (not scaled: it is part of the behaviour)
const GFI_RETRY_COUNT = 6;
const OVERCURRENT_THRESHOLD_A = 5; // EU build only
const OVERCURRENT_TIMEOUT_MS = 10000;
// Temperatures, tenths of a degree C.
const T_AMBIENT_THROTTLE_DOWN = 650;
const T_AMBIENT_RESTORE = 620;
const T_AMBIENT_SHUTDOWN = 680;
const T_AMBIENT_PANIC = 710;
const T_IR_THROTTLE_DOWN = 650;
const T_IR_RESTORE = 600;
const T_IR_SHUTDOWN = 700;
const T_IR_PANIC = 750;

// doPost() results.
const POST_UD = 0;
const POST_L1 = 1;
const POST_L2 = 2;
const POST_OG = 3;
const POST_SR = 4;
const POST_FG = 5;

/** Blocking durations, ms in real timing (scaled). */
export const DELAYS = {
  /** Power-up / bootloader before setup() (measured: ≈1.5 s in the transcript). */
  powerUp: 1500,
  /** setup(): delay(400) before Serial.begin. */
  setup: 400,
  /** Mennekes lock / unlock pulse. */
  mennekes: 300,
  /** SHOW_DISABLED_DELAY per disabled safety test at boot. */
  showDisabledTest: 1500,
  /** POST: pilot settle before the auto service-level probe. */
  postPilotSettle: 150,
  /** POST: RelaySettlingTime, four times. */
  relaySettling: 250,
  /** GFI self-test: until the sensor trips, then the 1 s settle. */
  gfiSelfTestPass: 1050,
  gfiSelfTestFail: 2000,
  /** One pass of loop() (pilot sampling, AC pins, LCD). */
  loop: 33,
  debounce: 250,
  debounceA: 25,
  groundCheckDelay: 1000,
  stuckRelayDelay: 1000,
  /** UL: a fault this soon after the relay closed is a hard fault. */
  ulEarlyFault: 2000,
  /** Sleep: open the relay anyway after this, if the car keeps drawing. */
  sleepRelayOpen: 3000,
  /** Reboot(): wait for the car to open its contactor, then the watchdog period. */
  rebootCharging: 3000,
  watchdog: 1000,
  overTemperatureWait: 5000,
  overCurrentWait: 1000,
};

export class EvseFirmware {
  // ---- RAM. Public because the RAPI command handlers (rapi-commands.ts) work on it directly,
  // like the firmware's g_EvseController.
  state = ST_UNKNOWN;
  pilotState = ST_UNKNOWN;
  pilot: PilotOut = 'P12';
  /** Amps the PWM duty cycle offers. */
  pwmAmps = 0;
  vflags = 0;
  flags = 0;
  capacity = 0;
  maxHwCapacity = 0;
  voltage = 0;
  chargingCurrent = 0;
  currentScale = 0;
  currentOffset = 0;
  chargeOnMs = 0;
  chargeOffMs = 0;
  elapsed = 0;
  private elapsedPrev = 0;
  private accumulated = 0;
  private tmpState = ST_UNKNOWN;
  private tmpStateStart = 0;
  private tmpPilot = ST_UNKNOWN;
  private tmpPilotStart = 0;
  private maTot = 0;
  private maIdx = 0;
  gfiFault = false;
  private gfiRetry = 0;
  private gfiFaultStart = 0;
  /** Fault counters as stored ("count - 1", uint8). */
  gfiTrips = 0;
  noGroundTrips = 0;
  stuckRelayTrips = 0;
  private noGroundRetry = 0;
  private noGroundStart = 0;
  private stuckRelayStart = 0;
  private overCurrentStart = 0;
  readonly heartbeat: Heartbeat;
  overTemperature = false;
  private overTemperatureShutdown = false;
  mennekesLocked = false;
  relayCloseMs = 0;
  relayHoldPwm = 0;
  /** Inside processCmd: $AT is deferred until after the reply. */
  inRapi = false;
  lcd = { backlight: 7, updatesDisabled: false, lines: ['                ', '                '] };
  /** Serial.begin has run: received bytes are kept from now on. */
  serialOpen = false;
  /** The UART receive buffer (the AVR core keeps 63 bytes). */
  rx: number[] = [];
  readonly port: RapiPort;
  readonly energy: EnergyMeter;
  readonly timer: DelayTimer;
  private sent = { state: ST_UNKNOWN, pilot: ST_UNKNOWN, capacity: 0, vflags: 0 };

  constructor(
    readonly board: Board,
    readonly ee: Eeprom,
    readonly build: Build,
    /** Scales a blocking duration for the timing mode. */
    readonly d: (ms: number) => number,
  ) {
    this.port = new RapiPort((s) => board.write(s));
    this.energy = new EnergyMeter(ee);
    this.timer = new DelayTimer(ee);
    this.heartbeat = new Heartbeat(ee, this);
  }

  // ---- build-dependent constants
  get autoSvcLevel(): boolean {
    return !this.build.eu;
  }
  get defaultCapacityL2(): number {
    return this.build.eu ? 32 : 24;
  }
  get maxCapacityL2(): number {
    return this.build.eu ? 32 : 80;
  }
  get mvForL2(): number {
    return this.build.eu ? 230000 : 240000;
  }

  // ---- main program

  /** setup() then loop() forever. */
  *main(): Steps {
    yield this.d(DELAYS.powerUp);
    yield this.d(DELAYS.setup);
    this.serialOpen = true;
    yield* this.init();
    // g_DelayTimer.Init() runs after the controller's Init() (EvseReset()).
    this.timer.init();
    this.setVFlag(VF_TIMER_ON, this.timer.enabled);
    for (;;) {
      yield* this.update();
      this.energy.update(this.now(), this.evConnected, this.relayClosed, this.voltage, this.chargingCurrent);
      yield* this.processInputs();
      this.checkDelayTimer();
      yield this.d(DELAYS.loop);
    }
  }

  /** J1772EVSEController::Init(): settings, banner, forced $AT, POST, service level, $AB. */
  private *init(): Steps {
    const ee = this.ee;
    yield* this.mennekesUnlock(true);
    this.state = ST_UNKNOWN;

    this.relayCloseMs = ee.relayCloseMs;
    this.relayHoldPwm = ee.relayHoldPwm;
    if (!this.relayCloseMs || this.relayCloseMs === 255) {
      this.relayCloseMs = DEFAULT_RELAY_CLOSE_MS;
      this.relayHoldPwm = DEFAULT_RELAY_HOLD_PWM;
    }
    this.printRelayBanner();

    this.gfiFault = false;
    this.chargingOff();
    this.pilot = 'P12';

    let svcLevel = 2; // DEFAULT_SERVICE_LEVEL
    if (ee.flags === 0xffff) {
      this.flags = 0; // ECF_DEFAULT
    } else {
      this.flags = ee.flags;
      svcLevel = this.serviceLevel;
    }
    if (!this.autoSvcLevel) this.flags |= F_AUTO_SVC_LEVEL_DISABLED;

    this.currentScale = ee.currentScale === 0xffff ? 220 : int16(ee.currentScale);
    this.currentOffset = ee.currentOffset === 0xffff ? 0 : int16(ee.currentOffset);
    this.chargingCurrent = 0;
    this.vflags = VF_SESSION_ENDED;
    this.maxHwCapacity = ee.maxHwCurrent === 0 || ee.maxHwCurrent === 0xff ? this.maxCapacityL2 : ee.maxHwCurrent;
    this.gfiTrips = ee.gfiTrips;
    this.noGroundTrips = ee.noGroundTrips;
    this.stuckRelayTrips = ee.stuckRelayTrips;

    // Forced: the state is still 00 and the capacity still 0 here.
    this.sendState(true);

    // SHOW_DISABLED_TESTS: each disabled check shows an LCD message for 1.5 s.
    for (const f of [F_DIODE_CHK_DISABLED, F_VENT_REQ_DISABLED, F_GND_CHK_DISABLED, F_STUCK_RELAY_CHK_DISABLED, F_GFI_TEST_DISABLED, F_TEMP_CHK_DISABLED]) {
      if (this.flags & f) yield this.d(DELAYS.showDisabledTest);
    }

    const post = yield* this.doPost();
    if (this.autoSvcLevel && (post === POST_L1 || post === POST_L2)) svcLevel = post;
    let fault = false;
    if (this.gndChkEnabled && post === POST_OG) {
      this.state = ST_NO_GROUND;
      fault = true;
    }
    if (this.stuckRelayChkEnabled && post === POST_SR) {
      this.state = ST_STUCK_RELAY;
      fault = true;
    }
    if (this.gfiTestEnabled && post === POST_FG) {
      this.state = ST_GFI_TEST_FAILED;
      fault = true;
    }
    if (fault) {
      // UL_COMPLIANT: hard fault until the power is cycled; RAPI still answers ($FR recovers).
      this.sendBootNotification();
      this.sendState(true);
      for (;;) {
        yield* this.processInputs();
        yield this.d(DELAYS.loop);
      }
    }

    this.setSvcLevel(svcLevel);
    // The firmware sleeps here if the delay timer is on, but g_DelayTimer is only loaded after
    // Init() returns, so on a real boot this never fires: the timer puts the EVSE to sleep in the
    // first loop() instead, after $AB 00 (with pilot state 00).
    if (this.timer.enabled) this.sleep();
    this.sendBootNotification();

    this.heartbeat.load();
  }

  /** Power-on self test: L1/L2 probe (US), ground, stuck relay, GFI self-test. */
  private *doPost(): Steps<number> {
    const b = this.board;
    let svc = POST_UD;
    let stuckCheck = true;
    this.pilot = 'P12';
    if (this.autoSvcLevel) {
      stuckCheck = false;
      yield this.d(DELAYS.postPilotSettle);
      const level = b.pilotLevel();
      this.pilot = 'N12';
      if (level === 'A') {
        // No EV: close each relay in turn and watch the AC sense pins.
        const off = b.acPins(false, false);
        yield this.d(DELAYS.relaySettling);
        const r1 = b.acPins(true, false);
        yield this.d(DELAYS.relaySettling);
        yield this.d(DELAYS.relaySettling);
        const r2 = b.acPins(false, true);
        yield this.d(DELAYS.relaySettling);
        if (off === AC_NONE) {
          if (r1 === AC_BOTH_LIVE) {
            if (r2 === AC_NONE) svc = POST_L2;
            if (this.stuckRelayChkEnabled && r2 !== AC_NONE) svc = POST_SR;
          } else if (r1 === AC_NONE) {
            if (this.gndChkEnabled && r2 === AC_NONE) svc = POST_OG;
            if (r2 === AC_BOTH_LIVE) svc = POST_L2;
            if (r2 === 1 || r2 === 2) svc = POST_L1;
          } else {
            if (this.stuckRelayChkEnabled && r2 !== AC_NONE) svc = POST_SR;
            if (r2 === AC_NONE) svc = POST_L1;
            if ((r1 === 1 && r2 === 2) || (r1 === 2 && r2 === 1)) svc = POST_L2;
          }
        } else if (this.stuckRelayChkEnabled) {
          svc = POST_SR;
        }
      } else {
        // EV plugged in: the relays must stay open, so assume L1 and probe during the first charge.
        svc = POST_L1;
        this.vflags |= VF_AUTOSVCLVL_SKIPPED;
        stuckCheck = true;
      }
    }
    if (stuckCheck && this.stuckRelayChkEnabled && b.acPins(false, false) !== AC_NONE) svc = POST_SR;
    if ((svc === POST_UD || svc === POST_L1 || svc === POST_L2) && this.gfiTestEnabled) {
      if (!(yield* this.gfiSelfTest())) svc = POST_FG;
    }
    this.pilot = 'P12';
    return svc;
  }

  private *gfiSelfTest(): Steps<boolean> {
    const ok = this.board.gfiSelfTestWorks();
    yield this.d(ok ? DELAYS.gfiSelfTestPass : DELAYS.gfiSelfTestFail);
    this.gfiFault = false;
    return ok;
  }

  /** ProcessInputs(): the RAPI bytes received so far (button and sensors need nothing here). */
  *processInputs(): Steps {
    let n = this.rx.length;
    while (n-- > 0 && this.rx.length) {
      if (this.port.feed(this.rx.shift() as number)) yield* processCmd(this);
    }
  }

  /** J1772EVSEController::Update(): pilot, safety checks, state machine, ammeter, heartbeat. */
  private *update(): Steps {
    const b = this.board;
    const curms = this.now();
    if (this.state === ST_DISABLED) return;

    // The GFI sensor interrupt, sampled once per loop: a leak trips it while the relay is closed.
    if (this.relayClosed && b.gfiLeak()) this.gfiTripped();
    const level = yield* this.readPilot();
    if (this.evConnectedTransition() && this.evConnected) {
      this.accumulated = 0;
      this.elapsed = 0;
    }

    if (this.state === ST_SLEEPING) {
      if (this.relayClosed) {
        // Wait for the car to stop (back to B, or no current) before opening the relay, at most 3 s.
        const instantMa = Math.max(0, b.ammeterRaw() * this.currentScale - this.currentOffset);
        if (level === 'A' || level === 'B' || instantMa <= 1000 || curms - this.chargeOffMs >= this.d(DELAYS.sleepRelayOpen)) {
          this.chargingOff();
        }
      } else if (this.evConnectedTransition()) {
        if (!this.evConnected) this.timer.manualOverride = false;
        this.sendState();
      }
      return;
    }

    let prev = this.state;
    let tmpState = ST_UNKNOWN;
    let nofault = true;

    // ADVPWR: ground check while the relay is closed, stuck-relay check while it is open.
    const ac = b.acPins(this.relayClosed, this.relayClosed);
    if (this.relayClosed) {
      if (curms - this.chargeOnMs > this.d(DELAYS.groundCheckDelay)) {
        if (this.gndChkEnabled && ac === AC_NONE) {
          tmpState = this.state = ST_NO_GROUND;
          this.chargingOff();
          if (prev !== ST_NO_GROUND && ((this.noGroundTrips + 1) & 255) < 254) {
            this.noGroundTrips = (this.noGroundTrips + 1) & 255;
            this.ee.noGroundTrips = this.noGroundTrips;
          }
          this.noGroundStart = curms;
          nofault = false;
        }
        // EV plugged in during POST: L1 was assumed; probe now that the relay is closed.
        if (this.autoSvcLevel && this.vflags & VF_AUTOSVCLVL_SKIPPED && this.state === ST_C) {
          if (ac === AC_BOTH_LIVE) this.setSvcLevel(2);
          this.vflags &= ~VF_AUTOSVCLVL_SKIPPED;
        }
      }
    } else if (prev === ST_NO_GROUND) {
      if (!this.evConnected) {
        this.state = ST_UNKNOWN;
        return;
      }
      if (this.noGroundRetry < GFI_RETRY_COUNT && curms - this.noGroundStart > GFI_TIMEOUT_MS) {
        this.noGroundRetry++;
      } else {
        tmpState = this.state = ST_NO_GROUND;
        nofault = false;
      }
    } else if (this.stuckRelayChkEnabled) {
      if (ac !== AC_NONE) {
        if (prev !== ST_STUCK_RELAY && !this.stuckRelayStart) this.stuckRelayStart = curms;
        const d = this.d(DELAYS.stuckRelayDelay);
        if ((curms - this.chargeOffMs > d && curms - this.stuckRelayStart > d) || prev === ST_STUCK_RELAY) {
          if (prev !== ST_STUCK_RELAY && ((this.stuckRelayTrips + 1) & 255) < 254) {
            this.stuckRelayTrips = (this.stuckRelayTrips + 1) & 255;
            this.ee.stuckRelayTrips = this.stuckRelayTrips;
          }
          tmpState = this.state = ST_STUCK_RELAY;
          nofault = false;
        }
      } else {
        this.stuckRelayStart = 0;
      }
    }

    if (this.gfiFault) {
      tmpState = this.state = ST_GFCI_FAULT;
      if (prev !== ST_GFCI_FAULT) {
        if (((this.gfiTrips + 1) & 255) < 254) {
          this.gfiTrips = (this.gfiTrips + 1) & 255;
          this.ee.gfiTrips = this.gfiTrips;
        }
        this.gfiRetry = 0;
        this.gfiFaultStart = curms;
      } else {
        if (!this.evConnected) {
          this.state = ST_UNKNOWN;
          this.gfiFault = false;
          return;
        }
        if (curms - this.gfiFaultStart >= GFI_TIMEOUT_MS) {
          this.gfiRetry++;
          if (this.gfiRetry > GFI_RETRY_COUNT) {
            yield* this.hardFault(true);
            return;
          }
          this.gfiFault = false;
          this.gfiFaultStart = 0;
        }
      }
      nofault = false;
    }

    if (this.tempChkEnabled) {
      const [ds, mcp, ir] = b.temperatures();
      if (ir >= T_IR_PANIC || mcp >= T_AMBIENT_PANIC || ds >= T_AMBIENT_PANIC) {
        tmpState = this.state = ST_OVER_TEMPERATURE;
        nofault = false;
      }
    }

    const prevPilot = this.pilotState;
    let tmpPilot = ST_UNKNOWN;
    if (nofault) {
      if (prev >= ST_FAULT_BEGIN && prev <= ST_FAULT_END) {
        // Just out of a fault: pilot back on.
        this.pilot = 'P12';
        prev = this.state = ST_UNKNOWN;
      }
      if (this.diodeChkEnabled && this.pilot === 'PWM' && b.diodeMissing()) {
        tmpState = tmpPilot = ST_DIODE_CHK_FAILED;
      } else if (level === 'A') {
        tmpState = tmpPilot = ST_A;
      } else if (level === 'B') {
        tmpState = tmpPilot = ST_B;
      } else if (level === 'C') {
        tmpPilot = ST_C;
        // Without PWM the car may not charge: stay in B.
        tmpState = this.pilot === 'PWM' ? ST_C : ST_B;
      } else {
        tmpPilot = ST_D;
        tmpState = this.ventReqEnabled ? ST_D : ST_C;
      }
      // Debounce: the new state must hold for 25 ms (A) or 250 ms.
      if (tmpState !== prev) {
        if (tmpState !== this.tmpState) this.tmpStateStart = curms;
        else if (curms - this.tmpStateStart >= this.d(tmpState === ST_A ? DELAYS.debounceA : DELAYS.debounce)) this.state = tmpState;
      }
    }
    if (tmpPilot !== prevPilot) {
      if (tmpPilot !== this.tmpPilot) this.tmpPilotStart = curms;
      else if (curms - this.tmpPilotStart >= this.d(DELAYS.debounce)) this.pilotState = tmpPilot;
    }
    this.tmpPilot = tmpPilot;
    this.tmpState = tmpState;

    if (this.state !== prev && this.state >= ST_A && this.state <= ST_C) this.pilotState = tmpPilot;

    if (this.state !== prev) {
      switch (this.state) {
        case ST_A:
          this.chargingOff();
          this.pilot = 'P12';
          this.timer.manualOverride = false;
          break;
        case ST_B:
          this.chargingOff();
          this.setPwm(this.capacity);
          break;
        case ST_C:
          this.setPwm(this.capacity);
          // UL_GFI_SELFTEST: test the GFI before closing the relay.
          if (this.gfiTestEnabled && !(yield* this.gfiSelfTest())) {
            this.state = ST_GFI_TEST_FAILED;
            this.pilot = 'P12';
            yield* this.hardFault(true);
            return;
          }
          yield* this.chargingOn();
          break;
        case ST_D:
          // Vent required is not supported.
          this.chargingOff();
          this.pilot = 'P12';
          yield* this.hardFault(true);
          break;
        case ST_GFCI_FAULT:
        case ST_NO_GROUND:
          this.chargingOff();
          this.pilot = 'P12';
          break;
        case ST_OVER_TEMPERATURE:
          // Tell the car to pause, give it 5 s, then open the relay.
          this.pilot = 'P12';
          yield Math.max(0, this.d(DELAYS.overTemperatureWait) - (this.now() - curms));
          this.chargingOff();
          yield* this.hardFault(true);
          break;
        case ST_DIODE_CHK_FAILED:
          this.chargingOff();
          this.setPwm(this.capacity);
          this.pilot = 'P12';
          yield* this.hardFault(true);
          break;
        case ST_STUCK_RELAY:
          this.chargingOff();
          yield* this.hardFault(false); // UL: a stuck relay never clears by itself
          break;
        default:
          this.pilot = 'P12';
          this.chargingOff();
      }
    }

    // UL: a fault within 2 s of closing the relay is a hard fault.
    if (!nofault && prev === ST_C && curms - this.chargeOnMs <= this.d(DELAYS.ulEarlyFault)) {
      yield* this.hardFault(true);
      return;
    }

    if (this.state === ST_C && this.currentScale > 0) {
      // The ammeter reading is a 32-sample average (non-overlapping window).
      this.maTot += b.ammeterRaw();
      if (++this.maIdx === 32) {
        this.chargingCurrent = Math.max(0, Math.floor(this.maTot / 32) * this.currentScale - this.currentOffset);
        this.maIdx = 0;
        this.maTot = 0;
      }
    }

    if (this.build.eu) yield* this.checkOverCurrent();
    this.heartbeat.check();
    this.restoreAfterTemperature();

    if (this.state === ST_C) {
      this.elapsedPrev = this.elapsed;
      this.elapsed = Math.floor((this.now() - this.chargeOnMs) / 1000);
      if (this.elapsed !== this.elapsedPrev) this.throttleForTemperature();
    }

    this.sendState();
  }

  /** ReadPilot(): updates EV_CONNECTED (and the Mennekes lock) unless the pilot is at -12 V. */
  *readPilot(): Steps<PilotLevel> {
    const level = this.board.pilotLevel();
    if (this.pilot !== 'N12') {
      this.setVFlag(VF_EV_CONNECTED_PREV, this.evConnected);
      if (level === 'A') {
        this.vflags = (this.vflags & ~VF_EV_CONNECTED) | VF_SESSION_ENDED;
        if (!(this.vflags & VF_MENNEKES_MANUAL)) yield* this.mennekesUnlock(false);
      } else {
        this.vflags |= VF_EV_CONNECTED;
        if (!(this.vflags & VF_MENNEKES_MANUAL)) yield* this.mennekesLock(false);
      }
    }
    return level;
  }

  /** Spins answering RAPI until the EV is unplugged (if recoverable); the relay is open. */
  *hardFault(recoverable: boolean): Steps {
    this.vflags |= VF_HARD_FAULT;
    this.sendState();
    for (;;) {
      yield* this.processInputs();
      if (this.pilot !== 'N12') {
        yield* this.readPilot();
        if (!this.evConnected && recoverable) {
          this.state = ST_UNKNOWN;
          break;
        }
      }
      yield this.d(DELAYS.loop);
    }
    this.vflags &= ~VF_HARD_FAULT;
  }

  /** EU build (OVERCURRENT_THRESHOLD): drawing 5 A over the pilot for 10 s is a hard fault. */
  private *checkOverCurrent(): Steps {
    if (this.state !== ST_C || this.chargingCurrent < (this.capacity + OVERCURRENT_THRESHOLD_A) * 1000) {
      this.overCurrentStart = 0;
      return;
    }
    if (!this.overCurrentStart) {
      this.overCurrentStart = this.now();
      return;
    }
    if (this.now() - this.overCurrentStart < OVERCURRENT_TIMEOUT_MS) return;
    this.state = ST_OVER_CURRENT;
    this.pilot = 'P12';
    yield this.d(DELAYS.overCurrentWait);
    this.chargingOff();
    yield* this.hardFault(true);
    this.overCurrentStart = 0;
  }

  // ---- relay

  private *chargingOn(): Steps {
    // V6 + RELAY_PWM: the banner prints every time the relay closes.
    this.printRelayBanner();
    yield this.d(this.relayCloseMs);
    this.vflags |= VF_CHARGING_ON;
    if (this.vflags & VF_SESSION_ENDED) {
      this.accumulated = 0;
      this.vflags &= ~VF_SESSION_ENDED;
    } else {
      this.accumulated += this.elapsed;
      this.elapsed = 0;
    }
    this.chargeOnMs = this.now();
  }

  chargingOff(): void {
    this.vflags &= ~VF_CHARGING_ON;
    this.chargeOffMs = this.now();
    this.chargingCurrent = 0;
  }

  /** The GFI interrupt: open the relay at once, the state follows in Update(). */
  gfiTripped(): void {
    this.vflags |= VF_GFI_TRIPPED;
    this.chargingOff();
    this.pilot = 'P12';
    this.gfiFault = true;
  }

  private printRelayBanner(): void {
    this.board.write('\nrelayCloseMs: ' + this.relayCloseMs + '\r\nrelayHoldPwm: ' + this.relayHoldPwm + '\r\n');
  }

  private *mennekesLock(force: boolean): Steps {
    if (force || !this.mennekesLocked) {
      yield this.d(DELAYS.mennekes);
      this.mennekesLocked = true;
    }
  }

  *mennekesUnlock(force: boolean): Steps {
    if (force || this.mennekesLocked) {
      yield this.d(DELAYS.mennekes);
      this.mennekesLocked = false;
    }
  }

  *setMennekes(lock: boolean): Steps {
    if (lock) yield* this.mennekesLock(true);
    else yield* this.mennekesUnlock(true);
  }

  // ---- state changes requested by RAPI, the button or the delay timer

  /** $FR: the watchdog resets the controller (after 3 s for the car to stop, if charging). */
  *reboot(): Steps {
    this.pilot = 'P12';
    if (this.relayClosed) yield this.d(DELAYS.rebootCharging);
    yield this.d(DELAYS.watchdog);
    throw new WatchdogReset();
  }

  /** $FE: only from DISABLED or SLEEPING; the next Update() picks A/B/C. */
  enable(): void {
    if (this.state === ST_DISABLED || this.state === ST_SLEEPING) {
      this.state = ST_UNKNOWN;
      this.pilot = 'P12';
    }
  }

  /** $FD: pilot -12 V and relay open at once. */
  *disable(): Steps {
    if (this.state === ST_DISABLED) return;
    this.pilot = 'N12';
    this.state = ST_DISABLED;
    this.chargingOff();
    if (!(this.vflags & VF_MENNEKES_MANUAL)) yield* this.mennekesUnlock(true);
    this.sendState();
  }

  /** $FS: pilot +12 V; Update() opens the relay once the car has stopped. */
  sleep(): void {
    if (this.state === ST_SLEEPING) return;
    this.pilot = 'P12';
    this.state = ST_SLEEPING;
    // Reused as the start of the wait for the car to stop drawing.
    this.chargeOffMs = this.now();
    this.sendState();
  }

  setSvcLevel(level: number): void {
    if (level === 2) {
      this.flags |= F_L2;
      this.voltage = this.mvForL2;
    } else {
      this.flags &= ~F_L2;
      this.voltage = MV_FOR_L1;
    }
    this.saveFlags();
    this.setCurrentCapacity(this.getMaxCurrentCapacity(), true);
  }

  /** Clamps to [6, max]; returns 0 in range, 1 clamped up, 2 clamped down. `nosave`: volatile. */
  setCurrentCapacity(amps: number, nosave: boolean): number {
    let rc = 0;
    let max = this.serviceLevel === 1 ? MAX_CURRENT_CAPACITY_L1 : this.maxHwCapacity;
    // A volatile value can't exceed the max saved for this level.
    if (nosave) max = this.getMaxCurrentCapacity();
    if (amps >= MIN_CURRENT_CAPACITY && amps <= max) {
      this.capacity = amps;
    } else if (amps < MIN_CURRENT_CAPACITY) {
      this.capacity = MIN_CURRENT_CAPACITY;
      rc = 1;
    } else {
      this.capacity = max;
      rc = 2;
    }
    if (!nosave) {
      if (this.serviceLevel === 1) this.ee.capL1 = this.capacity;
      else this.ee.capL2 = this.capacity;
    }
    if (this.pilot === 'PWM') this.setPwm(this.capacity);
    return rc;
  }

  /** The saved max for the current level (EEPROM, else the default), within [6, level max]. */
  getMaxCurrentCapacity(): number {
    const l1 = this.serviceLevel === 1;
    let amps = l1 ? this.ee.capL1 : this.ee.capL2;
    if (amps === 0xff || amps === 0) amps = l1 ? DEFAULT_CURRENT_CAPACITY_L1 : this.defaultCapacityL2;
    if (amps < MIN_CURRENT_CAPACITY) amps = MIN_CURRENT_CAPACITY;
    else if (l1 && amps > MAX_CURRENT_CAPACITY_L1) amps = MAX_CURRENT_CAPACITY_L1;
    else if (!l1 && amps > this.maxHwCapacity) amps = this.maxHwCapacity;
    return amps;
  }

  /** $SC a M: accepted once, while the EEPROM cell is unset. Returns 0 ok, 1 refused. */
  setMaxHwCurrentCapacity(amps: number): number {
    if (amps < MIN_CURRENT_CAPACITY || amps > this.maxCapacityL2) return 1;
    if (this.ee.maxHwCurrent !== 0 && this.ee.maxHwCurrent !== 0xff) return 1;
    this.ee.maxHwCurrent = amps;
    this.maxHwCapacity = amps;
    if (this.capacity > amps) this.setCurrentCapacity(amps, true);
    return 0;
  }

  private setPwm(amps: number): void {
    // J1772Pilot::SetPWM refuses amps outside 6..80 and leaves the pilot as it was.
    if (amps < 6 || amps > 80) return;
    this.pwmAmps = amps;
    this.pilot = 'PWM';
  }

  // ---- temperature monitoring

  private throttleForTemperature(): void {
    if (!this.tempChkEnabled) return;
    const [ds, mcp, ir] = this.board.temperatures();
    let cap = this.getMaxCurrentCapacity();
    if (!this.overTemperature && (ir >= T_IR_THROTTLE_DOWN || mcp >= T_AMBIENT_THROTTLE_DOWN || ds >= T_AMBIENT_THROTTLE_DOWN)) {
      cap = Math.floor(cap / 2);
      this.overTemperature = true;
    } else if (!this.overTemperatureShutdown && (ir >= T_IR_SHUTDOWN || mcp >= T_AMBIENT_SHUTDOWN || ds >= T_AMBIENT_SHUTDOWN)) {
      cap = Math.floor(cap / 4);
      this.overTemperatureShutdown = true;
    } else {
      return;
    }
    this.applyTemperatureCapacity(cap);
  }

  private restoreAfterTemperature(): void {
    if (!this.tempChkEnabled) return;
    const [ds, mcp, ir] = this.board.temperatures();
    let cap = this.getMaxCurrentCapacity();
    if (this.overTemperature && ir <= T_IR_RESTORE && mcp <= T_AMBIENT_RESTORE && ds <= T_AMBIENT_RESTORE) {
      this.overTemperature = false;
    } else if (this.overTemperatureShutdown && ir <= T_IR_THROTTLE_DOWN && mcp <= T_AMBIENT_THROTTLE_DOWN && ds <= T_AMBIENT_THROTTLE_DOWN) {
      cap = Math.floor(cap / 2);
      this.overTemperatureShutdown = false;
    } else {
      return;
    }
    this.applyTemperatureCapacity(cap);
  }

  private applyTemperatureCapacity(cap: number): void {
    this.setCurrentCapacity(cap, true);
    // The firmware turns PWM on here even outside B/C.
    if (this.pilot !== 'PWM') this.setPwm(this.capacity);
  }

  // ---- delay timer

  private checkDelayTimer(): void {
    const t = this.timer;
    if (this.inFaultState || this.state === ST_DISABLED || !t.enabled || !t.isValid()) return;
    const now = this.now();
    if (now - t.lastCheckMs <= 1000) return;
    const tod = this.board.timeOfDay();
    if (t.isAwake(tod.hour, tod.minute)) {
      if (!t.manualOverride) {
        if (this.state === ST_SLEEPING) this.enable();
      } else if (this.state !== ST_SLEEPING) {
        t.manualOverride = false;
      }
    } else if (!t.manualOverride) {
      if (this.state !== ST_SLEEPING) this.sleep();
    } else if (this.state === ST_SLEEPING) {
      t.manualOverride = false;
    }
    t.lastCheckMs = now;
  }

  /** $F1: a short press of the front button (no menu open). */
  shortPress(): void {
    if (this.inFaultState) return; // would open the setup menu
    if (this.state === ST_DISABLED || this.state === ST_SLEEPING) this.enable();
    else this.sleep();
    const t = this.timer;
    if (t.enabled) {
      const tod = this.board.timeOfDay();
      const awake = t.isAwake(tod.hour, tod.minute);
      const sleeping = this.state === ST_SLEEPING;
      t.manualOverride = awake === sleeping;
    }
  }

  // ---- async messages

  /** RapiSendEvseState(): $AT when something changed, with the firmware's suppressions. */
  sendState(force = false): void {
    if (this.inRapi) return; // sent by processCmd right after the reply
    const s = this.state;
    const masked = this.vflags & VF_CHANGED_TEST;
    const connected = (masked & VF_EV_CONNECTED) !== 0;
    const sent = this.sent;
    const changed = sent.state !== s || sent.pilot !== this.pilotState || sent.capacity !== this.capacity || sent.vflags !== masked;
    if (
      force ||
      (s !== ST_UNKNOWN && !(s === ST_A && connected) && !(s === ST_B && !connected) && !(s === ST_C && !connected) && changed)
    ) {
      this.board.write(frame('$AT ' + hex2l(s) + ' ' + hex2l(this.pilotState) + ' ' + this.capacity + ' ' + hex4l(this.vflags)));
      this.sent = { state: s, pilot: this.pilotState, capacity: this.capacity, vflags: masked };
    }
  }

  private sendBootNotification(): void {
    this.board.write(frame('$AB ' + hex2l(this.state) + ' ' + this.build.version));
  }

  // ---- small accessors

  now(): number {
    return this.board.now();
  }
  get serviceLevel(): number {
    return this.flags & F_L2 ? 2 : 1;
  }
  get evConnected(): boolean {
    return (this.vflags & VF_EV_CONNECTED) !== 0;
  }
  get relayClosed(): boolean {
    return (this.vflags & VF_CHARGING_ON) !== 0;
  }
  get inFaultState(): boolean {
    return this.state >= ST_FAULT_BEGIN && this.state <= ST_FAULT_END;
  }
  /** Charge time of the current or last session, seconds ($GS field 2). */
  get elapsedChargeTime(): number {
    return this.elapsed + this.accumulated;
  }
  get diodeChkEnabled(): boolean {
    return !(this.flags & F_DIODE_CHK_DISABLED);
  }
  get ventReqEnabled(): boolean {
    return !(this.flags & F_VENT_REQ_DISABLED);
  }
  get gndChkEnabled(): boolean {
    return !(this.flags & F_GND_CHK_DISABLED);
  }
  get stuckRelayChkEnabled(): boolean {
    return !(this.flags & F_STUCK_RELAY_CHK_DISABLED);
  }
  get gfiTestEnabled(): boolean {
    return !(this.flags & F_GFI_TEST_DISABLED);
  }
  get tempChkEnabled(): boolean {
    return !(this.flags & F_TEMP_CHK_DISABLED);
  }
  /** Sets or clears an ECF flag and saves the flags. */
  setFlag(flag: number, on: boolean): void {
    if (on) this.flags |= flag;
    else this.flags &= ~flag;
    this.saveFlags();
  }
  saveFlags(): void {
    this.ee.flags = this.flags;
  }
  setVFlag(flag: number, on: boolean): void {
    if (on) this.vflags |= flag;
    else this.vflags &= ~flag;
  }
  private evConnectedTransition(): boolean {
    return this.evConnected !== ((this.vflags & VF_EV_CONNECTED_PREV) !== 0);
  }
}
