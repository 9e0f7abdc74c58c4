// scripts/check-image.js guards the ESP32 image: every construct the Espruino interpreter cannot run
// must be reported with its place, and ordinary ES5 output (TypeScript + terser, as the build makes
// it) must pass untouched. Constructs and their reasons: ../shared/ref/espruino.md §2.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';
import * as ts from 'typescript';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { checkSource, analyse, formatProblem } = require('../../scripts/check-image.js');

const SCRIPT = path.join(__dirname, '../../scripts/check-image.js');

interface Problem { line: number; col: number; construct: string; why: string }
const check = (code: string): Problem[] => checkSource(code, 'snippet.js');

// [construct, code, line, col, other constructs the snippet may also report]
type Case = [string, string, number, number, string[]?];

const FAILING: Case[] = [
  ['destructuring', 'var o = {};\nvar {a} = o;', 2, 5],
  ['destructuring', 'var [a, b] = [1, 2];', 1, 5],
  ['destructuring', 'function f({a}) { return a; }', 1, 12],
  ['spread', 'f(...args);', 1, 3],
  ['spread', 'var o = {...p};', 1, 10],
  ['rest', 'function f(a, ...rest) { return rest; }', 1, 15],
  ['default parameter', 'function f(a = 1) { return a; }', 1, 12],
  ['async function', 'async function f() {}', 1, 1],
  ['async function', 'var f = async () => 1;', 1, 9],
  ['async function', 'var o = { async m() {} };', 1, 11],
  ['await', 'async function f(p) {\n  await p;\n}', 2, 3, ['async function']],
  ['generator', 'function* g() {}', 1, 1],
  ['yield', 'function* g() { yield 1; }', 1, 17, ['generator']],
  ['for await', 'async function f(s) { for await (var x of s) {} }', 1, 23, ['async function']],
  ['label', 'outer: for (;;) { break; }', 1, 1],
  ['labelled break', 'outer: for (;;) { break outer; }', 1, 19, ['label']],
  ['labelled continue', 'l: for (;;) { continue l; }', 1, 15, ['label']],
  ['tagged template', 'tag`x`;', 1, 1],
  ['computed key', 'var o = {[k]: 1};', 1, 11],
  ['computed key', 'class A { [k]() {} }', 1, 12],
  ['array hole', 'var a = [1, , 2];', 1, 9],
  ['optional chaining', 'var v = a?.b;', 1, 9],
  ['optional chaining', 'a?.();', 1, 1],
  ['**', 'var v = 2 ** 3;', 1, 9],
  ['**=', 'var v = 2; v **= 3;', 1, 12],
  ['??=', 'var v; v ??= 1;', 1, 8],
  ['||=', 'var v; v ||= 1;', 1, 8],
  ['&&=', 'var v; v &&= 1;', 1, 8],
  ['new.target', 'function F() { return new.target; }', 1, 23],
  ['import.meta', 'var u = import.meta.url;', 1, 9],
  ['extends Error', 'class E extends Error {}', 1, 1],
  ['extends Error', 'var E = class extends TypeError {};', 1, 9],
  ['extends Error', 'class E extends RangeError {}', 1, 1],
  ['let captured by closure', 'var fs = [];\nfor (let i = 0; i < 3; i++) {\n  fs.push(function () { return i; });\n}', 2, 10],
  ['const captured by closure', 'for (const x of xs) fs.push(() => x);', 1, 12],
  ['let captured by closure', 'for (let k in o) setTimeout(() => use(k), 0);', 1, 10],
  ['regex look-ahead', 'var r = /a(?=b)/;', 1, 9],
  ['regex look-ahead', 'var r = /a(?!b)/;', 1, 9],
  ['regex look-behind', 'var r = /(?<=a)b/;', 1, 9],
  ['regex look-behind', 'var r = /(?<!a)b/;', 1, 9],
  ['regex {n} quantifier', 'var r = /a{2}/;', 1, 9],
  ['regex {n} quantifier', 'var r = /a{2,}/;', 1, 9],
  ['regex {n} quantifier', 'var r = /[0-9a-f]{2,4}/;', 1, 9],
  ['regex named group', 'var r = /(?<hex>x)/;', 1, 9],
  ['regex flag s', 'var r = /a.b/s;', 1, 9],
  ['regex flag u', 'var r = /a/u;', 1, 9],
  ['regex flag y', 'var r = /a/y;', 1, 9],
  ['regex flag d', 'var r = /a/d;', 1, 9],
  ['regex look-ahead', 'var r = new RegExp("a(?=b)");', 1, 20],
  ['regex {n} quantifier', 'var r = RegExp("\\\\d{3}", "g");', 1, 16],
  // Beyond espruino.md's list, each tried on the 2v29 Linux build: silently wrong answers.
  ['regex ? quantifier', 'var r = /^[0-9a-f][0-9a-f]?$/;', 1, 9],
  ['regex (?: group', 'var r = /a(?:b)c/;', 1, 9],
  ['regex quantified group', 'var r = /^(ab)+$/;', 1, 9],
  ['regex | inside group', 'var r = /^x(a|b)y$/;', 1, 9],
  ['regex lazy quantifier', 'var r = /a+?/;', 1, 9],
  ['regex \\b', 'var r = /\\bfoo/;', 1, 9],
  ['regex backreference', 'var r = /(a)\\1/;', 1, 9],
  ['regex flag m', 'var r = /^a$/m;', 1, 9],
  ['with', 'with (o) { x = 1; }', 1, 1],
  ['use before declaration', 'f();\nfunction f() {}', 1, 1],
  ['use before declaration', 'use(v);\nvar v = 1;', 1, 5],
  ['use before declaration', 'v = 2;\nvar v;', 1, 1],
  ['use before declaration', 'function outer() {\n  if (a) { g(); }\n  function g() {}\n}', 2, 12],
  ['use before declaration', '(function () { f(); })();\nfunction f() {}', 1, 16],
  ['use before declaration', 'function f(op) {\n  switch (op) {\n    case 1: var n = 1; break;\n    case 2: n = 2; break;\n  }\n}', 4, 13],
  ['use before declaration', 'function f(op) {\n  switch (op) {\n    case 1: var n = 1;\n  }\n  return n;\n}', 5, 10],
  ['use before declaration', 'function f(c) {\n  if (c) { var x = 1; }\n  return x;\n}', 3, 10],
  ['use before declaration', 'function f(c) {\n  if (c) g(); else var x = 1;\n  x = 2;\n}', 3, 3],
  ['use before declaration', 'function f(a) {\n  for (var i = 0; i < a.length; i++) { var last = a[i]; }\n  return last;\n}', 3, 10],
  ['use before declaration', 'function f(a, b) {\n  if (a) { if (b) var x = 1; else g(); } else var x = 2;\n  return x;\n}', 3, 10],
  ['use before declaration', 'var B = (function (_super) {\n  __extends(B, _super);\n  function B() {}\n  return B;\n})(A);', 2, 13],
  ['use before declaration', 'function g() { return later; }\ng();\nvar later = 1;', 2, 1],
  ['private member', 'class A { #p = 1; }', 1, 11],
  ['static block', 'class A { static { init(); } }', 1, 11],
  ['BigInt literal', 'var n = 10n;', 1, 9],
  ['import', 'import x from "y";', 1, 1],
  ['export', 'export var z = 1;', 1, 1],
  ['class expression name', 'var C = class K { m() { return K; } };', 1, 32],
  ['syntax error', 'var = 1;', 1, 5],
];

