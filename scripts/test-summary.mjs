// Prints the plain "N passed, N failed" line from vitest's JSON report. When lint or typecheck
// failed before vitest ran there is no report: that run counts as one failure.
import { existsSync, readFileSync } from 'node:fs';

const [file, status] = process.argv.slice(2);
if (!file || !existsSync(file)) {
  console.log(`0 passed, ${status === '0' ? 0 : 1} failed`);
} else {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const failed = report.numFailedTests + (status !== '0' && report.numFailedTests === 0 ? 1 : 0);
  const skipped = report.numPendingTests + report.numTodoTests;
  // CI reads the last line, exactly "N passed, N failed"; the skipped count goes before it.
  console.log(`${skipped} skipped`);
  console.log(`${report.numPassedTests} passed, ${failed} failed`);
}
