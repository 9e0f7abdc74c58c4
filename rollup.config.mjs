// Two outputs from one code base:
//  - dist/node/*.js: the gateway and the emulator for Node.js (ES2019, CommonJS);
//  - dist/esp32/image.js: one ES5 file for the Espruino interpreter, minified with terser.
// The ES5 settings are the ones ref/espruino.md found to work; scripts/check-image.js guards them.
import typescript from '@rollup/plugin-typescript';
import terser from '@rollup/plugin-terser';
import path from 'node:path';

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

const configs = [
  {
    input: { main: 'src/main/node.ts', emulator: 'src/main/emulator.ts', 'bench-rapi': 'scripts/bench-rapi.ts', 'bench-http': 'scripts/bench-http.ts' },
    output: { dir: 'dist/node', format: 'cjs', sourcemap: true, chunkFileNames: 'chunk-[name].js' },
    external: nodeBuiltins,
    plugins: [typescript({ tsconfig: 'tsconfig.node.json' })],
    onwarn: failOnTypeErrors,
  },
  {
    input: 'src/main/espruino.ts',
    onwarn: failOnTypeErrors,
    output: { file: 'dist/esp32/image.js', format: 'iife', strict: false },
    plugins: [
      espruinoTslib,
      typescript({ tsconfig: 'tsconfig.esp32.json' }),
      terser({
        ecma: 5,
        toplevel: true,
        // inline: 1 — deeper inlining moved an assignment above its `var` (a global on Espruino: no hoisting)
        compress: { passes: 2, hoist_funs: false, reduce_funcs: false, inline: 1, arrows: false, unsafe_arrows: false },
        mangle: true,
        format: { comments: false },
      }),
    ],
  },
];

// BUILD=node or BUILD=esp32 builds one of the two.
export default configs.filter((c, i) => !process.env.BUILD || process.env.BUILD === (i === 0 ? 'node' : 'esp32'));