const GLOBALS = ['Map', 'Set', 'WeakMap', 'WeakSet', 'WeakRef', 'Symbol', 'Proxy', 'Reflect', 'BigInt', 'Intl',
  'TextEncoder', 'TextDecoder', 'Buffer', 'queueMicrotask', 'setImmediate', 'structuredClone'];
const STATICS = ['Array.from', 'Array.of', 'Number.isInteger', 'Number.isNaN', 'Number.isFinite', 'Number.parseInt',
  'Number.parseFloat', 'Number.MAX_SAFE_INTEGER', 'Math.trunc', 'Object.freeze', 'Object.seal', 'Promise.allSettled',
  'Promise.any', 'Promise.race'];
const METHODS = ['finally', 'flat', 'flatMap', 'lastIndexOf', 'trimStart', 'trimEnd', 'localeCompare', 'normalize'];
const PROTOS = ['Array.prototype.slice', 'Array.prototype.concat', 'Function.prototype.apply', 'String.prototype.charAt'];

GLOBALS.forEach((g) => FAILING.push([g, `var x = ${g};`, 1, 9]));
STATICS.forEach((s) => FAILING.push([s, `var x = ${s}(y);`, 1, 9]));
METHODS.forEach((m) => FAILING.push([`.${m}()`, `x.${m}(y);`, 1, 3]));
PROTOS.forEach((p) => FAILING.push([p, `var x = ${p}.call(a, 1);`, 1, 9]));

