// The update file: one header line, then the image (format: src/core/ota/image.ts).
//   OEVSE1 <length in bytes> <sha256 hex>\n<image bytes>
// Used by the build (rollup.config.mjs writes dist/esp32/image.bin) and by tests that make images.
'use strict';
const crypto = require('node:crypto');

/** `image` (a Buffer or a string, taken as UTF-8) → the .bin Buffer. */
function imageFile(image) {
  const body = Buffer.isBuffer(image) ? image : Buffer.from(image, 'utf8');
  const sha = crypto.createHash('sha256').update(body).digest('hex');
  return Buffer.concat([Buffer.from('OEVSE1 ' + body.length + ' ' + sha + '\n', 'latin1'), body]);
}

module.exports = { imageFile };
