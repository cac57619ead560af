// `npm run train`: fine-tunes DistilBERT or BERT (config.json's model_type picks the model) for
// sentence classification with the Hugging Face Trainer's semantics (train/settings.ts has the
// options and their defaults). It reads like nanoGPT's train.py: the setup (train/setup.ts), then
// the loop below, where one optimizer step is
//   forward (with dropout) -> cross-entropy -> backward -> update
// and the update is the global gradient norm and clip, then AdamW at the scheduled learning rate.
// With --fp16 (the Trainer's fp16=True) the forward runs under autocast, and a GradScaler scales
// the loss, unscales the gradients and skips steps whose gradients hold inf/NaN; a skipped step
// does not advance the schedule, which follows AdamW's step count on the device
// (engine/optim/adamw.ts, grad_scaler.ts), so nothing waits for the flag. A step of a batch shape
// seen before replays the first one's recording instead of running the op code again
// (engine/replay.ts). The loss is read back a window of steps later, never in the middle of a step
// (train/loss_windows.ts). After each epoch: evaluation on validation and an atomic checkpoint
// from which `--resume` continues bit for bit; at the end: test evaluation, the model folder, its
// model card, metrics.jsonl and a plot (train/outputs.ts).
import path from 'node:path';
import {
  GpuOutOfMemoryError,
  Tensor,
  autocast,
  backward,
  beginScope,
  crossEntropy,
  flush,
  gpu,
  mulScalar,
  shapeStr,
  tuningSummary,
  zeroGrad,
} from '../engine/index.ts';
import { gradNorm } from '../engine/optim/adamw.ts';
import { WEIGHTS_FILE, saveModel } from '../model/checkpoint.ts';
import { epochAtStep, epochMicroBatches, type MicroBatch } from './accumulation.ts';
import { isMainModule, runCommand } from './args.ts';
import { CARD_FILE } from './card.ts';
import { toBatch, type Batch } from './batch.ts';
import type { Example } from './data/dataset.ts';
import { evaluate, type EvalResult } from './evaluate.ts';
import { LossWindows, NonFiniteLoss } from './loss_windows.ts';
import { METRICS_FILE } from './metrics.ts';
import { evalRecord, loadBestModel, rankCheckpoint, saveCheckpoint, trainRecord, writeReport } from './outputs.ts';
import { PLOT_FILE } from './plot.ts';
import { Progress } from './progress.ts';
import { learningRateAt } from './schedule.ts';
import { setUp, type Run } from './setup.ts';
import { batchesOf, epochOrder } from './shuffle.ts';

