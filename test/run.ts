// Runs every test/**/*.test.ts with uvu in one process (one GPU device for all), then prints the
// summary line CI reads ("N passed, N failed") and exits, which also stops Dawn's threads.
//   npx tsx test/run.ts [PATTERN]
//
// The full run (no PATTERN, no ENGINE_BACKEND) is on the default adapter (here Mesa's lavapipe
// through Vulkan: f16, subgroups) and then runs a smoke set again in a child process on the
// fallback, llvmpipe through Dawn's OpenGL backend in compatibility mode (no f16, no subgroups,
// 256 invocations per workgroup), so that both paths keep working. The summary line counts both.
import { spawn } from 'node:child_process';
import { parse } from 'uvu/parse';
import { pathToFileURL } from 'node:url';

/** Test files that run again on the OpenGL fallback: every kernel family, the model end to end, and step replay. */
const OPENGL_SMOKE = 'matmul|attention|softmax_layernorm|cross_entropy|optim|parity|replay';

const patternArg = process.argv[2];
// Only test files, and of those the ones whose path matches the optional PATTERN.
const pattern = new RegExp(`^(?=.*(?:${patternArg ?? ''})).*\\.test\\.ts$`);
let output = '';
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
  output += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
  return write(chunk, ...rest);
}) as typeof process.stdout.write;

/** Seconds spent in each test file: importing it (its top level) and running its tests. */
const secondsPerFile = new Map<string, number>();

let failedToLoad = 0;
// If the process ends with tests still running (the event loop emptied while a test awaited
// something that can never settle), uvu says so; the summary line must still come, as a failure.
let summarized = false;
process.on('exit', () => {
  if (!summarized) console.log(`0 passed, 1 failed (the test process ended before its tests finished)`);
});
try {
  const { suites } = await parse('test', pattern, { cwd: process.cwd() });
  if (suites.length === 0) throw new Error(`no test file matches ${pattern}`);
  await runTimed(suites);
} catch (err) {
  failedToLoad = 1;
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
}

// uvu prints "Total: N", "Passed: N", "Skipped: N"; colour codes may wrap the numbers.
// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes start with ESC
const plain = output.replace(/\x1b\[[0-9;]*m/g, '');
const count = (label: string) => Number(plain.match(new RegExp(`${label}:\\s+(\\d+)`))?.[1] ?? 0);
let passed = count('Passed');
let failed = count('Total') - passed - count('Skipped') + failedToLoad;

if (patternArg === undefined && process.env.ENGINE_BACKEND === undefined) {
  const smoke = await openGlSmoke();
  passed += smoke.passed;
  failed += smoke.failed;
}
printSlowest();
console.log(`${passed} passed, ${failed} failed`);
summarized = true;
process.exit(failed > 0 || process.exitCode ? 1 : 0);

/** The smoke set in a child process forced onto the OpenGL backend, its output streamed; its counts. */
async function openGlSmoke(): Promise<{ passed: number; failed: number }> {
  console.log(`\nOpenGL fallback smoke set (ENGINE_BACKEND=opengl): ${OPENGL_SMOKE}`);
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1], OPENGL_SMOKE], {
    env: { ...process.env, ENGINE_BACKEND: 'opengl' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Lines pass through as they come, except the child's own summary line: it is replaced by one
  // in words, so that only ours reads as the total.
  let lastLine: string | undefined;
  let pending = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (lastLine !== undefined) write(`${lastLine}\n`);
      lastLine = line;
    }
  });
  const exit = await new Promise<string>((resolve) => child.on('close', (code, signal) => resolve(String(code ?? signal))));
  if (pending) {
    if (lastLine !== undefined) write(`${lastLine}\n`);
    lastLine = pending;
  }
  const summary = lastLine?.match(/^(\d+) passed, (\d+) failed$/);
  if (!summary) {
    write(`${lastLine ?? ''}\n`);
    console.log(`the OpenGL smoke run ended without a summary (exit ${exit})`);
    return { passed: 0, failed: 1 };
  }
  const [smokePassed, smokeFailed] = [Number(summary[1]), Number(summary[2])];
  console.log(`OpenGL smoke set: ${smokePassed} of ${smokePassed + smokeFailed} passed`);
  return { passed: smokePassed, failed: smokeFailed };
}

/**
 * uvu's own `run` (uvu/run), with each file's time kept: it imports every file, which queues its
 * tests in a group of the file's name, then runs the groups in order.
 */
async function runTimed(suites: { name: string; file: string }[]): Promise<void> {
  const g = globalThis as unknown as { UVU_DEFER: number; UVU_INDEX: number; UVU_QUEUE: unknown[][] };
  g.UVU_DEFER = 1;
  const uvu = await import('uvu');
  const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await fn();
    } finally {
      secondsPerFile.set(name, (secondsPerFile.get(name) ?? 0) + (performance.now() - started) / 1000);
    }
  };
  for (const [index, suite] of suites.entries()) {
    g.UVU_INDEX = index;
    g.UVU_QUEUE.push([suite.name]);
    await timed(suite.name, () => import(pathToFileURL(suite.file).href));
  }
  for (const group of g.UVU_QUEUE) {
    const name = String(group[0]);
    for (let i = 1; i < group.length; i++) {
      const runner = group[i] as () => Promise<unknown>;
      group[i] = () => timed(name, runner);
    }
  }
  await uvu.exec(false);
}

/** The files that took longest: where a cold machine's time goes. */
function printSlowest(): void {
  const slowest = [...secondsPerFile].sort((a, b) => b[1] - a[1]).slice(0, 8);
  if (slowest.length > 1) console.log(`slowest files: ${slowest.map(([name, s]) => `${name} ${s.toFixed(0)} s`).join(', ')}`);
}
