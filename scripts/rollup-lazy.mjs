// Lazy features for the ESP32 image: `import loadMqtt from 'lazy:../services/mqtt/service'` gives a
// function that, when called, defines that module (and the modules only it needs) and returns its
// exports. Until then the feature costs the image one function object, not the ~6 JsVars of every
// function and method it defines: a class's methods exist from the moment its definition runs,
// whether or not anything is ever built from it (measured: the MQTT, emoncms, OhmConnect and planning
// classes cost ~1,850 vars when merely included). The code itself stays in flash either way.
//
// How: the feature is bundled on its own as an IIFE, wrapped in the factory function. Every module
// under src/ that is not the feature's own (see `own`) stays external and is handed in from the
// image, so state such as the config table or the claims arbiter is never duplicated.
import { rollup } from 'rollup';
import ts from 'typescript';
import path from 'node:path';
import fs from 'node:fs';

const PREFIX = 'lazy:';
/**
 * Where the features' bodies are kept (see `banner`): a property of `global`, which the minifier
 * leaves alone (a top-level variable it would rename, or split into one variable per body, each a
 * global with a one-letter name that could take the place of an interpreter global such as `E`).
 */
const HOLDER = 'global.__lazy';

/** The .ts file an import names, or null for anything else. */
function resolveTs(id, importer) {
  if (!importer || !(id.startsWith('.') || path.isAbsolute(id))) return null;
  const base = path.resolve(path.dirname(importer), id);
  for (const f of [base, base + '.ts', path.join(base, 'index.ts')]) if (fs.existsSync(f) && fs.statSync(f).isFile()) return f;
  return null;
}

/**
 * `own(file, entry)` says whether a module belongs in the feature's factory (true) or is taken
 * from the image (false). `tslibPath` replaces tslib, as in the image.
 */
export function lazyFeatures({ own, tslibPath }) {
  const factories = new Map(); // key → { file, text: the body's function }
  return {
    name: 'lazy-features',
    buildStart() {
      factories.clear();
    },
    resolveId(id, importer) {
      if (!id.startsWith(PREFIX)) return null;
      const file = resolveTs(id.slice(PREFIX.length), importer);
      if (!file) this.error('lazy import not found: ' + id);
      return '\0' + PREFIX + file;
    },
    async load(id) {
      if (!id.startsWith('\0' + PREFIX)) return null;
      const entry = id.slice(1 + PREFIX.length);
      const externals = new Map(); // file → parameter name
      const bundle = await rollup({
        input: entry,
        makeAbsoluteExternalsRelative: false,
        onwarn: (w, warn) => (w.code === 'CIRCULAR_DEPENDENCY' ? undefined : warn(w)),
        plugins: [
          {
            name: 'lazy-resolve',
            resolveId(source, importer) {
              if (source === 'tslib') return tslibPath;
              const file = resolveTs(source, importer);
              if (!file) return null;
              if (file === entry || own(file, entry)) return file;
              if (!externals.has(file)) externals.set(file, '__x' + externals.size);
              return { id: file, external: true };
            },
          },
          {
            name: 'lazy-ts',
            transform(code, file) {
              if (!file.endsWith('.ts')) return null;
              this.addWatchFile(file);
              const out = ts.transpileModule(code, {
                fileName: file,
                compilerOptions: { target: ts.ScriptTarget.ES5, module: ts.ModuleKind.ESNext, importHelpers: true, useDefineForClassFields: false },
              });
              return { code: out.outputText, map: null };
            },
          },
        ],
      });
      const globals = {};
      for (const [file, name] of externals) globals[file] = name;
      const { output } = await bundle.generate({ format: 'iife', name: '__feature', globals, strict: false, exports: 'named' });
      await bundle.close();
      const chunk = output[0];
      // Each binding the feature uses is handed in as a parameter of its own, `__x0_1` for the
      // second name taken from the first external module: the function made for the feature keeps
      // its parameters for as long as the feature lives, and a parameter costs one JsVar, where an
      // object of the bindings cost the object and a property per binding (29 JsVars fewer with
      // every feature on, measured on the interpreter).
      let imports = '';
      const bound = new Map(); // external's parameter name → its bindings' parameter names
      for (const [file, name] of externals) {
        const names = chunk.importedBindings[file] || [];
        if (names.indexOf('*') >= 0 || names.indexOf('default') >= 0) this.error('lazy feature ' + entry + ': use named imports from ' + file);
        imports += 'import { ' + names.map((n, i) => n + ' as ' + name + '_' + i).join(', ') + " } from '" + file + "';\n";
        bound.set(name, { names, params: names.map((n, i) => name + '_' + i) });
      }
      // The feature's body becomes a function made at the top level, before the image's own
      // wrapper (see banner()): the functions made inside it then have one scope above them. Made
      // three or four functions deep, each carried a copy of that scope chain: ~3 JsVars more per
      // function on Espruino (planning 955 → 745).
      const m = /^var __feature = \(function \(([^)]*)\) \{\n([\s\S]*)\n\}\)\(([^)]*)\);\s*$/.exec(chunk.code);
      if (!m) this.error('lazy feature ' + entry + ': unexpected bundle shape');
      // (rollup names the parameters after the modules, `text_ts`, and passes the externals `__x0`)
      const params = m[1].split(', ');
      const args = m[3].split(', ');
      let body = m[2];
      for (let k = 0; k < params.length; k++) {
        const b = bound.get(args[k]);
        if (!b) continue;
        const param = '\\b' + params[k].replace(/\$/g, '\\$');
        body = body.replace(new RegExp(param + '\\.([A-Za-z_$][\\w$]*)', 'g'), (all, binding) => {
          const i = b.names.indexOf(binding);
          if (i < 0) this.error('lazy feature ' + entry + ': ' + all + ' is not an imported binding');
          return b.params[i];
        });
        if (new RegExp(param + '\\b').test(body)) this.error('lazy feature ' + entry + ': ' + params[k] + ' is used other than through its bindings');
      }
      const flat = (list) => list.map((p, k) => (bound.has(args[k]) ? bound.get(args[k]).params : [p])).reduce((x, y) => x.concat(y), []).join(', ');
      // a short key (a long property name costs JsVars on the device), the same for the same file
      const rel = path.relative(path.resolve('src'), entry);
      let h = 0;
      for (let i = 0; i < rel.length; i++) h = (h * 31 + rel.charCodeAt(i)) % 46656;
      const key = 'f' + h.toString(36);
      if (factories.has(key) && factories.get(key).file !== rel) this.error('lazy features ' + rel + ' and ' + factories.get(key).file + ' share the key ' + key);
      factories.set(key, { file: rel, text: '// ' + rel + '\n' + HOLDER + '.' + key + ' = function (' + flat(params) + ') {\n' + body + '\n};\n' });
      return imports + 'export default function () {\n  return ' + HOLDER + '.' + key + '(' + flat(args) + ');\n}\n';
    },
    banner() {
      // sorted: the same image from the same sources, whatever order the features loaded in
      const keys = Array.from(factories.keys()).sort();
      return keys.length ? HOLDER + ' = {};\n' + keys.map((k) => factories.get(k).text).join('') : '';
    },
  };
}
