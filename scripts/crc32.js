// CRC-32 (IEEE, as Espruino's E.CRC32): the flash script checks each file it wrote with it, and
// the Espruino simulator (test/espruino-sim) answers E.CRC32 with it.
'use strict';

let table = null;

/** The CRC-32 of a Buffer or byte array, as an unsigned integer. */
function crc32(buf) {
  if (!table) {
    table = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c;
    }
  }
  let c = -1;
  for (let i = 0; i < buf.length; i++) c = table[(c ^ buf[i]) & 255] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

module.exports = { crc32 };
