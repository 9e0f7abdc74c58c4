// The update files: one header line, then the image or the gzipped web page (format: src/core/ota/image.ts).
//   OEVSE1 <length in bytes> <sha256 hex>\n<image bytes>
//   OEVSE-WEB1 <length in bytes> <sha256 hex>\n<index.html.gz bytes>
// Used by the build (rollup.config.mjs writes dist/esp32/image.bin and web.bin) and by tests.
'use strict';
const crypto = require('node:crypto');

/** `image` (a Buffer or a string, taken as UTF-8) → the .bin Buffer. */
function imageFile(image, tag) {
  const body = Buffer.isBuffer(image) ? image : Buffer.from(image, 'utf8');
  const sha = crypto.createHash('sha256').update(body).digest('hex');
  return Buffer.concat([Buffer.from((tag || 'OEVSE1') + ' ' + body.length + ' ' + sha + '\n', 'latin1'), body]);
}

/** The gzipped web page (dist/web/index.html.gz) → web.bin. */
function pageFile(gz) {
  return imageFile(gz, 'OEVSE-WEB1');
}

module.exports = { imageFile, pageFile };
