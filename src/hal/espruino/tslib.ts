// The TypeScript helpers the ESP32 image may use, written for the Espruino interpreter
// (rollup maps `tslib` here). A helper that is missing from this file fails the build, which is
// the point: tslib's own versions rely on hoisting and Array.prototype.slice, which Espruino lacks.

export var __assign =
  (Object as any).assign ||
  function (target: any) {
    for (var i = 1; i < arguments.length; i++) {
      var src = arguments[i];
      for (var k in src) if (Object.prototype.hasOwnProperty.call(src, k)) target[k] = src[k];
    }
    return target;
  };
