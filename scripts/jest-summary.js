// A jest reporter that ends the run with one plain line, "jest: N passed, N failed[, N skipped]",
// which CI reads as the closing count.
class Summary {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    process.stderr.write('jest: ' + results.numPassedTests + ' passed, ' + results.numFailedTests + ' failed' + (skipped ? ', ' + skipped + ' skipped' : '') + '\n');
  }
}
module.exports = Summary;
