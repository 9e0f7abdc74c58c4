// TypeScript's ES5 class is an immediately called function:
//   var Foo = /** @class */ (function () { function Foo() {...} Foo.prototype.m = function () {...}; return Foo; }());
// so every method is made one function deeper than the code around the class. On Espruino a
// function keeps a copy of its scope chain, and from two functions deep that costs ~3 JsVars more
// per function (measured on the interpreter: 20 functions at depth 1 cost 124 vars, at depth 2
// 185). For a class that is only that — its constructor, then statements, then `return Foo` —
// the wrapper does nothing else, so this step takes it away:
//   function Foo() {...} Foo.prototype.m = function () {...};
// in the same place. A class whose wrapper does anything more (extends, other declarations, a
// parameter) is left as it is.
//
// Then each `new Foo(...)` of such a class becomes `__construct(Foo, ...)`: an object made with
// Object.create(Foo.prototype), with Foo called on it. The interpreter's `new` gives the class's
// prototype a `constructor` property (a name of 11 characters: 2 JsVars per class) that nothing in
// the image reads; Object.create does not. `instanceof` and the methods go through the prototype
// as before. `new` with more arguments than __construct passes on is left as it is.
'use strict';
const acorn = require('acorn');
const walk = require('acorn-walk');
const { applyEdits } = require('./js-edits.js');

/** The statements to put in place of `decl` when it is such a class, else null. */
function unwrapped(decl) {
  if (decl.type !== 'VariableDeclaration' || decl.declarations.length !== 1) return null;
  const d = decl.declarations[0];
  const name = d.id.type === 'Identifier' ? d.id.name : null;
  const call = d.init;
  if (!name || !call || call.type !== 'CallExpression' || call.arguments.length) return null;
  const fn = call.callee;
  if (fn.type !== 'FunctionExpression' || fn.params.length || fn.id) return null;
  const body = fn.body.body;
  const first = body[0];
  const last = body[body.length - 1];
  if (!first || first.type !== 'FunctionDeclaration' || first.id.name !== name) return null;
  if (!last || last.type !== 'ReturnStatement' || !last.argument || last.argument.type !== 'Identifier' || last.argument.name !== name) return null;
  // nothing else declared in the wrapper (it would become visible around it), no `this`/`arguments` of the wrapper
  for (const s of body.slice(1, -1)) {
    if (s.type !== 'ExpressionStatement') return null;
    let own = false;
    walk.fullAncestor(s.expression, (n, _st, anc) => {
      const inFunction = anc.slice(0, -1).some((a) => a.type === 'FunctionExpression' || a.type === 'FunctionDeclaration');
      if (!inFunction && (n.type === 'ThisExpression' || (n.type === 'Identifier' && n.name === 'arguments'))) own = true;
    });
    if (own) return null;
  }
  return body.slice(0, -1);
}

/** How many arguments __construct passes on. */
const CONSTRUCT_ARGS = 5;
const CONSTRUCT = 'function __construct(C, a, b, c, d, e) {\n  var o = Object.create(C.prototype);\n  C.call(o, a, b, c, d, e);\n  return o;\n}\n';

/** `code` with `new Foo(...)` made __construct(Foo, ...) for the classes named in `classes`. */
function constructWithoutNew(code, classes) {
  const ast = acorn.parse(code, { ecmaVersion: 5, sourceType: 'script' });
  const edits = [];
  walk.simple(ast, {
    NewExpression(n) {
      const c = n.callee;
      const name = c.type === 'Identifier' ? c.name : c.type === 'MemberExpression' && !c.computed ? c.property.name : null;
      if (!classes.has(name) || n.arguments.length > CONSTRUCT_ARGS) return;
      const args = n.arguments.map((a) => ', ' + code.slice(a.start, a.end)).join('');
      edits.push({ start: n.start, end: n.end, text: '__construct(' + code.slice(c.start, c.end) + args + ')' });
    },
  });
  return edits.length ? CONSTRUCT + applyEdits(code, edits).out : code;
}

/** `code` with the wrapper of every such class taken away. */
function unwrapClassWrappers(code) {
  const ast = acorn.parse(code, { ecmaVersion: 5, sourceType: 'script' });
  const edits = [];
  walk.simple(ast, {
    VariableDeclaration(decl) {
      const stmts = unwrapped(decl);
      if (stmts) edits.push({ start: decl.start, end: decl.end, name: decl.declarations[0].id.name, text: stmts.map((s) => code.slice(s.start, s.end)).join('\n') });
    },
  });
  const r = applyEdits(code, edits);
  return constructWithoutNew(r.out, new Set(r.made.map((e) => e.name)));
}

/** The rollup plugin (ES5 output only: it parses the chunk as ES5). */
function unwrapClasses() {
  return {
    name: 'unwrap-classes',
    renderChunk(code) {
      return { code: unwrapClassWrappers(code), map: null };
    },
  };
}

module.exports = { unwrapClassWrappers, unwrapClasses };
