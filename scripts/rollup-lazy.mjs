// Lazy features for the ESP32 image: `import loadMqtt from 'lazy:../services/mqtt/service'` gives a
// function that, when called, defines that module (and the modules only it needs) and returns its
// exports. Until then the feature costs the image one function object, not the ~6 JsVars of every
// function and method it defines: a class's methods exist from the moment its definition runs,
// whether or not anything is ever built from it (measured: the MQTT, emoncms, OhmConnect and planning
// classes cost ~1,850 vars when merely included). The code itself stays in flash either way.
//
// How: the feature is bundled on its own as an IIFE, and its body becomes the body of the function
// the import gives (the loader). Every module under src/ that is not the feature's own (see `own`)
// stays external: the body names the image's own top-level bindings (the image has no wrapper, so
// they are globals), so state such as the config table or the claims arbiter is never duplicated.
import { rollup } from 'rollup';
import ts from 'typescript';
import * as acorn from 'acorn';
import * as walk from 'acorn-walk';
import path from 'node:path';
import fs from 'node:fs';
import resident from './rollup-resident.js';
import jsEdits from './js-edits.js';

const PREFIX = 'lazy:';
/** A lazy feature that stays once built, its code run at the top level: scripts/rollup-resident.js. */
const RESIDENT = 'resident:';
/**
 * The loader as rollup first sees it: a call of this marker with the bindings the feature takes from
 * the image, which rollup names as they are named in the image. renderChunk then puts the feature's
 * body in the loader's place, with those names.
 */
const MARKER = '__lazyFeature';

/** The .ts file an import names, or null for anything else. */
function resolveTs(id, importer) {
  if (!importer || !(id.startsWith('.') || path.isAbsolute(id))) return null;
  const base = path.resolve(path.dirname(importer), id);
  for (const f of [base, base + '.ts', path.join(base, 'index.ts')]) if (fs.existsSync(f) && fs.statSync(f).isFile()) return f;
  return null;
}

/**
 * The feature's body with the image's names for its bindings. The feature is built apart, so a
 * name of its own (a local anywhere in it) may be one of those: such a name is renamed, all of its
 * occurrences (the body does not yet refer to the image's names, only to `__x0_1` and the like).
 * The loader is a function at the image's top level: the functions made in the body have one scope
 * above them. Made three or four functions deep, each carried a copy of that scope chain: ~3
 * JsVars more per function on Espruino (planning 955 → 745). And the feature costs the image its
 * loader alone: it was a loader and a factory holding the bindings as parameters, one JsVar each
 * (~150 JsVars with every feature on, measured on the interpreter).
 */
function withNames(f, names, ctx) {
  const image = new Map(f.bindings.map((b, i) => [b, names[i]]));
  const taken = new Set(names);
  const text = '(function () {\n' + f.body + '\n})';
  const edits = [];
  jsEdits.references(acorn.parse(text, { ecmaVersion: 5 }), (n) => {
    if (image.has(n.name)) edits.push({ start: n.start, end: n.end, text: image.get(n.name) });
    else if (taken.has(n.name)) edits.push({ start: n.start, end: n.end, text: n.name + '$own' });
  });
  const out = jsEdits.applyEdits(text, edits).out;
  if (/\$own\b/.test(f.body)) ctx.error('lazy feature ' + f.file + ": a name ending in $own (a renamed local's form)");
  return out.slice('(function () {\n'.length, -'\n})'.length);
}

/**
 * `own(file, entry)` says whether a module belongs in the feature's body (true) or is taken
 * from the image (false). `tslibPath` replaces tslib, as in the image.
 */
