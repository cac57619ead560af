// The markdown comparison of one device run (bench/device/run.sh): our step time and memory against
// PyTorch eager's (fp32 and AMP fp16), our matmuls against cuBLAS, the per-step losses of both
// with dropout off, our saved model through transformers' from_pretrained, the host cost per
// launch, and every stage's outcome and files (from run.log). A missing file leaves its section
// out; a stage's file from a stage that was stopped early says so ("interrupted").
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// biome-ignore lint/suspicious/noExplicitAny: the JSON files of many shapes that the other stages wrote, read as they are
type Json = any;

function readJson(dir: string, file: string): Json {
  const path = join(dir, file);
  return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : undefined;
}

const fmt = (x: number | undefined | null, digits = 1) => (x === undefined || x === null || !Number.isFinite(x) ? '—' : x.toFixed(digits));
const mib = (bytes: number | undefined | null) => fmt(bytes === undefined || bytes === null ? undefined : bytes / 2 ** 20, 0);

/** A PyTorch speed run's row beside ours: ms/step, tokens/s at our padded tokens per step, memory. */
function torchRow(label: string, run: Json, tokensPerStep: number): string {
  if (!run || run.skipped) return `| ${label} | — | — | ${run?.skipped ?? 'not run'} |`;
  const ms = run.ms_per_step_median;
  return `| ${label}: ${run.model} | ${fmt(ms)} | ${fmt(tokensPerStep / (ms / 1000), 0)} | ${mib(run.max_memory_allocated_bytes)} (max_memory_allocated) |`;
}

function trainingSection(step: Json, fp16: Json, dir: string): string[] {
  const m = step.model;
  const speed = readJson(dir, 'torch_speed.json');
  const amp = readJson(dir, 'torch_amp.json');
  const partial = step.complete === false ? ` (stopped after ${step.steps} of ${step.seqLens?.length ?? '?'} steps)` : '';
  const lines = [
    `## Training step: DistilBERT dim ${m.dim}, ${m.layers} layers, ${m.heads} heads, FFN ${m.hiddenDim}, batch ${m.batchSize}, ${step.steps} steps${partial}`,
    '',
  ];
  lines.push('| | ms/step (median) | tokens/s | peak GPU memory (MiB) |', '|---|---|---|---|');
  const ours = (label: string, s: Json) =>
    `| ${label} | ${fmt(s.msPerStepMedian)} | ${fmt(s.tokensPerSecond, 0)} | ${mib(s.peakPoolBytes)} (pool) |`;
  lines.push(ours('ours fp32', step));
  if (speed) lines.push(torchRow('PyTorch eager fp32, TF32 off', speed, step.meanPaddedTokensPerStep));
  if (fp16) lines.push(ours('ours --fp16', fp16));
  if (amp) lines.push(torchRow('PyTorch eager AMP fp16', amp, step.meanPaddedTokensPerStep));
  lines.push('');
  return lines;
}

function paritySection(step: Json, parity: Json): string[] {
  if (parity.skipped || !step.parityLosses.length) return [];
  const lines = [`## Parity: loss per step, same weights and batches, dropout off (PyTorch ${parity.model} on ${parity.device})`, ''];
  if (parity.not_loaded?.length) lines.push(`PyTorch parameters our weights did not set: ${parity.not_loaded.join(', ')}`, '');
  lines.push('| step | ours | PyTorch | abs diff |', '|---|---|---|---|');
  step.parityLosses.forEach((ours: number, i: number) => {
    const theirs = parity.losses[i];
    lines.push(`| ${i + 1} | ${ours.toFixed(6)} | ${fmt(theirs, 6)} | ${fmt(Math.abs(ours - theirs), 7)} |`);
  });
  lines.push('');
  return lines;
}

