// Training checkpoints: everything a killed run needs to finish with exactly the weights an
// uninterrupted run gives. One folder per checkpoint, <output>/checkpoint-<step>/, holding
//   model files        the weights, config.json and tokenizer files (model/checkpoint's save), so a
//                      checkpoint is itself a model folder for `npm run eval` and `predict`
//   optimizer.safetensors   AdamW's moments, `<param>.exp_avg` / `<param>.exp_avg_sq`, and its step
//   trainer_state.json the settings, step counts, data order, RNG state, metric records and, with
//                      --fp16, the loss scale
// A checkpoint is written into a temporary folder and renamed into place, so a kill leaves either
// the previous checkpoint or the new one, never half of one; the older checkpoint goes afterwards.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { GradScalerState } from '../engine/index.ts';
import type { AdamW } from '../engine/optim/adamw.ts';
import type { Model } from '../model/models.ts';
import { openSafetensors, writeSafetensors } from '../model/safetensors.ts';
import type { HeldOut } from './data/dataset.ts';
import type { LossWindowsState } from './loss_windows.ts';
import type { MetricRecord } from './metrics.ts';
import type { TrainSettings } from './settings.ts';

export const STATE_FILE = 'trainer_state.json';
export const OPTIMIZER_FILE = 'optimizer.safetensors';
const STATE_VERSION = 1;
const CHECKPOINT_DIR = /^checkpoint-(\d+)$/;
const TEMPORARY_DIR = /^checkpoint-\d+\.tmp-\d+$/;

export interface TrainerState {
  version: number;
  settings: TrainSettings;
  /** Optimizer steps done; also the schedule's position (the next step's learning rate index). */
  globalStep: number;
  totalSteps: number;
  /**
   * Data order: the epoch to continue in (0-based) and how many micro-batches of its plan are done
   * (train/accumulation.ts's epochMicroBatches, carried ones included): 0 after an epoch's end,
   * more in a checkpoint written within an epoch (on Ctrl-C).
   */
  epoch: number;
  position: number;
  /** In a checkpoint written within an epoch: where its loss windows stand. */
  lossWindows?: LossWindowsState;
  /** Dropout's counter-based RNG: its seed, and the first stream of epoch `epoch` (micro-batch i of epoch e draws stream e * batches + i). */
  rng: { seed: number; nextStream: number };
  records: MetricRecord[];
  /** With --fp16: the loss scale and its growth tracker. */
  gradScaler?: GradScalerState;
  /** For a source without a validation split: the train rows held out as validation. */
  heldOut?: HeldOut;
  /** Whether the data is sentence pairs, which `npm run predict` then takes (absent in older states). */
  pairs?: boolean;
  /**
   * The best validation value of --metric-for-best-model so far, and its checkpoint's folder name
   * (the Trainer's best_metric, best_model_checkpoint); that folder is kept with --load-best-model-at-end.
   */
  bestMetric?: number;
  bestModelCheckpoint?: string;
}

/** AdamW's step count and moments (torch's exp_avg and exp_avg_sq), in parameter order. */
export interface OptimizerState {
  step: number;
  m: Float32Array[];
  v: Float32Array[];
}

export interface NamedShape {
  name: string;
  shape: readonly number[];
}

/** The optimizer's parameters by their names in the model: the keys of its saved state. */
export function namedShapes(optimizer: AdamW, model: Model): NamedShape[] {
  const names = new Map([...model.params].map(([name, p]) => [p, name]));
  return optimizer.params.map((p) => ({ name: names.get(p)!, shape: p.shape }));
}

export function writeOptimizerState(file: string, params: readonly NamedShape[], state: OptimizerState): void {
  const tensors = params.flatMap(({ name, shape }, i) => [
    { name: `${name}.exp_avg`, shape, data: state.m[i] },
    { name: `${name}.exp_avg_sq`, shape, data: state.v[i] },
  ]);
  writeSafetensors(file, tensors, { step: String(state.step) });
}

