#!/usr/bin/env node
/*
 * check-image.js — refuses an ESP32 image that the Espruino interpreter cannot run.
 *
 *   node scripts/check-image.js dist/esp32/image.js [more.js ...]
 *
 * Espruino is not V8 (DESIGN.md, "The two hard constraints"): much of what Node runs is a
 * SyntaxError there, or worse, runs and gives a wrong answer. TypeScript (target ES5) and terser
 * (ecma 5) remove most of it, but a helper, a lib call or a regex slips through easily. This script
 * parses the built file with acorn, walks it once with acorn-walk, and reports every construct
 * outside what the interpreter supports as `FILE:LINE:COL: <construct> — <why>` (exit 1).
 *
 * Sources for each rule: ../shared/ref/espruino.md §2 (tested on the 2v29 Linux build), and, where
 * marked "2v29 build", a probe run on that same interpreter (Espruino c5ff787b1 built for Linux)
 * while writing this checker. Columns are 1-based.
 *
 * Library use: require('./check-image.js').checkSource(code, filename) → [{line, col, construct, why}].
 */
'use strict';

const fs = require('fs');
const acorn = require('acorn');
const walk = require('acorn-walk');

const REF = 'espruino.md §2';
const PROBE = '2v29 build';

// ───────────────────────────── 1. Syntax the interpreter cannot run ─────────────────────────────
// One row per construct: [node type, construct, why, test?(node, parent), where?(node, parent)].
// 'Function' is acorn-walk's shared type for the three function node types.
const isLogicalAssign = (n) => n.operator === '??=' || n.operator === '||=' || n.operator === '&&=';
const isMethodValue = (n, p) => p && (p.type === 'MethodDefinition' || p.type === 'Property') && p.value === n;
const atOwner = (n, p) => (isMethodValue(n, p) ? p : n); // `async m(){}`: point at the method, not at `(`
const atKey = (n) => n.key;

const SYNTAX_RULES = [
  // Destructuring is the worst case: `var {a}=o` is not even a SyntaxError, it throws ReferenceError at run time.
  ['ObjectPattern', 'destructuring', `not supported: \`var {a}=o\` throws ReferenceError at run time (${REF})`],
  ['ArrayPattern', 'destructuring', `not supported: \`var [a,b]=x\` throws ReferenceError at run time (${REF})`],
  ['SpreadElement', 'spread', `spread in calls, arrays and objects is not supported (${REF})`],
  ['RestElement', 'rest', `rest parameters and rest elements are not supported (${REF})`],
  ['AssignmentPattern', (n, p) => (p && /Function/.test(p.type) ? 'default parameter' : 'default value'),
    `default values are a SyntaxError: "Got '=' expected ','" (${REF})`],
  ['Function', 'async function', `async/await is not supported; use Promise .then (${REF})`, (n) => n.async, atOwner],
  ['Function', 'generator', `function* is not supported (${REF})`, (n) => n.generator, atOwner],
  ['AwaitExpression', 'await', `async/await is not supported; use Promise .then (${REF})`],
  ['YieldExpression', 'yield', `generators are not supported (${REF})`],
  ['ForOfStatement', 'for await', `async iteration is not supported (${REF})`, (n) => n.await],
  // Labels parse, but `break outer` then throws ReferenceError: "outer" is not defined (2v29 build).
  ['LabeledStatement', 'label', `labels are not supported: \`break label\` throws ReferenceError (${REF})`],
  ['BreakStatement', 'labelled break', `labels are not supported (${REF})`, (n) => !!n.label],
  ['ContinueStatement', 'labelled continue', `labels are not supported (${REF})`, (n) => !!n.label],
  ['TaggedTemplateExpression', 'tagged template', `tagged templates are not supported (${REF})`],
  ['Property', 'computed key', `computed keys {[k]: v} are not supported (${REF})`, (n) => n.computed, atKey],
  ['MethodDefinition', 'computed key', `computed keys are not supported (${REF})`, (n) => n.computed, atKey],
  ['PropertyDefinition', 'computed key', `computed keys are not supported (${REF})`, (n) => n.computed, atKey],
  // A hole in TS's __generator output raised "SyntaxError: Got ',' expected EOF"; the cause is not known.
  ['ArrayExpression', 'array hole', `array holes [a,,b] are unsafe: one raised a SyntaxError; write void 0 (${REF})`,
    (n) => n.elements.indexOf(null) >= 0],
  ['ChainExpression', 'optional chaining', `?. is a SyntaxError (${REF})`],
  ['BinaryExpression', '**', `** is a SyntaxError; use Math.pow (${REF})`, (n) => n.operator === '**'],
  ['AssignmentExpression', '**=', `** is a SyntaxError; use Math.pow (${REF})`, (n) => n.operator === '**='],
  ['AssignmentExpression', (n) => n.operator, `logical assignment is not supported (${REF})`, isLogicalAssign],
  ['MetaProperty', (n) => `${n.meta.name}.${n.property.name}`, `new.target / import.meta are not supported (${REF})`],
  ['WithStatement', 'with', `with is not supported (${REF}, from Features.md)`],
  ['ImportDeclaration', 'import', `import/export are not supported: the image must be one bundled script (${REF})`],
  ['ImportExpression', 'import()', `import/export are not supported: the image must be one bundled script (${REF})`],
  ['ExportNamedDeclaration', 'export', `import/export are not supported: the image must be one bundled script (${REF})`],
  ['ExportDefaultDeclaration', 'export', `import/export are not supported: the image must be one bundled script (${REF})`],
  ['ExportAllDeclaration', 'export', `import/export are not supported: the image must be one bundled script (${REF})`],
  ['Literal', 'BigInt literal', `BigInt is not supported: \`1n\` reads as a variable n (${REF}; ${PROBE})`,
    (n) => n.bigint !== undefined],
  ['MemberExpression', 'private member', `#private names are a SyntaxError: "Got '#'" (${PROBE})`,
    (n) => n.property.type === 'PrivateIdentifier', (n) => n.property],
  ['PropertyDefinition', 'private member', `#private names are a SyntaxError: "Got '#'" (${PROBE})`,
    (n) => n.key.type === 'PrivateIdentifier', atKey],
  ['MethodDefinition', 'private member', `#private names are a SyntaxError: "Got '#'" (${PROBE})`,
    (n) => n.key.type === 'PrivateIdentifier', atKey],
  ['StaticBlock', 'static block', `class static blocks are a SyntaxError: "Got '{' expected ID" (${PROBE})`],
];

