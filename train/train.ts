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
import type { MicroBatch } from './accumulation.ts';
import { EarlyExit, isMainModule, runCommand, shellPath } from './args.ts';
import { CARD_FILE, epochText } from './card.ts';
import { toBatch, type Batch } from './batch.ts';
import type { Example } from './data/dataset.ts';
import { evaluate } from './evaluate.ts';
import { Interrupt, withInterrupt } from './interrupt.ts';
import { LossWindows, NonFiniteLoss } from './loss_windows.ts';
import { METRICS_FILE } from './metrics.ts';
import { evalRecord, loadBestModel, rankCheckpoint, saveCheckpoint, saveFinalState, trainRecord, writeReport } from './outputs.ts';
import { PLOT_FILE } from './plot.ts';
import { Progress } from './progress.ts';
import { learningRateAt } from './schedule.ts';
import { setUp, type Run } from './setup.ts';
import { batchesOf, epochOrder } from './shuffle.ts';

async function train(run: Run): Promise<void> {
  const { settings, metrics, schedule, epochAt } = run;
  const resumed = run.resumed?.state;
  let step = resumed?.globalStep ?? 0;
  let lastCheckpoint = run.resumed?.dir;
  const session = { steps: 0, seconds: 0 };
  const progress = new Progress(schedule.totalSteps, step, epochAt);
  const windows = new LossWindows(
    run.optimizer.steps,
    (steps) => learningRateAt(schedule, steps),
    (report) => {
      const samplesPerSecond = (report.epochSteps * settings.batchSize * settings.gradientAccumulationSteps) / report.epochSeconds;
      metrics.add(trainRecord(report, epochAt(report.lastStep + 1), samplesPerSecond));
      progress.window(report.lastStep + 1, report.loss, samplesPerSecond);
    },
  );
  const interrupt = new Interrupt();
  try {
    await withInterrupt(
      interrupt,
      ctrlC(progress, () => lastCheckpoint),
      async () => {
        // Printed once Ctrl-C is handled: a SIGINT that follows the line cannot find Node's default.
        progress.say(startLine(run));
        progress.say(tuningSummary());
        for (let epoch = resumed?.epoch ?? 0; epoch < run.epochs; epoch++) {
          const plan = run.epochPlan(epoch);
          // A checkpoint written within this epoch (on Ctrl-C) continues it where it stopped.
          const within = epoch === resumed?.epoch && resumed.position > 0 ? resumed : undefined;
          windows.startEpoch(plan.filter((micro) => micro.endsStep).length, within?.lossWindows);
          for (const [position, micro] of withExamples(run, plan).entries()) {
            if (position < (within?.position ?? 0)) continue;
            await trainMicroBatch(run, micro, windows, step);
            if (!micro.endsStep) continue;
            step++;
            await progress.stepDone(step);
            if (await interrupt.check()) {
              const lossWindows = await windows.state();
              lastCheckpoint = await saveCheckpoint(run, { globalStep: step, epoch, position: position + 1, lossWindows });
              throw interrupted(run, step, lastCheckpoint);
            }
          }
          const trained = await windows.endEpoch();
          session.steps += trained.steps;
          session.seconds += trained.seconds;
          lastCheckpoint = await endEpoch(run, progress, epoch, step, trained.loss);
          if (interrupt.requested && epoch + 1 < run.epochs) throw interrupted(run, step, lastCheckpoint);
        }
      },
    );
    await finish(run, progress, step, lastCheckpoint, session);
  } catch (error) {
    throw stopped(error, lastCheckpoint);
  } finally {
    progress.stop();
    windows.release();
    run.replay?.release();
    run.model.release();
    run.optimizer.release();
    run.scaler?.release();
  }
}

/** Ctrl-C: the first stops after the step in progress (see the loop), a second at once. */
function ctrlC(progress: Progress, lastCheckpoint: () => string | undefined) {
  return {
    onFirst: () => progress.say('Ctrl-C: stopping after this step, with a checkpoint (Ctrl-C again stops at once)'),
    onSecond: () => {
      progress.stop();
      console.error(`train: stopped at once; ${kept(lastCheckpoint())}`);
      process.exit(130);
    },
  };
}

/**
 * After epoch `epoch`'s last step, `step`: evaluation on validation, its record and line, a
 * checkpoint and the card. Returns the checkpoint's folder.
 */
