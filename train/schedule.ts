// The learning rate at each optimizer step: Hugging Face's get_linear_schedule_with_warmup, the
// Trainer's default. It rises linearly from 0 over `warmupSteps`, then falls linearly to 0 at
// `totalSteps`. The Trainer steps the scheduler after the optimizer, so optimizer step k
// (0-based) runs with the factor at k: the first step uses the full rate when there is no warmup,
// and the last uses lr / totalSteps.

export interface LinearSchedule {
  peakLr: number;
  warmupSteps: number;
  totalSteps: number;
}

export function learningRateAt({ peakLr, warmupSteps, totalSteps }: LinearSchedule, step: number): number {
  // Factor first, then the product, as torch's LambdaLR computes base_lr * lr_lambda(step).
  const factor =
    step < warmupSteps ? step / Math.max(1, warmupSteps) : Math.max(0, (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
  return peakLr * factor;
}