// ───────────────────────────── 2. Globals and members that do not exist ─────────────────────────
// Only FREE references count: a local `var Map` or a property `x.Map` is fine. `typeof Map` is a safe probe.
const MISSING_GLOBALS = {
  Map: 'use a plain object', Set: 'use a plain object or array', WeakMap: 'use a plain object', WeakSet: 'use an array',
  WeakRef: '', FinalizationRegistry: '', Symbol: '', Proxy: '', Reflect: '', BigInt: '', Intl: '',
  TextEncoder: 'bytes are binary strings (one char per byte)', TextDecoder: 'bytes are binary strings (one char per byte)',
  Buffer: 'bytes are binary strings or Uint8Array', queueMicrotask: 'use Promise.resolve().then or setTimeout',
  setImmediate: 'use setTimeout(f, 0)', structuredClone: 'copy explicitly',
  // Not in espruino.md's list, but undefined on the 2v29 build too:
  RangeError: 'throw Error', EvalError: 'throw Error', URIError: 'throw Error', AggregateError: 'throw Error',
  encodeURI: 'use encodeURIComponent', decodeURI: 'use decodeURIComponent', escape: '', unescape: '',
};
const FROM_PROBE_ONLY = new Set(['FinalizationRegistry', 'RangeError', 'EvalError', 'URIError', 'AggregateError',
  'encodeURI', 'decodeURI', 'escape', 'unescape']);

// Static members of built-ins that are undefined. The espruino.md ones first, then the 2v29 build's.
const MISSING_STATICS_DOC = ['Array.from', 'Array.of', 'Number.isInteger', 'Number.isNaN', 'Number.isFinite',
  'Number.parseInt', 'Number.parseFloat', 'Number.MAX_SAFE_INTEGER', 'Math.trunc', 'Object.freeze', 'Object.seal',
  'Promise.allSettled', 'Promise.any'];
const MISSING_STATICS_PROBE = ['Number.isSafeInteger', 'Number.MIN_SAFE_INTEGER', 'Number.EPSILON',
  'Object.is', 'Object.isFrozen', 'Object.isSealed', 'Object.isExtensible', 'Object.preventExtensions',
  'Object.getOwnPropertySymbols', 'Object.hasOwn', 'Object.groupBy', 'Promise.race', 'Promise.withResolvers',
  'String.raw', 'String.fromCodePoint', 'Date.UTC', 'Error.captureStackTrace', 'Math.log10', 'Math.log2', 'Math.log1p',
  'Math.expm1', 'Math.hypot', 'Math.cbrt', 'Math.imul', 'Math.clz32', 'Math.fround', 'Math.sinh', 'Math.cosh',
  'Math.tanh', 'Math.asinh', 'Math.acosh', 'Math.atanh'];
