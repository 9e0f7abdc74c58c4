// scripts/image-vars.js, the build step that makes the device image's functions hold fewer JsVars:
// leaf functions read their parameters from `arguments` and behave the same; a function that makes
// functions, a setter and a function already using `arguments` keep theirs; a top-level name the
// interpreter already has is caught.
import * as vm from 'node:vm';
import * as acorn from 'acorn';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { paramsFromArguments, topLevelClashes, RESERVED } = require('../../scripts/image-vars.js');

const rewrite = (code: string) => paramsFromArguments(code, acorn.parse(code, { ecmaVersion: 5, sourceType: 'script' }));
const run = (code: string) => {
  const ctx: any = {};
  vm.runInNewContext(code, ctx);
  return ctx.out;
};

const PROGRAM = `
function add(a, b) { a = a || 10; return a + b; }
function Point(x, y) { this.x = x; this.y = y; }
Point.prototype.len = function (scale) { return (Math.abs(this.x) + Math.abs(this.y)) * scale; };
function counter(start) { var n = start; return function (k) { n += k; return n; }; }
var box = { v: 1, set value(x) { this.v = x * 2; } };
function all() { var s = 0; for (var i = 0; i < arguments.length; i++) s += arguments[i]; return s; }
var c = counter(5);
box.value = 4;
var out = [add(1, 2), add(0, 2), new Point(3, -4).len(2), c(1), c(2), box.v, all(1, 2, 3), [3, 1, 2].sort(function (p, q) { return p - q; }).join(''), add.bind(null, 7)(1)];
`;

test('leaf functions read their parameters from arguments and give the same results', () => {
  const { code, count } = rewrite(PROGRAM);
  expect(run(code)).toEqual(run(PROGRAM));
  expect(run(code)).toEqual([3, 12, 14, 6, 8, 8, 6, '123', 8]);
  expect(code).toMatch(/function add\(\) \{var a=arguments\[0\],b=arguments\[1\];/);
  expect(code).toMatch(/function Point\(\) \{var x=arguments\[0\],y=arguments\[1\];/);
  expect(code).toMatch(/function \(\) \{var k=arguments\[0\];/); // the inner counter function is a leaf
  // add, Point, len, the inner function of counter, the sort comparator
  expect(count).toBe(5);
});

test('a function that makes functions, a setter and a function using arguments keep their parameters', () => {
  const { code } = rewrite(PROGRAM);
  expect(code).toMatch(/function counter\(start\) \{/);
  expect(code).toMatch(/set value\(x\) \{/);
  expect(code).toMatch(/function all\(\) \{ var s = 0;/);
});

test('code without parameters comes back unchanged', () => {
  const code = 'function f() { return 1; }\nvar g = function () { return f(); };';
  expect(rewrite(code)).toEqual({ code, count: 0 });
});

test('a top-level name of the interpreter (E, a pin) is reported, a nested one is not', () => {
  const parse = (code: string) => acorn.parse(code, { ecmaVersion: 5, sourceType: 'script' });
  expect(topLevelClashes(parse('var E = 1, x = 2; function D3() {}'))).toEqual(['E', 'D3']);
  expect(topLevelClashes(parse('function f() { var E = 1; } var x;'))).toEqual([]);
  expect(RESERVED).toEqual(expect.arrayContaining(['E', 'D0', 'D9', 'A0']));
});
