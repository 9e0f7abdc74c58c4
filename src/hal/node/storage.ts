// Storage in a folder. A write goes to a temporary file that is flushed to disk and then renamed
// over the old one, so a power cut leaves the old or the new version, never a broken one.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Storage } from '../types';

export function folderStorage(dir: string): Storage {
  fs.mkdirSync(dir, { recursive: true });
  function file(name: string): string {
    if (!/^[A-Za-z0-9_.-]+$/.test(name) || name.charAt(0) === '.') throw new Error('bad storage name: ' + name);
    return path.join(dir, name);
  }
  return {
    read: function (name) {
      try {
        return fs.readFileSync(file(name), 'latin1');
      } catch (e: any) {
        if (e.code === 'ENOENT') return undefined;
        throw e;
      }
    },
    write: function (name, data, offset, total) {
      var target = file(name);
      if (offset !== undefined) {
        // A file written in pieces (an update): in place, checked by its reader before use.
        var pfd = fs.openSync(target, offset === 0 ? 'w' : 'r+');
        try {
          fs.writeSync(pfd, Buffer.from(data, 'latin1'), 0, data.length, offset);
          if (total !== undefined && offset + data.length >= total) fs.fsyncSync(pfd);
        } finally {
          fs.closeSync(pfd);
        }
        return;
      }
      var tmp = target + '.tmp';
      var fd = fs.openSync(tmp, 'w');
      try {
        fs.writeSync(fd, Buffer.from(data, 'latin1'));
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, target);
      // the rename itself must reach the disk too
      var dfd = fs.openSync(dir, 'r');
      try {
        fs.fsyncSync(dfd);
      } finally {
        fs.closeSync(dfd);
      }
    },
    erase: function (name) {
      try {
        fs.unlinkSync(file(name));
      } catch (e: any) {
        if (e.code !== 'ENOENT') throw e;
      }
    },
  };
}