const MISSING_STATICS = new Map();
MISSING_STATICS_DOC.forEach((k) => MISSING_STATICS.set(k, REF));
MISSING_STATICS_PROBE.forEach((k) => MISSING_STATICS.set(k, PROBE));

// `Array.prototype.slice`, `String.prototype.charAt`, `Function.prototype.apply`... are ALL undefined: methods are
// looked up on instances only (espruino.md §2 for slice/concat/apply; every one tried on the 2v29 build). Use
// `[].slice.call(x)`. On Object.prototype, hasOwnProperty/toString/valueOf exist; these do not:
const PROTO_ALL_MISSING = new Set(['Array', 'String', 'Function', 'Number']);
const OBJECT_PROTO_MISSING = new Set(['isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString']);

// Methods missing on every receiver that has them in V8. Flagged when called on anything, since the type of the
// receiver is unknown here; the names are distinctive enough that a user method of that name is unlikely.
const MISSING_METHODS = {
  finally: `Promise.prototype.finally is missing; use .then(f, f) (${REF})`,
  flat: `Array.prototype.flat is missing (${REF})`,
  flatMap: `Array.prototype.flatMap is missing (${REF})`,
  lastIndexOf: `Array.prototype.lastIndexOf is missing (strings have it, but the receiver's type is unknown here) (${REF})`,
  trimStart: `String.prototype.trimStart is missing (${REF})`,
  trimEnd: `String.prototype.trimEnd is missing (${REF})`,
  localeCompare: `String.prototype.localeCompare is missing; compare with < > (${REF})`,
  normalize: `String.prototype.normalize is missing (${REF})`,
};
['findLast', 'findLastIndex', 'copyWithin', 'reduceRight', 'toReversed', 'toSorted', 'matchAll', 'codePointAt',
  'trimLeft', 'trimRight', 'toLocaleLowerCase', 'toLocaleUpperCase', 'toPrecision', 'toExponential', 'toLocaleString',
  'toLocaleDateString', 'toLocaleTimeString', 'toDateString', 'toTimeString', 'setUTCFullYear', 'setUTCMonth',
  'setUTCDate', 'setUTCHours', 'setUTCMinutes', 'setUTCSeconds', 'setUTCMilliseconds', 'isPrototypeOf',
  'propertyIsEnumerable'].forEach((m) => { MISSING_METHODS[m] = `.${m} is undefined on Espruino (${PROBE})`; });

// `class X extends Error {}` with a native class: "SyntaxError: Calling 'super' outside of class" (espruino.md §2).
const ERROR_CLASSES = new Set(['Error', 'TypeError', 'RangeError', 'SyntaxError', 'ReferenceError', 'EvalError',
  'URIError', 'AggregateError']);

// ───────────────────────────── 3. Regular expressions ───────────────────────────────────────────
// Espruino's matcher (src/jswrap_regexp.c) knows: literals, `.`, classes, \d \w \s and their negations, \xHH,
// `*` and `+` after one atom, ^ $, capturing groups, and `|` at the top level. The rest silently gives a wrong
// answer (no error), so it must be caught here. espruino.md §2: look-arounds, {n}; the others were tried on the
// 2v29 build (each returned false, or threw, where V8 matches).
const REGEX_FLAGS = new Map([['s', 'dotAll'], ['u', 'unicode'], ['y', 'sticky'], ['d', 'indices'], ['v', 'unicodeSets'], ['m', 'multiline']]);

