// The benchmark's results as tables, rendered for the terminal (aligned text) or markdown; the
// terminal output and the report show the same tables.
import type { PeerComparison } from './compare.ts';
import { alikeLaunches, type GridLaunch, type StepGrid } from './grid.ts';
import type { HostProfile } from './host.ts';
import type { StepProfile, TimeShare } from './profile.ts';
import type { KernelResult, Validation } from './suite.ts';
import { spread, type Clock, type Stats } from '../tune/timing.ts';
import { FILL_WORKGROUPS } from '../kernels/matmul_split_k.ts';

export interface BenchResults {
  device: string;
  date: string;
  clock: Clock;
  shapes: Record<string, number | number[]>;
  sampling: { warmup: number; repeats: number; minSampleMs: number };
  peaks: { tflops?: number; gbps?: number };
  validations: Validation[];
  kernels: KernelResult[];
  peers?: PeerComparison;
  profile?: StepProfile | { error: string };
  host?: HostProfile | { error: string };
  grid?: StepGrid | { error: string };
  /** Set when the run was stopped before its end: what stopped it. */
  interrupted?: string;
}

export interface Table {
  title: string;
  header: string[];
  rows: string[][];
}

export const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toPrecision(3));
export const rate = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toPrecision(2));
const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
const timeCell = (s: Stats) => `${ms(s.median)} ±${(50 * spread(s)).toFixed(0)}%`;
const ratio = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)}×` : '–');

/** The variant names of the ops' kernels with the tuned table (engine/gpu/tuning.ts) and without it. */
export const TUNED_VARIANT = 'tuned (as the ops launch it)';
export const DEFAULT_VARIANT = 'default (without the tuned table)';

/** Tuned against default per shape: the two variants' median times side by side, when both ran. */
export function tunedTable(kernels: KernelResult[]): Table | null {
  const rows = kernels.flatMap((t) => {
    if (!t.variant.endsWith(TUNED_VARIANT) || !t.time) return [];
    const base = t.variant.slice(0, -TUNED_VARIANT.length);
    const d = kernels.find((k) => k.group === t.group && k.workload === t.workload && k.variant === `${base}${DEFAULT_VARIANT}`);
    const what = `${base.replace(/, $/, '')} ${t.workload}`.trim();
    return d?.time ? [[t.group, what, ms(t.time.median), ms(d.time.median), ratio(d.time.median / t.time.median)]] : [];
  });
  return rows.length
    ? { title: 'Tuned against default kernels, per shape (median ms)', header: ['group', 'workload', 'tuned', 'default', 'speedup'], rows }
    : null;
}

export function validationTable(validations: Validation[]): Table {
  return {
    title: 'Validation against the float64 CPU reference (small shapes)',
    header: ['group', 'variant', 'result'],
    rows: validations.map((v) => [v.group, v.variant, v.error ? `FAILED: ${v.error}` : 'ok']),
  };
}

/**
 * Below these a run's rate says nothing: its time is the fixed cost of a launch, not its work (on a
 * CPU implementation a tiny kernel showed 0.000078 GB/s).
 */
export const TOO_SHORT_MS = 0.01;
export const TOO_LITTLE_WORK = 1e6;
export const rateIsNoise = (k: KernelResult) => k.work < TOO_LITTLE_WORK || (k.time !== undefined && k.time.median < TOO_SHORT_MS);

/** Whether `shapes` are DistilBERT-base's at batch 64 × sequence 64, the step a large GPU is sized for. */
const isDistilBertBase = (shapes: BenchResults['shapes']) =>
  Object.entries({ batch: 64, seq: 64, dim: 768, hidden: 3072, heads: 12 }).every(([name, value]) => shapes[name] === value);

/** A workgroup count, marked when under FILL_WORKGROUPS: too few to fill a large GPU. */
const withFillFlag = (workgroups: number) => `${workgroups}${workgroups < FILL_WORKGROUPS ? ` (<${FILL_WORKGROUPS})` : ''}`;

/** Each launch's workgroup count, "+" between launches; with `flag`, those under FILL_WORKGROUPS marked. */
function workgroupsCell(k: KernelResult, flag: boolean): string {
  return (k.launches ?? []).map(({ workgroups }) => (flag ? withFillFlag(workgroups) : String(workgroups))).join(' + ');
}

export function kernelTable(kernels: KernelResult[], peaks: BenchResults['peaks'], shapes: BenchResults['shapes']): Table {
  const withPeak = peaks.tflops !== undefined || peaks.gbps !== undefined;
  const rateCell = (k: KernelResult) => (k.rate === undefined ? '' : rateIsNoise(k) ? '– (too small)' : `${rate(k.rate)} ${k.unit}`);
  const flag = isDistilBertBase(shapes);
  const flagNote = flag ? `; "(<${FILL_WORKGROUPS})": too few workgroups to fill a large GPU` : '';
  return {
    title: `Kernels (median time ± half the min–max spread; no rate under ${TOO_LITTLE_WORK / 1e6} MB or MFLOP, or ${TOO_SHORT_MS * 1000} µs; workgroups per launch${flagNote})`,
    header: ['group', 'variant', 'workload', 'ms', 'rate', ...(withPeak ? ['of peak'] : []), 'workgroups'],
    rows: kernels.map((k) => [
      k.group,
      k.variant,
      k.workload,
      k.time ? timeCell(k.time) : (k.error ?? ''),
      rateCell(k),
      ...(withPeak ? [k.ofPeak !== undefined && !rateIsNoise(k) ? pct(k.ofPeak) : ''] : []),
      workgroupsCell(k, flag),
    ]),
  };
}

/** "3 blocked 64x64x16/4x4/4" -> "64x64x16/4x4/4"; "3 blocked (as the ops launch it)" -> "as the ops launch it". */
const tilingName = (variant: string) => variant.replace(/^3 blocked /, '').replace(/^\((.*)\)$/, '$1');

export function peerTable(p: PeerComparison): Table {
  const names = [...new Set([...p.rows.flatMap((r) => Object.keys(r.peers)), ...Object.keys(p.unavailable)])];
  return {
    title: 'n×n·n×n matmul, GFLOP/s by wall clock on the same device (ours: the tiling the ops launch; best: the fastest swept tiling)',
    header: ['n', 'ours', 'best tiling', ...names.flatMap((n) => [n, `ours/${n}`, `best/${n}`])],
    rows: p.rows.map((r) => [
      String(r.n),
      r.ours ? rate(r.ours.rate) : `not timed: ${r.oursError ?? ''}`,
      r.best ? `${rate(r.best.rate)} (${tilingName(r.best.variant)})` : '',
      ...names.flatMap((n) => {
        const e = r.peers[n];
        if (!e) return [p.unavailable[n] ? 'unavailable' : '', '', ''];
        return 'error' in e ? [`error: ${e.error}`, '', ''] : [rate(e.rate), ratio(e.ratio), ratio(e.bestRatio)];
      }),
    ]),
  };
}

function shareTable(title: string, first: string, entries: TimeShare[]): Table {
  return {
    title,
    header: [first, 'launches', 'ms', 'of step'],
    rows: entries.map((e) => [e.name, String(e.launches), ms(e.ms), pct(e.share)]),
  };
}

export function profileTables(p: StepProfile): Table[] {
  const outside: TimeShare = { name: 'outside kernels', launches: 0, ms: p.outsideMs, share: p.outsideShare };
  return [
    shareTable('Step profile by phase', 'phase', [...p.phases, outside]),
    shareTable('Step profile by op category', 'category', [...p.categories, outside]),
    shareTable('Top 10 kernels of the step', 'kernel', p.kernels.slice(0, 10)),
  ];
}

export function profileSummary(p: StepProfile): string {
  const m = p.model;
  const clock = p.clock === 'gpu-timestamps' ? 'GPU timestamps' : 'each launch replayed alone by wall clock, without the fixed submit cost';
  return (
    `DistilBERT ${m.layers} layers, dim ${m.dim}, hidden ${m.hidden}, ${m.heads} heads, vocab ${m.vocab} ` +
    `(${(m.parameters / 1e6).toFixed(2)}M parameters), batch ${m.batch} × seq ${m.seq}: ` +
    `${ms(p.step.median)} ms per step (wall, ±${(50 * spread(p.step)).toFixed(0)}%), ${p.launches} launches, ${p.submits} submits; ` +
    `kernels ${ms(p.kernelMs)} ms (${clock}), outside kernels ${ms(p.outsideMs)} ms = ${pct(p.outsideShare)} of the step`
  );
}

const underFill = (l: GridLaunch) => l.workgroups < FILL_WORKGROUPS;
const modelLine = ({ model: m, launches }: StepGrid) =>
  `DistilBERT ${m.layers} layers, dim ${m.dim}, hidden ${m.hidden}, ${m.heads} heads, batch ${m.batch} × seq ${m.seq}: ${launches.length} launches`;

export function gridTable(g: StepGrid): Table {
  return {
    title: `Workgroups of every launch of a training step as a GPU runs it (ENGINE_KERNELS=gpu, recorded without running), ${modelLine(g)}; "(<${FILL_WORKGROUPS})": too few to fill a large GPU`,
    header: ['phase', 'op', 'kernel', 'grid', 'workgroups', 'launches'],
    rows: alikeLaunches(g.launches).map(({ launch: l, count }) => [
      l.phase,
      l.op,
      l.kernel,
      l.grid.join('×'),
      withFillFlag(l.workgroups),
      String(count),
    ]),
  };
}

/** The launches under FILL_WORKGROUPS in a few lines: how many, then one line per kind of launch. */
export function gridSummary(g: StepGrid): string[] {
  const under = g.launches.filter(underFill);
  return [
    `${modelLine(g)}, ${under.length} of them under ${FILL_WORKGROUPS.toLocaleString('en-US')} workgroups${under.length ? ':' : '.'}`,
    ...alikeLaunches(under).map(
      ({ launch: l, count }) =>
        `- ${l.op}: ${l.kernel}, ${l.grid.join('×')} = ${l.workgroups} workgroup${l.workgroups === 1 ? '' : 's'}${count > 1 ? `, ×${count}` : ''}`,
    ),
  ];
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

export function hostTable(h: HostProfile): Table {
  const m = h.model;
  const both = (wall: Stats, cpu: Stats) => `${ms(wall.median)} wall, ${ms(cpu.median)} CPU`;
  const torch =
    'unavailable' in h.torch
      ? `unavailable: ${h.torch.unavailable}`
      : `${both(h.torch.stepMs, h.torch.stepCpuMs)} (${h.torch.threads} thread(s))`;
  const modes = [
    ['op code every step', h.eager],
    ['replayed', h.replay],
  ] as const;
  return {
    title: `Host side of a training step: DistilBERT ${m.layers} layers at dim ${m.dim}, hidden ${m.hidden}, ${m.heads} heads, batch ${m.batch} × seq ${m.seq} (ms)`,
    header: ['measure', 'value'],
    rows: [
      ['launches per step', String(h.launches)],
      ['submits per step', String(h.submits)],
      ...modes.flatMap(([mode, run]): string[][] => [
        [`${mode}: host time to record and submit a step`, both(run.recordMs, run.recordCpuMs)],
        [`${mode}: host µs per launch`, run.usPerLaunch.toFixed(1)],
        [`${mode}: per step, steps back to back (GPU included)`, both(run.stepMs, run.stepCpuMs)],
        [
          `${mode}: ours / PyTorch, sample by sample`,
          run.vsTorch ? `${ratio(run.vsTorch.wall.median)} wall, ${ratio(run.vsTorch.cpu.median)} CPU` : '–',
        ],
      ]),
      ['PyTorch eager on the CPU, same step', torch],
      [
        `pool peak, ${h.memory.layers} layers dim ${h.memory.dim} at batch ${h.memory.batch} × seq ${h.memory.seq}`,
        mib(h.memory.peakBytes),
      ],
      ['pool held after that step', mib(h.memory.heldBytes)],
    ],
  };
}

export function allTables(r: BenchResults): Table[] {
  const tables: Table[] = [];
  if (r.validations.length) tables.push(validationTable(r.validations));
  if (r.kernels.length) tables.push(kernelTable(r.kernels, r.peaks, r.shapes));
  const tuned = tunedTable(r.kernels);
  if (tuned) tables.push(tuned);
  if (r.peers) tables.push(peerTable(r.peers));
  if (r.profile && !('error' in r.profile)) tables.push(...profileTables(r.profile));
  if (r.host && !('error' in r.host)) tables.push(hostTable(r.host));
  if (r.grid && !('error' in r.grid)) tables.push(gridTable(r.grid));
  return tables;
}

export function textTable(t: Table): string {
  const widths = t.header.map((h, i) => Math.max(h.length, ...t.rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [t.title, line(t.header), line(widths.map((w) => '-'.repeat(w))), ...t.rows.map(line)].join('\n');
}

export function markdownTable(t: Table): string {
  const cell = (c: string) => c.replace(/\|/g, '\\|');
  return [
    `### ${t.title}`,
    '',
    `| ${t.header.map(cell).join(' | ')} |`,
    `|${t.header.map(() => '---').join('|')}|`,
    ...t.rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
}
