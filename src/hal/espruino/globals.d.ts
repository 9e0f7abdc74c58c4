// The few Espruino globals the ESP32 HAL uses (the interpreter's API, see ref/espruino.md §3).
declare function require(name: string): any;
declare var E: any;
declare var global: any;
declare function atob(s: string): string;
declare function btoa(s: string): string;

/** A feature of the image defined on first call (scripts/rollup-lazy.mjs): returns the module's exports. */
declare module 'lazy:*' {
  var load: () => any;
  export default load;
}
/** The same for a feature that stays once built, its code run at the top level (scripts/rollup-resident.js). */
declare module 'resident:*' {
  var load: () => any;
  export default load;
}