function regexProblems(pattern, flags) {
  const out = [];
  const add = (construct, why) => {
    if (!out.some((p) => p.construct === construct)) out.push({ construct, why });
  };
  let inClass = false;
  let depth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    const next = pattern[i + 1];
    if (ch === '\\') {
      if (!inClass && (next === 'b' || next === 'B')) add('regex \\b', `\\b/\\B word boundaries are not supported: \\b matches a backspace (${PROBE})`);
      if (!inClass && next >= '1' && next <= '9') add('regex backreference', `throws "Backreferences not supported" (${PROBE})`);
      if (!inClass && next === 'k' && pattern[i + 2] === '<') add('regex named group', `named groups are not supported (${REF})`);
      if (next === 'u') add('regex \\u escape', `\\uXXXX is not understood in a regex: it matches "u" (${PROBE})`);
      i++;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      continue;
    }
    if (ch === '[') {
      inClass = true;
    } else if (ch === '(') {
      depth++;
      if (next === '?') {
        const a = pattern[i + 2];
        const b = pattern[i + 3];
        if (a === '=' || a === '!') add('regex look-ahead', `(?= and (?! are not supported: the test silently returns false (${REF})`);
        else if (a === '<' && (b === '=' || b === '!')) add('regex look-behind', `(?<= and (?<! are not supported (${REF})`);
        else if (a === '<') add('regex named group', `(?<name>) is not supported (${REF})`);
        else add('regex (?: group', `(?:...) is read as a capturing group followed by a literal "?" (${PROBE})`);
        i++; // the '?' is part of the group syntax, not a quantifier
      }
    } else if (ch === ')') {
      depth--;
      if (next === '*' || next === '+' || next === '?' || next === '{') {
        add('regex quantified group', `a quantifier after (...) is read as a literal character (${PROBE})`);
        if (next !== '{') i++; // one report for `(ab)?`; a `{n}` after a group is reported as well
      }
    } else if (ch === '|' && depth > 0) {
      add('regex | inside group', `alternation works only at the top level: /x(a|b)y/ does not match "xby" (${PROBE})`);
    } else if (ch === '{' && /^\{\d+(,\d*)?\}/.test(pattern.slice(i))) {
      add('regex {n} quantifier', `{n}, {n,} and {n,m} are not supported: /a{2}/.test("aa") is false (${REF})`);
    } else if (ch === '?') {
      const prev = pattern[i - 1];
      if (prev === '*' || prev === '+' || prev === '?' || prev === '}') add('regex lazy quantifier', `*? +? are not supported (${PROBE})`);
      else add('regex ? quantifier', `the ? quantifier is not supported: /colou?r/ matches neither spelling (${PROBE})`);
    }
  }
  for (const f of flags || '') {
    if (REGEX_FLAGS.has(f)) {
      add(`regex flag ${f}`, `the ${REGEX_FLAGS.get(f)} flag /${f} is ${f === 'm' ? 'ignored' : 'not supported'}; only g and i work (${REF})`);
    }
  }
  return out;
}

// ───────────────────────────── 4. Scopes (for free globals, hoisting and loop bindings) ──────────
const isFunction = (n) => n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression' || n.type === 'ArrowFunctionExpression';

function isScope(node, parent) {
  switch (node.type) {
    case 'Program': case 'FunctionDeclaration': case 'FunctionExpression': case 'ArrowFunctionExpression':
    case 'CatchClause': case 'ForStatement': case 'ForInStatement': case 'ForOfStatement': case 'SwitchStatement':
    case 'StaticBlock': case 'ClassExpression':
      return true;
    case 'BlockStatement':
      return !(parent && isFunction(parent)); // a function's body block shares the function's scope
    case 'PropertyDefinition':
      return !node.static; // an instance field initialiser runs later, at construction (a boundary, no bindings)
    default:
      return false;
  }
}

// A function that runs immediately (`(function(){...})()`, `!function(){}()`, `(function(){}).call(this)`,
// `new function(){}`) executes its body where it stands; any other function may run later, after declarations
// further down have been reached. Only direct execution can hit Espruino's missing hoisting.
function isImmediate(fn, parent, grand) {
  if (!parent) return false;
  if ((parent.type === 'CallExpression' || parent.type === 'NewExpression') && parent.callee === fn) return true;
  return parent.type === 'MemberExpression' && parent.object === fn && !parent.computed &&
    (parent.property.name === 'call' || parent.property.name === 'apply') &&
    !!grand && grand.type === 'CallExpression' && grand.callee === parent;
}

const propName = (m) => (!m.computed && m.property.type === 'Identifier' ? m.property.name
  : m.computed && m.property.type === 'Literal' && typeof m.property.value === 'string' ? m.property.value : null);

// Reading a missing member only to test for it (`if (!Array.prototype.slice) Array.prototype.slice = [].slice`,
// `Error.captureStackTrace && ...`) is harmless: the read gives undefined, it does not throw.
function isProbeOrWrite(node, parent) {
  if (!parent) return false;
  switch (parent.type) {
    case 'UnaryExpression': return parent.operator === 'typeof' || parent.operator === '!';
    case 'LogicalExpression': return parent.left === node;
    case 'IfStatement': case 'ConditionalExpression': case 'WhileStatement': return parent.test === node;
    case 'AssignmentExpression': return parent.left === node;
    default: return false;
  }
}

