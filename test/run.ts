// Runs every test/**/*.test.ts with uvu in one process (one GPU device for all), then prints the
// summary line CI reads ("N passed, N failed") and exits, which also stops Dawn's threads.
//   npx tsx test/run.ts [PATTERN]
//
// The full run (no PATTERN) is on the default adapter (here Mesa's lavapipe through Vulkan: f16,
// subgroups of 8) and then runs sets of test files again, each in a child process with other
// settings, so that the paths the default adapter does not take keep working (PASSES below):
//   - the OpenGL fallback, llvmpipe through Dawn's OpenGL backend in compatibility mode (no f16, no
//     subgroups, 256 invocations per workgroup): every kernel family, the model, step replay;
//   - a GPU's kernels (ENGINE_KERNELS=gpu): the kernel choices and constants a discrete GPU gets
//     (blocked matmul, split-K, block attention, a workgroup per layer-norm row, the embedding
//     backward's linked occurrences, the grad norm's grid), through PyTorch parity, step replay
//     (with mixed precision) and training;
//   - a second Vulkan implementation, SwiftShader (chromium's Vulkan driver: subgroups of 4, 256
//     invocations, no f16): every kernel family that uses subgroups, the model, step replay.
// A pass runs only when the run does not already set its variable. The summary line counts all.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parse } from 'uvu/parse';
import { pathToFileURL } from 'node:url';

/** Every kernel family, the model end to end against PyTorch, and step replay. */
const KERNEL_SMOKE = 'matmul|attention|softmax_layernorm|cross_entropy|optim|parity|replay';
/**
 * The same less the matmul files: no matmul SwiftShader can run uses subgroups, and the model's
 * products run in parity. SwiftShader finds nothing in Mesa's cache, so its pass costs the same on
 * every run.
 */
const SUBGROUP_SMOKE = 'attention|softmax_layernorm|cross_entropy|optim|parity|replay';
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

interface Pass {
  name: string;
  /** Set in the child's environment; the pass runs only when the parent sets none of them. */
  env: Record<string, string>;
  pattern: string;
  /** Settings that also skip the pass when the parent sets them (its adapter would not be the pass's). */
  skippedUnder?: string[];
  /** What the pass needs on this machine, in words, when it is missing. */
  missing?: () => string | undefined;
}

const PASSES: Pass[] = [
  { name: 'OpenGL fallback smoke set', env: { ENGINE_BACKEND: 'opengl' }, pattern: KERNEL_SMOKE },
  {
    name: "a GPU's kernels on this adapter",
    env: { ENGINE_KERNELS: 'gpu' },
    pattern: 'model/parity|engine/replay|train/sources',
  },
  {
    name: 'SwiftShader smoke set',
    // test/support/setup.ts checks that the adapter opened is the one named here, not a fallback.
    env: { VK_ICD_FILENAMES: SWIFTSHADER_ICD, TEST_ADAPTER: 'swiftshader' },
    pattern: SUBGROUP_SMOKE,
    skippedUnder: ['ENGINE_BACKEND'],
    missing: () => (existsSync(SWIFTSHADER_ICD) ? undefined : `no ${SWIFTSHADER_ICD} (apt-get install chromium)`),
  },
];

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

if (patternArg === undefined) {
  for (const pass of PASSES) {
    if ([...Object.keys(pass.env), ...(pass.skippedUnder ?? [])].some((name) => process.env[name] !== undefined)) continue;
    const counts = await runPass(pass);
    passed += counts.passed;
    failed += counts.failed;
  }
}
printSlowest();
console.log(`${passed} passed, ${failed} failed`);
summarized = true;
process.exit(failed > 0 || process.exitCode ? 1 : 0);

/** A pass's test files in a child process with its settings, its output streamed; its counts. */
async function runPass(pass: Pass): Promise<{ passed: number; failed: number }> {
  const settings = Object.entries(pass.env)
    .map(([name, value]) => `${name}=${value}`)
    .join(' ');
  console.log(`\n${pass.name} (${settings}): ${pass.pattern}`);
  const missing = pass.missing?.();
  if (missing) {
    console.log(`${pass.name} cannot run: ${missing}`);
    return { passed: 0, failed: 1 };
  }
  const started = performance.now();
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1], pass.pattern], {
    env: { ...process.env, ...pass.env },
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
  secondsPerFile.set(`(${pass.name})`, (performance.now() - started) / 1000);
  if (pending) {
    if (lastLine !== undefined) write(`${lastLine}\n`);
    lastLine = pending;
  }
  const summary = lastLine?.match(/^(\d+) passed, (\d+) failed$/);
  if (!summary) {
    write(`${lastLine ?? ''}\n`);
    console.log(`${pass.name} ended without a summary (exit ${exit})`);
    return { passed: 0, failed: 1 };
  }
  const [passPassed, passFailed] = [Number(summary[1]), Number(summary[2])];
  console.log(`${pass.name}: ${passPassed} of ${passPassed + passFailed} passed`);
  return { passed: passPassed, failed: passFailed };
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
