// `npm run bench`: kernel benchmarks in the spirit of llm.c's dev/cuda, the same matmuls through
// TensorFlow.js and jax-js on the same device, a profile of one training step, and the workgroup
// count of every launch of a step as a GPU runs it (bench/grid.ts).
//   npm run bench -- --help
// Every variant is validated against the float64 CPU reference before it is timed; the process
// exits non-zero when any validation fails. The --json and --report files are rewritten after
// each group and once more on SIGTERM ("interrupted": "SIGTERM"), so a run cut short keeps the
// groups it finished.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { closeGpu, initGpu, type Gpu } from '../engine/index.ts';
import { files } from '../model/files/node.ts';
import { subgroupMatrixCandidates } from '../engine/ops/subgroup_matrix.ts';
import { comparePeers } from './compare.ts';
import { selectedGroups } from './groups.ts';
import { HELP, parseOptions, type BenchOptions } from './options.ts';
import { knownPeaks } from './peaks.ts';
import { stepGrid } from './grid.ts';
import { profileHost } from './host.ts';
import { profileStep } from './profile.ts';
import { writeReport } from './report.ts';
import { oneLine, timeGroup, validateGroup } from './suite.ts';
import { allTables, gridSummary, profileSummary, textTable, type BenchResults } from './tables.ts';
import { CLOCK_NOTE, KernelTimer } from '../tune/timing.ts';

const log = (line: string) => console.error(`[bench] ${line}`);

/** Runs the selected groups; `partial` sees the results so far at the start and after each group. */
export async function runBench(o: BenchOptions, g: Gpu, partial: (results: BenchResults) => void = () => {}): Promise<BenchResults> {
  const timer = new KernelTimer(g.device, g.features, o);
  const peaks = { ...knownPeaks(g.adapterName), ...(o.peakTflops && { tflops: o.peakTflops }), ...(o.peakGbps && { gbps: o.peakGbps }) };
  const results: BenchResults = {
    device: g.adapterName,
    date: new Date().toISOString(),
    clock: timer.clock,
    shapes: {
      batch: o.batch,
      seq: o.seq,
      dim: o.dim,
      hidden: o.hidden,
      heads: o.heads,
      layers: o.layers,
      vocab: o.vocab,
      classes: o.classes,
      matmulSizes: o.matmulSizes,
    },
    sampling: { warmup: o.warmup, repeats: o.repeats, minSampleMs: o.minSampleMs },
    peaks,
    validations: [],
    kernels: [],
  };
  log(`${g.adapterName}; ${CLOCK_NOTE[timer.clock]}`);
  const groups = selectedGroups(o);
  const progress = new Progress(groups, o, g.cpuImplementation);
  partial(results);
  try {
    if (o.only.has('grid')) {
      try {
        results.grid = stepGrid(o);
        log(`grid: ${gridSummary(results.grid)[0]}`);
      } catch (err) {
        results.grid = { error: oneLine(err) };
      }
      partial(results);
    }
    for (const group of groups) {
      const valid = await validateGroup(group);
      const failed = valid.filter((v) => v.error);
      for (const v of failed) progress.line(`${v.group} ${v.variant}: VALIDATION FAILED: ${v.error}`);
      progress.line(`${group.group}: ${valid.length - failed.length} of ${valid.length} variants match the float64 reference`);
      results.validations.push(...valid);
      results.kernels.push(...(await timeGroup(group, valid, timer, peaks, () => progress.timed())));
      partial(results);
    }
    progress.done();
    if (o.only.has('peers')) {
      results.peers = await comparePeers(o, o, log);
      partial(results);
    }
    if (o.only.has('profile')) {
      results.profile = await profileStep(o, timer, log).catch((err) => ({ error: oneLine(err) }));
      partial(results);
    }
    if (o.only.has('host')) results.host = await profileHost(o, log).catch((err) => ({ error: oneLine(err) }));
  } finally {
    timer.destroy();
  }
  return results;
}

/**
 * What the run will take, said up front and then as it goes: one line per group, and a count of
 * timings with the time left (rewritten in place on a terminal, a line every 30 s otherwise).
 * Results are printed once, as tables at the end.
 */
