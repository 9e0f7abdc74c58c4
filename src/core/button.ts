// What holding the board's button means (ref/openevse-gateway.md §8, issue #7), timed from the
// press: released after HOLD_AP_MS or more → the access point for provisioning; still held at
// HOLD_RESET_MS → factory reset (all settings erased, restart), without waiting for the release.
// A shorter press does nothing. Each step is logged, so that a user watching the console knows
// when to let go.
import type { Clock, Log } from '../hal/types';

/** Hold at least this long, then release: access point. (The reference: 2 s; the issue: 5 s.) */
export var HOLD_AP_MS = 5000;
/** Hold this long: factory reset. */
export var HOLD_RESET_MS = 10000;

export interface ButtonActions {
  accessPoint(): void;
  factoryReset(): void;
}

export class ButtonHold {
  /** clock.now() at the press; 0 while released. */
  private pressedAt = 0;
  /** The log line at HOLD_AP_MS, then the reset at HOLD_RESET_MS. */
  private timer: any = null;

  constructor(
    private clock: Clock,
    private log: Log,
    private actions: ButtonActions
  ) {}

  /** The button's debounced level changed. */
  change(pressed: boolean): void {
    var self = this;
    var clock = this.clock;
    if (pressed) {
      if (this.pressedAt) return;
      this.pressedAt = clock.now() || 1;
      this.log('info', 'button: pressed; release after ' + HOLD_AP_MS / 1000 + ' s for the access point, hold ' + HOLD_RESET_MS / 1000 + ' s for a factory reset');
      this.timer = clock.setTimeout(function () {
        self.log('warn', 'button: release now for the access point; keep holding for a factory reset');
        self.timer = clock.setTimeout(function () {
          self.timer = null;
          self.pressedAt = 0;
          self.log('warn', 'button: held ' + HOLD_RESET_MS / 1000 + ' s: factory reset');
          self.actions.factoryReset();
        }, HOLD_RESET_MS - HOLD_AP_MS);
      }, HOLD_AP_MS);
      return;
    }
    // a release after the reset (or a release without a press, e.g. at boot) means nothing
    if (!this.pressedAt) return;
    var held = clock.now() - this.pressedAt;
    this.pressedAt = 0;
    clock.clearTimeout(this.timer);
    this.timer = null;
    if (held < HOLD_AP_MS) {
      this.log('info', 'button: short press (' + held + ' ms): nothing to do');
      return;
    }
    this.log('info', 'button: held ' + Math.floor(held / 1000) + ' s: access point on');
    this.actions.accessPoint();
  }
}
