// A connected pair of pseudo-terminals, made by socat: whatever is written on one side is read on
// the other. The emulator opens one side; any serial client (the gateway, minicom...) the other.

import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface PtyPair {
  /** For the serial client, e.g. /tmp/openevse-pty-XXXX/gw (a symlink to /dev/pts/N). */
  gatewayPath: string;
  /** For the emulator. */
  emulatorPath: string;
  /** Stops socat and removes the links. */
  close(): Promise<void>;
}

const READY_TIMEOUT_MS = 5000;

export function openPtyPair(): Promise<PtyPair> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openevse-pty-'));
  const gatewayPath = path.join(dir, 'gw');
  const emulatorPath = path.join(dir, 'emu');
  const child = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${gatewayPath}`, `pty,raw,echo=0,link=${emulatorPath}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let exited = false;
  const exit = new Promise<void>((resolve) => child.on('exit', () => ((exited = true), resolve())));
  const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });

  return new Promise<PtyPair>((resolve, reject) => {
    let stderr = '';
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!exited) child.kill();
      cleanup();
      reject(err);
    };
    const timer = setTimeout(() => fail(new Error('socat did not create the pty pair: ' + stderr.trim())), READY_TIMEOUT_MS);

    child.on('error', (err: NodeJS.ErrnoException) => {
      fail(err.code === 'ENOENT' ? new Error('socat is not installed (needed for --pty): apt-get install -y socat') : err);
    });
    child.on('exit', (code) => fail(new Error('socat exited (' + code + '): ' + stderr.trim())));
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      // socat logs "starting data transfer loop" once both ptys exist and are linked.
      if (settled || !/starting data transfer loop/.test(stderr)) return;
      if (!fs.existsSync(gatewayPath) || !fs.existsSync(emulatorPath)) return;
      settled = true;
      clearTimeout(timer);
      resolve({
        gatewayPath,
        emulatorPath,
        close() {
          if (!exited) child.kill();
          return exit.then(cleanup);
        },
      });
    });
  });
}
