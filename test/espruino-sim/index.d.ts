// Types for test/espruino-sim/index.js (plain JS so that scripts can use it too).
export interface SimDevice {
  /** http://127.0.0.1:<board.json http_port>, or null while Storage has no board.json. */
  readonly url: string | null;
  readonly storageDir: string;
  /** The Storage folder with Espruino's rules (read/write/erase/list...), for the test's side. */
  readonly storage: any;
  /** The pty path of the REPL console (console: 'pty'), for scripts/flash.js --port. */
  readonly consolePath?: string;
  /** The TCP port of the REPL console (console: 'tcp'). */
  readonly consolePort?: number;
  /** Boots so far: power-on, every E.reboot(), load(), reset() and watchdog restart. */
  readonly bootCount: number;
  /** Everything the device printed. */
  output(): string;
  /** Uncaught errors and uses of an API the harness does not simulate. */
  errors(): string[];
  /** Runs `code` in the running boot, as a console line. */
  evaluate(code: string): Promise<any>;
  /** E.reboot(), then waits for /status (unless {wait: false}). */
  reboot(opts?: { wait?: boolean }): Promise<void>;
  /** Waits until GET /status answers 200. */
  ready(ms?: number): Promise<void>;
  /** Waits until every scheduled reboot has run. */
  settled(): Promise<void>;
  stop(): Promise<void>;
  /** Sets a GPIO level (a mock): a button pulls its pin low, setPin('D0', false). */
  setPin(pin: string, level: boolean): void;
  /** With `wifi`: the stub radio. `radio` is the current boot's: {sta, ap, hostname, drop()}. */
  readonly wifi: null | { networks: any[]; ip: string; calls: string[]; radio: any };
  device: any;
}

export interface BootOptions {
  storageDir?: string;
  files?: { [name: string]: string | Buffer };
  image?: true | string;
  bootFile?: string;
  board?: { [key: string]: any };
  console?: 'pty' | 'tcp';
  consolePort?: number;
  memory?: { total?: number; usage?: number };
  serial?: string;
  wait?: false | number;
  echo?: boolean;
  /** A STUB require("Wifi") with these networks in range; absent (as on the Linux build) without it. */
  wifi?: true | { networks?: Array<{ ssid: string; password?: string; rssi?: number; channel?: number }>; ip?: string };
  /** Seconds the E.enableWatchdog(_, false) watchdog waits, instead of what the image asks. */
  watchdogSeconds?: number;
}

export function bootDevice(opts?: BootOptions): Promise<SimDevice>;
export function freePort(): Promise<number>;
export const IMAGE: string;
