// Controller states and flags (ref/rapi.md §3), and how the gateway presents them.

export var STATE_STARTING = 0;
export var STATE_NOT_CONNECTED = 1;
export var STATE_CONNECTED = 2;
export var STATE_CHARGING = 3;
export var STATE_SLEEPING = 0xfe;
export var STATE_DISABLED = 0xff;

/** vflags bits used by the gateway. */
export var VFLAG_EV_CONNECTED = 0x0100;

/** $GE flag bits (EEPROM) that map to the safety checks of /config: bit set = check DISABLED. */
export var ECF_L2 = 0x0001;
export var ECF_DIODE_CHK_DISABLED = 0x0002;
export var ECF_VENT_REQ_DISABLED = 0x0004;
export var ECF_GND_CHK_DISABLED = 0x0008;
export var ECF_STUCK_RELAY_CHK_DISABLED = 0x0010;
export var ECF_AUTO_SVC_LEVEL_DISABLED = 0x0020;
export var ECF_GFI_TEST_DISABLED = 0x0200;
export var ECF_TEMP_CHK_DISABLED = 0x0400;
export var ECF_BUTTON_DISABLED = 0x8000;

/** The gateway counts states 4..11 as errors (evse_monitor.h); 0x0E and above are not. */
export function isError(state: number): boolean {
  return state >= 4 && state <= 11;
}

/** LCD colour codes: 1 red, 2 green, 3 yellow, 5 violet, 6 teal, 7 white. */
export function stateColour(state: number, vehicle: boolean): number {
  if (state === STATE_NOT_CONNECTED) return 2;
  if (state === STATE_CONNECTED) return 3;
  if (state === STATE_CHARGING) return 6;
  if (isError(state)) return 1;
  if (state >= STATE_SLEEPING) return vehicle ? 6 : 5;
  return 7;
}
