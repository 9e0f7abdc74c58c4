// Resident features for the ESP32 image: `import loadMqtt from 'resident:../services/mqtt/service'`
// is a lazy feature (scripts/rollup-lazy.mjs) whose code runs at the interpreter's top level.
//
// Why: Espruino links every function to the scope it was made in, one JsVar per function, except
// at the top level, where there is no scope to link. A lazy feature's body runs inside its loader,
// so each of its methods kept that link, and each closure a method makes kept a copy of a two-scope
// chain (an array: ~3 JsVars) where one scope would be linked as it is. For a feature that stays
// once built (MQTT, planning...) that was ~140 JsVars with every service on (measured on the
// interpreter: 153 functions linked to a scope, 22 after).
//
// How: the only way into the top level from a running function is a native function called with
// no scope at all, and the interpreter calls a setter so: a setter that is `eval` evaluates the text
// it is given at the top level (src/hal/espruino/resident.ts). The text is the feature's body as
// it stands in the image file, read from Storage as a string that stays in flash. So the body is
// rewritten (`globalForm`) to need no scope of its own: its top-level names become globals of the
// interpreter (`$a`, `$b`... short, and named nowhere else in the image), its declarations
// assignments to them, and its exports an object left in `$$`. The loader hands
// src/hal/espruino/resident.ts the body as a function too (for an image that is not in Storage)
// and the body's place in the file, which `residentOffsets` writes in once the file is final.
'use strict';
const acorn = require('acorn');
const walk = require('acorn-walk');
const crypto = require('crypto');
const { applyEdits, references } = require('./js-edits.js');

/** The loader's two numbers before residentOffsets writes them: a string as wide as they will be. */
const PLACEHOLDER = '#resident#';
const isPlaceholder = (n) => n && n.type === 'Literal' && n.value === PLACEHOLDER;
/** The image's mark and where it is (src/hal/espruino/resident.ts), before residentOffsets. */
const MARK_PLACEHOLDER = 'oevse-image ################';
const MARK_AT_PLACEHOLDER = '#mark--at#';
/** The global the body leaves its exports in. */
const EXPORTS = '$$';

const isFunction = (n) => n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression';

const bound = new WeakMap();
/** Names bound in function `fn`'s own scope: parameters, vars and function declarations. */
function ownBindings(fn) {
  if (bound.has(fn)) return bound.get(fn);
  const names = new Set(fn.params.map((p) => p.name));
  if (fn.type === 'FunctionExpression' && fn.id) names.add(fn.id.name);
  walk.recursive(fn.body, null, {
    Function(n) {
      if (n.type === 'FunctionDeclaration') names.add(n.id.name);
    },
    VariableDeclarator(n, st, c) {
      names.add(n.id.name);
      if (n.init) c(n.init, st);
    },
  });
  bound.set(fn, names);
  return names;
}

/**
 * The statements of function `fn` (ES5, the feature's body ending in `return { exports }`)
 * rewritten to run at the top level: each name the body declares at its own level becomes the
 * global `fresh(name)`, its functions are assigned first (they were hoisted), its vars assigned
 * where they were declared (those without a value set to undefined first), and the return
 * becomes `$$ = { exports }`. `fail(message)` stops the build.
 */
function globalForm(code, fn, fresh, fail) {
  const top = ownBindings(fn);
  const renamed = new Map();
  for (const name of top) renamed.set(name, fresh(name));
  // references that resolve to the body's own names: not shadowed by a function in between
  const edits = []; // {start, end, text}: renamed identifiers
  references(fn.body, (n, anc) => {
    if (!top.has(n.name)) return;
    for (let i = anc.length - 2; i >= 0; i--) {
      const a = anc[i];
      if (a === fn) break;
      if (isFunction(a) && ownBindings(a).has(n.name)) return;
      if (a.type === 'CatchClause' && a.param.name === n.name) return;
    }
    edits.push({ start: n.start, end: n.end, text: renamed.get(n.name) });
  });
  /** The text of `node` with the renames inside it. */
  const text = (node, from = node.start) => {
    let out = '';
    let at = from;
    for (const e of edits.filter((x) => x.start >= from && x.end <= node.end).sort((a, b) => a.start - b.start)) {
      out += code.slice(at, e.start) + e.text;
      at = e.end;
    }
    return out + code.slice(at, node.end);
  };
  const hoisted = [];
  const unset = [];
  const statements = []; // {start, end, text}: declarations and the return, rewritten
  walk.recursive(fn.body, null, {
    Function(n) {
      if (n.type === 'FunctionDeclaration') {
        if (!fn.body.body.includes(n)) fail('a function declared in a block: ' + n.id.name);
        hoisted.push(renamed.get(n.id.name) + '=function' + text(n, code.indexOf('(', n.id.end)) + ';');
        statements.push({ start: n.start, end: n.end, text: '' });
      }
      // (a nested function's own code is left to the renames)
    },
    VariableDeclaration(n, st, c) {
      if (n.kind !== 'var') fail(n.kind + ' at the top level of the feature');
      const parts = n.declarations.filter((d) => d.init).map((d) => renamed.get(d.id.name) + '=' + text(d.init));
      for (const d of n.declarations) if (!d.init) unset.push(renamed.get(d.id.name));
      statements.push({ start: n.start, end: n.end, text: parts.join(','), declaration: n });
      for (const d of n.declarations) if (d.init) c(d.init, st);
    },
    ReturnStatement(n) {
      if (n !== fn.body.body[fn.body.body.length - 1] || !n.argument) fail('a return other than the exports at the end');
      statements.push({ start: n.start, end: n.end, text: EXPORTS + '=(' + text(n.argument) + ');' });
    },
    ThisExpression() {
      fail('`this` at the top level of the feature');
    },
    Identifier(n) {
      if (n.name === 'arguments') fail('`arguments` at the top level of the feature');
    },
  });
  // A declaration's text stands where the statement was; in a for header it is an expression
  // (`for (i = 0; ...)`, `for (k in o)`), and a declaration without a value leaves nothing.
  walk.ancestor(fn.body, {
    VariableDeclaration(n, _st, anc) {
      const parent = anc[anc.length - 2];
      const s = statements.find((x) => x.declaration === n);
      if (!s) return;
      if (parent.type === 'ForInStatement' && parent.left === n) s.text = renamed.get(n.declarations[0].id.name);
      else if (parent.type === 'ForStatement' && parent.init === n) s.text = s.text || 'void 0';
      else s.text = s.text ? s.text + ';' : ';';
    },
  });
  const all = statements.concat(edits.filter((e) => !statements.some((s) => e.start >= s.start && e.end <= s.end)));
  // (all inside the body: the text before it is left as it is)
  const body = applyEdits(code.slice(0, fn.body.end - 1), all).out.slice(fn.body.start + 1);
  const first = (unset.length ? unset.join('=') + '=void 0;\n' : '') + hoisted.join('\n');
  return '{\n' + first + '\n' + body + '\n}';
}

