// Benchmark (not a test): RAPI commands per second between the gateway's client and the emulated
// controller over a real pseudo-terminal, and the ESP32 image size. Run: npm run bench
//
// A pty does not pace bytes at the baud rate, so the measured rate is compared with the limit
// of a real 115200-baud 8N1 line (11,520 bytes/s) for the same bytes. With the emulator in 'real'
// timing its replies also take the few milliseconds the real controller takes to answer.
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { ControllerEmulator } from '../src/emulator/controller';
import { openPtyPair } from '../src/emulator/pty';
import { attachSerialPort } from '../src/emulator/cli';
import { nodeClock } from '../src/hal/node/clock';
import { openSerial } from '../src/hal/node/serial';
import { RapiClient } from '../src/core/rapi/client';

var LINE_BYTES_PER_S = 115200 / 10; // 8N1: 10 bits per byte

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

async function measure(timing: 'fast' | 'real', cmd: string, count: number) {
  const pair = await openPtyPair();
  let sink: ((b: string) => void) | null = null;
  const emu = new ControllerEmulator({ clock: nodeClock, timing, write: (b) => sink && sink(b) });
  const emuSide = await attachSerialPort(emu, (s) => (sink = s), pair.emulatorPath);
  const link = openSerial(pair.gatewayPath, () => undefined);
  let bytesOut = 0;
  let bytesIn = 0;
  const write = link.write;
  link.write = (d: string) => {
    bytesOut += d.length;
    write(d);
  };
  const onData = link.onData;
  link.onData = (cb) => onData((d: string) => ((bytesIn += d.length), cb(d)));
  const rapi = new RapiClient(link, nodeClock, () => undefined, { timeoutMs: 1000 });
  emu.powerOn();
  while (emu.snapshot().state !== 1) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 200)); // let the boot chatter pass
  bytesIn = bytesOut = 0;
  const latencies: number[] = [];
  let errors = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const s = process.hrtime.bigint();
    const err = await new Promise<string | null>((resolve) => rapi.send(cmd, (e) => resolve(e)));
    if (err) errors++;
    latencies.push(Number(process.hrtime.bigint() - s) / 1e6);
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  emu.powerOff();
  link.close();
  await emuSide.close();
  await pair.close();
  latencies.sort((a, b) => a - b);
  const bytesPerCmd = (bytesIn + bytesOut) / count;
  return {
    timing,
    cmd,
    count,
    errors,
    perSecond: count / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    bytesPerCmd,
    lineLimit: LINE_BYTES_PER_S / bytesPerCmd,
  };
}

async function main() {
  console.log('command: npm run bench   (node dist/node/bench-rapi.js)');
  console.log('RAPI over a pty against the emulator (one command in flight, sequence ids on):');
  console.log('timing  command    n     err  cmd/s    p50 ms  p99 ms  bytes/cmd  115200-baud limit cmd/s');
  for (const timing of ['fast', 'real'] as const) {
    for (const cmd of ['$GS', '$GG', '$SC 16 V']) {
      const r = await measure(timing, cmd, timing === 'fast' ? 2000 : 200);
      console.log(
        [r.timing.padEnd(6), r.cmd.padEnd(9), String(r.count).padEnd(5), String(r.errors).padEnd(4), r.perSecond.toFixed(0).padEnd(8), r.p50.toFixed(2).padEnd(7), r.p99.toFixed(2).padEnd(7), r.bytesPerCmd.toFixed(1).padEnd(10), r.lineLimit.toFixed(0)].join(' ')
      );
    }
  }
  const image = fs.readFileSync('dist/esp32/image.js');
  console.log('ESP32 image dist/esp32/image.js: ' + image.length + ' bytes (' + zlib.gzipSync(image).length + ' gzipped)');
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  }
);
