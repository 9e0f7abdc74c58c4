// The OTA loader (.bootcde, src/core/ota/boot.js) run in a Node vm context with Espruino's
// Storage, E and load() stood in for (the real ones exist only on the interpreter), together with
// the image side (slots.ts) on the same files: trial boots, the healthy mark, the rollback.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { Storage } from '../../../src/hal/types';
import { markHealthy, readOtaState, OTA_STATE } from '../../../src/core/ota/slots';
import { switchTo, spareSlot } from '../../../src/core/ota/switch';

const LOADER = fs.readFileSync(path.join(__dirname, '../../../src/core/ota/boot.js'), 'utf8');

class Flash {
  files: { [name: string]: string } = {};
  writes = 0;
  /** Bytes of erased files, and of never written flash (Storage.getStats). */
  trash = 0;
  free = 600 * 1024;
  /** What a compaction does: false, it frees nothing (no RAM for its buffer, say). */
  compactFrees = true;
  /** compact() and load() calls in order. */
  events: string[] = [];
  /** The HAL view the image uses. */
  hal(): Storage {
    return {
      read: (n) => this.files[n],
      write: (n, d) => {
        this.writes++;
        this.files[n] = d;
      },
      erase: (n) => {
        delete this.files[n];
      },
    };
  }
  /** One power-on: runs the loader; returns what it loaded and how it set the watchdog. */
  boot(): { loaded: string | null; watchdog: any[] | null; log: string[] } {
    const out = { loaded: null as string | null, watchdog: null as any[] | null, log: [] as string[] };
    const files = this.files;
    const Storage = {
      read: (n: string) => files[n],
      readJSON: (n: string, _noExceptions: any) => {
        try {
          return JSON.parse(files[n]);
        } catch (e) {
          return undefined;
        }
      },
      write: (n: string, v: any) => {
        if (typeof v !== 'string') throw new Error('write takes a string here');
        this.writes++;
        files[n] = v;
      },
      getStats: () => ({ trashBytes: this.trash, freeBytes: this.free }),
      compact: () => {
        this.events.push('compact');
        if (!this.compactFrees) return;
        this.free += this.trash;
        this.trash = 0;
      },
    };
    const timers: string[] = [];
    const ctx: any = {
      require: (m: string) => {
        if (m !== 'Storage') throw new Error('module ' + m);
        return Storage;
      },
      E: { enableWatchdog: (...a: any[]) => (out.watchdog = a) },
      load: (f: string) => {
        if (out.loaded) throw new Error('load twice');
        this.events.push('load ' + f);
        out.loaded = f;
      },
      console: { log: (s: string) => out.log.push(s) },
      // Espruino runs a string given to setTimeout as code
      setTimeout: (code: string) => {
        if (typeof code !== 'string') throw new Error('a string timer here');
        timers.push(code);
      },
    };
    ctx.global = ctx;
    files['.bootcde'] = LOADER;
    vm.runInNewContext(LOADER, ctx);
    while (timers.length) vm.runInContext(timers.shift() as string, ctx);
    delete files['.bootcde'];
    return out;
  }
  state(): any {
    return JSON.parse(this.files[OTA_STATE]);
  }
}

