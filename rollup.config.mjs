// Two outputs from one code base:
//  - dist/node/*.js: the gateway and the emulator for Node.js (ES2019, CommonJS);
//  - dist/esp32/image.js: one ES5 file for the Espruino interpreter, minified with terser.
// The ES5 settings are the ones ref/espruino.md found to work; scripts/check-image.js guards them.
import typescript from '@rollup/plugin-typescript';
import terser from '@rollup/plugin-terser';
import path from 'node:path';

const nodeBuiltins = (id) => id.startsWith('node:') || ['serialport', 'fs', 'path', 'http', 'net', 'child_process', 'os'].includes(id);

const espruinoTslib = {
  name: 'espruino-tslib',
  resolveId(id) {
    return id === 'tslib' ? path.resolve('src/hal/espruino/tslib.ts') : null;
  },
};

const configs = [
  {
    input: { main: 'src/main/node.ts', emulator: 'src/emulator/cli.ts' },
    output: { dir: 'dist/node', format: 'cjs', sourcemap: true, chunkFileNames: '[name].js' },
    external: nodeBuiltins,
    plugins: [typescript({ compilerOptions: { target: 'ES2019', sourceMap: true, noEmit: false, outDir: 'dist/node' }, include: ['src/**/*.ts'] })],
  },
  {
    input: 'src/main/espruino.ts',
    output: { file: 'dist/esp32/image.js', format: 'iife', strict: false },
    plugins: [
      espruinoTslib,
      typescript({
        compilerOptions: {
          target: 'ES5',
          lib: ['ES5', 'ES2015.Promise'],
          importHelpers: true,
          downlevelIteration: false,
          noEmit: false,
          outDir: 'dist/esp32',
          types: [],
        },
        include: ['src/**/*.ts'],
        exclude: ['src/main/node.ts', 'src/hal/node/**', 'src/emulator/**'],
      }),
      terser({
        ecma: 5,
        toplevel: true,
        compress: { passes: 2, hoist_funs: false, reduce_funcs: false, arrows: false, unsafe_arrows: false },
        mangle: true,
        format: { comments: false },
      }),
    ],
  },
];

// BUILD=node or BUILD=esp32 builds one of the two.
export default configs.filter((c, i) => !process.env.BUILD || process.env.BUILD === (i === 0 ? 'node' : 'esp32'));