async function train(run: Run): Promise<void> {
  const { settings, dataset, metrics, schedule, outputDir } = run;
  const resumed = run.resumed?.state;
  let step = resumed?.globalStep ?? 0;
  const firstEpoch = resumed?.epoch ?? 0;
  const epochAt = (s: number) => epochAtStep(s, run.batchesPerEpoch, settings.gradientAccumulationSteps);
  let lastCheckpoint = run.resumed?.dir;
  const session = { steps: 0, seconds: 0 };

  const progress = new Progress(schedule.totalSteps, step, firstEpoch);
  const windows = new LossWindows(
    run.optimizer.steps,
    (steps) => learningRateAt(schedule, steps),
    (report) => {
      const samplesPerSecond = (report.epochSteps * settings.batchSize * settings.gradientAccumulationSteps) / report.epochSeconds;
      metrics.add(trainRecord(report, epochAt(report.lastStep + 1), samplesPerSecond));
      progress.window(report.lastStep + 1, report.loss, samplesPerSecond);
    },
  );
  progress.say(startLine(run));
  progress.say(tuningSummary());
  const evaluation = { batchSize: settings.batchSize, maxLength: run.maxLength, fp16: settings.fp16 };
  let test: EvalResult | undefined;
  try {
    for (let epoch = firstEpoch; epoch < run.epochs; epoch++) {
      const plan = epochMicroBatches(epoch, run.batchesPerEpoch, settings.gradientAccumulationSteps, step, schedule.totalSteps);
      progress.startEpoch(epoch);
      windows.startEpoch(plan.filter((micro) => micro.endsStep).length);
      for (const micro of withExamples(run, plan)) {
        await trainMicroBatch(run, micro, windows, step);
        if (micro.endsStep) step++;
      }
      const { loss: trainingLoss, steps, seconds } = await windows.endEpoch();
      session.steps += steps;
      session.seconds += seconds;
      const validation = await evaluate(run.model, run.tokenizer, dataset.validation, evaluation);
      metrics.add(evalRecord('validation', validation, step, epochAt(step), trainingLoss));
      rankCheckpoint(run, validation, step);
      progress.say(
        `epoch ${epoch + 1}: training loss ${trainingLoss.toFixed(4)}, validation loss ${validation.loss.toFixed(4)}, ` +
          `accuracy ${validation.accuracy.toFixed(4)}, macro F1 ${validation.f1.toFixed(4)} (step ${step})`,
      );
      lastCheckpoint = await saveCheckpoint(run, step, epoch + 1);
      writeReport(run);
    }
    if (settings.loadBestModelAtEnd && run.best) loadBestModel(run, lastCheckpoint, (line) => progress.say(line));
    if (dataset.test.length > 0) {
      test = await evaluate(run.model, run.tokenizer, dataset.test, evaluation);
      metrics.add(evalRecord('test', test, step, epochAt(step)));
    }
    await saveModel(run.model, run.tokenizer, outputDir);
    writeReport(run);
  } catch (error) {
    throw stopped(error, lastCheckpoint);
  } finally {
    progress.stop();
    windows.release();
    run.replay?.release();
    run.model.release();
    run.optimizer.release();
  }

  const timing =
    session.steps > 0 ? `; ${((1000 * session.seconds) / session.steps).toFixed(1)} ms/step over ${session.steps} steps this session` : '';
  if (run.scaler) {
    console.error(
      `fp16: loss scale ${(await run.scaler.state()).scale}, ${await run.scaler.skippedSteps()} step(s) skipped for inf/NaN gradients this session`,
    );
    run.scaler.release();
  }
  const tested = test
    ? `test: loss ${test.loss.toFixed(4)}, accuracy ${test.accuracy.toFixed(4)}, macro F1 ${test.f1.toFixed(4)}`
    : 'no test split';
  console.error(`${tested}${timing}`);
  console.error(`wrote ${path.join(outputDir, WEIGHTS_FILE)}, ${CARD_FILE}, ${METRICS_FILE}, ${PLOT_FILE}`);
}

/** What the run is about to do, in one line. */
function startLine({ settings, schedule, dataset, epochs, resumed }: Run): string {
  const accumulation = settings.gradientAccumulationSteps;
  const stepSize = accumulation > 1 ? `${accumulation} micro-batches of ${settings.batchSize}` : `${settings.batchSize}`;
  const resuming = resumed ? `, resuming at step ${resumed.state.globalStep} from ${resumed.dir}` : '';
  return `training ${epochs} epoch(s), ${schedule.totalSteps} steps of ${stepSize} on ${dataset.train.length} examples${resuming} (${gpu().adapterName})`;
}

/** A micro-batch with its examples and its dropout streams. */
interface MicroBatchWork extends MicroBatch {
  examples: Example[];
  /** Its position in the run's sequence of micro-batches, which numbers its dropout streams. */
  stream: number;
}

/** The plan's micro-batches with their examples: carried ones come from the previous epoch's order. */
function withExamples(run: Run, plan: readonly MicroBatch[]): MicroBatchWork[] {
  const { settings, dataset, batchesPerEpoch } = run;
  const epochs = [...new Set(plan.map((micro) => micro.epoch))];
  const orders = new Map(
    epochs.map((e) => [e, batchesOf(epochOrder(dataset.train.length, settings.seed, e, settings.shuffle), settings.batchSize)]),
  );
  return plan.map((micro) => ({
    ...micro,
    examples: orders.get(micro.epoch)![micro.index].map((i) => dataset.train[i]),
    stream: micro.epoch * batchesPerEpoch + micro.index,
  }));
}

/**
 * One micro-batch: forward -> backward, and -> update when it ends optimizer step `step`.
 * Everything it makes is released when its scope ends.
 *
 * A whole optimizer step in one micro-batch is replayed (engine/replay.ts): the first batch of
 * each shape records it, and later ones replay that recording with their own batch and dropout
 * step; the learning rate follows AdamW's step count on the device. (With accumulation, gradients
 * outlive a micro-batch, which a recorded step may not leave behind: those steps run their op
 * code every time.) Returns the wait for a loss window, when the step closes one.
 */
