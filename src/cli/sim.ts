// `npm run sim -- <scenario-or-session.json> [...]`: the headless runner's entry point.
// Everything testable is in run.ts; this file only binds it to the process.
import { readFileSync } from 'node:fs';
import { runSim } from './run.ts';

const result = runSim(process.argv.slice(2), (path) => readFileSync(path, 'utf8'));
process.stdout.write(result.stdout);
process.stderr.write(result.stderr);
// exitCode, not exit(): a large trace piped to another program must be flushed first.
process.exitCode = result.code;
