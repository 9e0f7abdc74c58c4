// The RAPI command set of the official open_evse 8.2.3 builds (rapi_proc.cpp processCmd).
// Dispatch is on the first and second character only; anything not compiled into those builds
// answers a bare $NK, like the firmware. Argument-count checks are the firmware's (some commands
// have none and then read a stale token, see RapiPort.token).

import type { EvseFirmware, Steps } from './firmware';
import {
  F_BUTTON_DISABLED,
  F_DIODE_CHK_DISABLED,
  F_GFI_TEST_DISABLED,
  F_GND_CHK_DISABLED,
  F_MONO_LCD,
  F_STUCK_RELAY_CHK_DISABLED,
  F_TEMP_CHK_DISABLED,
  F_VENT_REQ_DISABLED,
  F_AUTO_SVC_LEVEL_DISABLED,
  VF_HARD_FAULT,
  VF_MENNEKES_MANUAL,
  VF_TIMER_ON,
} from './flags';
import { dtou32, hex2l, hex4l, int16 } from './rapi-port';

export const RAPI_VERSION = '5.2.1';

/** $GI: 6 raw signature bytes, then 4 printed as uppercase hex (MCU_ID_LEN 10). A fixed, made-up id. */
const MCU_ID = [0x52, 0x34, 0x4c, 0x39, 0x47, 0x33, 0x0a, 0x1f, 0x0c, 0x22];

type Result = [rc: number, payload: string | null];

/** Runs the line the port has just assembled, replies, then sends any $AT it caused. */
export function* processCmd(fw: EvseFirmware): Steps {
  const port = fw.port;
  fw.inRapi = true;
  port.beginCommand();
  const cmd = port.token(0);
  let result: Result = [-1, null];
  switch (cmd.charAt(0)) {
    case 'F':
      result = yield* functionCmd(fw, cmd.charAt(1));
      break;
    case 'S':
      result = yield* setCmd(fw, cmd.charAt(1));
      break;
    case 'G':
      result = getCmd(fw, cmd.charAt(1));
      break;
    // 'T' (RAPI_T_COMMANDS) is not compiled in. '$Z0' is, in the real build: it answers $OK, prints
    // "\nZ0 a b" and rewrites the relay tuning in EEPROM; clients must never send it, so we refuse it.
  }
  port.respond(result[0] === 0, result[1]);
  port.reset();
  fw.inRapi = false;
  // The command may have changed the state: the deferred $AT goes out right after the reply.
  fw.sendState();
}

function* functionCmd(fw: EvseFirmware, c: string): Generator<number, Result, void> {
  const port = fw.port;
  const n = port.tokenCnt;
  const t = (i: number) => port.token(i);
  switch (c) {
    case '0': // LCD updates on/off
      if (n !== 2) break;
      fw.lcd.updatesDisabled = t(1).charAt(0) === '0';
      return [0, null];
    case '1': // front button short press
      fw.shortPress();
      return [0, null];
    case 'B': // backlight colour
      if (n !== 2) break;
      fw.lcd.backlight = dtou32(t(1)) & 255;
      return [0, null];
    case 'D':
      yield* fw.disable();
      return [0, null];
    case 'E':
      fw.enable();
      return [0, null];
    case 'F': {
      if (n !== 3) break;
      const v = (firstByte(t(2)) - 0x30) & 255;
      if (v > 1) break;
      const flagOf: { [letter: string]: number } = {
        B: F_BUTTON_DISABLED,
        D: F_DIODE_CHK_DISABLED,
        F: F_GFI_TEST_DISABLED,
        G: F_GND_CHK_DISABLED,
        R: F_STUCK_RELAY_CHK_DISABLED,
        T: F_TEMP_CHK_DISABLED,
        V: F_VENT_REQ_DISABLED,
      };
      const letter = t(1).charAt(0);
      if (letter === 'E') {
        // Firmware bug kept on purpose: the decoded 0/1 is compared with the character '0', so
        // `$FF E 0` turns echo on too. Only a reboot turns it off.
        port.echo = true;
      } else if (flagOf[letter]) {
        fw.setFlag(flagOf[letter], v === 0);
      } else {
        break;
      }
      return [0, null];
    }
    case 'P': // LCD text: x y words...
      if (n < 4 || fw.vflags & VF_HARD_FAULT) break;
      lcdPrint(fw, dtou32(t(1)), dtou32(t(2)), port.rejoin(3));
      return [0, null];
    case 'R':
      // Reboot() never returns: the $OK is never sent.
      yield* fw.reboot();
      return [0, null];
    case 'S':
      fw.sleep();
      return [0, null];
  }
  return [-1, null];
}