export function summarize(dir: string): string {
  const adapter = readJson(dir, 'adapter.json');
  const step = readJson(dir, 'step.json');
  const fp16 = readJson(dir, 'step_fp16.json');
  const parity = readJson(dir, 'torch_parity.json');
  const saved = readJson(dir, 'torch_saved.json');
  const sgemm = readJson(dir, 'torch_sgemm.json');
  const bench = readJson(dir, 'bench.json');
  const host = bench?.host;
  const lines: string[] = ['# Device run', ''];
  const gpuName = adapter?.default ? `${adapter.default.vendor} ${adapter.default.device || adapter.default.description}` : step?.adapter;
  lines.push(`- GPU (WebGPU adapter): ${gpuName ?? 'unknown'}`);
  const torch = parity ?? saved ?? readJson(dir, 'torch_speed.json');
  if (torch) lines.push(`- PyTorch: torch ${torch.torch} on ${torch.device}${torch.fp32 ? ` (${torch.fp32})` : ''}`);
  if (adapter?.unsafe)
    lines.push(`- subgroup-matrix configs with allow_unsafe_apis: ${JSON.stringify(adapter.unsafe.subgroupMatrixConfigs)}`);
  if (existsSync(join(dir, 'tune.txt'))) lines.push('- kernels tuned for this adapter first (tune.txt)');
  lines.push('');
  if (step) lines.push(...trainingSection(step, fp16, dir));
  if (step && parity) lines.push(...paritySection(step, parity));
  if (saved && !saved.skipped) {
    lines.push('## Our saved model folder in PyTorch', '');
    lines.push(`${saved.loader}: max |logit difference| from ours ${saved.max_abs_diff.toExponential(2)} on the first batch.`, '');
  }
  if (sgemm?.sgemm) {
    lines.push(`## cuBLAS SGEMM (${sgemm.fp32 ?? 'TF32 off'})`, '', '| M×K×N | op | GFLOP/s |', '|---|---|---|');
    for (const s of sgemm.sgemm)
      lines.push(`| ${s.m}×${s.k}×${s.n} | ${s.transA ? 'T' : 'N'}${s.transB ? 'T' : 'N'} | ${fmt(s.gflops, 0)} |`);
    lines.push('');
  }
  if (host?.host) {
    const h = host.host;
    lines.push('## Host cost (bench --only host)', '');
    const torchStep = h.torch?.stepMs ? `; PyTorch eager on the CPU ${fmt(h.torch.stepMs.median, 2)} ms/step` : '';
    lines.push(
      `${h.launches} launches and ${h.submits} submits per step of the tiny ${h.model.layers}-layer model; ` +
        `${fmt(h.replay.usPerLaunch, 2)} µs per launch replayed (${fmt(h.eager.usPerLaunch, 2)} running the op code) on this machine's CPU, ` +
        `${fmt(h.replay.stepMs.median, 2)} ms/step${torchStep} (host.md).`,
      '',
    );
  }
  if (bench) {
    const stopped = bench.interrupted ? ` (stopped early: ${bench.interrupted}; the groups it finished)` : '';
    lines.push('## Our kernels', '', `See bench.md (and bench.json) from the same run${stopped}.`, '');
  }
  lines.push(...stagesSection(dir));
  return lines.join('\n');
}

/** Every stage's outcome, time and files, from run.log's lines (bench/device/run.sh's run_stage). */
function stagesSection(dir: string): string[] {
  if (!existsSync(join(dir, 'run.log'))) return [];
  const rows: string[] = [];
  for (const line of readFileSync(join(dir, 'run.log'), 'utf8').split('\n')) {
    const text = line.replace(/^\[[^\]]*\]\s*/, '');
    const ran = /^(.+?) (done|cut at its \d+ s limit|stopped by SIGTERM|failed \(exit \d+\)) after (\d+) s; files: (.*)$/.exec(text);
    const skipped = /^(?:stage \d+: )?(.+?) skipped: (.*)$/.exec(text);
    if (ran) rows.push(`| ${ran[1]} | ${ran[2]} | ${ran[3]} | ${ran[4]} |`);
    else if (skipped) rows.push(`| ${skipped[1]} | skipped: ${skipped[2]} | | |`);
  }
  return rows.length ? ['## Stages', '', '| stage | outcome | seconds | files |', '|---|---|---|---|', ...rows, ''] : [];
}
