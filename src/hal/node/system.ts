// The Node host as a "device": an id kept in the data folder, restart by re-executing itself.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Storage, System } from '../types';

export function nodeSystem(storage: Storage): System {
  var id = storage.read('device-id');
  if (!id || !/^[0-9A-F]+$/.test(id)) {
    id = randomBytes(6).toString('hex').toUpperCase();
    storage.write('device-id', id);
  }
  var deviceId = id;
  return {
    id: function () {
      return deviceId;
    },
    restart: function () {
      // A new process with the same arguments takes over; this one leaves once it has started.
      var child = spawn(process.argv[0], process.argv.slice(1), { detached: true, stdio: 'inherit' });
      child.unref();
      setTimeout(function () {
        process.exit(0);
      }, 200);
    },
    freeMemory: function () {
      var m = process.memoryUsage();
      return m.heapTotal - m.heapUsed;
    },
  };
}
