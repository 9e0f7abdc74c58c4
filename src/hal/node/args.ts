/** `--name value` and `--flag` pairs from the command line. */
export function parseArgs(argv: string[]): { [name: string]: string } {
  var out: { [name: string]: string } = {};
  for (var i = 0; i < argv.length; i++) {
    var a = argv[i];
    if (a.substr(0, 2) !== '--') throw new Error('unexpected argument: ' + a);
    var eq = a.indexOf('=');
    if (eq > 0) out[a.substr(2, eq - 2)] = a.substr(eq + 1);
    else if (i + 1 < argv.length && argv[i + 1].substr(0, 2) !== '--') out[a.substr(2)] = argv[++i];
    else out[a.substr(2)] = 'true';
  }
  return out;
}
