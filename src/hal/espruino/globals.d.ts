// The few Espruino globals the ESP32 HAL uses (the interpreter's API, see ref/espruino.md §3).
declare function require(name: string): any;
declare var E: any;
declare var global: any;
declare function atob(s: string): string;
declare function btoa(s: string): string;
