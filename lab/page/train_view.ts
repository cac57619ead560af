// The Train tab: a small DistilBERT trained from scratch on rotten_tomatoes in the tab, step by
// step (lab/trainer.ts, the steps of `npm run train`), with its loss and validation accuracy drawn
// as they come, the cost of each step (milliseconds, kernel launches, submits), pause and continue,
// and a box that classifies what the reader types with the model as it stands.
import { Tensor, noGrad, scoped } from '../../engine/index.ts';
import { initModel } from '../../model/checkpoint.ts';
import { type Model, type ModelConfig, readConfig } from '../../model/models.ts';
import type { WordPieceTokenizer } from '../../model/tokenizer.ts';
import type { Dataset } from '../../train/data/dataset.ts';
import { evaluate } from '../../train/evaluate.ts';
import { DEFAULT_TRAIN_OPTIONS, type StepRecord, Training, type TrainOptions, tokenizerAt } from '../trainer.ts';
import { lineChart } from './chart.ts';
import { h, numberField, show } from './dom.ts';
import { DATA, fetchModelFolder, fetchPolarity } from './sources.ts';

export interface EvalPoint {
  step: number;
  loss: number;
  accuracy: number;
}

/** A training run the page shows: its model, its steps so far, and whether it is running. */
export class TrainingRun {
  readonly records: StepRecord[] = [];
  readonly evals: EvalPoint[] = [];
  readonly training: Training;
  /**
   * Called after each step and when the run stops: where a view redraws. The next step waits for
   * what it returns (a checkpoint must read the weights and AdamW's moments of the step it names).
   */
  onChange: () => void | Promise<void> = () => {};
  private running = false;
  private stopRequested = false;

