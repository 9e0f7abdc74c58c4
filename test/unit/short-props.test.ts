// scripts/short-props.js, which long property names the minifier may shorten in the device image:
// a long name our own classes declare, unless a string, the web UI, the Espruino boundary or the
// OTA loader can see it. Checked on a made-up checkout, then on the real one and its built image.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { shortenable } = require('../../scripts/short-props.js');

function checkout(files: { [name: string]: string }): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'short-props-'));
  for (const name of Object.keys(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), files[name]);
  }
  return root;
}

test('our long class members are shortened, unless something outside the image can see them', () => {
  const root = checkout({
    'src/core/thing.ts': `
      export class Thing {
        statusFields() { return 1; }
        private lockedUntil = 0;
        short = 1;
        algorithmName = 'x';
        lookedUpByName() { return 2; }
        sentToEspruino() {}
        constructor(public gatewayRef: any, private internalClock: any) {}
      }
      export function find(t: any) { return t['lookedUpByName'](); }`,
    'src/hal/espruino/wifi.ts': 'export function up(w: any) { w.sentToEspruino(); }',
    'src/core/ota/boot.js': 'var s = {};',
    'src/emulator/sim.ts': 'export class Sim { emulatorOnlyMember() {} }',
    'web/settings.tsx': 'export const f = (c: any) => c.algorithmName;',
  });
  expect(shortenable(root)).toEqual(['gatewayRef', 'internalClock', 'lockedUntil', 'statusFields']);
});

test('the real image: the names chosen are gone from it, the names the UI reads are still there', () => {
  const root = path.resolve(__dirname, '../..');
  const names: string[] = shortenable(root);
  expect(names).toContain('statusFields');
  // keys of the JSON the UI reads, and Espruino's Wifi method the HAL calls
  for (const kept of ['algorithm', 'countdown', 'setHostname']) expect(names).not.toContain(kept);
  const image = fs.readFileSync(path.join(root, 'dist/esp32/image.js'), 'latin1');
  // (`npm test` builds first) a shortened name is left nowhere as a property
  for (const n of names) expect({ n, left: new RegExp('[.]' + n + '\\b').test(image) }).toEqual({ n, left: false });
  expect(image).toMatch(/[.]setHostname\b/);
});