export function lazyFeatures({ own, tslibPath, residentLoader }) {
  const features = new Map(); // file (under src/) → { file, body, bindings: the names it takes from the image }
  return {
    name: 'lazy-features',
    buildStart() {
      features.clear();
    },
    resolveId(id, importer) {
      const prefix = [PREFIX, RESIDENT].find((p) => id.startsWith(p));
      if (!prefix) return null;
      const file = resolveTs(id.slice(prefix.length), importer);
      if (!file) this.error('lazy import not found: ' + id);
      return '\0' + prefix + file;
    },
    async load(id) {
      const prefix = [PREFIX, RESIDENT].find((p) => id.startsWith('\0' + p));
      if (!prefix) return null;
      const entry = id.slice(1 + prefix.length);
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
      // Each binding the feature takes from the image gets a name of its own, `__x0_1` for the
      // second name taken from the first external module; the loader hands them to the marker, and
      // renderChunk puts the image's own names in their place.
      let imports = '';
      const bound = new Map(); // external's parameter name → { names: its bindings, aliases: their `__x0_1` names }
      for (const [file, name] of externals) {
        const names = chunk.importedBindings[file] || [];
        if (names.indexOf('*') >= 0 || names.indexOf('default') >= 0) this.error('lazy feature ' + entry + ': use named imports from ' + file);
        imports += 'import { ' + names.map((n, i) => n + ' as ' + name + '_' + i).join(', ') + " } from '" + file + "';\n";
        bound.set(name, { names, aliases: names.map((n, i) => name + '_' + i) });
      }
      const m = /^var __feature = \(function \(([^)]*)\) \{\n([\s\S]*)\n\}\)\(([^)]*)\);\s*$/.exec(chunk.code);
      if (!m) this.error('lazy feature ' + entry + ': unexpected bundle shape');
      // (rollup names the parameters after the modules, `text_ts`, and passes the externals `__x0`;
      // the first is the exports object, passed `{}`: see `exported` below)
      const params = m[1].split(', ');
      const args = m[3].split(', ');
      if (params[0] !== 'exports' || args[0] !== '{}') this.error('lazy feature ' + entry + ': unexpected bundle shape');
      // The exports become an object made as the loader returns: kept in the feature's scope, the
      // exports object (and every exported constant's name, 2 JsVars for a long one) lived as long
      // as the feature (23 JsVars for the WiFi manager).
      const tail = /((?:\n[ \t]*(?:exports\.[\w$]+ = [\w$]+;)?)*)\n[ \t]*return exports;\s*$/.exec(m[2]);
      if (!tail || /\bexports\b/.test(m[2].slice(0, tail.index))) this.error('lazy feature ' + entry + ': exports used other than at the end');
      const exported = tail[1].split('\n').filter(Boolean).map((l) => /exports\.([\w$]+) = ([\w$]+);/.exec(l)).map((x) => x[1] + ': ' + x[2]);
      let body = m[2].slice(0, tail.index) + '\nreturn { ' + exported.join(', ') + ' };';
      const bindings = [];
      for (let k = 1; k < params.length; k++) {
        const b = bound.get(args[k]);
        if (!b) this.error('lazy feature ' + entry + ': unexpected parameter ' + params[k]);
        const param = '\\b' + params[k].replace(/\$/g, '\\$');
        body = body.replace(new RegExp(param + '\\.([A-Za-z_$][\\w$]*)', 'g'), (all, binding) => {
          const i = b.names.indexOf(binding);
          if (i < 0) this.error('lazy feature ' + entry + ': ' + all + ' is not an imported binding');
          return b.aliases[i];
        });
        if (new RegExp(param + '\\b').test(body)) this.error('lazy feature ' + entry + ': ' + params[k] + ' is used other than through its bindings');
        bindings.push(...b.aliases);
      }
      const rel = path.relative(path.resolve('src'), entry);
      features.set(rel, { file: rel, body, bindings });
      const marker = MARKER + '(' + JSON.stringify(rel) + bindings.map((b) => ', ' + b).join('') + ')';
      if (prefix === PREFIX) return imports + 'export default function () {\n  return ' + marker + ';\n}\n';
      // the body, made a function for the resident step to rewrite, and the places of its offsets
      const at = JSON.stringify(resident.PLACEHOLDER);
      return imports + 'import { loadResident } from ' + JSON.stringify(residentLoader) + ';\nexport default function () {\n  return loadResident(function () {\n    return ' + marker + ';\n  }, ' + at + ', ' + at + ');\n}\n';
    },
    renderChunk(code) {
      if (!features.size) return null;
      const edits = [];
      const ast = acorn.parse(code, { ecmaVersion: 2020, sourceType: 'module' });
      walk.ancestor(ast, {
        CallExpression: (call, _st, anc) => {
          if (call.callee.type !== 'Identifier' || call.callee.name !== MARKER) return;
          const f = features.get(call.arguments[0].value);
          const loader = anc[anc.length - 3];
          if (!f || anc[anc.length - 2].type !== 'ReturnStatement' || !loader || loader.type !== 'BlockStatement' || loader.body.length !== 1) this.error('lazy feature ' + call.arguments[0].value + ': unexpected loader');
          const names = call.arguments.slice(1).map((a) => (a.type === 'Identifier' ? a.name : this.error('lazy feature ' + f.file + ': a binding is not a name')));
          edits.push({ start: loader.start, end: loader.end, text: '{\n// ' + f.file + '\n' + withNames(f, names, this) + '\n}' });
        },
      });
      code = jsEdits.applyEdits(code, edits).out;
      if (code.indexOf(MARKER) >= 0) this.error('a lazy feature loader was left in place');
      return { code, map: null };
    },
  };
}
