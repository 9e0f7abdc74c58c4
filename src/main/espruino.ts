// The ESP32 image's entry point. The board comes from Storage `board.json` (the flash script
// writes it) or, for test harnesses, from a global `OPENEVSE_BOARD` set before the image runs.
import { espruinoHal, flashView, Board } from '../hal/espruino/hal';
import { Gateway } from '../app';
import { SCHEMA, useSchemaText } from '../core/config/schema';

var DEFAULT_BOARD: Board = { name: 'openevse_wifi_v1', rapi_serial: 'Serial2', rapi_tx: 'D17', rapi_rx: 'D16', http_port: 80 };
/** How often the console gets a memory line (the first one 10 s after boot). */
var MEMORY_LOG_MS = 3600000;

// The settings table read from flash rather than its RAM copy: 195 JsVars (core/config/schema.ts).
useSchemaText(flashView(SCHEMA));

var board: Board = global.OPENEVSE_BOARD || require('Storage').readJSON('board.json', true) || DEFAULT_BOARD;
var gateway = new Gateway(espruinoHal(board), { httpPort: board.http_port });
gateway.start();

var logMemory = function () {
  var m = (global as any).process.memory();
  console.log('memory: ' + m.usage + '/' + m.total + ' vars used');
};
setTimeout(logMemory, 10000);
setInterval(logMemory, MEMORY_LOG_MS);
