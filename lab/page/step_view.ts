// One step, opened up: the next training step of the Train tab's run, taken with its op code (not
// replayed) and every kernel launch timed with GPU timestamps where the adapter offers them
// (tune/timing.ts). It shows the step's graph as `formatGraph` prints it (engine/autograd/trace.ts:
// each node with the kernels of its forward and backward) and each kernel's GPU time, total and per
// launch, as `npm run bench -- --only profile` tables them.
import { formatGraph, gpu } from '../../engine/index.ts';
import { categoryOf } from '../../bench/profile.ts';
import { type LaunchTime, TimestampRecorder } from '../../engine/gpu/timestamps.ts';
import { h, show, table } from './dom.ts';
import type { TrainingRun } from './train_view.ts';

export interface OpenedStep {
  graph: string;
  /** Launch times in launch order (none without timestamp-query). */
  launches: LaunchTime[] | null;
  loss: number;
  launchCount: number;
}

/** Takes `run`'s next step with its graph kept and its kernels timed. */
export async function openStep(run: TrainingRun): Promise<OpenedStep> {
  const { device, features } = gpu();
  const recorder = features.has('timestamp-query') ? new TimestampRecorder(device) : undefined;
  let graph = '';
  recorder?.start();
  try {
    const record = await run.training.next((loss) => {
      graph = formatGraph(loss);
    });
    run.records.push(record);
    return { graph, launches: (await recorder?.stop()) ?? null, loss: record.loss, launchCount: record.launches };
  } finally {
    recorder?.destroy();
  }
}

/** Per kernel name: launches and GPU milliseconds, largest total first. */
function byKernel(launches: readonly LaunchTime[]): { name: string; launches: number; ms: number }[] {
  const totals = new Map<string, { name: string; launches: number; ms: number }>();
  for (const { name, ms } of launches) {
    const entry = totals.get(name) ?? { name, launches: 0, ms: 0 };
    entry.launches++;
    entry.ms += ms;
    totals.set(name, entry);
  }
  return [...totals.values()].sort((a, b) => b.ms - a.ms);
}

export function renderStep(section: HTMLElement, current: () => TrainingRun | undefined, report: (error: unknown) => void): void {
  const button = h('button', { class: 'primary' }, 'Take the next step, opened up');
  const out = h('div');
  button.addEventListener('click', async () => {
    const run = current();
    if (!run) return show(out, h('p', { class: 'muted' }, 'Start a run on the Train tab first.'));
    if (run.isRunning) run.pause();
    button.disabled = true;
    try {
      const step = await openStep(run);
      const kernels = step.launches ? byKernel(step.launches) : [];
      const total = kernels.reduce((sum, k) => sum + k.ms, 0);
      // The graph's kernel names, each followed by its GPU time per launch.
      const perLaunch = new Map(kernels.map((k) => [k.name, k.ms / k.launches]));
      const annotated = step.graph.replace(/[a-z][a-z0-9_]*/g, (name) =>
        perLaunch.has(name) ? `${name} (${perLaunch.get(name)!.toFixed(3)} ms)` : name,
      );
      show(
        out,
        h(
          'p',
          {},
          `Loss ${step.loss.toFixed(4)}; ${step.launchCount} kernel launches`,
          step.launches ? `, ${total.toFixed(2)} ms of GPU time.` : ' (no timestamp-query on this adapter: no GPU times).',
        ),
        kernels.length > 0 &&
          table(
            ['kernel', 'category', 'launches', 'GPU ms', 'share'],
            kernels.map((k) => [k.name, categoryOf(k.name), k.launches, Number(k.ms.toFixed(3)), `${((100 * k.ms) / total).toFixed(1)}%`]),
          ),
        h('h2', {}, 'The graph of the step'),
        h(
          'p',
          { class: 'muted' },
          "One node per tensor, in the order backward visits them: the op that made it, its parents, and the kernels of its forward and backward (GPU time per launch). The optimizer's kernels (gradient norm, AdamW) come after the graph.",
        ),
        h('pre', {}, annotated),
      );
    } catch (error) {
      report(error);
    } finally {
      button.disabled = false;
    }
  });
  show(
    section,
    h('h2', {}, 'One step, opened up'),
    h(
      'p',
      {},
      'Takes the next step of the run on the Train tab with its op code (not replayed), keeps its graph, and times every kernel it launches.',
    ),
    button,
    out,
  );
}