class Progress {
  private readonly total: number;
  private timings = 0;
  private readonly started = performance.now();
  private lastLine = 0;
  private readonly tty = process.stderr.isTTY === true;

  constructor(groups: ReturnType<typeof selectedGroups>, o: BenchOptions, software: boolean) {
    this.total = groups.reduce((n, g) => n + g.variants.reduce((m, v) => m + v.workloads.length, 0), 0);
    const variants = groups.reduce((n, g) => n + g.variants.length, 0);
    // A first guess from runs of the suite: each timing (warm-up and samples) takes about this long.
    const guessSeconds = (software ? 2.5 : 0.3) * (o.quick ? 1 : 3);
    const extras = ['peers', 'profile', 'host'].filter((x) => o.only.has(x as never));
    const minutes = Math.max(1, Math.round((this.total * guessSeconds) / 60));
    if (this.total === 0) return;
    log(
      `${variants} variants to validate, ${this.total} timings${extras.length ? `, then ${extras.join(', ')}` : ''}: ` +
        `roughly ${minutes} min${extras.length ? ' before those' : ''} (a guess; the time left follows as it goes)`,
    );
  }

  line(text: string): void {
    if (this.tty) process.stderr.write('\r\x1b[K');
    log(text);
  }

  timed(): void {
    this.timings++;
    const elapsed = (performance.now() - this.started) / 1000;
    const left = (elapsed / this.timings) * (this.total - this.timings);
    const text = `${this.timings} of ${this.total} timed, about ${left < 90 ? `${Math.round(left)} s` : `${Math.round(left / 60)} min`} left`;
    if (this.tty) process.stderr.write(`\r\x1b[K[bench] ${text}`);
    else if (elapsed - this.lastLine >= 30) {
      this.lastLine = elapsed;
      log(text);
    }
  }

  done(): void {
    if (this.total === 0) return;
    if (this.tty) process.stderr.write('\r\x1b[K');
    log(`${this.timings} timings in ${Math.round((performance.now() - this.started) / 1000)} s`);
  }
}

async function main(): Promise<number> {
  const o = parseOptions(process.argv.slice(2));
  if (!o) {
    process.stdout.write(HELP);
    return 0;
  }
  process.env.ENGINE_QUIET ??= '1';
  for (const file of [o.json, o.report]) if (file) fs.mkdirSync(path.dirname(file), { recursive: true });
  let sofar: BenchResults | undefined;
  const save = (results: BenchResults) => {
    // Through a temporary file: a process killed mid-write leaves the last whole file.
    if (o.json) files.writeWhole(o.json, [Buffer.from(`${JSON.stringify(results, null, 2)}\n`)]);
    if (o.report) writeReport(o.report, results);
  };
  process.once('SIGTERM', () => {
    if (sofar) save({ ...sofar, interrupted: 'SIGTERM' });
    process.exit(143);
  });
  const g = await initGpu();
  // Matmul variant 5's options, where the adapter has matrix units (bench/kernels/matmul.ts).
  await subgroupMatrixCandidates();
  const results = await runBench(o, g, (r) => {
    sofar = r;
    save(r);
  });
  for (const t of allTables(results)) console.log(`\n${textTable(t)}`);
  if (results.profile)
    console.log(`\n${'error' in results.profile ? `Step profile failed: ${results.profile.error}` : profileSummary(results.profile)}`);
  if (results.host && 'error' in results.host) console.log(`\nHost profile failed: ${results.host.error}`);
  if (results.grid)
    console.log(`\n${'error' in results.grid ? `Grid report failed: ${results.grid.error}` : gridSummary(results.grid).join('\n')}`);
  for (const [name, why] of Object.entries(results.peers?.unavailable ?? {})) console.log(`${name} could not run here: ${why}`);
  save(results);
  return results.validations.some((v) => v.error) ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (code) => {
      closeGpu();
      process.exit(code);
    },
    (err) => {
      console.error(`bench: ${oneLine(err)}`);
      process.exit(2);
    },
  );
}