describe('check-image: each unsupported construct is reported with its place', () => {
  // Every row gets all five values: jest reads a test function with more parameters than the row as
  // one that takes a `done` callback.
  const rows = FAILING.map((c) => [c[0], c[1], c[2], c[3], c[4] || []] as [string, string, number, number, string[]]);
  test.each(rows)('%s in %j', (construct, code, line, col, also) => {
    const problems = check(code);
    expect(problems).toContainEqual(expect.objectContaining({ construct, line, col }));
    const allowed = [construct].concat(also);
    expect(problems.map((p) => p.construct).filter((c) => allowed.indexOf(c) < 0)).toEqual([]);
    problems.forEach((p) => expect(p.why.length).toBeGreaterThan(10));
  });
});

const PASSING: [string, string][] = [
  ['a var declared in both branches of an if, used after it', 'function f(c) {\n  if (c) { var x = 1; } else { var x = 2; }\n  return x;\n}'],
  ['a var used in the if branch that declares it, and tested with typeof outside', 'function f(c) {\n  if (c) { var x = 1; g(x); }\n  return typeof x;\n}'],
  ['a var declared above, declared again in a branch', 'function f(c) {\n  var x = 0;\n  if (c) { var x = 1; }\n  return x;\n}'],
  ['a var of a loop body used in a later turn of the same body', 'function f(a) {\n  while (a.length) { var v = a.pop(); g(v); }\n}'],
  ['a var used in the switch case that declares it', 'function f(op) {\n  switch (op) {\n    case 1: var n = op + 1; return n * 2;\n    default: return 0;\n  }\n}'],
  ['plain ES5', [
    'var HEX = "0123456789ABCDEF";',
    'function hex2(n) { return HEX.charAt((n >> 4) & 15) + HEX.charAt(n & 15); }',
    'function sum(a) { var s = 0; for (var i = 0; i < a.length; i++) s += a[i]; return s; }',
    'var o = { get total() { return sum([1, 2]); }, n: 1, "quoted-key": 2, 3: 4 };',
    'try { JSON.parse("{"); } catch (e) { o.err = e.message; } finally { o.done = true; }',
    'switch (o.n) { case 1: o.one = true; break; default: o.one = false; }',
    'for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) o[k] = o[k];',
    'var args = function () { return [].slice.call(arguments, 1); };',
    'var ok = /^[0-9a-f]+$/i.test("4f") && /\\d+\\.\\d*/.test("1.5") && "a-b".replace(/[-_]/g, "") === "ab";',
    'var s = "abc".lastIndex; var t = x.Map; var u = { Map: 1, Symbol: 2 };',
    'var hasSymbol = typeof Symbol !== "undefined";',
    'if (!Array.prototype.slice) Array.prototype.slice = [].slice;',
    'var capture = Error.captureStackTrace ? 1 : 0;',
    'do { ok = !ok; } while (ok);',
    'var r = new RegExp("^[a-z]+$", "gi");',
  ].join('\n')],
  ['arrow functions and templates', 'var f = (a) => `${a} is ${a * 2}`;\nvar g = () => { return f(1); };'],
  ['a class with getter, static, field and extends of a user class', [
    'class Base { constructor() { this.x = 1; } }',
    'class Meter extends Base {',
    '  total = 0;',
    '  static make() { return new Meter(); }',
    '  get kwh() { return this.total / 1000; }',
    '  add(w) { super.toString(); this.total += w; return this; }',
    '}',
  ].join('\n')],
  ['const and let in blocks', '{ const a = 1; let b = a + 1; b++; }'],
  ['let in a for loop, not captured', 'var t = 0;\nfor (let i = 0; i < 3; i++) { t += i; }'],
  ['let in a for loop, used by an immediately run function', 'var r = [];\nfor (let i = 0; i < 3; i++) r.push((function () { return i; })());'],
  ['let in the loop body, captured', 'var fs = [];\nfor (var i = 0; i < 3; i++) { let j = i; fs.push(function () { return j; }); }'],
  ['a local variable named Map', 'function f(Set) { var Map = function () {}; return new Map(Set); }\nvar Symbol = 1; Symbol++;'],
  ['.slice on an array instance', 'var a = [1, 2, 3].slice(1);\nvar b = a.concat([4]);\nvar c = f.apply(null, a);'],
  ['a function declared before use', 'function f() { return 1; }\nvar v = 2;\nf(v);'],
  ['a nested function referring to a later declaration', [
    'function start() { return later() + v; }',
    'var cb = function () { return later(); };',
    'setTimeout(function () { later(); }, 0);',
    'function later() { return 1; }',
    'var v = 2;',
    'start();',
  ].join('\n')],
  ['typeof of a var before its declaration', 'var t = typeof later;\nvar later = 1;'],
  ['a recursive function with a local declared after the recursive call', 'function g(n) { if (n) g(n - 1); var x = 1; return x; }\ng(2);'],
];

