// The benchmark's validation path (npm run bench): on tiny shapes, every variant of every kernel
// group must match the float64 reference; and the results render as tables and a report.
import '../support/setup.ts';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gpu } from '../../engine/index.ts';
import { selectedGroups, validateSelected } from '../../bench/groups.ts';
import { GROUPS, parseOptions } from '../../bench/options.ts';
import { writeReport } from '../../bench/report.ts';
import { profileStep } from '../../bench/profile.ts';
import { timeGroup } from '../../bench/suite.ts';
import { allTables, kernelTable, textTable, type BenchResults } from '../../bench/tables.ts';
import { KernelTimer } from '../../tune/timing.ts';

const TINY = [
  '--quick',
  '--batch-size',
  '2',
  '--max-length',
  '8',
  '--dim',
  '16',
  '--hidden-dim',
  '32',
  '--heads',
  '2',
  '--layers',
  '1',
  '--vocab',
  '50',
  '--matmul-sizes',
  '32',
  // One swept configuration of split-K and of direct, not bench's default sweep: each blocked
  // tiling is seconds of compile on a CPU implementation, and bench validates its sweep itself.
  '--matmul-configs',
  '64x64x16/4x4/s3,8x8/8',
];

test('every variant of every kernel group validates against the float64 reference', async () => {
  const o = parseOptions(TINY)!;
  const validations = await validateSelected(o);
  const variants = selectedGroups(o).flatMap((g) => g.variants.map((v) => `${g.group} ${v.name}`));
  assert.equal(
    validations.map((v) => `${v.group} ${v.variant}`),
    variants,
  );
  assert.ok(variants.length >= 12, `only ${variants.length} variants`);
  for (const v of validations) assert.is(v.error, null, `${v.group} ${v.variant}`);
});

test('a tiling the kernel refuses fails validation with the reason', async () => {
  // 3x3 outputs per thread do not divide a 64x64 tile.
  const o = parseOptions([...TINY, '--only', 'matmul', '--variant', '3', '--matmul-configs', '16x16x4/1x1,64x64x16/3x3'])!;
  // Found by name: the f16-operand variants follow the swept configurations where there is shader-f16.
  const validations = await validateSelected(o);
  const [ok, refused] = ['3 blocked 16x16x4/1x1', '3 blocked 64x64x16/3x3'].map((name) => validations.find((v) => v.variant === name)!);
  assert.equal([ok.variant, ok.error], ['3 blocked 16x16x4/1x1', null]);
  assert.is(refused.variant, '3 blocked 64x64x16/3x3');
  assert.match(refused.error ?? '', /tileM and tileN must be multiples of threadM and threadN/);
});

test("each timed result lists its launches' workgroup counts: split-K's two", async () => {
  const o = parseOptions([...TINY, '--only', 'matmul'])!;
  const [group] = selectedGroups(o);
  const splitK = { ...group, variants: group.variants.filter((v) => v.name.endsWith('/s3')) };
  const { device, features } = gpu();
  const timer = new KernelTimer(device, features, { warmup: 1, repeats: 1, minSampleMs: 1 });
  try {
    const results = await timeGroup(splitK, [], timer, {}, () => {});
    assert.ok(results.length >= 3, `${results.length} results`);
    for (const r of results) {
      assert.is(r.error, undefined, r.workload);
      const [partials, sum, ...more] = r.launches ?? [];
      assert.match(partials.kernel, /^matmul_split_k_\d/, r.workload);
      assert.match(sum.kernel, /^matmul_split_k_sum/, r.workload);
      assert.is(more.length, 0, r.workload);
      assert.ok(partials.workgroups >= 1 && sum.workgroups >= 1, r.workload);
    }
  } finally {
    timer.destroy();
  }
});

test('the step profile accounts for every launch of a training step of a tiny model', async () => {
  const o = parseOptions(TINY)!;
  const { device, features } = gpu();
  const timer = new KernelTimer(device, features, { warmup: 1, repeats: 1, minSampleMs: 1 });
  try {
    const p = await profileStep(o, timer, () => {});
    assert.equal(
      p.phases.map((e) => e.name),
      ['forward', 'backward', 'optimizer'],
    );
    const launches = (entries: { launches: number }[]) => entries.reduce((n, e) => n + e.launches, 0);
    for (const entries of [p.phases, p.categories, p.kernels]) assert.is(launches(entries), p.launches);
    assert.ok(p.kernels.some((k) => k.name.startsWith('matmul')) && p.kernels.some((k) => k.name.startsWith('adamw')));
    assert.ok(p.outsideShare >= 0 && p.outsideShare <= 1, `outside share ${p.outsideShare}`);
  } finally {
    timer.destroy();
  }
});