  constructor(
    readonly model: Model,
    readonly tokenizer: WordPieceTokenizer,
    readonly dataset: Dataset,
    options: TrainOptions,
    /** Validation examples per evaluation (the whole split is 1,066 sentences). */
    readonly evalExamples: number,
    /** Steps between evaluations. */
    readonly evalEvery: number,
  ) {
    this.training = new Training(model, tokenizer, dataset.train, options);
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Trains until the run is over, `pause` is called, or `steps` more steps were taken. */
  async run(steps = Infinity): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.stopRequested = false;
    try {
      for (let taken = 0; taken < steps && !this.training.done && !this.stopRequested; taken++) {
        this.records.push(await this.training.next());
        const step = this.training.step;
        if (step % this.evalEvery === 0 || this.training.done) await this.evaluate();
        await this.onChange();
        // Lets the page draw and take clicks between steps.
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    } finally {
      this.running = false;
      void this.onChange();
    }
  }

  pause(): void {
    this.stopRequested = true;
  }

  async evaluate(): Promise<void> {
    const { options } = this.training;
    const examples = this.dataset.validation.filter((_, i) => i % Math.ceil(this.dataset.validation.length / this.evalExamples) === 0);
    const result = await evaluate(this.model, this.tokenizer, examples, { batchSize: options.batchSize, maxLength: options.maxLength });
    this.evals.push({ step: this.training.step, loss: result.loss, accuracy: result.accuracy });
  }

  /** The probability of each label for `text`, from the model as it stands. */
  async classify(text: string): Promise<{ label: string; probability: number }[]> {
    const logits = await scoped(() =>
      noGrad(() => {
        const batch = this.tokenizer.encodeBatch([text], this.training.options.maxLength);
        const ids = Tensor.fromArray(batch.ids, [1, batch.seqLen], 'i32');
        const mask = Tensor.fromArray(batch.mask, [1, batch.seqLen], 'i32');
        return this.model.forward(ids, mask).toFloat32();
      }),
    );
    const top = Math.max(...logits);
    const exps = Array.from(logits, (l) => Math.exp(l - top));
    const sum = exps.reduce((a, b) => a + b, 0);
    return this.model.config.labels.map((label, i) => ({ label, probability: exps[i] / sum }));
  }

  release(): void {
    this.training.release();
    this.model.release();
  }
}

/** The architecture and recipe fields of the form, with the values it starts with. */
const MODEL_FIELDS = { dim: 64, layers: 2, heads: 2, hiddenDim: 256 };
const RECIPE_FIELDS = { batchSize: 32, lr: 1e-3, epochs: 1, maxLength: 64, seed: 42 };

/** Loads distilbert-base-uncased's config and vocabulary (into memory folder `base`) and rotten_tomatoes from the data folder. */
export async function loadBaseAndData(say: (line: string) => void): Promise<{ config: ModelConfig; dataset: Dataset }> {
  say('fetching the tokenizer and config…');
  await fetchModelFolder('base', DATA.baseModel, say);
  say('fetching rotten_tomatoes…');
  const dataset = await fetchPolarity(new URL(DATA.rottenTomatoes, location.href).href);
  return { config: readConfig('base/config.json'), dataset };
}

export function renderTrain(
  section: HTMLElement,
  report: (error: unknown) => void,
): { current: () => TrainingRun | undefined; showRun: (run: TrainingRun) => void } {
  const modelFields = Object.entries(MODEL_FIELDS).map(([name, value]) => [name, numberField(name, value, '1')] as const);
  const recipeFields = Object.entries(RECIPE_FIELDS).map(([name, value]) => [name, numberField(name, value)] as const);
  const startButton = h('button', { class: 'primary' }, 'Train from scratch');
  const pauseButton = h('button', { disabled: true }, 'Pause');
  const status = h(
    'p',
    { class: 'muted' },
    'A DistilBERT of the size below, randomly initialised, trained on rotten_tomatoes in this tab.',
  );
  const stats = h('p', { class: 'stats' });
  const charts = h('div', { class: 'charts' });
  const input = h('input', { type: 'text', value: 'a gorgeous, witty, seductive movie.', size: 50 });
  const verdict = h('span', { class: 'stats' });
  const classifyButton = h('button', { disabled: true }, 'Classify');
  let run: TrainingRun | undefined;

  const draw = () => {
    if (!run) return;
    const records = run.records;
    const steady = records.filter((r) => r.replay !== 'recorded');
    const recent = steady.slice(-20);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    const latest = records.at(-1);
    stats.textContent = latest
      ? `step ${latest.step}/${run.training.totalSteps} · loss ${latest.loss.toFixed(4)} · ${median(recent.map((r) => r.ms)).toFixed(1)} ms/step (median of the last ${recent.length}) · ${latest.launches} launches and ${latest.submits} submit(s) per step · ${latest.replay}`
      : 'starting…';
    show(
      charts,
      h(
        'figure',
        {},
        lineChart([{ name: 'training loss', color: '#2f6fdf', points: records.map((r) => [r.step, r.loss]) }], { xLabel: 'step' }),
        h('figcaption', {}, 'training loss per step'),
      ),
      h(
        'figure',
        {},
        lineChart([{ name: 'validation accuracy', color: '#1f8a4c', points: run.evals.map((e) => [e.step, e.accuracy]) }], {
          xLabel: 'step',
        }),
        h('figcaption', {}, `validation accuracy (${run.evalExamples} sentences)`),
      ),
      h(
        'figure',
        {},
        lineChart([{ name: 'ms per step', color: '#b26b00', points: steady.map((r) => [r.step, r.ms]) }], { xLabel: 'step' }),
        h('figcaption', {}, 'wall time per replayed step, loss read back included (a recording step compiles: left out)'),
      ),
    );
    pauseButton.textContent = run.isRunning ? 'Pause' : 'Continue';
    pauseButton.disabled = run.training.done;
    classifyButton.disabled = false;
  };

  /** Makes `next` the run the tab shows (and the step tab opens), replacing the one before. */
  const showRun = (next: TrainingRun) => {
    run?.pause();
    run?.release();
    run = next;
    run.onChange = draw;
    draw();
  };

  startButton.addEventListener('click', async () => {
    startButton.disabled = true;
    try {
      const read = (fields: typeof modelFields) => Object.fromEntries(fields.map(([n, f]) => [n, f.read()]));
      const shape = read(modelFields);
      const recipe = read(recipeFields) as typeof RECIPE_FIELDS;
      const { config, dataset } = await loadBaseAndData((line) => (status.textContent = line));
      const small = config.with({ dim: shape.dim, nLayers: shape.layers, nHeads: shape.heads, hiddenDim: shape.hiddenDim });
      const options = { ...DEFAULT_TRAIN_OPTIONS, ...recipe };
      status.textContent = `${small.nLayers} layer(s), dim ${small.dim}, ${small.nHeads} heads, feed-forward ${small.hiddenDim}; batch ${options.batchSize}, lr ${options.lr}, ${dataset.train.length} sentences`;
      showRun(new TrainingRun(initModel(small, options.seed), tokenizerAt('base', options.maxLength), dataset, options, 200, 50));
      run!.run().catch(report);
    } catch (error) {
      report(error);
    } finally {
      startButton.disabled = false;
    }
  });
  pauseButton.addEventListener('click', () => {
    if (!run) return;
    if (run.isRunning) run.pause();
    else run.run().catch(report);
  });
  classifyButton.addEventListener('click', async () => {
    if (!run) return;
    try {
      const probabilities = await run.classify(input.value);
      const best = probabilities.reduce((a, b) => (b.probability > a.probability ? b : a));
      verdict.textContent = `${best.label} (${probabilities.map((p) => `${p.label} ${p.probability.toFixed(3)}`).join(', ')})`;
    } catch (error) {
      report(error);
    }
  });

  show(
    section,
    h('h2', {}, 'Train'),
    status,
    h(
      'div',
      { class: 'row' },
      ...modelFields.map(([, f]) => f.element),
      ...recipeFields.map(([, f]) => f.element),
      startButton,
      pauseButton,
    ),
    stats,
    charts,
    h('h2', {}, 'Classify'),
    h('div', { class: 'row' }, input, classifyButton, verdict),
  );
  return { current: () => run, showRun };
}
