// The controller's EEPROM: what survives a reboot or a power cut.
// Values are kept raw, as the AVR stores them, so that "erased" (0xff / 0xffff) means what it
// means to the firmware: each reader substitutes its own default, exactly where the firmware does.

export class Eeprom {
  /** Saved current capacity per service level (EOFS_CURRENT_CAPACITY_L1/L2); 0 or 0xff = default. */
  capL1 = 0xff;
  capL2 = 0xff;
  /** ECF_* flags; 0xffff = uninitialised, Init() then starts from ECF_DEFAULT. */
  flags = 0xffff;
  /** Delay timer: enable byte and start/stop times. */
  timerEnabled = 0xff;
  timerStartHour = 0xff;
  timerStartMin = 0xff;
  timerStopHour = 0xff;
  timerStopMin = 0xff;
  /** Ammeter calibration (int16 stored as uint16; 0xffff = default). */
  currentScale = 0xffff;
  currentOffset = 0xffff;
  /** Lifetime energy in Wh (uint32; the EnergyMeter constructor zeroes an erased cell). */
  wattHours = 0xffffffff;
  /** Fault counters, stored as "count - 1", so erased (0xff) reads as 0. */
  gfiTrips = 0xff;
  noGroundTrips = 0xff;
  stuckRelayTrips = 0xff;
  /** Heartbeat supervision interval (s) and fallback current (A); 0xffff = never configured. */
  hsInterval = 0xffff;
  hsCurrent = 0xff;
  /** V6 relay drive tuning ($Z0); 0 or 0xff = default 100 ms / 255. */
  relayCloseMs = 0xff;
  relayHoldPwm = 0xff;
  /** Hardware max current ($SC a M), write-once; 0 or 0xff = unset. */
  maxHwCurrent = 0xff;
}
