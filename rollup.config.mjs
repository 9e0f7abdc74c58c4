// Two outputs from one code base:
//  - dist/node/*.js: the gateway and the emulator for Node.js (ES2019, CommonJS);
//  - dist/esp32/image.js: one ES5 file for the Espruino interpreter, minified with terser.
// The ES5 settings are the ones ref/espruino.md found to work; scripts/check-image.js guards them.
import typescript from '@rollup/plugin-typescript';
import terser from '@rollup/plugin-terser';
import path from 'node:path';
import fs from 'node:fs';
import zlib from 'node:zlib';
import otaImage from './scripts/ota-image.js';
import { lazyFeatures } from './scripts/rollup-lazy.mjs';
import resident from './scripts/rollup-resident.js';
import unwrap from './scripts/unwrap-classes.js';
import imageVarsPlugin from './scripts/image-vars.js';
import shortProps from './scripts/short-props.js';

const { imageFile, pageFile } = otaImage;
const { unwrapClasses } = unwrap;
const { imageVars, RESERVED } = imageVarsPlugin;
const { residentFeatures, residentOffsets } = resident;

const nodeBuiltins = (id) => id.startsWith('node:') || ['serialport', 'fs', 'path', 'http', 'net', 'child_process', 'os'].includes(id);

// A type error is a build error, not a warning scrolling past.
function failOnTypeErrors(warning, warn) {
  if (warning.plugin === 'typescript') throw new Error(warning.message);
  warn(warning);
}

const espruinoTslib = {
  name: 'espruino-tslib',
  resolveId(id) {
    return id === 'tslib' ? path.resolve('src/hal/espruino/tslib.ts') : null;
  },
};

// Next to image.js: image.bin, the file /update takes (its header line carries the length and the
// SHA-256 the device checks), and boot.js, the OTA loader the flash procedure stores as .bootcde.
const otaFiles = {
  name: 'ota-files',
  writeBundle(opts) {
    const dir = path.dirname(opts.file);
    fs.writeFileSync(path.join(dir, 'image.bin'), imageFile(fs.readFileSync(opts.file)));
    fs.copyFileSync('src/core/ota/boot.js', path.join(dir, 'boot.js'));
  },
};

// The image's optional features, each defined only when the device turns it on (`lazy:` imports in
// src/main/espruino.ts, scripts/rollup-lazy.mjs): the modules below belong to a feature's factory;
// everything else under src/ is shared with the image.
const featureOwned = ['src/services/', 'src/planning.ts', 'src/core/divert/', 'src/core/schedule/', 'src/core/evse/energy-meter.ts', 'src/core/evse/event-log.ts'];
// the handlers of src/http/routes.ts and what only they use (the rest of src/http/ is the image's)
const routeOwned = ['system', 'forms', 'schedule', 'limit', 'logs', 'modes', 'history', 'time', 'tesla', 'update', 'route-util']
  .map((f) => 'src/http/' + f + '.ts')
  .concat(['src/core/ota/image.ts', 'src/core/ota/multipart.ts', 'src/core/ota/switch.ts', 'src/core/evse/event-log-read.ts']);
const lazy = lazyFeatures({
  own: (file) => featureOwned.concat(routeOwned).some((p) => (p.endsWith('/') ? file.startsWith(path.resolve(p) + path.sep) : file === path.resolve(p))),
  tslibPath: path.resolve('src/hal/espruino/tslib.ts'),
  residentLoader: path.resolve('src/hal/espruino/resident.ts'),
});

