// Gradient accumulation with the Hugging Face Trainer 4.21.1's semantics (trainer.py,
// `_inner_training_loop` and `training_step`). With N accumulation steps:
//   - each micro-batch's loss is divided by N before its backward, and gradients add up across
//     backward calls; the logged loss is the sum of those divided losses per optimizer step;
//   - micro-batch i (0-based) of an epoch ends an optimizer step (clip, AdamW, schedule step,
//     zero_grad) when (i + 1) % N == 0, or when it is the epoch's last and the epoch has at most N;
//   - so an epoch of B batches makes max(1, floor(B / N)) optimizer steps, and --max-steps and
//     the schedule count those;
//   - gradients are zeroed only after an optimizer step, so when B > N the last B % N micro-batches
//     of an epoch take no step of their own: their gradients carry into the next epoch's first
//     step (which then sums N + B % N divided losses), and after the last epoch they are dropped.
// Here the carried micro-batches run at the start of the next epoch rather than at the end of
// their own: nothing changes in between (no optimizer step, and evaluation touches neither the
// weights nor the gradients), so the result is the Trainer's, and a run resumed from the
// end-of-epoch checkpoint recomputes them from the same weights, batches and dropout streams.

/** One forward + backward: batch `index` of epoch `epoch`'s order, and whether a step follows. */
export interface MicroBatch {
  epoch: number;
  index: number;
  endsStep: boolean;
}

/** Optimizer steps per epoch of `batches` micro-batches (the Trainer's num_update_steps_per_epoch). */
export const updateStepsPerEpoch = (batches: number, accumulation: number) => Math.max(1, Math.floor(batches / accumulation));

/** Whether micro-batch `index` of an epoch of `batches` ends an optimizer step. */
export const endsStep = (index: number, batches: number, accumulation: number) =>
  (index + 1) % accumulation === 0 || (batches <= accumulation && index + 1 === batches);

/** How many micro-batches at the end of each epoch no step takes, carried into the next epoch. */
export const carriedPerEpoch = (batches: number, accumulation: number) => (batches > accumulation ? batches % accumulation : 0);

/**
 * The micro-batches epoch `epoch` runs, in order, when it starts after `stepsDone` optimizer steps
 * and training stops at `totalSteps`: the previous epoch's carried ones, then its own up to the
 * last that ends a step (its carried ones wait for the next epoch), or the one that ends step
 * `totalSteps`.
 */
export function epochMicroBatches(
  epoch: number,
  batches: number,
  accumulation: number,
  stepsDone: number,
  totalSteps: number,
): MicroBatch[] {
  const plan: MicroBatch[] = [];
  if (stepsDone >= totalSteps) return plan;
  const own = batches - carriedPerEpoch(batches, accumulation);
  if (epoch > 0) {
    for (let index = own; index < batches; index++) plan.push({ epoch: epoch - 1, index, endsStep: false });
  }
  let steps = stepsDone;
  for (let index = 0; index < own && steps < totalSteps; index++) {
    const ends = endsStep(index, batches, accumulation);
    plan.push({ epoch, index, endsStep: ends });
    if (ends) steps++;
  }
  return plan;
}

/**
 * The fractional epoch after `steps` optimizer steps, as the Trainer's state.epoch: the epoch
 * plus the share of its micro-batches run up to the one that ended the last step.
 */
export function epochAtStep(steps: number, batches: number, accumulation: number): number {
  if (steps === 0) return 0;
  const perEpoch = updateStepsPerEpoch(batches, accumulation);
  const epoch = Math.floor((steps - 1) / perEpoch);
  const stepInEpoch = steps - epoch * perEpoch;
  const microBatchesRun = batches <= accumulation ? batches : stepInEpoch * accumulation;
  return epoch + microBatchesRun / batches;
}
