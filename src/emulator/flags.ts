// State codes and flag bits of the open_evse controller (J1772EvseController.h), as RAPI shows them.

// EVSE states ($GS / $AT field 1).
export const ST_UNKNOWN = 0x00;
export const ST_A = 0x01;
export const ST_B = 0x02;
export const ST_C = 0x03;
export const ST_D = 0x04;
export const ST_DIODE_CHK_FAILED = 0x05;
export const ST_GFCI_FAULT = 0x06;
export const ST_NO_GROUND = 0x07;
export const ST_STUCK_RELAY = 0x08;
export const ST_GFI_TEST_FAILED = 0x09;
export const ST_OVER_TEMPERATURE = 0x0a;
export const ST_OVER_CURRENT = 0x0b;
export const ST_FAULT_BEGIN = ST_D;
export const ST_FAULT_END = 0x0e; // RELAY_CLOSURE_FAULT (CGMI only)
export const ST_SLEEPING = 0xfe;
export const ST_DISABLED = 0xff;

// ECF_* flags ($GE), saved in EEPROM.
export const F_L2 = 0x0001;
export const F_DIODE_CHK_DISABLED = 0x0002;
export const F_VENT_REQ_DISABLED = 0x0004;
export const F_GND_CHK_DISABLED = 0x0008;
export const F_STUCK_RELAY_CHK_DISABLED = 0x0010;
export const F_AUTO_SVC_LEVEL_DISABLED = 0x0020;
export const F_MONO_LCD = 0x0100;
export const F_GFI_TEST_DISABLED = 0x0200;
export const F_TEMP_CHK_DISABLED = 0x0400;
export const F_BUTTON_DISABLED = 0x8000;

// ECVF_* volatile flags ($GS / $AT field 4).
export const VF_AUTOSVCLVL_SKIPPED = 0x0001;
export const VF_HARD_FAULT = 0x0002;
export const VF_AUTH_LOCKED = 0x0008;
export const VF_TIME_LIMIT = 0x0010;
export const VF_CHARGING_ON = 0x0040;
export const VF_GFI_TRIPPED = 0x0080;
export const VF_EV_CONNECTED = 0x0100;
export const VF_SESSION_ENDED = 0x0200;
export const VF_EV_CONNECTED_PREV = 0x0400;
export const VF_TIMER_ON = 0x1000;
export const VF_CHARGE_LIMIT = 0x2000;
export const VF_MENNEKES_MANUAL = 0x8000;
/** The vflags whose change triggers an $AT. */
export const VF_CHANGED_TEST = VF_AUTH_LOCKED | VF_EV_CONNECTED | VF_TIME_LIMIT | VF_CHARGE_LIMIT | VF_HARD_FAULT;