const configs = [
  {
    input: { main: 'src/main/node.ts', emulator: 'src/main/emulator.ts', 'bench-rapi': 'scripts/bench-rapi.ts', 'bench-http': 'scripts/bench-http.ts', 'bench-mqtt-divert': 'scripts/bench-mqtt-divert.ts', 'divert-sim': 'scripts/divert-sim.ts', 'divert-report': 'scripts/divert-report.ts' },
    output: { dir: 'dist/node', format: 'cjs', sourcemap: true, chunkFileNames: 'chunk-[name].js' },
    external: nodeBuiltins,
    plugins: [typescript({ tsconfig: 'tsconfig.node.json' })],
    onwarn: failOnTypeErrors,
  },
  {
    input: 'src/main/espruino.ts',
    onwarn: failOnTypeErrors,
    // no wrapper function: top-level code (scripts/image-vars.js says why)
    output: { file: 'dist/esp32/image.js', format: 'es', strict: false },
    plugins: [
      espruinoTslib,
      lazy,
      typescript({ tsconfig: 'tsconfig.esp32.json' }),
      // (before terser: it reads TypeScript's class wrappers as they are)
      unwrapClasses(),
      terser({
        ecma: 5,
        toplevel: true,
        // inline: 1 — deeper inlining moved an assignment above its `var` (a global on Espruino: no hoisting)
        compress: { passes: 2, hoist_funs: false, reduce_funcs: false, inline: 1, arrows: false, unsafe_arrows: false },
        // (and our own long property names: scripts/short-props.js)
        mangle: { reserved: RESERVED, properties: shortProps.shortPropsOption(path.resolve('.')) },
        // Short lines: Espruino prints the text of the line, and a marker line under it, with every
        // uncaught error, so one 150 KB line turned each error report into 300 KB of console.
        // ASCII only: the flash and OTA paths write the image byte for byte, and the interpreter's
        // console would read a UTF-8 character as two.
        format: { comments: false, ascii_only: true, max_line_len: 120 },
      }),
      // (after terser, which has put the feature's constants where they are used: as globals they
      // would be strings in RAM)
      residentFeatures(),
      imageVars(),
      // (last: it writes in where the text it counts ends up)
      residentOffsets(),
      otaFiles,
    ],
  },
];

// The web UI (web/): one page with the CSS and the script inlined (one request), gzipped. The gateway
// serves dist/web/index.html.gz as it is, with Content-Encoding: gzip (src/http/static.ts).
const preactFiles = {
  preact: 'node_modules/preact/dist/preact.module.js',
  'preact/hooks': 'node_modules/preact/hooks/dist/hooks.module.js',
};
const webPage = {
  name: 'web-page',
  resolveId(id) {
    return preactFiles[id] ? path.resolve(preactFiles[id]) : null;
  },
  generateBundle(_opts, bundle) {
    const js = bundle['app.js'].code.replace(/<\/script/gi, '<\\/script');
    delete bundle['app.js'];
    const css = fs
      .readFileSync('web/style.css', 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/\s+/g, ' ')
      .replace(/\s*([{};:,>])\s*/g, '$1')
      .trim();
    const html = fs
      .readFileSync('web/index.html', 'utf8')
      .replace(/\n/g, '')
      .replace('/*CSS*/', () => css)
      .replace('/*JS*/', () => js);
    const gz = zlib.gzipSync(html, { level: 9 });
    this.emitFile({ type: 'asset', fileName: 'index.html', source: html });
    this.emitFile({ type: 'asset', fileName: 'index.html.gz', source: gz });
    // beside image.bin, so that `npm run ota` finds both updates in one folder
    fs.mkdirSync('dist/esp32', { recursive: true });
    fs.writeFileSync('dist/esp32/web.bin', pageFile(gz));
    // A page sent by /update to a Node gateway switched it to index-b.html.gz (src/http/static.ts);
    // a build means its own page is wanted.
    for (const f of ['web.cur', 'index-b.html.gz']) fs.rmSync(path.join('dist/web', f), { force: true });
    // everything the browser fetches on first load is this one file
    console.log('web UI: dist/web/index.html.gz ' + (gz.length / 1024).toFixed(1) + ' KB gzipped (' + (html.length / 1024).toFixed(1) + ' KB raw), the whole first load');
  },
};
configs.push({
  input: { app: 'web/main.tsx' },
  output: { dir: 'dist/web', format: 'iife' },
  onwarn: failOnTypeErrors,
  plugins: [
    webPage,
    typescript({ tsconfig: 'web/tsconfig.json', include: ['web/**/*.ts', 'web/**/*.tsx'], outDir: 'dist/web', noEmitOnError: false }),
    terser({ ecma: 2019, compress: { passes: 2 }, mangle: true, format: { comments: false } }),
  ],
});

// BUILD=node, BUILD=esp32 or BUILD=web builds one of the three.
const names = ['node', 'esp32', 'web'];
export default configs.filter((c, i) => !process.env.BUILD || process.env.BUILD === names[i]);
