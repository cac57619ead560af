// Runs every test/*.test.ts with uvu in one process (one GPU device for all), then prints the
// summary line CI reads ("N passed, N failed") and exits, which also stops Dawn's threads.
//   npx tsx test/run.ts [PATTERN]
import { parse } from 'uvu/parse';
import { run } from 'uvu/run';

// Only test files, and of those the ones whose path matches the optional PATTERN.
const pattern = new RegExp(`^(?=.*(?:${process.argv[2] ?? ''})).*\\.test\\.ts$`);
let output = '';
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
  output += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
  return write(chunk, ...rest);
}) as typeof process.stdout.write;

let failedToLoad = 0;
try {
  const { suites } = await parse('test', pattern, { cwd: process.cwd() });
  if (suites.length === 0) throw new Error(`no test file matches ${pattern}`);
  await run(suites, { bail: false });
} catch (err) {
  failedToLoad = 1;
  console.error(err instanceof Error ? err.stack ?? err.message : err);
}

// uvu prints "Total: N", "Passed: N", "Skipped: N"; colour codes may wrap the numbers.
const plain = output.replace(/\x1b\[[0-9;]*m/g, '');
const count = (label: string) => Number(plain.match(new RegExp(`${label}:\\s+(\\d+)`))?.[1] ?? 0);
const total = count('Total');
const passed = count('Passed');
const failed = total - passed - count('Skipped') + failedToLoad;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || process.exitCode ? 1 : 0);
