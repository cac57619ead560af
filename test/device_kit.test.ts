// The GPU-machine kit (bench/device/run.sh) runs its CPU path end to end here: adapter probe,
// kernel benchmarks, timed training steps of a tiny DistilBERT, PyTorch parity where torch is
// installed, and the summary.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

test('bench/device/run.sh --cpu fills OUT with every stage and a summary', () => {
  const out = mkdtempSync(join(tmpdir(), 'device-kit-'));
  try {
    execFileSync('bash', ['bench/device/run.sh', '--cpu'], { env: { ...process.env, OUT: out }, stdio: 'pipe', timeout: 300_000 });
    const adapter = JSON.parse(readFileSync(join(out, 'adapter.json'), 'utf8'));
    assert.ok(adapter.opengl?.device, 'the probe describes the OpenGL adapter');
    assert.ok(existsSync(join(out, 'bench.json')), 'bench.json written');
    const step = JSON.parse(readFileSync(join(out, 'step.json'), 'utf8'));
    assert.ok(step.msPerStepMedian > 0 && step.tokensPerSecond > 0 && step.peakPoolBytes > 0);
    assert.is(step.parityLosses.length, step.steps);
    const summary = readFileSync(join(out, 'summary.md'), 'utf8');
    assert.match(summary, /## Training step: DistilBERT dim 64/);
    if (existsSync(join(out, 'torch.json'))) {
      // PyTorch on the CPU trained the same weights on the same batches: losses agree step by step.
      const torch = JSON.parse(readFileSync(join(out, 'torch.json'), 'utf8'));
      step.parityLosses.forEach((loss: number, i: number) => assert.ok(Math.abs(loss - torch.parity.losses[i]) < 1e-5, `step ${i + 1}`));
      assert.match(summary, /## Parity/);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test.run();
