// The kernel lab: the benchmark's kernel groups (bench/groups.ts), live on the reader's adapter.
// Pick a family and shapes; every variant is validated against its float64 CPU reference on small
// shapes (reference/float64.ts, the same check as `npm run bench` and the tests), then timed on the
// chosen shapes with GPU timestamps where the adapter offers them (tune/timing.ts). The WGSL of
// each kernel a variant launched, as generated for those shapes, is one click away: launches are
// observed as they are recorded (engine/gpu/dispatch.ts's `observeLaunches`).
import { gpu, pool } from '../../engine/index.ts';
import { observeLaunches } from '../../engine/gpu/dispatch.ts';
import type { KernelLaunch } from '../../kernels/launch.ts';
import { KERNEL_GROUPS, selectedGroups } from '../../bench/groups.ts';
import type { BenchOptions, Group } from '../../bench/options.ts';
import { oneLine, validateGroup, type Validation } from '../../bench/suite.ts';
import { KernelTimer } from '../../tune/timing.ts';
import type { KernelGroup } from '../../bench/workload.ts';
import { barChart } from './chart.ts';
import { h, numberField, show, table } from './dom.ts';

/** Shapes small enough for a CPU implementation of WebGPU to time in seconds. */
const SHAPES = { batch: 4, seq: 32, dim: 128, hidden: 512, heads: 4, layers: 1, vocab: 4096, classes: 2 };

export function benchOptions(families: readonly Group[], shapes: typeof SHAPES): BenchOptions {
  return {
    ...shapes,
    matmulSizes: [],
    matmulConfigs: [],
    only: new Set(families),
    quick: true,
    warmup: 1,
    repeats: 5,
    minSampleMs: 5,
  };
}

/** The distinct kernels (by WGSL) launched while `body` runs. */
async function capturingKernels<T>(body: () => Promise<T>): Promise<{ result: T; kernels: KernelLaunch[] }> {
  const kernels = new Map<string, KernelLaunch>();
  observeLaunches((launch) => {
    if (!kernels.has(launch.code)) kernels.set(launch.code, launch);
    return undefined;
  });
  try {
    return { result: await body(), kernels: [...kernels.values()] };
  } finally {
    observeLaunches(null);
  }
}

/**
 * Validates the variants of `families` (default all) at the lab's shapes: every variant, or with
 * `firstOnly` the first of each family (the quick check the browser test makes: on a CPU
 * implementation every distinct kernel costs seconds to compile).
 */
export async function validateFamilies(families: readonly Group[] = KERNEL_GROUPS, firstOnly = false): Promise<Validation[]> {
  const out: Validation[] = [];
  for (const g of selectedGroups(benchOptions(families, SHAPES))) {
    out.push(...(await validateGroup(firstOnly ? { ...g, variants: g.variants.slice(0, 1) } : g)));
  }
  pool.trim();
  return out;
}

interface VariantResult {
  validation?: string | null;
  kernels: KernelLaunch[];
  times: { workload: string; ms?: number; rate?: number; error?: string }[];
}

