// The markdown comparison of one device run (bench/device/run.sh): our step time against
// PyTorch's, our matmuls against cuBLAS, and the per-step losses of both with dropout off.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

function readJson(dir: string, file: string): any {
  const path = join(dir, file);
  return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : undefined;
}

const fmt = (x: number | undefined, digits = 1) => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits));

export function summarize(dir: string): string {
  const adapter = readJson(dir, 'adapter.json');
  const step = readJson(dir, 'step.json');
  const torch = readJson(dir, 'torch.json');
  const bench = readJson(dir, 'bench.json');
  const lines: string[] = ['# Device run', ''];
  const gpuName = adapter?.default ? `${adapter.default.vendor} ${adapter.default.device || adapter.default.description}` : step?.adapter;
  lines.push(`- GPU (WebGPU adapter): ${gpuName ?? 'unknown'}`);
  if (torch) lines.push(`- GPU (PyTorch): ${torch.device}, torch ${torch.torch}`);
  if (adapter?.unsafe) lines.push(`- subgroup-matrix configs with allow_unsafe_apis: ${JSON.stringify(adapter.unsafe.subgroupMatrixConfigs)}`);
  lines.push('');
  if (step) {
    const m = step.model;
    lines.push(`## Training step: DistilBERT dim ${m.dim}, ${m.layers} layers, ${m.heads} heads, FFN ${m.hiddenDim}, batch ${m.batchSize}`, '');
    lines.push('| | ms/step (median) | tokens/s | peak GPU memory (MiB) |', '|---|---|---|---|');
    lines.push(`| ours | ${fmt(step.msPerStepMedian)} | ${fmt(step.tokensPerSecond, 0)} | ${fmt(step.peakPoolBytes / 2 ** 20, 0)} (pool) |`);
    if (torch?.speed) {
      const t = torch.speed;
      lines.push(`| PyTorch eager fp32 | ${fmt(t.ms_per_step_median)} | ${fmt(step.meanPaddedTokensPerStep / (t.ms_per_step_median / 1000), 0)} | ${fmt(t.max_memory_allocated_bytes / 2 ** 20, 0)} (max_memory_allocated) |`);
    }
    lines.push('');
    if (torch) {
      lines.push(`## Parity: loss per step, same weights and batches, dropout off (PyTorch on ${torch.device})`, '', '| step | ours | PyTorch | abs diff |', '|---|---|---|---|');
      step.parityLosses.forEach((ours: number, i: number) => {
        const theirs = torch.parity.losses[i];
        lines.push(`| ${i + 1} | ${ours.toFixed(6)} | ${fmt(theirs, 6)} | ${fmt(Math.abs(ours - theirs), 7)} |`);
      });
      lines.push('');
    }
  }
  if (torch?.sgemm) {
    lines.push('## cuBLAS SGEMM (TF32 off)', '', '| M×K×N | op | GFLOP/s |', '|---|---|---|');
    for (const s of torch.sgemm) lines.push(`| ${s.m}×${s.k}×${s.n} | ${s.transA ? 'T' : 'N'}${s.transB ? 'T' : 'N'} | ${fmt(s.gflops, 0)} |`);
    lines.push('');
  }
  if (bench) lines.push('## Our kernels', '', 'See bench.md (and bench.json) from the same run.', '');
  return lines.join('\n');
}
