// What the build steps that rewrite the image's JavaScript share (scripts/unwrap-classes.js,
// image-vars.js, rollup-lazy.mjs, rollup-resident.js): text edits made in one go, and the
// identifiers of a tree that name a variable.
'use strict';
const walk = require('acorn-walk');

/**
 * `code` with `edits` ({start, end, text}) made, from the end so that the offsets before an edit
 * stay right; an edit inside another (a class in another's wrapper, a `new` in another's
 * arguments) is made and the outer one left as it is, rather than both edited. Returns the text
 * and the edits made.
 */
function applyEdits(code, edits) {
  edits.sort((a, b) => b.start - a.start);
  let out = code;
  let limit = Infinity;
  const made = [];
  for (const e of edits) {
    if (e.end > limit) continue;
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
    limit = e.start;
    made.push(e);
  }
  return { out, made };
}

/** Calls `visit(identifier, ancestors)` for each identifier of `root` that names a variable (not a property name or a label). */
function references(root, visit) {
  walk.fullAncestor(root, (n, _st, anc) => {
    if (n.type !== 'Identifier') return;
    const parent = anc[anc.length - 2];
    if (parent.type === 'MemberExpression' && parent.property === n && !parent.computed) return;
    if (parent.type === 'Property' && parent.key === n && !parent.computed) return;
    if (/^(Labeled|Break|Continue)Statement$/.test(parent.type) && parent.label === n) return;
    visit(n, anc);
  });
}

module.exports = { applyEdits, references };
