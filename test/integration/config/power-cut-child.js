// Child of power-cut.test.ts: saves the config again and again, cycling through known versions
// (A, B, C, A, ...), until the test kills it with SIGKILL (our stand-in for a power cut).
// argv: <dir of the transpiled store> <data dir> <storage: rename|erase|overlay> <[A,B,C] json> [naive]
'use strict';
var fs = require('fs');
var path = require('path');

var lib = process.argv[2];
var dir = process.argv[3];
var mode = process.argv[4];
var versions = JSON.parse(process.argv[5]);
var naive = process.argv[6] === 'naive';
var pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Storage that writes in place in 32-byte pieces, each followed by a short pause, like flash
 * being programmed page by page, then syncs. `erase`: the old file is emptied first, as
 * Espruino's Storage.write does (a cut leaves it partial); `overlay`: the new bytes go over the
 * old ones (a cut leaves a mix of both). Neither can rename.
 */
function inPlaceStorage(eraseFirst) {
  function file(name) {
    return path.join(dir, name);
  }
  return {
    read: function (name) {
      try {
        return fs.readFileSync(file(name), 'latin1');
      } catch (e) {
        if (e.code === 'ENOENT') return undefined;
        throw e;
      }
    },
    write: function (name, data) {
      var fd = fs.openSync(file(name), eraseFirst || !fs.existsSync(file(name)) ? 'w' : 'r+');
      try {
        var buf = Buffer.from(data, 'latin1');
        for (var off = 0; off < buf.length; off += 32) {
          fs.writeSync(fd, buf, off, Math.min(32, buf.length - off), off);
          Atomics.wait(pause, 0, 0, 0.3);
        }
        fs.ftruncateSync(fd, buf.length);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    },
    erase: function (name) {
      try {
        fs.unlinkSync(file(name));
      } catch (e) {
        if (e.code !== 'ENOENT') throw e;
      }
    },
  };
}

var storage = mode === 'rename' ? require(path.join(lib, 'hal/node/storage.js')).folderStorage(dir) : inPlaceStorage(mode === 'erase');

if (naive) {
  // The control: one file rewritten in place, no slots, no checksum.
  process.stdout.write('ready\n');
  for (var i = 0; ; i++) storage.write('naive.json', JSON.stringify(versions[i % versions.length]));
}

var ConfigStore = require(path.join(lib, 'core/config/store.js')).ConfigStore;
var store = new ConfigStore(storage, 'AABBCCDDEEFF');
process.stdout.write('ready ' + store.generation + '\n');
for (;;) {
  var current = 0;
  while (versions[current].mqtt_server !== store.get('mqtt_server')) current++;
  var res = store.update(versions[(current + 1) % versions.length]);
  if (!res.ok || !res.changed.length) {
    process.stderr.write('unexpected: ' + JSON.stringify(res) + '\n');
    process.exit(2);
  }
  // stdout to a pipe is synchronous on Linux, so this line is out before the next save starts
  process.stdout.write('saved ' + store.generation + '\n');
}
