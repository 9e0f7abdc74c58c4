// scripts/unwrap-classes.js, the build step that takes TypeScript's ES5 class wrappers away in the
// device image (each method then costs ~3 JsVars less on Espruino): the classes behave the same,
// and a wrapper that does anything more than define its class is left alone.
import * as vm from 'node:vm';
import * as ts from 'typescript';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { unwrapClassWrappers } = require('../../scripts/unwrap-classes.js');

const es5 = (source: string): string =>
  ts.transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES5, module: ts.ModuleKind.None, useDefineForClassFields: false } }).outputText;

const CLASSES = `
class Counter {
  static made = 0;
  n: number;
  constructor(start: number) { this.n = start; Counter.made++; }
  add(k: number) { this.n += k; return this; }
  get double() { return this.n * 2; }
}
class Named { constructor(public name: string) {} hello() { return 'hi ' + this.name; } }
var out = [new Counter(2).add(3).n, new Counter(1).double, Counter.made, new Named('x').hello(), typeof Counter.prototype.add, new Named('y') instanceof Named, new Named('z') instanceof Counter];
`;

test('plain classes lose their wrapper and behave the same', () => {
  const before = es5(CLASSES);
  const after = unwrapClassWrappers(before);
  expect(before).toMatch(/\/\*\* @class \*\/ \(function \(\) \{/);
  expect(after).not.toMatch(/@class/);
  expect(after).toMatch(/^function Counter\(start\) \{/m);
  expect(after).toMatch(/^function Named\(name\) \{/m);
  const run = (code: string) => {
    const ctx: any = {};
    vm.runInNewContext(code, ctx);
    return ctx.out;
  };
  expect(run(after)).toEqual([5, 2, 2, 'hi x', 'function', true, false]);
  expect(run(after)).toEqual(run(before));
});

test('their `new` becomes __construct (no `constructor` on the device); other `new`s stay', () => {
  const before = es5(CLASSES + `
var holder = { Named: Named };
var more = [new holder.Named('m').hello(), new Date(0).getTime(), new Error('e').message];
class Six { sum: number; constructor(a: number, b: number, c: number, d: number, e: number, f: number) { this.sum = a + b + c + d + e + f; } }
var six = new Six(1, 2, 3, 4, 5, 6).sum;
`);
  const after = unwrapClassWrappers(before);
  expect(after).toMatch(/__construct\(Counter, 2\)/);
  expect(after).toMatch(/__construct\(holder\.Named, 'm'\)/);
  expect(after).toMatch(/new Date\(0\)/);
  expect(after).toMatch(/new Error\('e'\)/);
  // (more arguments than __construct passes on: left as it is)
  expect(after).toMatch(/^function Six\(/m);
  expect(after).toMatch(/new Six\(1, 2, 3, 4, 5, 6\)/);
  expect(after).not.toMatch(/new (Counter|Named)\b/);
  const ctx: any = {};
  vm.runInNewContext(after, ctx);
  expect(ctx.out).toEqual([5, 2, 2, 'hi x', 'function', true, false]);
  expect(ctx.more).toEqual(['hi m', 0, 'e']);
  expect(ctx.six).toBe(21);
});

test('a wrapper that does more is left as it is: extends (a parameter), another declaration, its own this', () => {
  const kept = [
    es5('class A { a() { return 1; } }\nclass B extends A { b() { return 2; } }').replace(/^var A[\s\S]*?\}\(\)\);\n/m, ''),
    'var C = /** @class */ (function () {\n  function C() {}\n  var helper = 1;\n  C.prototype.m = function () { return helper; };\n  return C;\n}());',
    'var D = /** @class */ (function () {\n  function D() {}\n  D.self = this;\n  return D;\n}());',
    'var E = /** @class */ (function () {\n  function Other() {}\n  return Other;\n}());',
  ];
  for (const code of kept) expect(unwrapClassWrappers(code)).toBe(code);
});

test('code without classes comes back unchanged', () => {
  const code = 'var x = (function () { return 1; }());\nfunction f() { return x; }\n';
  expect(unwrapClassWrappers(code)).toBe(code);
});
