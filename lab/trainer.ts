// A training run as the lab drives it: the step of `npm run train` (train/train.ts) one optimizer
// step at a time, so that a page can draw between steps, pause, and go on. It runs in either host:
// the page trains with it, and test/lab/browser.test.ts runs the same steps in Node to compare.
//
// A step, as the Trainer's: for each micro-batch, forward with dropout (its own random streams),
// cross-entropy divided by the accumulation steps, backward adding into the gradients; then the
// global gradient norm and clip, AdamW at the scheduled learning rate (no weight decay on biases
// and LayerNorm weights), and the gradients dropped. Batches follow train/shuffle.ts's order and
// train/accumulation.ts's plan; a step of one micro-batch is recorded once per batch shape and
// replayed after (engine/replay.ts), as in train/train.ts. Unlike `npm run train`, which reads the
// loss every few steps, each step here waits for its own loss: a page shows every one.
import {
  AdamW,
  type AdamWState,
  StepReplay,
  Tensor,
  accumulateInto,
  backward,
  beginScope,
  copyInto,
  crossEntropy,
  dispatchStats,
  fillLike,
  flush,
  gradNorm,
  mulScalar,
  pool,
  readLater,
  replayEnabled,
  shapeStr,
  zeroGrad,
} from '../engine/index.ts';
import { withoutExecution } from '../engine/gpu/dispatch.ts';
import type { Model } from '../model/models.ts';
import { WordPieceTokenizer } from '../model/tokenizer.ts';
import { epochMicroBatches, type MicroBatch, updateStepsPerEpoch } from '../train/accumulation.ts';
import { type Batch, toBatch } from '../train/batch.ts';
import type { Example } from '../train/data/dataset.ts';
import { learningRateAt, type LinearSchedule } from '../train/schedule.ts';
import { batchesOf, batchesPerEpoch, epochOrder } from '../train/shuffle.ts';

export interface TrainOptions {
  batchSize: number;
  /** Micro-batches of batchSize per optimizer step. */
  accumulation: number;
  lr: number;
  warmupSteps: number;
  epochs: number;
  /** Sentences are cut at this many tokens. */
  maxLength: number;
  seed: number;
  weightDecay: number;
  /** Max global gradient norm; 0 measures the norm without clipping. */
  gradClip: number;
  dropout: boolean;
  shuffle: boolean;
}

/** The Hugging Face Trainer's defaults, with a learning rate for a model trained from scratch. */
export const DEFAULT_TRAIN_OPTIONS: TrainOptions = {
  batchSize: 16,
  accumulation: 1,
  lr: 1e-3,
  warmupSteps: 0,
  epochs: 1,
  maxLength: 64,
  seed: 42,
  weightDecay: 0,
  gradClip: 1,
  dropout: true,
  shuffle: true,
};

/** What one optimizer step did. */
export interface StepRecord {
  /** 1-based, as the Trainer logs steps. */
  step: number;
  epoch: number;
  loss: number;
  gradNorm: number;
  learningRate: number;
  /** Wall time from the step's first launch to its loss on the CPU. */
  ms: number;
  launches: number;
  submits: number;
  /** Whether the step ran its op code and was recorded, was replayed, or ran without replay. */
  replay: 'recorded' | 'replayed' | 'off';
}

/** The tokenizer of model folder `dir`, cutting at `maxLength` (as train/train.ts's openTokenizer makes it). */
export function tokenizerAt(dir: string, maxLength: number): WordPieceTokenizer {
  const { doLowerCase, stripAccents } = WordPieceTokenizer.fromDir(dir);
  return WordPieceTokenizer.fromVocabFile(`${dir}/vocab.txt`, { doLowerCase, stripAccents, modelMaxLength: maxLength });
}

/** What a micro-batch's forward and loss read: its tensors and its dropout step, i32 [1]. */
type ModelInputs = Pick<Batch, 'ids' | 'mask' | 'labels'> & { step: Tensor };