test('options: groups, shapes and bad values are named', () => {
  assert.equal([...parseOptions([])!.only], [...GROUPS]);
  assert.is(parseOptions(['--help']), null);
  assert.throws(() => parseOptions(['--only', 'matmul,nope']), /--only: unknown group "nope"/);
  assert.throws(() => parseOptions(['--dim', '100', '--heads', '12']), /--dim 100 must be a multiple of --heads 12/);
  assert.throws(() => parseOptions(['--matmul-configs', '64x64/4x4']), /"64x64\/4x4" is not TMxTNxTK\/RMxRN\[\/sS\]/);
  assert.equal(
    ['64x64x16/8x8', '64x64x16/8x8/s4', '16x4/8'].map((c) => parseOptions(['--matmul-configs', c])!.matmulConfigs[0].variant),
    [3, 6, 4],
  );
  assert.throws(() => parseOptions(['--report', 'out.html']), /--report must name a \.md file/);
  // npm run train's names for the shapes, and bench's older ones as aliases.
  const named = parseOptions(['--batch-size', '3', '--max-length', '5', '--hidden-dim', '7'])!;
  const aliased = parseOptions(['--batch', '3', '--seq', '5', '--hidden', '7'])!;
  assert.equal([named.batch, named.seq, named.hidden], [3, 5, 7]);
  assert.equal([aliased.batch, aliased.seq, aliased.hidden], [3, 5, 7]);
  assert.throws(() => parseOptions(['--batch-size', '3', '--batch', '4']), /--batch-size and --batch name the same shape/);
});

test('--variant keeps the variants numbered or named so, and names the choices when none is', () => {
  const variants = (argv: string[]) => selectedGroups(parseOptions([...TINY, ...argv])!).flatMap((g) => g.variants.map((v) => v.name));
  const four = variants(['--only', 'matmul', '--variant', '4']);
  assert.ok(four.length > 0 && four.every((name) => name.startsWith('4 ')), four.join(', '));
  assert.throws(
    () => variants(['--only', 'matmul', '--variant', '99']),
    /--variant 99: no selected variant is numbered or named so \(there are: matmul 1 /,
  );
});

test('a rate is left out where the run is too small to say anything', () => {
  const time = { median: 5, min: 5, max: 5, samples: 3 };
  const row = (work: number, median = 5) =>
    kernelTable(
      [{ group: 'gelu', variant: 'v', workload: 'w', unit: 'GB/s', work, time: { ...time, median }, rate: work / median / 1e6 }],
      {},
      {},
    ).rows[0][4];
  assert.is(row(800), '– (too small)');
  assert.is(row(4e9, 0.001), '– (too small)');
  assert.is(row(4e9), '800 GB/s');
});

test('results render as terminal tables and a markdown report with SVG charts', () => {
  const time = { median: 2, min: 1.9, max: 2.2, samples: 3 };
  const results: BenchResults = {
    device: 'test device',
    date: '2025-01-01T00:00:00Z',
    clock: 'wall-clock',
    shapes: { batch: 2 },
    sampling: { warmup: 1, repeats: 3, minSampleMs: 5 },
    peaks: { tflops: 1 },
    validations: [{ group: 'matmul', variant: '1 naive', error: null }],
    kernels: [
      {
        group: 'matmul',
        variant: '1 naive',
        workload: 'fwd',
        unit: 'GFLOP/s',
        work: 2e9,
        time,
        rate: 1000,
        ofPeak: 1,
        launches: [{ kernel: 'matmul_naive_nn', workgroups: 144 }],
      },
    ],
    peers: {
      clock: 'wall-clock',
      unavailable: { 'jax-js': 'no adapter' },
      rows: [
        {
          n: 32,
          ours: { time, rate: 30 },
          best: { time, rate: 40, variant: '3 blocked 64x64x16/4x4/4' },
          peers: { 'tfjs-webgpu': { time, rate: 10, ratio: 3, bestRatio: 4 } },
        },
      ],
    },
  };
  const text = allTables(results).map(textTable).join('\n');
  assert.match(text, /1 naive\s+fwd\s+2\.00 ±8%\s+1000 GFLOP\/s\s+100\.0%\s+144\n/);
  // At DistilBERT-base's shapes, launches too small to fill a large GPU are flagged.
  const base = { ...results, shapes: { batch: 64, seq: 64, dim: 768, hidden: 3072, heads: 12 } };
  assert.match(allTables(base).map(textTable).join('\n'), /100\.0%\s+144 \(<1024\)\n/);
  assert.match(text, /32\s+30\.0\s+40\.0 \(64x64x16\/4x4\/4\)\s+10\.0\s+3\.00×\s+4\.00×\s+unavailable/);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-report-'));
  try {
    writeReport(path.join(dir, 'bench.md'), results);
    const md = fs.readFileSync(path.join(dir, 'bench.md'), 'utf8');
    assert.match(md, /jax-js could not run here: no adapter/);
    assert.match(md, /!\[peers\]\(bench-peers\.svg\)/);
    assert.match(fs.readFileSync(path.join(dir, 'bench-peers.svg'), 'utf8'), /^<svg [^>]*>[\s\S]*tfjs-webgpu[\s\S]*<\/svg>\n$/);
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

test.run();