export function renderKernelLab(section: HTMLElement): void {
  const family = h('select', {}, ...KERNEL_GROUPS.map((f) => h('option', { value: f }, f)));
  const fields = Object.entries(SHAPES).map(([name, value]) => [name, numberField(name, value, '1')] as const);
  const status = h('p', { class: 'muted' });
  const results = h('div');
  const wgsl = h('div');
  const validateButton = h('button', { class: 'primary' }, 'Validate every variant');
  const timeButton = h('button', { class: 'primary' }, 'Validate and time');
  const state = new Map<string, VariantResult>();

  const group = (): KernelGroup => {
    const shapes = Object.fromEntries(fields.map(([name, field]) => [name, Math.max(1, Math.round(field.read()))])) as typeof SHAPES;
    if (shapes.dim % shapes.heads !== 0) throw new Error(`dim ${shapes.dim} must be a multiple of heads ${shapes.heads}`);
    return selectedGroups(benchOptions([family.value as Group], shapes))[0];
  };

  const run = async (withTiming: boolean) => {
    validateButton.disabled = timeButton.disabled = true;
    state.clear();
    try {
      const g = group();
      for (const v of g.variants) {
        status.textContent = `validating ${v.name}…`;
        const entry: VariantResult = { kernels: [], times: [] };
        state.set(v.name, entry);
        const { result, kernels } = await capturingKernels(() => validateGroup({ ...g, variants: [v] }));
        entry.validation = result[0].error;
        entry.kernels = kernels;
        draw(g);
      }
      if (withTiming) await timeVariants(g);
      status.textContent = withTiming ? `timed with ${timerClock()}` : 'validated against the float64 CPU reference';
    } catch (err) {
      status.textContent = oneLine(err);
    } finally {
      pool.trim();
      validateButton.disabled = timeButton.disabled = false;
    }
  };

  const timerClock = () => (gpu().features.has('timestamp-query') ? 'GPU timestamps' : 'wall-clock time (no timestamp-query)');

  const timeVariants = async (g: KernelGroup) => {
    const { device, features } = gpu();
    const timer = new KernelTimer(device, features, { warmup: 1, repeats: 5, minSampleMs: 5 });
    try {
      for (const v of g.variants) {
        const entry = state.get(v.name)!;
        if (entry.validation) continue;
        for (const w of v.workloads) {
          status.textContent = `timing ${v.name}, ${w.label}…`;
          try {
            const prepared = w.prepare();
            try {
              const { result: time, kernels } = await capturingKernels(() => timer.sample(prepared.run));
              entry.kernels = kernels;
              entry.times.push({ workload: w.label, ms: time.median, rate: w.work / (time.median * 1e-3) / 1e9 });
            } finally {
              prepared.release();
            }
          } catch (err) {
            entry.times.push({ workload: w.label, error: oneLine(err) });
          }
          draw(g);
        }
      }
    } finally {
      timer.destroy();
    }
  };

  const draw = (g: KernelGroup) => {
    const workloads = [...new Set([...state.values()].flatMap((e) => e.times.map((t) => t.workload)))];
    const rows = [...state].map(([name, e]) => [
      h('button', { onclick: () => showWgsl(name) }, name),
      e.validation === undefined
        ? '…'
        : e.validation === null
          ? h('span', { class: 'ok' }, 'matches')
          : h('span', { class: 'fail' }, e.validation),
      ...workloads.map((w) => {
        const t = e.times.find((x) => x.workload === w);
        if (!t) return '';
        return t.error ? h('span', { class: 'fail' }, t.error) : `${t.ms!.toFixed(3)} ms, ${t.rate!.toFixed(1)} ${g.unit}`;
      }),
    ]);
    const charts = workloads.map((w) =>
      h(
        'figure',
        {},
        barChart(
          [...state].flatMap(([name, e]) => {
            const t = e.times.find((x) => x.workload === w && x.rate !== undefined);
            return t ? [{ label: name, value: t.rate! }] : [];
          }),
          g.unit,
        ),
        h('figcaption', {}, w),
      ),
    );
    show(results, table(['variant (click: its WGSL)', 'validation', ...workloads], rows), ...charts);
  };

  const showWgsl = (name: string) => {
    const kernels = state.get(name)?.kernels ?? [];
    const pick = h('select', {}, ...kernels.map((k, i) => h('option', { value: i }, `${k.name} [${k.workgroups.join(', ')}]`)));
    const code = h('pre', {}, kernels[0]?.code ?? '(no kernel launched)');
    pick.addEventListener('change', () => (code.textContent = kernels[Number(pick.value)].code));
    show(
      wgsl,
      h('h2', {}, `WGSL of ${name}`),
      h('p', { class: 'muted' }, `${kernels.length} kernel(s), as generated for the shapes last run`),
      pick,
      code,
    );
  };

  const everyFamily = h('button', {}, 'Check every family (its first variant)');
  everyFamily.addEventListener('click', async () => {
    everyFamily.disabled = true;
    status.textContent = 'validating the first variant of every family…';
    try {
      const validations = await validateFamilies(KERNEL_GROUPS, true);
      status.textContent = `${validations.filter((v) => v.error === null).length} of ${validations.length} families match their float64 reference`;
      show(
        results,
        table(
          ['family', 'variant', 'validation'],
          validations.map((v) => [v.group, v.variant, v.error ?? 'matches']),
        ),
      );
    } catch (err) {
      status.textContent = oneLine(err);
    } finally {
      everyFamily.disabled = false;
    }
  });
  validateButton.addEventListener('click', () => run(false));
  timeButton.addEventListener('click', () => run(true));
  show(
    section,
    h('h2', {}, 'Kernel lab'),
    h(
      'p',
      {},
      'Each variant is checked against a float64 CPU reference on small shapes, then timed on the shapes below. ',
      'Validation failures and refused shapes are reported per variant.',
    ),
    h(
      'div',
      { class: 'row' },
      h('label', {}, 'family', family),
      ...fields.map(([, f]) => f.element),
      validateButton,
      timeButton,
      everyFamily,
    ),
    status,
    results,
    wgsl,
  );
}