function* setCmd(fw: EvseFirmware, c: string): Generator<number, Result, void> {
  const port = fw.port;
  const n = port.tokenCnt;
  const t = (i: number) => port.token(i);
  const u8 = (i: number) => dtou32(t(i)) & 255;
  switch (c) {
    case '0': // LCD backlight type: 0 mono, 1 RGB
      if (n !== 2) break;
      fw.setFlag(F_MONO_LCD, t(1).charAt(0) === '0');
      return [0, null];
    case '1': // RTC: yy mo dd hh mm ss
      if (n !== 7) break;
      fw.board.setRtc(u8(1), u8(2), u8(3), u8(4), u8(5), u8(6));
      return [0, null];
    // $S2 (ammeter calibration) needs ECVF_AMMETER_CAL, gone in 8.x. $S3 (time limit) and $SH
    // (energy limit) exist only in Arduino-IDE builds: the PlatformIO flags leave TIME_LIMIT and
    // CHARGE_LIMIT out. $S4 needs AUTH_LOCK, $SB BOOTLOCK, $SM a VOLTMETER: none is in 8.2.3.
    case '5': // Mennekes lock
      if (n !== 2) break;
      switch (t(1).charAt(0)) {
        case '0':
          yield* fw.setMennekes(false);
          break;
        case '1':
          yield* fw.setMennekes(true);
          break;
        case 'A':
          fw.vflags &= ~VF_MENNEKES_MANUAL;
          break;
        case 'M':
          fw.vflags |= VF_MENNEKES_MANUAL;
          break;
        default:
          return [1, null];
      }
      return [0, null];
    case 'A': // ammeter scale and offset
      if (n !== 3) break;
      fw.currentScale = int16(dtou32(t(1)));
      fw.currentOffset = int16(dtou32(t(2)));
      fw.ee.currentScale = fw.currentScale & 0xffff;
      fw.ee.currentOffset = fw.currentOffset & 0xffff;
      return [0, null];
    case 'C': {
      // Current capacity. The reply carries the resulting amps with OK and NK alike.
      if (n !== 2 && n !== 3) break;
      const amps = u8(1); // "$SC 300" is 44
      if (n === 3 && t(2).charAt(0) === 'M') {
        const rc = fw.setMaxHwCurrentCapacity(amps);
        return [rc, String(fw.maxHwCapacity)];
      }
      // Any third token other than M makes the value volatile.
      const rc = fw.overTemperature && amps > fw.capacity ? 1 : fw.setCurrentCapacity(amps, n === 3);
      return [rc, String(fw.capacity)];
    }
    case 'K': // lifetime Wh; no argument-count check in the firmware
      fw.energy.setTotal(dtou32(t(1)));
      return [0, null];
    case 'L': {
      if (n !== 2) break;
      const level = t(1).charAt(0);
      if (level === '1' || level === '2') {
        fw.setSvcLevel(level === '1' ? 1 : 2);
        if (fw.autoSvcLevel) fw.setFlag(F_AUTO_SVC_LEVEL_DISABLED, true);
        return [0, null];
      }
      if (level === 'A' && fw.autoSvcLevel) {
        fw.setFlag(F_AUTO_SVC_LEVEL_DISABLED, false);
        return [0, null];
      }
      break;
    }
    case 'T': {
      // Delay timer start/stop; all zero disables it.
      if (n !== 5) break;
      const [sh, sm, eh, em] = [u8(1), u8(2), u8(3), u8(4)];
      if (!sh && !sm && !eh && !em) {
        fw.timer.enable(false);
      } else {
        fw.timer.set(sh, sm, eh, em);
        fw.timer.enable(true);
      }
      fw.setVFlag(VF_TIMER_ON, fw.timer.enabled);
      return [0, null];
    }
    case 'V': // voltage for the energy calculation, volatile
      if (n !== 2) break;
      fw.voltage = dtou32(t(1));
      return [0, null];
    case 'Y': {
      // Heartbeat supervision. The reply always carries "interval current trigger".
      const hs = fw.heartbeat;
      let rc = 1;
      if (n === 1) {
        rc = hs.pulse();
      } else if (n === 3) {
        const interval = dtou32(t(1)) & 0xffff;
        const amps = u8(2);
        rc = interval === 0 ? hs.restoreAmpacity() : 0;
        hs.configure(interval, amps);
      } else if (n === 2) {
        rc = hs.ack(u8(1));
      }
      return [rc, hs.status];
    }
  }
  return [-1, null];
}