export class Training {
  readonly optimizer: AdamW;
  readonly schedule: LinearSchedule;
  readonly totalSteps: number;
  private readonly replay?: StepReplay;
  private readonly batchesPerEpoch: number;
  private readonly plan: MicroBatch[][] = [];
  private readonly orders = new Map<number, number[][]>();
  /** The loss of the step being run (as divided for accumulation, summed) and its gradient norm. */
  private readonly lossSum = new Tensor([], 'f32', { persistent: true, name: 'lab_loss_sum' });
  private readonly norm = new Tensor([1], 'f32', { persistent: true, name: 'lab_grad_norm' });
  private plannedEpochs = 0;
  private stepsDone = 0;

  constructor(
    readonly model: Model,
    readonly tokenizer: WordPieceTokenizer,
    readonly examples: readonly Example[],
    readonly options: TrainOptions,
  ) {
    this.batchesPerEpoch = batchesPerEpoch(examples.length, options.batchSize);
    this.totalSteps = updateStepsPerEpoch(this.batchesPerEpoch, options.accumulation) * options.epochs;
    const schedule = { peakLr: options.lr, warmupSteps: options.warmupSteps, totalSteps: this.totalSteps };
    this.schedule = schedule;
    const decays = (name: string) => !name.endsWith('.bias') && !/LayerNorm|layer_norm/.test(name);
    const named = [...model.params];
    // The learning rate of every step, a schedule the device indexes by its step count (engine/optim/adamw.ts).
    this.optimizer = new AdamW(
      [
        { params: named.filter(([n]) => decays(n)).map(([, p]) => p), weightDecay: options.weightDecay },
        { params: named.filter(([n]) => !decays(n)).map(([, p]) => p), weightDecay: 0 },
      ],
      { lr: { steps: this.totalSteps, at: (step) => learningRateAt(schedule, step) }, betas: [0.9, 0.999], eps: 1e-8 },
    );
    if (options.accumulation === 1 && replayEnabled()) this.replay = new StepReplay();
  }

  get step(): number {
    return this.stepsDone;
  }

  get done(): boolean {
    return this.stepsDone >= this.totalSteps;
  }

  /**
   * Runs the next optimizer step and resolves with its record once its loss is read back. With
   * `inspect`, the step runs its op code (no replay) and `inspect` sees its loss, the root of the
   * step's graph, after the backward and before the update (lab/page/step_view.ts shows that graph).
   */
  async next(inspect?: (loss: Tensor) => void): Promise<StepRecord> {
    if (this.done) throw new Error(`training is over: ${this.totalSteps} steps taken`);
    const micro = this.microBatchesOf(this.stepsDone);
    const start = performance.now();
    const [launches, submits] = [dispatchStats.dispatches, dispatchStats.submits];
    const lr = learningRateAt(this.schedule, this.stepsDone);
    let replay: StepRecord['replay'] = 'off';
    const scope = beginScope();
    let read: () => Promise<(Float32Array | Int32Array)[]>;
    try {
      fillLike(this.lossSum, 0);
      for (const m of micro.slice(0, -1)) this.backwardMicroBatch(this.inputsOf(m));
      const batch = this.inputsOf(micro[micro.length - 1]);
      const work = (b: ModelInputs) => {
        const loss = this.backwardMicroBatch(b);
        inspect?.(loss);
        this.updateWeights();
      };
      if (this.replay && !inspect) {
        const inputs = [batch.ids, batch.mask, batch.labels, batch.step];
        replay = this.replay.run(shapeStr(batch.ids.shape), inputs, ([ids, mask, labels, step]) => work({ ids, mask, labels, step }));
      } else {
        work(batch);
      }
      read = readLater([this.lossSum, this.norm]);
    } finally {
      scope.end();
      flush();
    }
    const [[loss], [norm]] = await read();
    this.stepsDone++;
    return {
      step: this.stepsDone,
      epoch: micro[micro.length - 1].epoch,
      loss,
      gradNorm: norm,
      learningRate: lr,
      ms: performance.now() - start,
      launches: dispatchStats.dispatches - launches,
      submits: dispatchStats.submits - submits,
      replay,
    };
  }

