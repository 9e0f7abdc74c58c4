// Globals of the Espruino interpreter that the ESP32 build needs (it has no Node or DOM types).
// Only the ESP32 build sees this file (tsconfig.json excludes it), so it cannot clash with Node's.
declare function setTimeout(fn: () => void, ms: number): any;
declare function clearTimeout(handle: any): void;
declare function setInterval(fn: () => void, ms: number): any;
declare function clearInterval(handle: any): void;
declare var console: { log(...args: any[]): void };