describe('check-image: supported code passes', () => {
  test.each(PASSING)('%s', (_name, code) => {
    expect(check(code)).toEqual([]);
  });

  test('a terser-minified ES5 bundle of real-looking TypeScript', async () => {
    const source = [
      'enum State { Starting = 0, Ready = 1, Charging = 3, Sleeping = 254 }',
      'interface Line { kind: string; args: string[]; seq: number }',
      'const HEX = "0123456789ABCDEF";',
      'function hex2(n: number): string { return HEX.charAt((n >> 4) & 15) + HEX.charAt(n & 15); }',
      'function frame(cmd: string, seq = 0): string {',
      '  let cs = 0;',
      '  const body = seq ? `${cmd} :${hex2(seq)}` : cmd;',
      '  for (let i = 0; i < body.length; i++) cs ^= body.charCodeAt(i);',
      '  return `${body}^${hex2(cs)}\\r`;',
      '}',
      'function parse(raw: string): Line | null {',
      '  const caret = raw.indexOf("^");',
      '  if (raw.charAt(0) !== "$" || caret < 3) return null;',
      '  const [kind, ...args] = raw.substr(1, caret - 1).split(" ");',
      '  return { kind, args, seq: 0 };',
      '}',
      'class Emitter {',
      '  private handlers: { [e: string]: ((v: any) => void)[] } = {};',
      '  on(e: string, h: (v: any) => void) { (this.handlers[e] = this.handlers[e] || []).push(h); return () => this.off(e, h); }',
      '  off(e: string, h: (v: any) => void) { const l = this.handlers[e] || []; const i = l.indexOf(h); if (i >= 0) l.splice(i, 1); }',
      '  emit(e: string, v?: any) { for (const h of (this.handlers[e] || []).slice()) h(v); }',
      '}',
      'class Monitor {',
      '  static readonly POLL_MS = 1000;',
      '  private state = State.Starting;',
      '  private readonly events = new Emitter();',
      '  constructor(private opts: { poll?: number; name?: string } = {}) {}',
      '  get ready(): boolean { return this.state !== State.Starting; }',
      '  get poll(): number { return this.opts.poll ?? Monitor.POLL_MS; }',
      '  onState(h: (s: State) => void) { return this.events.on("state", h); }',
      '  feed(line: string): void {',
      '    const l = parse(line);',
      '    if (!l || l.kind !== "OK") return;',
      '    const next = +l.args[0] as State;',
      '    if (next !== this.state) { this.state = next; this.events.emit("state", next); }',
      '  }',
      '  status() { return { ...this.opts, state: State[this.state], name: this.opts.name?.toUpperCase() }; }',
      '}',
      'const m = new Monitor({ name: "evse" });',
      'const seen: string[] = [];',
      'const checks: (() => number)[] = [];',
      'for (let i = 0; i < 3; i++) checks.push(() => i * 10);',
      'm.onState((s) => seen.push(State[s]));',
      'm.feed("$OK 3^20");',
      'm.feed("$OK 254^20");',
      'declare var result: any;',
      'result = { frame: frame("$GS", 7), seen, status: m.status(), ready: m.ready, poll: m.poll, checks: checks.map((c) => c()) };',
    ].join('\n');
    const es5 = ts.transpileModule(source, {
      compilerOptions: { target: ts.ScriptTarget.ES5, module: ts.ModuleKind.None, useDefineForClassFields: false },
    }).outputText;
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { minify } = require('terser');
    const min = await minify(`(function(){${es5}})();`, {
      ecma: 5, toplevel: true, mangle: true,
      compress: { passes: 2, hoist_funs: false, reduce_funcs: false, inline: 1 },
    });
    expect(check(es5)).toEqual([]);
    expect(check(min.code)).toEqual([]);
    // It is real code: it runs and gives the answer TypeScript means.
    const box: any = {};
    vm.runInNewContext(min.code, box);
    expect(box.result).toEqual({
      frame: '$GS :07^2D\r', seen: ['Charging', 'Sleeping'], ready: true, poll: 1000, checks: [0, 10, 20],
      status: { name: 'EVSE', state: 'Sleeping' },
    });
    expect(analyse(min.code).functions).toBeGreaterThan(10);
  });

  test("TypeScript's ES5 `extends` output is caught (it needs hoisting)", () => {
    const es5 = ts.transpileModule('class A { a = 1 }\nclass B extends A { b = 2 }', {
      compilerOptions: { target: ts.ScriptTarget.ES5, module: ts.ModuleKind.None },
    }).outputText;
    const problems = check(es5);
    expect(problems.map((p) => p.construct)).toEqual(['use before declaration']);
    expect(problems[0].why).toContain('`B`');
  });
});

