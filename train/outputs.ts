// What a run leaves in its output folder besides metrics.jsonl (train/metrics.ts): the model card
// and the plot, rewritten after each epoch and at the end; the checkpoint after each epoch
// (train/checkpoints.ts); and the records of each evaluation.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gpu } from '../engine/index.ts';
import { WEIGHTS_FILE, checkWeights, saveModel } from '../model/checkpoint.ts';
import { improves } from './best_model.ts';
import { CARD_FILE, modelCard } from './card.ts';
import { OPTIMIZER_FILE, namedShapes, writeCheckpoint, writeFinalState, writeOptimizerState, type TrainerState } from './checkpoints.ts';
import type { EvalResult } from './evaluate.ts';
import type { EvalRecord, TrainRecord } from './metrics.ts';
import { PLOT_FILE, trainingPlot } from './plot.ts';
import type { TrainSettings } from './settings.ts';
import type { WindowReport } from './loss_windows.ts';
import type { Run } from './setup.ts';

/** The hub id the run fine-tunes, for the card; none for a local folder or from scratch. */
function baseModelOf(s: TrainSettings): string | undefined {
  return s.fromScratch || existsSync(s.model) ? undefined : s.model;
}

function frameworks() {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const engine = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version as string;
  const webgpu = (createRequire(import.meta.url)('webgpu/package.json') as { version: string }).version;
  return { engine, webgpu, adapter: gpu().adapterName, node: process.version };
}

/** The model card and the plot, from the metrics so far. */
export function writeReport(run: Run): void {
  const { outputDir, settings, metrics } = run;
  const dataset = settings.data === 'rotten_tomatoes' ? 'rotten_tomatoes' : path.basename(path.resolve(settings.data));
  writeFileSync(
    path.join(outputDir, CARD_FILE),
    modelCard({
      name: path.basename(outputDir),
      settings,
      baseModel: baseModelOf(settings),
      dataset,
      records: metrics.records,
      totalSteps: run.schedule.totalSteps,
      frameworks: frameworks(),
    }),
  );
  writeFileSync(path.join(outputDir, PLOT_FILE), trainingPlot(metrics.records));
}

/**
 * Where a run stands: `globalStep` optimizer steps done, `position` micro-batches into epoch
 * `epoch`'s (0 at an epoch's end, with `epoch` the next one) and, within an epoch, its loss windows.
 */
export type Place = Pick<TrainerState, 'globalStep' | 'epoch' | 'position' | 'lossWindows'>;

async function trainerState(run: Run, place: Place): Promise<TrainerState> {
  const { settings, metrics, scaler } = run;
  return {
    version: 1,
    settings,
    totalSteps: run.schedule.totalSteps,
    ...place,
    rng: { seed: settings.seed, nextStream: place.epoch * run.batchesPerEpoch },
    records: metrics.records,
    gradScaler: await scaler?.state(),
    heldOut: run.dataset.heldOut,
    pairs: run.dataset.train.some((example) => example.textPair !== undefined),
    bestMetric: run.best?.value,
    bestModelCheckpoint: run.best?.checkpoint,
  };
}

export async function saveCheckpoint(run: Run, place: Place): Promise<string> {
  const { model, tokenizer, optimizer, settings } = run;
  // With --load-best-model-at-end the best checkpoint stays beside the latest.
  const keep = settings.loadBestModelAtEnd ? run.best?.checkpoint : undefined;
  return writeCheckpoint(
    run.outputDir,
    await trainerState(run, place),
    async (dir) => {
      await saveModel(model, tokenizer, dir);
      writeOptimizerState(path.join(dir, OPTIMIZER_FILE), namedShapes(optimizer, model), await optimizer.state());
    },
    keep,
  );
}

/** Keeps the best validation value of --metric-for-best-model; this epoch's checkpoint will be checkpoint-<step>. */
export function rankCheckpoint(run: Run, validation: EvalResult, step: number): void {
  const metric = run.settings.metricForBestModel ?? 'loss';
  if (improves(metric, validation[metric], run.best?.value)) run.best = { value: validation[metric], checkpoint: `checkpoint-${step}` };
}

/** --load-best-model-at-end: the weights of the best checkpoint replace the model's (the Trainer's _load_best_model). */
export function loadBestModel(run: Run, lastCheckpoint: string | undefined, say: (line: string) => void): void {
  const dir = path.join(run.outputDir, run.best!.checkpoint);
  if (dir === lastCheckpoint) return;
  say(`loading the best model, ${run.best!.checkpoint} (validation ${run.settings.metricForBestModel} ${run.best!.value.toFixed(4)})`);
  const best = checkWeights(run.model.config, path.join(dir, WEIGHTS_FILE), { requireHead: true }).createModel();
  run.model.release();
  run.model = best;
}

/** The finished run's state, written last into its output folder (see checkpoints.ts's stateIn). */
export async function saveFinalState(run: Run, globalStep: number): Promise<void> {
  writeFinalState(run.outputDir, await trainerState(run, { globalStep, epoch: run.epochs, position: 0 }));
}

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

/** A loss window's record: its loss and last gradient norm at the fractional epoch it ends. */
export function trainRecord(w: WindowReport, epoch: number, samplesPerSecond: number): TrainRecord {
  const { lastStep, loss, learningRate, gradNorm } = w;
  return { split: 'train', step: lastStep + 1, epoch: round4(epoch), loss, learningRate, gradNorm, samplesPerSecond };
}

export function evalRecord(split: EvalRecord['split'], r: EvalResult, step: number, epoch: number, trainingLoss?: number): EvalRecord {
  return {
    split,
    step,
    epoch: round4(epoch),
    loss: r.loss,
    accuracy: r.accuracy,
    f1: r.f1,
    perClass: r.perClass,
    examples: r.examples,
    ...(trainingLoss === undefined ? {} : { trainingLoss }),
  };
}
