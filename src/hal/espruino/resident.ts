// Runs a resident feature's code at the interpreter's top level (scripts/rollup-resident.js says
// why): its functions are then linked to no scope, one JsVar less each, for as long as they live.
//
// A setter that is the native `eval` is called by the interpreter with no scope at all, so the
// text it is given runs at the top level, even when the assignment is made inside a function. The
// text is the feature's body as it stands in this image's file in Storage: read from there it stays
// in flash, and the functions it makes point into it, as the image's own do.
declare var $$: any;

/**
 * The exports of a resident feature: `body` is its code as a function, `at` and `length` the
 * place of that function's body in the image. An image that was not loaded from Storage (sent
 * over the console) runs the function instead: the same code, its functions then linked to a scope.
 * Nothing is kept between calls (a handful, at boot): kept, the mark would be a string in RAM and
 * the image's place an object.
 */
export function loadResident(body: () => void, at: number, length: number): any {
  var s = require('Storage');
  // this build's mark, and where its text is in the image (both written by the build)
  var mark = 'oevse-image ################';
  var markAt: any = '#mark--at#';
  // the image's file in Storage, and the offset of its first character there (test harnesses
  // put code before it)
  var file = '';
  var base = 0;
  var files: string[] = s.list();
  for (var i = 0; i < files.length && !file; i++) if (s.read(files[i], markAt, mark.length) === mark) file = files[i];
  for (var k = 0; k < files.length && !file; k++) {
    // (the whole file, as a string in flash: searched there, not copied)
    var text = s.read(files[k]);
    var found = text ? text.indexOf(mark) : -1;
    if (found >= 0) {
      file = files[k];
      base = found - markAt;
    }
  }
  var topLevel: any = {};
  Object.defineProperty(topLevel, 'code', { set: eval });
  if (file) topLevel.code = s.read(file, base + at, length);
  else body();
  var exports = $$;
  $$ = undefined;
  return exports;
}
