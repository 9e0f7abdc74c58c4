// scripts/rollup-resident.js, the build step that makes a resident feature's body runnable at the
// interpreter's top level (its functions then link to no scope on Espruino): the rewritten body,
// run as a program, gives the same exports as the function did, declares nothing (a declaration
// would land in the scope of whoever made the assignment that runs it), and leaves no global but
// its own fresh names.
import * as vm from 'node:vm';
import * as acorn from 'acorn';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { globalForm } = require('../../scripts/rollup-resident.js');

/** `source` (a function expression) rewritten; `taken` names the fresh names must avoid. */
function rewrite(source: string, taken: string[] = []) {
  const code = '(' + source + ')';
  const fn = (acorn.parse(code, { ecmaVersion: 5 }) as any).body[0].expression;
  let k = 0;
  const fresh = () => {
    let name;
    do name = '$' + k++;
    while (taken.indexOf(name) >= 0);
    return name;
  };
  const errors: string[] = [];
  const text = globalForm(code, fn, fresh, (m: string) => {
    errors.push(m);
  });
  return { text, errors };
}

const FEATURE = `function () {
  var count = 0, unset, label = 'c';
  function Counter(start) { this.n = start + count++; }
  Counter.prototype.add = function (k) { var count = k * 10; return this.n + count; };
  Counter.prototype.seen = function () { return count; };
  for (var i = 0; i < 3; i++) count += i;
  for (var key in { a: 1 }) unset = key;
  var make = function (x) { return function inner() { return x + count + typeof inner; }; };
  try { throw 5; } catch (count) { label += count; }
  function later() { return helper(); }
  function helper() { return 'h' + label; }
  return { Counter: Counter, make: make, later: later, state: function () { return [count, unset, i, key, label]; } };
}`;

/** What the exports give, called the same way. */
function use(x: any) {
  const c = new x.Counter(1);
  return [c.n, c.add(2), c.seen(), x.make(1)(), x.later(), x.state(), new x.Counter(0).n];
}

test('run at the top level, the body gives the same exports as the function did', () => {
  const { text, errors } = rewrite(FEATURE);
  expect(errors).toEqual([]);
  const before = use(vm.runInNewContext('(' + FEATURE + ')()'));
  const ctx: any = {};
  vm.runInNewContext(text.slice(1, -1), ctx);
  expect(use(ctx.$$)).toEqual(before);
  expect(before).toEqual([4, 24, 4, '5function', 'hc5', [4, 'a', 3, 'a', 'c5'], 4]);
  // its names are fresh globals; the body declares nothing
  expect(Object.keys(ctx).sort()).toEqual(['$$', '$0', '$1', '$2', '$3', '$4', '$5', '$6', '$7', '$8'].sort());
  const program = acorn.parse(text.slice(1, -1), { ecmaVersion: 5 }) as any;
  expect(program.body.filter((s: any) => /Declaration$/.test(s.type))).toEqual([]);
});

test('the fresh names are the ones the build gives: none already in the image', () => {
  const { text } = rewrite(FEATURE, ['$0', '$3']);
  const ctx: any = { $0: 'image', $3: 'image' };
  vm.runInNewContext(text.slice(1, -1), ctx);
  expect([ctx.$0, ctx.$3]).toEqual(['image', 'image']);
  expect(use(ctx.$$)[4]).toBe('hc5');
});

test('what cannot run at the top level stops the build', () => {
  expect(rewrite('function () { var self = this; return {}; }').errors).toEqual(['`this` at the top level of the feature']);
  expect(rewrite('function () { var a = arguments[0]; return { a: a }; }').errors).toEqual(['`arguments` at the top level of the feature']);
  expect(rewrite('function () { if (x) return {}; return {}; }').errors).toEqual(['a return other than the exports at the end']);
  expect(rewrite('function () { if (x) { function f() {} } return { f: f }; }').errors).toContain('a function declared in a block: f');
  // inside the feature's functions, all of it is fine
  expect(rewrite('function () { function f() { if (this.x) return arguments[0]; } return { f: f }; }').errors).toEqual([]);
});