describe('OTA loader', () => {
  test('no state file: boots app-a.js, watchdog kicked by the idle loop, writes nothing', () => {
    const f = new Flash();
    f.files['app-a.js'] = 'A';
    const b = f.boot();
    expect(b.loaded).toBe('app-a.js');
    expect(b.watchdog).toEqual([30, true]);
    expect(f.writes).toBe(0);
  });

  test('a new image that marks itself healthy on its first boot stays', () => {
    const f = new Flash();
    f.files['app-a.js'] = 'A';
    f.files['app-b.js'] = 'B';
    const st = f.hal();
    expect(spareSlot(readOtaState(st))).toBe('app-b.js');
    switchTo(st, 'app-b.js');
    const b = f.boot();
    expect(b.loaded).toBe('app-b.js');
    // on trial the image must kick the watchdog itself
    expect(b.watchdog).toEqual([30, false]);
    expect(markHealthy(st)).toBe(true);
    expect(f.state()).toEqual({ cur: 'app-b.js', prev: 'app-a.js' });
    for (let i = 0; i < 5; i++) {
      const again = f.boot();
      expect(again.loaded).toBe('app-b.js');
      expect(again.watchdog).toEqual([30, true]);
    }
    // healthy again: no flash write
    const writes = f.writes;
    expect(markHealthy(st)).toBe(false);
    expect(f.writes).toBe(writes);
    // the next update goes to the other slot, the one now unused
    expect(spareSlot(readOtaState(st))).toBe('app-a.js');
  });

  test('a new image that never becomes healthy: three trial boots, then back to the previous one', () => {
    const f = new Flash();
    f.files['app-a.js'] = 'A';
    f.files['app-b.js'] = 'B';
    switchTo(f.hal(), 'app-b.js');
    const seen: string[] = [];
    for (let i = 0; i < 5; i++) seen.push(f.boot().loaded as string);
    expect(seen).toEqual(['app-b.js', 'app-b.js', 'app-b.js', 'app-a.js', 'app-a.js']);
    expect(f.state()).toEqual({ cur: 'app-a.js', failed: 'app-b.js' });
    expect(f.boot().watchdog).toEqual([30, true]);
    // the failed image's slot is the one the next update overwrites
    expect(spareSlot(readOtaState(f.hal()))).toBe('app-b.js');
  });

  test('a trial image whose file is gone: straight back', () => {
    const f = new Flash();
    f.files['app-a.js'] = 'A';
    f.files[OTA_STATE] = JSON.stringify({ cur: 'app-b.js', prev: 'app-a.js', trial: 1 });
    expect(f.boot().loaded).toBe('app-a.js');
  });

  test('nothing to go back to: keeps trying the new image rather than booting nothing', () => {
    const f = new Flash();
    f.files['app-b.js'] = 'B';
    f.files[OTA_STATE] = JSON.stringify({ cur: 'app-b.js', prev: 'app-a.js', trial: 7 });
    expect(f.boot().loaded).toBe('app-b.js');
  });

  test('no image at all: no load() (which would boot .bootcde again and loop)', () => {
    const f = new Flash();
    const b = f.boot();
    expect(b.loaded).toBe(null);
    expect(b.log.join()).toMatch(/no image app-a.js/);
  });

  test('a broken state file counts as none', () => {
    const f = new Flash();
    f.files['app-a.js'] = 'A';
    f.files[OTA_STATE] = '{broken';
    expect(f.boot().loaded).toBe('app-a.js');
    expect(readOtaState(f.hal())).toEqual({ cur: 'app-a.js' });
  });

  describe('trash (erased files) in Storage', () => {
    test('too little free space for an update: compacts before any image runs, then boots it', () => {
      const f = new Flash();
      f.files['app-a.js'] = 'A';
      f.trash = 300 * 1024;
      f.free = 400 * 1024;
      expect(f.boot().loaded).toBe('app-a.js');
      expect(f.events).toEqual(['compact', 'load app-a.js']);
      expect(f.free).toBe(700 * 1024);
    });

    test('room for an update: no compaction (flash wear), trash or not', () => {
      const f = new Flash();
      f.files['app-a.js'] = 'A';
      f.trash = 100 * 1024;
      f.free = 500 * 1024;
      expect(f.boot().loaded).toBe('app-a.js');
      f.free = 100 * 1024;
      f.trash = 0;
      f.boot();
      expect(f.events).toEqual(['load app-a.js', 'load app-a.js']);
    });

    test('a compaction that frees nothing is not tried again in a loop: the image boots', () => {
      const f = new Flash();
      f.files['app-a.js'] = 'A';
      f.trash = 300 * 1024;
      f.free = 100 * 1024;
      f.compactFrees = false;
      expect(f.boot().loaded).toBe('app-a.js');
      expect(f.events).toEqual(['compact', 'load app-a.js']);
    });

    test('a boot that compacts counts once for an image on trial', () => {
      const f = new Flash();
      f.files['app-a.js'] = 'A';
      f.files['app-b.js'] = 'B';
      switchTo(f.hal(), 'app-b.js');
      f.trash = 300 * 1024;
      f.free = 100 * 1024;
      expect(f.boot().loaded).toBe('app-b.js');
      expect(f.state()).toEqual({ cur: 'app-b.js', prev: 'app-a.js', trial: 2 });
    });
  });
});