  /** Continues a run from a checkpoint taken after `step` steps, with the optimizer's state then. */
  resume(step: number, optimizerState: AdamWState): void {
    if (step > this.totalSteps) throw new Error(`the checkpoint is at step ${step}, past this run's ${this.totalSteps} steps`);
    this.optimizer.loadState(optimizerState);
    this.stepsDone = step;
  }

  /**
   * The GPU memory a step of micro-batches of `batch` sentences of `seqLen` tokens needs at its
   * peak: the step is recorded without being run (engine/gpu/dispatch.ts's withoutExecution), so
   * a shape too big for the device can be measured and refused before it is tried.
   */
  peakBytes(batch: number, seqLen: number): number {
    const ids = new Int32Array(batch * seqLen).fill(this.tokenizer.unkId);
    const mask = new Int32Array(batch * seqLen).fill(1);
    const scope = beginScope();
    try {
      pool.resetPeak();
      withoutExecution(() => {
        const b = {
          ids: Tensor.fromArray(ids, [batch, seqLen], 'i32'),
          mask: Tensor.fromArray(mask, [batch, seqLen], 'i32'),
          labels: Tensor.fromArray(new Int32Array(batch), [batch], 'i32'),
          step: Tensor.fromArray([0], [1], 'i32'),
        };
        this.backwardMicroBatch(b);
        this.updateWeights();
      });
      return pool.peakBytes;
    } finally {
      scope.end();
    }
  }

  /** The epoch the next step belongs to (its last micro-batch's); -1 once training is over. */
  get nextEpoch(): number {
    return this.done ? -1 : this.microBatchesOf(this.stepsDone).at(-1)!.epoch;
  }

  release(): void {
    this.replay?.release();
    this.lossSum.release();
    this.norm.release();
  }

  /** Step `step`'s micro-batches, planned an epoch at a time (a step may begin with the previous epoch's carried ones). */
  private microBatchesOf(step: number): MicroBatch[] {
    while (this.plan.length <= step) {
      let current: MicroBatch[] = [];
      for (const m of epochMicroBatches(
        this.plannedEpochs++,
        this.batchesPerEpoch,
        this.options.accumulation,
        this.plan.length,
        this.totalSteps,
      )) {
        current.push(m);
        if (m.endsStep) {
          this.plan.push(current);
          current = [];
        }
      }
    }
    return this.plan[step];
  }

  private examplesOf(m: MicroBatch): Example[] {
    let order = this.orders.get(m.epoch);
    if (!order) {
      order = batchesOf(epochOrder(this.examples.length, this.options.seed, m.epoch, this.options.shuffle), this.options.batchSize);
      this.orders.set(m.epoch, order);
    }
    return order[m.index].map((i) => this.examples[i]);
  }

  /**
   * A micro-batch's tensors and its dropout step: its position in the run's sequence of
   * micro-batches, which picks the random streams of its masks.
   */
  private inputsOf(m: MicroBatch): ModelInputs {
    const step = Tensor.fromArray([m.epoch * this.batchesPerEpoch + m.index], [1], 'i32');
    return { ...toBatch(this.tokenizer, this.examplesOf(m), { maxLength: this.options.maxLength }), step };
  }

  /** Forward, the loss (divided for accumulation), backward adding into the gradients; the loss. */
  private backwardMicroBatch(batch: ModelInputs): Tensor {
    const { model, options } = this;
    const logits = model.forward(batch.ids, batch.mask, { training: options.dropout, rng: { seed: options.seed, step: batch.step } });
    const n = options.accumulation;
    const loss = n > 1 ? mulScalar(crossEntropy(logits, batch.labels), 1 / n) : crossEntropy(logits, batch.labels);
    backward(loss);
    accumulateInto(this.lossSum, loss);
    return loss;
  }

  private updateWeights(): void {
    const params = this.optimizer.params;
    const { gradClip } = this.options;
    const { totalNorm, clipCoef } = gradNorm(params, gradClip > 0 ? gradClip : 1);
    this.optimizer.step(gradClip > 0 ? clipCoef : undefined);
    zeroGrad(params);
    copyInto(this.norm, totalNorm);
  }
}
