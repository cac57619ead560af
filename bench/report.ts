// The markdown report (`--report FILE.md`): how the numbers were taken, every table, and SVG bar
// charts (ours vs the peers; the step profile by category) written next to it as FILE-*.svg.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { barChart, type BarGroup } from './svg.ts';
import { allTables, gridSummary, markdownTable, profileSummary, type BenchResults } from './tables.ts';
import { CLOCK_NOTE } from '../tune/timing.ts';

function peerChart(r: BenchResults): string | null {
  if (!r.peers?.rows.length) return null;
  const groups: BarGroup[] = r.peers.rows.map((row) => ({
    label: `${row.n}×${row.n}×${row.n}`,
    bars: [
      ...(row.ours ? [{ series: 'ours (ops tiling)', value: row.ours.rate }] : []),
      ...(row.best ? [{ series: 'ours (best tiling)', value: row.best.rate }] : []),
      ...Object.entries(row.peers).flatMap(([name, e]) => ('error' in e ? [] : [{ series: name, value: e.rate }])),
    ],
  }));
  return barChart('matmul: ours vs peers', 'GFLOP/s', groups);
}

function profileChart(r: BenchResults): string | null {
  if (!r.profile || 'error' in r.profile) return null;
  const p = r.profile;
  const groups: BarGroup[] = [...p.categories, { name: 'outside kernels', ms: p.outsideMs }].map((c) => ({
    label: c.name,
    bars: [{ series: 'ms per step', value: c.ms }],
  }));
  return barChart(`training step by op category (${p.step.median.toFixed(1)} ms per step)`, 'ms', groups);
}

export function writeReport(file: string, r: BenchResults): void {
  const stem = path.basename(file, '.md');
  const lines = [
    '# Kernel benchmarks',
    '',
    `- Device: ${r.device}`,
    `- Date: ${r.date}`,
    `- Kernel timing: ${CLOCK_NOTE[r.clock]}`,
    `- Shapes: ${Object.entries(r.shapes)
      .map(([k, v]) => `${k} ${Array.isArray(v) ? v.join(',') : v}`)
      .join(', ')}`,
    `- Sampling: ${r.sampling.warmup} warm-up runs, ${r.sampling.repeats} samples (median), wall-clock samples of at least ${r.sampling.minSampleMs} ms`,
    `- Peak: ${r.peaks.tflops ? `${r.peaks.tflops} TFLOP/s fp32` : 'fp32 peak not given'}, ${r.peaks.gbps ? `${r.peaks.gbps} GB/s` : 'bandwidth not given'}`,
  ];
  for (const [name, why] of Object.entries(r.peers?.unavailable ?? {})) lines.push(`- ${name} could not run here: ${why}`);
  if (r.profile) lines.push(`- Step profile: ${'error' in r.profile ? `failed: ${r.profile.error}` : profileSummary(r.profile)}`);
  if (r.host && 'error' in r.host) lines.push(`- Host profile: failed: ${r.host.error}`);
  if (r.grid) lines.push(`- Grid: ${'error' in r.grid ? `failed: ${r.grid.error}` : gridSummary(r.grid).join('\n  ')}`);
  lines.push('');
  for (const [suffix, svg] of [
    ['peers', peerChart(r)],
    ['profile', profileChart(r)],
  ] as const) {
    if (!svg) continue;
    const name = `${stem}-${suffix}.svg`;
    fs.writeFileSync(path.join(path.dirname(file), name), svg);
    lines.push(`![${suffix}](${name})`, '');
  }
  for (const t of allTables(r)) lines.push(markdownTable(t), '');
  fs.writeFileSync(file, lines.join('\n'));
}
