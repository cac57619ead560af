// Fine-tune for real: distilbert-base-uncased (from the Hugging Face hub, or a model folder the
// reader picks) fine-tuned on rotten_tomatoes with the reference card's recipe (lr 2e-5, batch
// 64, 5 epochs, seed 42, linear decay, no warmup: train/settings.ts's defaults). The batch is split
// into as many accumulation steps as the adapter's memory needs: each candidate micro-batch's step
// is measured without running it (Training.peakBytes) against the memory the reader allows.
//
// After every epoch the run is checkpointed into the browser's storage (IndexedDB: the model
// folder, AdamW's moments, the step), so a closed tab resumes where it was. The result downloads
// as a model folder (config.json, model.safetensors, vocab.txt, tokenizer_config.json) that
// `npm run predict -- --model DIR` and transformers' from_pretrained load.
import type { AdamWState } from '../../engine/index.ts';
import { loadModel, saveModel } from '../../model/checkpoint.ts';
import type { Model } from '../../model/models.ts';
import type { WordPieceTokenizer } from '../../model/tokenizer.ts';
import { addFiles, filesIn, removeFolder } from '../../model/files/browser.ts';
import type { Dataset } from '../../train/data/dataset.ts';
import type { FineTuneRecipe } from '../lab_api.ts';
import { DEFAULT_TRAIN_OPTIONS, type TrainOptions, tokenizerAt } from '../trainer.ts';
import { h, numberField, show } from './dom.ts';
import { DATA, fetchModelFolder, fetchPolarity, fetchRottenTomatoesFromHub, hubEndpoint } from './sources.ts';
import { TrainingRun } from './train_view.ts';

/** The reference model card's recipe. */
const RECIPE: FineTuneRecipe = { lr: 2e-5, batchSize: 64, epochs: 5, maxLength: 128, seed: 42 };

/** Saves `model` as a model folder into memory folder `dir` and returns its files by name. */
export async function saveModelFolder(model: Model, tokenizer: WordPieceTokenizer, dir: string): Promise<Map<string, Uint8Array>> {
  removeFolder(dir);
  await saveModel(model, tokenizer, dir);
  return filesIn(dir);
}

/** Offers each file for download (the browser asks where, or puts them in its download folder). */
function download(files: Map<string, Uint8Array>): void {
  for (const [name, bytes] of files) {
    const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>]));
    h('a', { href: url, download: name }).click();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }
}

// ---------------------------------------------------------------------------------------------
// Checkpoints in IndexedDB: one record, the latest.

interface StoredCheckpoint {
  step: number;
  options: TrainOptions;
  /** Where the run's sentences come from. */
  data: 'lab' | 'hub';
  files: [string, Uint8Array][];
  optimizer: AdamWState;
}

function database(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open('wgsl-distilbert-lab', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('checkpoints');
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(new Error(`browser storage: ${open.error?.message}`));
  });
}

async function storage<T>(mode: IDBTransactionMode, use: (store: IDBObjectStore) => IDBRequest): Promise<T> {
  const db = await database();
  return new Promise((resolve, reject) => {
    const transaction = db.transaction('checkpoints', mode);
    const request = use(transaction.objectStore('checkpoints'));
    // A write is kept once its transaction completes, not when its request succeeds: a tab closed
    // in between loses it.
    transaction.oncomplete = () => {
      db.close();
      resolve(request.result as T);
    };
    transaction.onerror = transaction.onabort = () => {
      db.close();
      reject(new Error(`browser storage: ${(transaction.error ?? request.error)?.message}`));
    };
  });
}

const readCheckpoint = () => storage<StoredCheckpoint | undefined>('readonly', (s) => s.get('latest'));
const writeCheckpoint = (c: StoredCheckpoint) => storage<void>('readwrite', (s) => s.put(c, 'latest'));

/** Where a fine-tuning run starts: from a base model and data the reader chose, or from the stored checkpoint. */
type Start = { model: 'hub' | 'picked'; data: 'lab' | 'hub'; recipe: FineTuneRecipe } | { resume: StoredCheckpoint };

