// `npm run bench`: kernel benchmarks in the spirit of llm.c's dev/cuda, the same matmuls through
// TensorFlow.js and jax-js on the same device, and a profile of one training step.
//   npm run bench -- --help
// Every variant is validated against the float64 CPU reference before it is timed; the process
// exits non-zero when any validation fails.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { closeGpu, initGpu, type Gpu } from '../engine/index.ts';
import { comparePeers } from './compare.ts';
import { selectedGroups } from './groups.ts';
import { HELP, parseOptions, type BenchOptions } from './options.ts';
import { knownPeaks } from './peaks.ts';
import { profileHost } from './host.ts';
import { profileStep } from './profile.ts';
import { writeReport } from './report.ts';
import { oneLine, timeGroup, validateGroup } from './suite.ts';
import { allTables, profileSummary, textTable, type BenchResults } from './tables.ts';
import { CLOCK_NOTE, KernelTimer } from './timing.ts';

const log = (line: string) => console.error(`[bench] ${line}`);

export async function runBench(o: BenchOptions, g: Gpu): Promise<BenchResults> {
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
  try {
    for (const group of selectedGroups(o)) {
      const valid = await validateGroup(group);
      for (const v of valid) log(`${v.group} ${v.variant}: ${v.error ? `VALIDATION FAILED: ${v.error}` : 'valid'}`);
      results.validations.push(...valid);
      results.kernels.push(...(await timeGroup(group, valid, timer, peaks, log)));
    }
    if (o.only.has('peers')) results.peers = await comparePeers(o, o, log);
    if (o.only.has('profile')) {
      results.profile = await profileStep(o, timer, log).catch((err) => ({ error: oneLine(err) }));
    }
    if (o.only.has('host')) results.host = await profileHost(o, log).catch((err) => ({ error: oneLine(err) }));
  } finally {
    timer.destroy();
  }
  return results;
}

async function main(): Promise<number> {
  const o = parseOptions(process.argv.slice(2));
  if (!o) {
    process.stdout.write(HELP);
    return 0;
  }
  process.env.ENGINE_QUIET ??= '1';
  const results = await runBench(o, await initGpu());
  for (const t of allTables(results)) console.log(`\n${textTable(t)}`);
  if (results.profile)
    console.log(`\n${'error' in results.profile ? `Step profile failed: ${results.profile.error}` : profileSummary(results.profile)}`);
  if (results.host && 'error' in results.host) console.log(`\nHost profile failed: ${results.host.error}`);
  for (const [name, why] of Object.entries(results.peers?.unavailable ?? {})) console.log(`${name} could not run here: ${why}`);
  for (const file of [o.json, o.report]) if (file) fs.mkdirSync(path.dirname(file), { recursive: true });
  if (o.json) fs.writeFileSync(o.json, `${JSON.stringify(results, null, 2)}\n`);
  if (o.report) writeReport(o.report, results);
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