function trainMicroBatch(run: Run, micro: MicroBatchWork, windows: LossWindows, step: number): Promise<void> | undefined {
  const { scaler } = run;
  const scope = beginScope();
  try {
    // The micro-batch and its dropout step (which random streams its masks come from).
    const batch = { ...toBatch(run.tokenizer, micro.examples, run.maxLength), step: Tensor.fromArray([micro.stream], [1], 'i32') };
    const work = (inputs: ModelInputs) => {
      const loss = forward(run, inputs);
      backward(loss, scaler?.scale);
      windows.addLoss(loss);
      if (micro.endsStep) windows.keepNorm(update(run));
    };
    if (!micro.endsStep) {
      work(batch);
      return undefined;
    }
    if (run.replay) {
      // Sentence pairs bring token type ids, a fifth input and so another recording.
      const inputs = [batch.ids, batch.mask, batch.labels, batch.step, ...(batch.tokenTypeIds ? [batch.tokenTypeIds] : [])];
      const key = `${shapeStr(batch.ids.shape)}${batch.tokenTypeIds ? ' pairs' : ''}`;
      run.replay.run(key, inputs, ([ids, mask, labels, step, tokenTypeIds]) => work({ ids, mask, labels, step, tokenTypeIds }));
    } else {
      work(batch);
    }
    return windows.endStep(step);
  } finally {
    scope.end();
    flush();
  }
}

/** What a micro-batch's forward and loss read: the batch's tensors, without its size, and its dropout step, i32 [1]. */
type ModelInputs = Omit<Batch, 'size'> & { step: Tensor };

/**
 * Forward with dropout (the micro-batch's own streams) and the cross-entropy loss, divided by the
 * accumulation steps. With --fp16 the forward runs under autocast.
 */
function forward({ model, settings }: Run, { ids, mask, labels, tokenTypeIds, step }: ModelInputs): Tensor {
  const pass = () => model.forward(ids, mask, { training: settings.dropout, rng: { seed: settings.seed, step }, tokenTypeIds });
  const logits = settings.fp16 ? autocast(pass) : pass();
  const n = settings.gradientAccumulationSteps;
  // The Trainer divides only when accumulating, so without accumulation the loss keeps its bits.
  return n > 1 ? mulScalar(crossEntropy(logits, labels), 1 / n) : crossEntropy(logits, labels);
}

/**
 * The update: gradients unscaled (--fp16), their global norm and clip, AdamW (skipped on inf/NaN
 * gradients with --fp16, and the loss scale updated), the gradients dropped. Returns the norm.
 */
function update({ optimizer, settings, scaler }: Run): Tensor {
  const params = optimizer.params;
  scaler?.unscale(params);
  // gradNorm needs a positive bound; without clipping it only measures, and its coefficient is unused.
  const { totalNorm, clipCoef } = gradNorm(params, settings.gradClip > 0 ? settings.gradClip : 1);
  const clip = settings.gradClip > 0 ? clipCoef : undefined;
  if (scaler) {
    scaler.step(optimizer, clip);
    scaler.update();
  } else {
    optimizer.step(clip);
  }
  zeroGrad(params);
  return totalNorm;
}

/**
 * What stops training, as one line that says what to do and what is kept: a checkpoint is written
 * atomically, so the last one is whole whatever failed after it.
 */
function stopped(error: unknown, lastCheckpoint: string | undefined): unknown {
  if (error instanceof NonFiniteLoss) {
    const kept = lastCheckpoint ? `the last good checkpoint is ${lastCheckpoint}` : 'no checkpoint had been written yet';
    return new Error(`${error.message}: training stopped; ${kept} (try a lower --lr)`);
  }
  if (error instanceof GpuOutOfMemoryError) {
    const kept = lastCheckpoint
      ? `the last checkpoint, ${lastCheckpoint}, is intact and --resume continues from it`
      : 'no checkpoint had been written yet';
    return new Error(
      `${error.message}: training stopped; ${kept}. A run needs less memory with a lower --batch-size ` +
        '(and --gradient-accumulation-steps to keep the effective batch) or --max-length',
    );
  }
  return error;
}

/** `npm run train` with these arguments, in this process: what the command runs, and what tests call. */
export async function runTraining(argv: string[]): Promise<void> {
  await train(await setUp(argv));
}

if (isMainModule(import.meta.url)) runCommand('train', runTraining);