describe('check-image: messages', () => {
  test('a message names the construct, the file and the place', () => {
    const code = 'var ok = 1;\nvar {a} = o;';
    const [p] = check(code);
    const line = formatProblem('dist/esp32/image.js', p, code);
    expect(line).toMatch(/^dist\/esp32\/image\.js:2:5: destructuring — .*espruino\.md §2/);
  });

  test('use before declaration says where the declaration is', () => {
    const [p] = check('start();\nvar x = 1;\nfunction start() {}');
    expect(p).toEqual(expect.objectContaining({ construct: 'use before declaration', line: 1, col: 1 }));
    expect(p.why).toContain('`start`');
    expect(p.why).toContain('3:1');
  });

  test('on a minified one-line file the message quotes the code around the column', () => {
    const code = `${'var a=1;'.repeat(30)}var b=Array.from(c);${'var d=2;'.repeat(30)}`;
    const [p] = check(code);
    expect(formatProblem('image.js', p, code)).toMatch(/^image\.js:1:247: Array\.from — .*\[near: .*var b=Array\.from\(c\)/);
  });

  test('the command line: problems exit 1, a clean file exits 0 with its size and function count', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'check-image-'));
    const bad = path.join(dir, 'bad.js');
    const good = path.join(dir, 'good.js');
    fs.writeFileSync(bad, 'var m = new Map();\nvar s = /a{2}/;\n');
    fs.writeFileSync(good, 'function f() { return [1].map(function (x) { return x; }); }\nf();\n');
    const r1 = spawnSync(process.execPath, [SCRIPT, bad, good], { encoding: 'utf8' });
    expect(r1.status).toBe(1);
    expect(r1.stdout.split('\n').filter(Boolean)).toEqual([
      `${bad}:1:13: Map — Map does not exist on Espruino; use a plain object (espruino.md §2)`,
      expect.stringMatching(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:9: regex \\{n\\} quantifier — `)),
      `image check: ${good} ok (${fs.statSync(good).size} bytes, 2 functions)`,
    ]);
    const r2 = spawnSync(process.execPath, [SCRIPT, good], { encoding: 'utf8' });
    expect(r2.status).toBe(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
