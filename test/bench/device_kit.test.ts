// The device kit (bench/device/run.sh) dry-runs here with --cpu: a tiny model, few steps, one
// kernel group. It runs with --no-limits, so that no verdict depends on this machine's speed, and
// two runs go one after the other: the full run leaves every stage's file and a summary listing
// them; in a --smoke run whose training steps are stopped mid-way (with SIGTERM, as at a stage's
// time limit), that stage leaves its file saying so, the stages before keep theirs, and the
// summary lists each stage's outcome.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { repoRoot } from '../support/cli_process.ts';

const json = (dir: string, file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8'));

interface KitRun {
  out: string;
  code: number | null;
  stderr: string;
}

/** Runs `run.sh --cpu --no-limits FLAGS` into a fresh folder; `watch` is called every 20 ms while it runs. */
function kit(flags: string[], watch?: (out: string) => void): Promise<KitRun> {
  const out = mkdtempSync(join(tmpdir(), 'device-kit-'));
  const child = spawn('bash', ['bench/device/run.sh', '--cpu', '--no-limits', '--out', out, ...flags], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const poll = watch && setInterval(() => watch(out), 20);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      resolve({ out, code, stderr });
    });
  });
}

/** The rows of the summary's stage table as "stage: outcome". */
const stages = (out: string) =>
  [
    ...readFileSync(join(out, 'summary.md'), 'utf8')
      .split('## Stages')[1]
      .matchAll(/^\| ([^|]+) \| ([^|]+) \|.*\|$/gm),
  ]
    .slice(1)
    .map((m) => `${m[1]}: ${m[2].trim()}`);

test('run.sh --cpu: every stage leaves its file, and the summary lists each stage with its files', async () => {
  const { out, code, stderr } = await kit([]);
  try {
    assert.is(code, 0, stderr);
    const adapter = json(out, 'adapter.json');
    assert.ok(adapter.default ?? adapter.opengl, 'the probe describes the adapter');
    assert.ok(adapter.cpuImplementation, 'and knows this machine has no GPU');
    const bench = json(out, 'bench.json');
    assert.ok(bench.kernels.length > 0 && bench.validations.every((v: { error?: string }) => !v.error));
    assert.is(bench.interrupted, undefined);

    const step = json(out, 'step.json');
    assert.equal([step.complete, step.steps, step.parityLosses.length], [true, 3, 2]);
    assert.ok(step.msPerStepMedian > 0 && step.tokensPerSecond > 0 && step.peakPoolBytes > 0);
    assert.is(new Set(step.seqLens).size, 1, 'one batch shape: one set of kernels to compile');
    const summary = readFileSync(join(out, 'summary.md'), 'utf8');
    assert.match(summary, /## Training step: DistilBERT dim 32, 1 layers, 2 heads, FFN 64, batch 8, 3 steps\n/);
    const outcomes = stages(out);
    assert.ok(
      outcomes.includes('probe: done') && outcomes.includes('bench: done') && outcomes.includes('step fp32: done'),
      outcomes.join('\n'),
    );
    assert.match(summary, /\| bench \| done \| \d+ \| bench\.json bench\.md bench\.txt \|/);

    if (adapter.default?.features.includes('shader-f16')) {
      assert.equal([json(out, 'step_fp16.json').precision, json(out, 'step_fp16.json').complete], ['fp16 (autocast + GradScaler)', true]);
      assert.match(summary, /\| ours --fp16 \| [\d.]+ \|/);
    }
    if (outcomes.includes('torch: done')) {
      // PyTorch on the CPU trained the same weights on the same batches: losses agree step by step.
      const parity = json(out, 'torch_parity.json');
      step.parityLosses.forEach((loss: number, i: number) => assert.ok(Math.abs(loss - parity.losses[i]) < 1e-5, `step ${i + 1}`));
      assert.ok(json(out, 'torch_speed.json').ms_per_step_median > 0);
      assert.is(json(out, 'torch_amp.json').skipped, 'amp needs CUDA');
      // Our saved folder, loaded in PyTorch, gives our logits.
      assert.ok(json(out, 'torch_saved.json').max_abs_diff < 1e-5, 'saved model logits');
      assert.match(summary, /## Parity/);
      assert.match(summary, /## Our saved model folder in PyTorch/);
    } else
      assert.ok(
        outcomes.some((o) => o.startsWith('PyTorch: skipped')),
        outcomes.join('\n'),
      );
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('run.sh --cpu --smoke, its training steps stopped mid-way: the stage keeps its file, the others theirs, the summary says so', async () => {
  let stopped = false;
  const { out, code, stderr } = await kit(['--smoke'], (dir) => {
    // The stage writes its file (no steps yet) once it answers SIGTERM, before it opens the GPU.
    const log = existsSync(join(dir, 'run.log')) ? readFileSync(join(dir, 'run.log'), 'utf8') : '';
    const pid = /step fp32: pid (\d+)/.exec(log)?.[1];
    if (stopped || !pid || !existsSync(join(dir, 'step.json'))) return;
    stopped = true;
    process.kill(Number(pid), 'SIGTERM');
  });
  try {
    assert.ok(stopped, 'the stage ran');
    assert.is(code, 1, `a stage was stopped: the kit says so in its exit status\n${stderr}`);
    const step = json(out, 'step.json');
    assert.equal([step.interrupted, step.complete, step.steps], ['SIGTERM', false, 0]);
    assert.ok(json(out, 'adapter.json') && json(out, 'bench.json').kernels.length > 0, 'the stages before keep their files');
    assert.equal(stages(out), ['probe: done', 'bench: done', 'step fp32: stopped by SIGTERM']);
    assert.match(readFileSync(join(out, 'summary.md'), 'utf8'), /batch 8, 0 steps \(stopped after 0 of 3 steps\)/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test.run();
