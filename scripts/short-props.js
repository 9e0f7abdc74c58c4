// Which property names the minifier may shorten in the ESP32 image. On Espruino a property name of
// 9 characters or more takes a second JsVar (a method name on a prototype, a field on each object
// that has it), for as long as it exists: `statusFields` alone cost 24 JsVars. Shortened: the names
// our own classes declare (methods, fields), 9 characters or more, and only those no one outside
// the image's own code can see:
//  - not one that appears in a string anywhere in the image's sources (a key of the settings
//    table, a topic, a name looked up at run time such as `gw[name]`);
//  - not one the web UI uses (it reads the JSON the gateway sends: its keys must stay);
//  - not one the Espruino boundary uses (src/hal/espruino/: the interpreter's own objects and
//    modules, whose methods keep their names), nor one the OTA loader reads (src/core/ota/boot.js).
// The Node build keeps every name.
'use strict';
const ts = require('typescript');
const fs = require('fs');
const path = require('path');

/** Names shorter than this already fit in one JsVar. */
const MIN_LENGTH = 9;
/** Sources that are not part of the ESP32 image. */
const NOT_IMAGE = ['src/emulator/', 'src/hal/node/', 'src/main/node.ts', 'src/main/emulator.ts'];

function filesUnder(dir, re) {
  const out = [];
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p, re));
    else if (re.test(e.name)) out.push(p);
  }
  return out;
}

const words = (text) => text.split(/[^A-Za-z0-9_$]+/);

/** The names that may be shortened, for a checkout at `root` (sorted). */
function shortenable(root) {
  const rel = (f) => path.relative(root, f).split(path.sep).join('/');
  const declared = new Set();
  const seen = new Set();
  const sources = filesUnder(path.join(root, 'src'), /\.ts$/).filter((f) => !NOT_IMAGE.some((p) => rel(f).startsWith(p)));
  for (const f of sources) {
    const boundary = rel(f).startsWith('src/hal/espruino/');
    const sf = ts.createSourceFile(f, fs.readFileSync(f, 'utf8'), ts.ScriptTarget.ES5, true);
    (function visit(n) {
      if ((ts.isMethodDeclaration(n) || ts.isPropertyDeclaration(n)) && ts.isClassLike(n.parent) && ts.isIdentifier(n.name)) declared.add(n.name.text);
      // constructor(public hal: Hal, ...)
      const modifiers = ts.isParameter(n) ? ts.getModifiers(n) || [] : [];
      if (modifiers.some((m) => m.kind === ts.SyntaxKind.PublicKeyword || m.kind === ts.SyntaxKind.PrivateKeyword) && ts.isIdentifier(n.name)) declared.add(n.name.text);
      if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n) || ts.isTemplateLiteralToken(n)) for (const w of words(n.text)) seen.add(w);
      if (boundary && ts.isIdentifier(n)) seen.add(n.text);
      ts.forEachChild(n, visit);
    })(sf);
  }
  const outside = filesUnder(path.join(root, 'web'), /\.(ts|tsx|js)$/).concat([path.join(root, 'src/core/ota/boot.js')]);
  for (const f of outside) if (fs.existsSync(f)) for (const w of words(fs.readFileSync(f, 'utf8'))) seen.add(w);
  return Array.from(declared)
    .filter((n) => n.length >= MIN_LENGTH && !seen.has(n))
    .sort();
}

/**
 * terser's `mangle.properties` for those names (`builtins`: terser would otherwise keep the ones
 * that are also names of the browser's objects, such as `broadcast`; ours are ours).
 */
function shortPropsOption(root) {
  const names = shortenable(root);
  return { regex: new RegExp('^(?:' + names.join('|') + ')$'), keep_quoted: true, builtins: true };
}

module.exports = { shortenable, shortPropsOption, MIN_LENGTH };
