// Reads the JSON reports that `npm test` writes and fails when a suite ran no test, skipped
// one or failed one. vitest exits 0 when a project matches no files, so CI cannot trust exit
// codes alone to prove that the real-browser tests ran.
import { readFileSync } from 'node:fs';

const suites = [
  { name: 'node (vitest)', file: 'reports/vitest-node.json', kind: 'vitest' },
  { name: 'real Chromium (vitest browser)', file: 'reports/vitest-browser.json', kind: 'vitest' },
  { name: 'end-to-end on the built site (Playwright)', file: 'reports/e2e.json', kind: 'playwright' },
];

let passed = 0;
let failed = 0;
const problems = [];
for (const s of suites) {
  let report;
  try {
    report = JSON.parse(readFileSync(s.file, 'utf8'));
  } catch (e) {
    problems.push(`${s.name}: no report at ${s.file} (${e.message})`);
    continue;
  }
  let ok, bad, skipped;
  if (s.kind === 'vitest') {
    ok = report.numPassedTests;
    bad = report.numFailedTests;
    skipped = report.numPendingTests + report.numTodoTests;
  } else {
    ok = report.stats.expected + report.stats.flaky;
    bad = report.stats.unexpected;
    skipped = report.stats.skipped;
  }
  passed += ok;
  failed += bad;
  console.log(`${s.name}: ${ok} passed, ${bad} failed, ${skipped} skipped`);
  if (ok === 0) problems.push(`${s.name}: ran no test`);
  if (bad > 0) problems.push(`${s.name}: ${bad} failed`);
  if (skipped > 0) problems.push(`${s.name}: ${skipped} skipped (skipped tests are not allowed in CI)`);
}
for (const p of problems) console.error(`check-reports: ${p}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(problems.length > 0 ? 1 : 0);
