// --metric-for-best-model and --load-best-model-at-end, as the Trainer has them: each evaluation's
// validation metric is compared with the best so far (higher is better for accuracy and F1, lower
// for the loss; strictly, so a tie keeps the earlier checkpoint). trainer_state.json records the
// best value and checkpoint; with --load-best-model-at-end that checkpoint stays on disk, and the
// run ends (test evaluation, saved model, card) on its weights.
import type { TrainerState } from './checkpoints.ts';
import type { EvalRecord } from './metrics.ts';

export const BEST_MODEL_METRICS = ['loss', 'accuracy', 'f1'] as const;
export type BestModelMetric = (typeof BEST_MODEL_METRICS)[number];

export interface Best {
  value: number;
  /** The checkpoint folder's name, checkpoint-<step>. */
  checkpoint: string;
}

/** The best so far as a checkpoint's state records it. */
export const bestOfState = (state: TrainerState | undefined): Best | undefined =>
  state?.bestMetric === undefined ? undefined : { value: state.bestMetric, checkpoint: state.bestModelCheckpoint! };

/** The Trainer's greater_is_better: true unless the metric is a loss. */
export const greaterIsBetter = (metric: BestModelMetric) => metric !== 'loss';

/** Whether `value` beats the best so far (none yet: it does). */
export function improves(metric: BestModelMetric, value: number, best: number | undefined): boolean {
  if (best === undefined) return true;
  return greaterIsBetter(metric) ? value > best : value < best;
}

/** A validation record's value of the metric; records from before F1 was measured have none. */
export function metricOf(record: Pick<EvalRecord, 'loss' | 'accuracy' | 'f1'>, metric: BestModelMetric): number | undefined {
  return record[metric];
}

/** The best of these validation records by `metric`, the first on ties. */
export function bestRecord<R extends EvalRecord>(records: readonly R[], metric: BestModelMetric): R | undefined {
  let best: R | undefined;
  for (const record of records) {
    const value = metricOf(record, metric);
    if (value !== undefined && improves(metric, value, best && metricOf(best, metric))) best = record;
  }
  return best;
}