async function endEpoch(run: Run, progress: Progress, epoch: number, step: number, trainingLoss: number): Promise<string> {
  const { epochAt } = run;
  const validation = await evaluate(run.model, run.tokenizer, run.dataset.validation, evaluationOptions(run));
  run.metrics.add(evalRecord('validation', validation, step, epochAt(step), trainingLoss));
  rankCheckpoint(run, validation, step);
  progress.say(
    `epoch ${epochText(epochAt(step))}: training loss ${trainingLoss.toFixed(4)}, validation loss ${validation.loss.toFixed(4)}, ` +
      `accuracy ${validation.accuracy.toFixed(4)}, macro F1 ${validation.f1.toFixed(4)} (step ${step})`,
  );
  const checkpoint = await saveCheckpoint(run, { globalStep: step, epoch: epoch + 1, position: 0 });
  writeReport(run);
  return checkpoint;
}

/**
 * After the last step: with --load-best-model-at-end the best checkpoint's weights, evaluation on
 * test (when the data has a labelled one), the model, its card, and last the run's final state.
 */
async function finish(
  run: Run,
  progress: Progress,
  step: number,
  lastCheckpoint: string | undefined,
  session: { steps: number; seconds: number },
): Promise<void> {
  if (run.settings.loadBestModelAtEnd && run.best) loadBestModel(run, lastCheckpoint, (line) => progress.say(line));
  const test = run.dataset.test.length > 0 ? await evaluate(run.model, run.tokenizer, run.dataset.test, evaluationOptions(run)) : undefined;
  await saveModel(run.model, run.tokenizer, run.outputDir);
  if (test) run.metrics.add(evalRecord('test', test, step, run.epochAt(step)));
  writeReport(run);
  await saveFinalState(run, step);
  const timing =
    session.steps > 0 ? `; ${((1000 * session.seconds) / session.steps).toFixed(1)} ms/step over ${session.steps} steps this session` : '';
  if (run.scaler)
    progress.say(
      `fp16: loss scale ${(await run.scaler.state()).scale}, ${await run.scaler.skippedSteps()} step(s) skipped for inf/NaN gradients this session`,
    );
  const tested = test
    ? `test: loss ${test.loss.toFixed(4)}, accuracy ${test.accuracy.toFixed(4)}, macro F1 ${test.f1.toFixed(4)}`
    : 'no test split';
  progress.say(`${tested}${timing}`);
  progress.say(`wrote ${path.join(run.outputDir, WEIGHTS_FILE)}, ${CARD_FILE}, ${METRICS_FILE}, ${PLOT_FILE}`);
}

const evaluationOptions = ({ settings, padding }: Run) => ({ batchSize: settings.batchSize, ...padding, fp16: settings.fp16 });

/** What the run is about to do, in one line. */
function startLine({ settings, schedule, dataset, epochs, resumed, epochAt }: Run): string {
  const accumulation = settings.gradientAccumulationSteps;
  const stepSize = accumulation > 1 ? `${accumulation} micro-batches of ${settings.batchSize}` : `${settings.batchSize}`;
  const at = resumed?.state.globalStep;
  const resuming = resumed ? `, resuming at step ${at} (epoch ${epochText(epochAt(at!))}) from ${resumed.dir}` : '';
  return `training ${epochs} epoch(s), ${schedule.totalSteps} steps of ${stepSize} on ${dataset.train.length} examples${resuming} (${gpu().adapterName})`;
}

/** What a Ctrl-C leaves: the run stopped after `step`, its checkpoint, and the command that continues it. */
function interrupted(run: Run, step: number, checkpoint: string): EarlyExit {
  return new EarlyExit(
    `interrupted at step ${step} of ${run.schedule.totalSteps} (epoch ${epochText(run.epochAt(step))}); checkpoint ${shellPath(checkpoint)} written. ` +
      `Continue with: npm run train -- --output ${shellPath(run.outputDir)} --resume`,
    130,
  );
}

const kept = (checkpoint: string | undefined) =>
  checkpoint
    ? `the last checkpoint, ${shellPath(checkpoint)}, is intact and --resume continues from it`
    : 'no checkpoint had been written yet';

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
    const batch = { ...toBatch(run.tokenizer, micro.examples, run.padding), step: Tensor.fromArray([micro.stream], [1], 'i32') };
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
    const last = lastCheckpoint ? `the last good checkpoint is ${lastCheckpoint}` : 'no checkpoint had been written yet';
    return new Error(`${error.message}: training stopped; ${last} (try a lower --lr)`);
  }
  if (error instanceof GpuOutOfMemoryError) {
    return new Error(
      `${error.message}: training stopped; ${kept(lastCheckpoint)}. A run needs less memory with a lower --batch-size ` +
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