// ───────────────────────────── 5. The check ─────────────────────────────────────────────────────
function analyse(code) {
  const problems = [];
  let functions = 0;
  const report = (at, construct, why) => {
    const loc = at.loc.start;
    problems.push({ line: loc.line, col: loc.column + 1, construct, why });
  };
  const where = (n) => `${n.loc.start.line}:${n.loc.start.column + 1}`;

  let ast;
  try {
    ast = acorn.parse(code, { ecmaVersion: 'latest', sourceType: 'script', locations: true, allowHashBang: true,
      allowReturnOutsideFunction: true, allowImportExportEverywhere: true });
  } catch (err) {
    const loc = err.loc || { line: 1, column: 0 };
    return { functions: 0, problems: [{ line: loc.line, col: loc.column + 1, construct: 'syntax error',
      why: `acorn cannot parse the file: ${String(err.message).replace(/ \(\d+:\d+\)$/, '')}` }] };
  }

  const bindings = new Map(); // scope node → Map(name → earliest binding)
  const varSites = new Map(); // function scope node → Map(name → [{ pos, parts }]): every `var` of the name

  // The parts of a function, innermost first, that may not run when the function does: switch cases, if
  // branches and loop bodies between anc[from] and the function.
  function conditionalParts(anc, from, fnScope) {
    const parts = [];
    for (let k = from; k > 0 && anc[k] !== fnScope; k--) {
      const n = anc[k];
      const p = anc[k - 1];
      if (n.type === 'SwitchCase' || (p.type === 'IfStatement' && p.test !== n) ||
        (/^(While|For|ForIn|ForOf)Statement$/.test(p.type) && p.body === n)) parts.push({ node: n, parent: p });
    }
    return parts;
  }
  const conditionalPart = (anc, from, fnScope) => { const parts = conditionalParts(anc, from, fnScope); return parts.length ? parts : null; };
  function alsoDeclared(fnScope, name, parts, pos) {
    let names = varSites.get(fnScope);
    if (!names) varSites.set(fnScope, (names = new Map()));
    if (!names.has(name)) names.set(name, []);
    names.get(name).push({ pos, parts: parts || [] });
  }
  // Whether some `var` of the binding's name has certainly run before `node` (in the same call): it is above
  // it and not in a part that may be skipped, or in such a part that also holds `node`. A var directly in
  // both branches of one if counts as declared by that if.
  function declaredBefore(b, node) {
    const sites = varSites.get(b.scope).get(b.name);
    const inside = (part) => node.start >= part.node.start && node.end <= part.node.end;
    const inOther = (part) => sites.some((o) => o.parts.length && o.parts[0].parent === part.parent && o.parts[0].node !== part.node && o.pos < node.start);
    return sites.some((site) => {
      if (site.pos > node.start) return false;
      for (const part of site.parts) {
        if (inside(part)) return true;
        if (!(part.parent.type === 'IfStatement' && inOther(part))) return false;
      }
      return true;
    });
  }
  const refs = [];
  const deferredCache = new Map();

  // Scope nodes around ancestors[end], innermost first, each with whether it is a "may run later" boundary.
  function scopeChain(anc, end) {
    const chain = [];
    for (let k = end; k >= 0; k--) {
      const n = anc[k];
      if (!isScope(n, anc[k - 1])) continue;
      let deferred = deferredCache.get(n);
      if (deferred === undefined) {
        deferred = isFunction(n) ? !isImmediate(n, anc[k - 1], anc[k - 2]) : n.type === 'PropertyDefinition';
        deferredCache.set(n, deferred);
      }
      chain.push({ node: n, deferred });
    }
    return chain;
  }

  function declare(scope, id, kind, extra) {
    let names = bindings.get(scope);
    if (!names) bindings.set(scope, (names = new Map()));
    const pos = kind === 'function' ? extra.fnDecl.start : id.start;
    const old = names.get(id.name);
    if (old && old.pos <= pos) return;
    names.set(id.name, Object.assign({ name: id.name, kind, pos, at: kind === 'function' ? extra.fnDecl : id, scope }, extra));
  }

  // An identifier in a pattern position is a declaration (var/let/const, parameter, function/class name, catch
  // parameter) or the target of an assignment. Find its owner above any enclosing destructuring patterns.
  function onPatternIdentifier(id, anc) {
    let j = anc.length - 2;
    while (j >= 0 && /^(ObjectPattern|ArrayPattern|AssignmentPattern|RestElement)$/.test(anc[j].type)) j--;
    const owner = anc[j];
    const nearestScope = (from, test) => {
      for (let k = from; k >= 0; k--) if (test(anc[k], anc[k - 1])) return anc[k];
      return anc[0];
    };
    if (owner.type === 'VariableDeclarator') {
      const decl = anc[j - 1];
      if (decl.kind === 'var') {
        const fnScope = nearestScope(j - 2, (n) => n.type === 'Program' || isFunction(n) || n.type === 'StaticBlock');
        // the innermost part of its function that may not run: a switch case, an if branch or a loop body
        const parts = conditionalPart(anc, j - 1, fnScope);
        declare(fnScope, id, 'var', { fn: owner.id === id && owner.init && isFunction(owner.init) ? owner.init : null, conditional: !!parts });
        alsoDeclared(fnScope, id.name, parts, id.start);
      } else {
        const scope = nearestScope(j - 2, isScope);
        const inHeader = /^For/.test(scope.type) && (scope.init === decl || scope.left === decl);
        // `for (const i = 0;;)` cannot change, so sharing it is harmless; for-in/for-of `const` changes each turn.
        const loop = inHeader && (decl.kind === 'let' || scope.type !== 'ForStatement') ? scope : null;
        declare(scope, id, decl.kind, { loop });
      }
    } else if (isFunction(owner)) {
      if (owner.id === id && owner.type === 'FunctionDeclaration') declare(nearestScope(j - 1, isScope), id, 'function', { fnDecl: owner, fn: owner });
      else declare(owner, id, owner.id === id ? 'fname' : 'param', {});
    } else if (owner.type === 'ClassDeclaration' && owner.id === id) {
      declare(nearestScope(j - 1, isScope), id, 'class', {});
    } else if (owner.type === 'ClassExpression' && owner.id === id) {
      declare(owner, id, 'classname', {});
    } else if (owner.type === 'CatchClause') {
      declare(owner, id, 'catch', {});
    } else {
      onReference(id, anc, true); // assignment target: `x = 1`, `[a, b] = ...`
    }
  }

  function onReference(id, anc, write) {
    const end = anc.length - 1;
    refs.push({ node: id, name: id.name, write: !!write, up: [anc[end - 1], anc[end - 2], anc[end - 3]],
      chain: scopeChain(anc, end - 1) });
  }

  // Build the acorn-walk visitors: the syntax table, then the rules that need more than one node.
  const visitors = {};
  const on = (type, fn) => {
    const prev = visitors[type];
    visitors[type] = prev ? (n, st, anc) => { prev(n, st, anc); fn(n, st, anc); } : fn;
  };
  SYNTAX_RULES.forEach(([type, construct, why, test, at]) => {
    on(type, (n, st, anc) => {
      const parent = anc[anc.length - 2];
      if (test && !test(n, parent)) return;
      report(at ? at(n, parent) : n, typeof construct === 'function' ? construct(n, parent) : construct, why);
    });
  });
  on('Function', () => { functions++; });
  on('Identifier', (n, st, anc) => onReference(n, anc, false));
  on('VariablePattern', (n, st, anc) => onPatternIdentifier(n, anc));
  on('ImportDeclaration', (n) => n.specifiers.forEach((s) => declare(ast, s.local, 'import', {})));
  on('Literal', (n) => {
    if (n.regex) regexProblems(n.regex.pattern, n.regex.flags).forEach((p) => report(n, p.construct, p.why));
  });
  on('CallExpression', (n) => {
    const callee = n.callee;
    const name = callee.type === 'MemberExpression' ? propName(callee) : null;
    if (name && Object.prototype.hasOwnProperty.call(MISSING_METHODS, name)) report(callee.property, `.${name}()`, MISSING_METHODS[name]);
  });

  walk.ancestor(ast, visitors);

  // ── Resolve every reference now that all declarations are known.
  const byOwner = new Map(); // deferred function → references that run when it runs
  const globals = new Set(); // free names: what the image expects the interpreter to provide
  const capturedReported = new Set();
  for (const r of refs) {
    let crossed = null;
    r.binding = null;
    for (const s of r.chain) {
      const names = bindings.get(s.node);
      if (names && names.has(r.name)) { r.binding = names.get(r.name); break; }
      if (s.deferred && !crossed) crossed = s.node;
    }
    r.crossed = crossed;
    const firstDeferred = r.chain.find((s) => s.deferred);
    r.owner = firstDeferred ? firstDeferred.node : ast;
    if (!byOwner.has(r.owner)) byOwner.set(r.owner, []);
    byOwner.get(r.owner).push(r);
    r.isTypeof = r.up[0] && r.up[0].type === 'UnaryExpression' && r.up[0].operator === 'typeof';
    if (r.binding) checkBound(r, crossed);
    else {
      if (r.name !== 'arguments') globals.add(r.name);
      checkFree(r);
    }
  }
  checkCallsBeforeDeclarations();

  function checkBound(r, crossed) {
    const b = r.binding;
    // No hoisting (espruino.md §2): a function or var used above its declaration, by code that runs right there.
    if ((b.kind === 'var' || b.kind === 'function') && r.node.start < b.pos && !crossed && !(b.kind === 'var' && r.isTypeof)) {
      report(r.node, 'use before declaration',
        `\`${r.name}\` is ${r.write ? 'assigned' : 'used'} before its ${b.kind === 'var' ? 'var' : 'function'} declaration at ${where(b.at)}; ` +
        `Espruino does not hoist: ${r.write ? 'the assignment creates a global' : 'ReferenceError'} (${REF})`);
    }
    // A var declared in a switch case, an if branch or a loop body exists only once that part has run (no
    // hoisting): used outside it, it is a ReferenceError or, assigned, an outer variable (found in the MQTT
    // client's switch dispatcher).
    if (b.kind === 'var' && b.conditional && !crossed && !r.isTypeof && r.node.start >= b.pos && !declaredBefore(b, r.node)) {
      report(r.node, 'use before declaration',
        `\`${r.name}\` is ${r.write ? 'assigned' : 'used'} outside the switch case, if branch or loop body that declares it ` +
        `(at ${where(b.at)}); Espruino does not hoist: ${r.write ? 'the assignment goes to an outer variable' : 'ReferenceError'} ` +
        `when that part did not run (${REF})`);
    }
    // `for (let i...)` is ONE binding on Espruino: a closure made in the loop sees the last value (espruino.md §2;
    // for-in/for-of with let or const too, 2v29 build).
    if (b.loop && crossed && !capturedReported.has(b)) {
      capturedReported.add(b);
      report(b.at, `${b.kind} captured by closure`,
        `\`${r.name}\` is declared in a for header and captured by the function at ${where(crossed)}; Espruino shares one ` +
        `binding across iterations, so every closure sees the last value: make the closure in a helper function ` +
        `that takes the value as a parameter (as TypeScript's ES5 output does) (${REF})`);
    }
    if (b.kind === 'classname') {
      report(r.node, 'class expression name', `the name of a class expression is not bound inside the class (${PROBE})`);
    }
  }

  function checkFree(r) {
    const name = r.name;
    const [p1, p2, p3] = r.up;
    if (ERROR_CLASSES.has(name) && p1 && /^Class/.test(p1.type) && p1.superClass === r.node) {
      report(p1, 'extends Error', `a native class extending ${name} is a SyntaxError ("Calling 'super' outside of class"); ` +
        `throw plain Error objects with a code field (${REF})`);
      return;
    }
    if (Object.prototype.hasOwnProperty.call(MISSING_GLOBALS, name) && !r.isTypeof && !r.write) {
      const hint = MISSING_GLOBALS[name];
      report(r.node, name, `${name} does not exist on Espruino${hint ? `; ${hint}` : ''} (${FROM_PROBE_ONLY.has(name) ? PROBE : REF})`);
      return;
    }
    if (!p1 || p1.type !== 'MemberExpression' || p1.object !== r.node) {
      if (name === 'RegExp' && p1 && /^(New|Call)Expression$/.test(p1.type) && p1.callee === r.node) checkRegExpCall(p1);
      return;
    }
    const member = propName(p1);
    const full = `${name}.${member}`;
    if (MISSING_STATICS.has(full) && !isProbeOrWrite(p1, p2)) {
      report(r.node, full, `${full} is undefined on Espruino (${MISSING_STATICS.get(full)})`);
    } else if (member === 'prototype' && p2 && p2.type === 'MemberExpression' && p2.object === p1) {
      const method = propName(p2);
      if ((PROTO_ALL_MISSING.has(name) || (name === 'Object' && OBJECT_PROTO_MISSING.has(method))) && !isProbeOrWrite(p2, p3)) {
        report(r.node, `${name}.prototype.${method}`, `${name}.prototype.${method} is undefined on Espruino (methods exist on ` +
          `instances only): use [].slice.call / ''.charAt.call / f.apply, or the one-line shim (${REF}; ${PROBE})`);
      }
    }
  }

  function checkRegExpCall(call) {
    const arg = call.arguments[0];
    const text = (a) => (a && a.type === 'Literal' && typeof a.value === 'string' ? a.value
      : a && a.type === 'TemplateLiteral' && a.expressions.length === 0 ? a.quasis[0].value.cooked : null);
    const pattern = text(arg);
    if (pattern === null) return;
    regexProblems(pattern, text(call.arguments[1]) || '').forEach((p) => report(arg, p.construct, p.why));
  }

  // `function g(){ return later } g(); var later = 1` also fails: g runs now and `later` is not declared yet.
  // Follow direct calls (through function declarations and `var g = function(){}`), one report per call site.
  function checkCallsBeforeDeclarations() {
    for (const r of refs) {
      const call = r.up[0];
      const b = r.binding;
      if (!b || !b.fn || !call || !/^(Call|New)Expression$/.test(call.type) || call.callee !== r.node) continue;
      if (r.node.start < b.pos) continue; // already reported as use before declaration
      const direct = new Set();
      for (const s of r.chain) { direct.add(s.node); if (s.deferred) break; }
      const late = [];
      const seen = new Set();
      const visit = (fn) => {
        if (seen.has(fn)) return;
        seen.add(fn);
        for (const inner of byOwner.get(fn) || []) {
          const ib = inner.binding;
          // Only names from outside fn: fn's own locals are declared afresh on each call.
          if (!ib || !inner.crossed || !direct.has(ib.scope)) continue;
          if ((ib.kind === 'var' || ib.kind === 'function') && ib.pos > call.start && !(ib.kind === 'var' && inner.isTypeof)) {
            if (!late.some((l) => l.name === ib.name)) late.push(ib);
          } else if (ib.fn && inner.up[0] && /^(Call|New)Expression$/.test(inner.up[0].type) && inner.up[0].callee === inner.node) {
            visit(ib.fn);
          }
        }
      };
      visit(b.fn);
      if (late.length) {
        report(call, 'use before declaration', `\`${r.name}()\` runs here and uses ${late.map((l) => `\`${l.name}\` (declared at ${where(l.at)})`).join(', ')}, ` +
          `not yet declared; Espruino does not hoist: ReferenceError (${REF})`);
      }
    }
  }

  problems.sort((a, b) => a.line - b.line || a.col - b.col);
  return { problems, functions, globals: Array.from(globals).sort() };
}

// `filename` is accepted for the caller's convenience; problems carry only line and column.
function checkSource(code, filename) { // eslint-disable-line no-unused-vars
  return analyse(code).problems;
}

// One line per problem; on a long (minified) line, a short excerpt shows where the column points.
// `source` is the file's text, or its lines already split (faster when there are many problems).
function formatProblem(file, p, source) {
  let near = '';
  if (source) {
    const lines = typeof source === 'string' ? source.split('\n') : source;
    const text = lines[p.line - 1] || '';
    if (text.length > 160) {
      const excerpt = text.slice(Math.max(0, p.col - 31), p.col + 39);
      near = ` [near: ${excerpt.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}]`;
    }
  }
  return `${file}:${p.line}:${p.col}: ${p.construct} — ${p.why}${near}`;
}

function main(files) {
  if (files.length === 0) {
    console.error('usage: node scripts/check-image.js FILE [FILE...]');
    return 2;
  }
  let failed = false;
  for (const file of files) {
    let code;
    try {
      code = fs.readFileSync(file, 'utf8');
    } catch (err) {
      console.log(`${file}:0:0: unreadable — ${err.message}`);
      failed = true;
      continue;
    }
    const result = analyse(code);
    if (result.problems.length) {
      failed = true;
      const lines = code.split('\n');
      result.problems.forEach((p) => console.log(formatProblem(file, p, lines)));
    } else {
      console.log(`image check: ${file} ok (${Buffer.byteLength(code)} bytes, ${result.functions} functions)`);
    }
  }
  return failed ? 1 : 0;
}

module.exports = { checkSource, analyse, formatProblem, regexProblems };

if (require.main === module) process.exitCode = main(process.argv.slice(2));
