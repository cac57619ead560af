// The GPU-machine kit (bench/device/run.sh) runs its CPU path end to end here, in both modes at
// once: --smoke (adapter probe, every kernel variant validated, timed training steps) and the
// full run (timed steps with parity and the trained model folder, PyTorch's parts where torch is
// installed, the host cost, the kernel benchmarks), each with its summary.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const json = (dir: string, file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8'));

/** Runs the kit with `flags` into a fresh OUT folder; returns the folder. */
async function kit(...flags: string[]): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), 'device-kit-'));
  await promisify(execFile)('bash', ['bench/device/run.sh', '--cpu', ...flags], { env: { ...process.env, OUT: out }, timeout: 1_200_000 });
  return out;
}

test('bench/device/run.sh --cpu --smoke and --cpu fill OUT with every stage and a summary', async () => {
  const [smoke, full] = await Promise.all([kit('--smoke'), kit()]);
  try {
    for (const out of [smoke, full]) {
      assert.ok(json(out, 'adapter.json').opengl?.device, 'the probe describes the OpenGL adapter');
      assert.ok(json(out, 'bench.json'), 'bench.json written');
      const step = json(out, 'step.json');
      assert.ok(step.msPerStepMedian > 0 && step.tokensPerSecond > 0 && step.peakPoolBytes > 0);
      assert.match(readFileSync(join(out, 'summary.md'), 'utf8'), /## Training step: DistilBERT dim 64, 2 layers, .* batch 8, \d+ steps/);
    }
    assert.equal([json(smoke, 'step.json').steps, json(smoke, 'step.json').parityLosses], [10, []], 'smoke: 10 timed steps, no parity run');

    const step = json(full, 'step.json');
    assert.is(step.parityLosses.length, 3);
    if (json(full, 'adapter.json').default.features.includes('shader-f16')) {
      assert.is(json(full, 'step_fp16.json').precision, 'fp16 (autocast + GradScaler)');
      assert.match(readFileSync(join(full, 'summary.md'), 'utf8'), /\| ours --fp16 \| [\d.]+ \|/);
    }
    assert.ok(json(full, 'host.json').host.replay.usPerLaunch > 0, 'host cost per launch');
    const summary = readFileSync(join(full, 'summary.md'), 'utf8');
    assert.match(summary, /## Host cost/);
    if (existsSync(join(full, 'torch_parity.json'))) {
      // PyTorch on the CPU trained the same weights on the same batches: losses agree step by step.
      const parity = json(full, 'torch_parity.json');
      step.parityLosses.forEach((loss: number, i: number) => assert.ok(Math.abs(loss - parity.losses[i]) < 1e-5, `step ${i + 1}`));
      assert.ok(json(full, 'torch_speed.json').ms_per_step_median > 0);
      assert.is(json(full, 'torch_amp.json').skipped, 'amp needs CUDA');
      // Our saved folder, loaded in PyTorch, gives our logits.
      assert.ok(json(full, 'torch_saved.json').max_abs_diff < 1e-5, 'saved model logits');
      assert.match(summary, /## Parity/);
      assert.match(summary, /## Our saved model folder in PyTorch/);
    }
  } finally {
    for (const out of [smoke, full]) rmSync(out, { recursive: true, force: true });
  }
});

test.run();