/** What the page's tests drive (window.lab): a run from the hub, and the resumption of a stored one. */
export interface FineTuneControls {
  /** distilbert-base-uncased and rotten_tomatoes from the hub (`?HF_ENDPOINT=`), trained `steps` steps at most. */
  fromHub(recipe: FineTuneRecipe, steps: number): Promise<TrainingRun>;
  /** The run stored in the browser's storage, trained to its end. */
  resumeStored(): Promise<TrainingRun>;
}

// ---------------------------------------------------------------------------------------------

export function renderFinetune(section: HTMLElement, report: (error: unknown) => void): FineTuneControls {
  const modelChoice = h(
    'select',
    {},
    h('option', { value: 'hub' }, 'distilbert-base-uncased from the Hugging Face hub'),
    h('option', { value: 'picked' }, 'a model folder on this computer'),
  );
  const picker = h('input', { type: 'file', multiple: true, webkitdirectory: true });
  const dataChoice = h(
    'select',
    {},
    h('option', { value: 'lab' }, "this lab's data folder"),
    h('option', { value: 'hub' }, 'rotten_tomatoes from the Hugging Face hub'),
  );
  const fields = Object.entries(RECIPE).map(([name, value]) => [name, numberField(name, value)] as const);
  const memory = numberField('GPU memory to use (MB)', 2048, '1');
  const startButton = h('button', { class: 'primary' }, 'Fine-tune');
  const resumeButton = h('button', { hidden: true }, 'Resume the stored run');
  const pauseButton = h('button', { disabled: true }, 'Pause');
  const downloadButton = h('button', { disabled: true }, 'Download the model folder');
  const status = h('p', { class: 'muted' });
  const progress = h('p', { class: 'stats' });
  let run: TrainingRun | undefined;
  let runData: 'lab' | 'hub' = 'lab';
  const say = (line: string) => (status.textContent = line);

  const loadData = async (data: 'lab' | 'hub'): Promise<Dataset> => {
    say('loading rotten_tomatoes…');
    return data === 'hub' ? fetchRottenTomatoesFromHub() : fetchPolarity(new URL(DATA.rottenTomatoes, location.href).href);
  };

  const loadBase = async (model: 'hub' | 'picked') => {
    removeFolder('finetune');
    if (model === 'picked') {
      if (!picker.files?.length) throw new Error('pick a model folder first (config.json, vocab.txt, model.safetensors)');
      await addFiles('finetune', picker.files);
    } else {
      await fetchModelFolder('finetune', `${hubEndpoint()}/distilbert-base-uncased/resolve/main/`, say);
    }
  };

  /** The largest micro-batch dividing the batch whose step fits the memory allowed. */
  const accumulationFor = (candidate: TrainingRun, options: TrainOptions): number => {
    const budget = memory.read() * 2 ** 20;
    for (let micro = options.batchSize; micro >= 1; micro--) {
      if (options.batchSize % micro !== 0) continue;
      if (candidate.training.peakBytes(micro, options.maxLength) <= budget) return options.batchSize / micro;
    }
    throw new Error(
      `even one sentence of ${options.maxLength} tokens needs more than ${memory.read()} MB: allow more memory or a smaller maximum length`,
    );
  };

  /** Starts (or resumes) a run and trains it `steps` steps at most; resolves with it, or rejects with what went wrong. */
  const go = async (start: Start, steps = Infinity): Promise<TrainingRun> => {
    startButton.disabled = resumeButton.disabled = true;
    try {
      const resume = 'resume' in start ? start.resume : undefined;
      let options: TrainOptions;
      if ('resume' in start) {
        removeFolder('finetune');
        for (const [name, bytes] of start.resume.files) await addFiles('finetune', [new File([bytes as Uint8Array<ArrayBuffer>], name)]);
        runData = start.resume.data;
        options = start.resume.options;
      } else {
        await loadBase(start.model);
        runData = start.data;
        options = { ...DEFAULT_TRAIN_OPTIONS, ...start.recipe, weightDecay: 0, warmupSteps: 0 };
      }
      const dataset = await loadData(runData);
      const model = () => loadModel('finetune', { seed: options.seed, log: say });
      const tokenizer = tokenizerAt('finetune', options.maxLength);
      const make = (o: TrainOptions) => {
        const made = new TrainingRun(model(), tokenizer, dataset, o, dataset.validation.length, Infinity);
        made.onChange = onChange;
        return made;
      };
      if (!resume) {
        const probe = make({ ...options, accumulation: 1 });
        const accumulation = accumulationFor(probe, options);
        probe.release();
        options = { ...options, batchSize: options.batchSize / accumulation, accumulation };
      }
      run?.release();
      run = make(options);
      if (resume) run.training.resume(resume.step, resume.optimizer);
      say(
        `fine-tuning: ${run.training.totalSteps} steps of ${options.accumulation} micro-batch(es) of ${options.batchSize}, lr ${options.lr}`,
      );
      pauseButton.disabled = false;
      downloadButton.disabled = false;
      await run.run(steps);
      return run;
    } finally {
      startButton.disabled = resumeButton.disabled = false;
    }
  };

  const checkpointed = new Set<number>();
  const onChange = () => {
    const r = run?.records.at(-1);
    if (!run || !r) return;
    progress.textContent = `step ${r.step}/${run.training.totalSteps}, epoch ${r.epoch + 1}: loss ${r.loss.toFixed(4)}, ${r.ms.toFixed(0)} ms/step${run.evals.length ? `; validation accuracy ${run.evals.at(-1)!.accuracy.toFixed(4)}` : ''}`;
    pauseButton.textContent = run.isRunning ? 'Pause' : 'Continue';
    // A checkpoint after the last step of each epoch, as `npm run train` writes one.
    if (run.training.nextEpoch !== r.epoch && !checkpointed.has(r.step)) {
      checkpointed.add(r.step);
      return checkpoint(run, runData);
    }
  };

  const checkpoint = async (r: TrainingRun, data: 'lab' | 'hub') => {
    try {
      const files = await saveModelFolder(r.model, r.tokenizer, 'checkpoint');
      await writeCheckpoint({
        step: r.training.step,
        options: r.training.options,
        data,
        files: [...files],
        optimizer: await r.training.optimizer.state(),
      });
      say(`checkpoint of step ${r.training.step} kept in this browser's storage`);
    } catch (error) {
      report(error);
    }
  };

  const readRecipe = () => Object.fromEntries(fields.map(([n, f]) => [n, f.read()])) as FineTuneRecipe;
  const readStored = async () => {
    const stored = await readCheckpoint();
    if (!stored) throw new Error("this browser's storage holds no fine-tuning run to resume");
    return stored;
  };
  startButton.addEventListener('click', () =>
    go({ model: modelChoice.value as 'hub' | 'picked', data: dataChoice.value as 'lab' | 'hub', recipe: readRecipe() }).catch(report),
  );
  resumeButton.addEventListener('click', async () => go({ resume: await readStored() }).catch(report));
  pauseButton.addEventListener('click', () => {
    if (run?.isRunning) run.pause();
    else run?.run().catch(report);
  });
  downloadButton.addEventListener('click', async () => {
    if (run) download(await saveModelFolder(run.model, run.tokenizer, 'download'));
  });
  readCheckpoint().then(
    (stored) => {
      if (stored) {
        resumeButton.hidden = false;
        resumeButton.textContent = `Resume the stored run (step ${stored.step})`;
      }
    },
    () => {},
  );

  show(
    section,
    h('h2', {}, 'Fine-tune for real'),
    h(
      'p',
      {},
      'distilbert-base-uncased fine-tuned on rotten_tomatoes with the reference recipe (lr 2e-5, batch 64, 5 epochs, seed 42). ',
      'A GPU is needed for this to take minutes rather than days.',
    ),
    h('div', { class: 'row' }, h('label', {}, 'model', modelChoice), h('label', {}, 'folder', picker), h('label', {}, 'data', dataChoice)),
    h('div', { class: 'row' }, ...fields.map(([, f]) => f.element), memory.element, startButton, resumeButton, pauseButton, downloadButton),
    status,
    progress,
  );
  return {
    fromHub: (recipe, steps) => go({ model: 'hub', data: 'hub', recipe }, steps),
    resumeStored: async () => go({ resume: await readStored() }),
  };
}
