// Two rewrites of the minified ESP32 image that leave its behaviour alone and make its functions
// hold fewer JsVars on Espruino, where function objects are most of the memory in use
// (DESIGN.md, "Memory"). Measured on the interpreter, 50 functions of 3 parameters each, loaded from
// Storage: 400 JsVars inside a function wrapper, 348 at the top level, 198 at the top level with
// their parameters read from `arguments`.
//
// 1. The image runs at the top level (rollup's "es" format, no wrapper function). Espruino links
//    each function to the scope it was made in (one JsVar per function), except at the top level,
//    where there is no scope to link. So the image's top-level names are globals of the interpreter:
//    `RESERVED` keeps the minifier from giving one of them a name the interpreter already has, and
//    `topLevelClashes()` fails the build if one has it anyway.
// 2. A function's named parameters are kept with the function, one JsVar each, for as long as the
//    function lives. A leaf function (one that makes no function inside it) reads them from
//    `arguments` instead: `function(t,e){...}` becomes `function(){var t=arguments[0],e=arguments[1];...}`.
//    Only leaf functions: on Espruino, `arguments` is stored in the calling scope as a variable, and
//    a function made inside would see that variable in place of its own `arguments` (seen on the
//    interpreter: the inner function read the outer one's first argument); a leaf's scope, with the
//    array, is also let go as soon as it returns. Setters keep their parameter (the syntax needs it).
'use strict';
const acorn = require('acorn');
const walk = require('acorn-walk');
const { applyEdits } = require('./js-edits.js');

/**
 * Global names of the Espruino interpreter short enough for the minifier to produce: `E`, and the pins
 * D0..D9 and A0..A9 (boards name pins so; a global var of that name would hide the pin).
 */
const RESERVED = ['E'];
for (let i = 0; i < 10; i++) RESERVED.push('D' + i, 'A' + i);

const isFunction = (n) => n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression';

/** The names declared at the top level of `ast` that the interpreter also has. */
function topLevelClashes(ast) {
  const names = [];
  for (const s of ast.body) {
    if (s.type === 'FunctionDeclaration') names.push(s.id.name);
    if (s.type === 'VariableDeclaration') for (const d of s.declarations) names.push(d.id.name);
  }
  return names.filter((n) => RESERVED.indexOf(n) >= 0);
}

/** `code` with every leaf function's parameters read from `arguments`; `count` gets how many. */
function paramsFromArguments(code, ast) {
  const edits = [];
  walk.fullAncestor(ast, (node, _state, ancestors) => {
    if (!isFunction(node) || !node.params.length) return;
    const parent = ancestors[ancestors.length - 2];
    if (parent && parent.type === 'Property' && parent.kind !== 'init') return;
    let leaf = true;
    let usesArguments = false;
    walk.fullAncestor(node.body, (inner) => {
      if (isFunction(inner)) leaf = false;
      if (inner.type === 'Identifier' && inner.name === 'arguments') usesArguments = true;
    });
    if (!leaf || usesArguments || node.params.some((p) => p.type !== 'Identifier')) return;
    const first = node.params[0];
    const last = node.params[node.params.length - 1];
    edits.push({ start: first.start, end: last.end, text: '' });
    const reads = node.params.map((p, i) => p.name + '=arguments[' + i + ']').join(',');
    edits.push({ start: node.body.start + 1, end: node.body.start + 1, text: 'var ' + reads + ';' });
  });
  return { code: applyEdits(code, edits).out, count: edits.length / 2 };
}

/** The rollup plugin, after the minifier. */
function imageVars() {
  return {
    name: 'image-vars',
    renderChunk(code) {
      const ast = acorn.parse(code, { ecmaVersion: 5, sourceType: 'script' });
      const clashes = topLevelClashes(ast);
      if (clashes.length) this.error('the image declares interpreter globals at its top level: ' + clashes.join(', '));
      return { code: paramsFromArguments(code, ast).code, map: null };
    },
  };
}

module.exports = { RESERVED, imageVars, paramsFromArguments, topLevelClashes };