export function readOptimizerState(file: string, params: readonly NamedShape[]): OptimizerState {
  const st = openSafetensors(file);
  try {
    const step = Number(st.metadata.step);
    if (!Number.isInteger(step) || step < 0) throw new Error(`${file}: metadata "step" is missing or not a step count`);
    const read = (name: string, shape: readonly number[]) => {
      const entry = st.tensors.get(name);
      if (!entry) throw new Error(`${file}: no tensor ${name}`);
      if (entry.shape.join(',') !== shape.join(','))
        throw new Error(`${file}: ${name} has shape [${entry.shape}], the model needs [${shape}]`);
      return st.read(name);
    };
    return {
      step,
      m: params.map(({ name, shape }) => read(`${name}.exp_avg`, shape)),
      v: params.map(({ name, shape }) => read(`${name}.exp_avg_sq`, shape)),
    };
  } finally {
    st.close();
  }
}

const stateText = (state: TrainerState) => `${JSON.stringify({ ...state, version: STATE_VERSION }, null, 1)}\n`;

function writeDurably(file: string, text: string): void {
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes checkpoint-<globalStep> atomically: `writeFiles` fills a temporary folder (model and
 * optimizer files), the state goes in last, then one rename publishes it. Older checkpoints (but
 * the one named `keep`) and leftovers of killed writes are removed afterwards. Returns the
 * checkpoint's folder.
 */
export async function writeCheckpoint(
  outputDir: string,
  state: TrainerState,
  writeFiles: (dir: string) => Promise<void> | void,
  keep?: string,
): Promise<string> {
  const final = path.join(outputDir, `checkpoint-${state.globalStep}`);
  const temporary = `${final}.tmp-${process.pid}`;
  rmSync(temporary, { recursive: true, force: true });
  mkdirSync(temporary, { recursive: true });
  try {
    await writeFiles(temporary);
    writeDurably(path.join(temporary, STATE_FILE), stateText(state));
    syncDir(temporary);
    rmSync(final, { recursive: true, force: true });
    renameSync(temporary, final);
    syncDir(outputDir);
  } catch (error) {
    rmSync(temporary, { recursive: true, force: true });
    throw error;
  }
  removeCheckpointsExcept(outputDir, [path.basename(final), ...(keep ? [keep] : [])]);
  return final;
}

/** Removes every checkpoint folder and temporary leftover but those named in `keep`. */
export function removeCheckpointsExcept(outputDir: string, keep: readonly string[] = []): void {
  for (const entry of readdirSync(outputDir)) {
    if (!keep.includes(entry) && (CHECKPOINT_DIR.test(entry) || TEMPORARY_DIR.test(entry))) {
      rmSync(path.join(outputDir, entry), { recursive: true, force: true });
    }
  }
}

export function readTrainerState(dir: string): TrainerState {
  const file = path.join(dir, STATE_FILE);
  let state: TrainerState;
  try {
    state = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: unreadable (${(error as Error).message})`);
  }
  if (state?.version !== STATE_VERSION) throw new Error(`${file}: not a version ${STATE_VERSION} trainer state`);
  return state;
}

/**
 * The trainer state kept in `dir`, if it holds one: a checkpoint's, or the one a finished run
 * writes last into its output folder, beside its model (`writeFinalState`).
 */
export function stateIn(dir: string): TrainerState | undefined {
  return existsSync(path.join(dir, STATE_FILE)) ? readTrainerState(dir) : undefined;
}

/**
 * The state of the run that wrote the model folder `dir`: the folder's own (a checkpoint, or a
 * finished run's output folder), else that of its latest checkpoint; none where no run wrote it.
 */
export function recordedState(dir: string): TrainerState | undefined {
  const checkpoint = latestCheckpoint(dir);
  return stateIn(dir) ?? (checkpoint ? stateIn(checkpoint) : undefined);
}

/**
 * Writes a finished run's state into its output folder (the Trainer's save_state), atomically and
 * after everything else: an output folder with a state holds a finished run.
 */
export function writeFinalState(outputDir: string, state: TrainerState): void {
  const file = path.join(outputDir, STATE_FILE);
  writeDurably(`${file}.tmp`, stateText(state));
  renameSync(`${file}.tmp`, file);
  syncDir(outputDir);
}

/** The complete checkpoint with the most steps in `outputDir`, if any. */
export function latestCheckpoint(outputDir: string): string | undefined {
  if (!existsSync(outputDir)) return undefined;
  const steps = readdirSync(outputDir)
    .map((entry) => CHECKPOINT_DIR.exec(entry))
    .filter((m): m is RegExpExecArray => m !== null && existsSync(path.join(outputDir, m[0], STATE_FILE)))
    .map((m) => Number(m[1]));
  if (steps.length === 0) return undefined;
  return path.join(outputDir, `checkpoint-${Math.max(...steps)}`);
}