/** Every identifier named in `code`: fresh names must be none of them. */
function namesIn(ast) {
  const names = new Set();
  walk.full(ast, (n) => {
    if (n.type === 'Identifier') names.add(n.name);
  });
  return names;
}

/** The rollup plugin that rewrites the resident loaders' bodies, once minified. */
function residentFeatures() {
  return {
    name: 'resident-features',
    renderChunk(code) {
      const ast = acorn.parse(code, { ecmaVersion: 2020, sourceType: 'module' });
      const taken = namesIn(ast);
      let count = 0;
      const chars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_';
      const fresh = () => {
        for (;;) {
          let k = count++;
          let name = '$';
          do {
            name += chars[k % chars.length];
            k = Math.floor(k / chars.length) - 1;
          } while (k >= 0);
          if (!taken.has(name) && name !== EXPORTS) return name;
        }
      };
      const edits = [];
      walk.simple(ast, {
        CallExpression: (call) => {
          const [body, at] = call.arguments;
          if (!isPlaceholder(at)) return;
          if (!body || body.type !== 'FunctionExpression' || body.params.length) this.error('resident loader: unexpected shape');
          edits.push({ start: body.body.start, end: body.body.end, text: globalForm(code, body, fresh, (m) => this.error('resident feature: ' + m)) });
        },
      });
      return { code: applyEdits(code, edits).out, map: null };
    },
  };
}

/**
 * The rollup plugin, last before the file is written, that puts each resident body's place in
 * the file (offset and length) in its loader's call, and the image's mark and its place in
 * src/hal/espruino/resident.ts. The numbers take the width of the placeholders, so nothing moves.
 */
function residentOffsets() {
  return {
    name: 'resident-offsets',
    renderChunk(code) {
      const ast = acorn.parse(code, { ecmaVersion: 5, sourceType: 'script' });
      /** `n` in `width` characters, spaces first. */
      const number = (n, width) => {
        const s = String(n);
        if (s.length > width) this.error('resident offsets: ' + s + ' does not fit');
        return ' '.repeat(width - s.length) + s;
      };
      const edits = [];
      walk.simple(ast, {
        CallExpression: (call) => {
          const [body, at, len] = call.arguments;
          if (!isPlaceholder(at)) return;
          if (body.type !== 'FunctionExpression' || !isPlaceholder(len)) this.error('resident loader: unexpected shape after minifying');
          walk.recursive(body.body, null, { Function() {}, ReturnStatement: () => this.error('resident feature: a return at its top level after minifying') });
          const from = body.body.start + 1;
          const to = body.body.end - 1;
          edits.push({ start: at.start, end: at.end, text: number(from, at.raw.length) }, { start: len.start, end: len.end, text: number(to - from, len.raw.length) });
        },
      });
      if (!edits.length) return null;
      code = applyEdits(code, edits).out;
      const markAt = code.indexOf(MARK_PLACEHOLDER);
      const markAtRaw = code.indexOf(MARK_AT_PLACEHOLDER) - 1; // with its quotes
      if (markAt < 0 || markAtRaw < 0 || code.indexOf(MARK_PLACEHOLDER, markAt + 1) >= 0) this.error('resident offsets: the image mark is missing (src/hal/espruino/resident.ts)');
      const width = MARK_AT_PLACEHOLDER.length + 2;
      code = code.slice(0, markAtRaw) + number(markAt, width) + code.slice(markAtRaw + width);
      // the build's mark: one image file is told from another (the other slot, an older build) by it
      const id = crypto.createHash('sha256').update(code).digest('hex').slice(0, MARK_PLACEHOLDER.length - 'oevse-image '.length);
      code = code.slice(0, markAt) + 'oevse-image ' + id + code.slice(markAt + MARK_PLACEHOLDER.length);
      return { code, map: null };
    },
  };
}

module.exports = { PLACEHOLDER, globalForm, residentFeatures, residentOffsets };