function getCmd(fw: EvseFirmware, c: string): Result {
  switch (c) {
    case '0': // 0 not connected, 1 connected, 2 unknown (pilot at -12 V)
      return [0, fw.pilot === 'N12' ? '2' : fw.evConnected ? '1' : '0'];
    case '5':
      return [0, (fw.mennekesLocked ? '1' : '0') + ' ' + (fw.vflags & VF_MENNEKES_MANUAL ? 'M' : 'A')];
    case 'A':
      return [0, fw.currentScale + ' ' + fw.currentOffset];
    case 'C':
      return [0, '6 ' + (fw.serviceLevel === 2 ? fw.maxHwCapacity : 24) + ' ' + fw.capacity + ' ' + fw.getMaxCurrentCapacity()];
    case 'D': {
      const t = fw.timer;
      return [0, t.enabled ? [t.startHour, t.startMin, t.stopHour, t.stopMin].join(' ') : '0 0 0 0'];
    }
    case 'E':
      return [0, fw.capacity + ' ' + hex4l(fw.flags)];
    case 'F': {
      // Stored as count - 1 (erased = 0), printed %x.
      const show = (stored: number) => ((stored + 1) & 255).toString(16);
      return [0, show(fw.gfiTrips) + ' ' + show(fw.noGroundTrips) + ' ' + show(fw.stuckRelayTrips)];
    }
    case 'G':
      return [0, (fw.chargingCurrent | 0) + ' ' + (fw.voltage | 0)];
    case 'I': {
      // The leading space is the firmware's: the frame reads "$OK  ...".
      let s = ' ';
      for (let i = 0; i < 6; i++) s += String.fromCharCode(MCU_ID[i]);
      for (let i = 6; i < MCU_ID.length; i++) s += ('0' + MCU_ID[i].toString(16).toUpperCase()).slice(-2);
      return [0, s];
    }
    case 'P':
      return [0, fw.board.temperatures().join(' ')];
    case 'S':
      return [0, hex2l(fw.state) + ' ' + (fw.elapsedChargeTime | 0) + ' ' + hex2l(fw.pilotState) + ' ' + hex4l(fw.vflags)];
    case 'T': {
      const d = fw.board.rtcNow();
      // No RTC (or never set): the DS1307 reads back 0xa5 bytes.
      if (!d) return [0, '165 165 165 165 165 85'];
      const f = [d.getUTCFullYear() - 2000, d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()];
      return [0, f.join(' ')];
    }
    case 'U':
      return [0, (fw.energy.sessionWs >>> 0) + ' ' + (fw.energy.totalWh >>> 0)];
    case 'V':
      return [0, fw.build.version + ' ' + RAPI_VERSION];
    case 'Y':
      return [0, fw.heartbeat.status];
    // $G3/$GH (limits, IDE builds only), $G4 (AUTH_LOCK), $GM (VOLTMETER), $GO
    // (TEMPERATURE_MONITORING_NY) and the 6.x $GR/$GZ/$GW/$GL are not in 8.2.3.
  }
  return [-1, null];
}

/** The firmware reads `*token`: the first byte, NUL for an empty token. */
function firstByte(s: string): number {
  return s.length ? s.charCodeAt(0) : 0;
}

/** LcdPrint(x, y, text) on the 16x2 display, kept for snapshot(). */
function lcdPrint(fw: EvseFirmware, x: number, y: number, text: string): void {
  if (y > 1 || x > 15) return;
  const line = fw.lcd.lines[y];
  fw.lcd.lines[y] = (line.slice(0, x) + text + line.slice(x + text.length)).slice(0, 16);
}
