// What the lab page offers its tests as `window.lab` (lab/page/main.ts): the functions its buttons
// call, so that test/lab/browser.test.ts drives the page in Chromium as a reader would, and reads results.
import type { StepRecord, TrainOptions } from './trainer.ts';

export const TABS = ['adapter', 'kernels', 'train', 'step', 'finetune'] as const;
export type Tab = (typeof TABS)[number];

/** What the Fine-tune tab's form sets. */
export type FineTuneRecipe = Pick<TrainOptions, 'lr' | 'batchSize' | 'epochs' | 'maxLength' | 'seed'>;

/** A fine-tuning run's steps so far (of this page's life) and the options it trains with. */
export interface FineTuneSteps {
  records: StepRecord[];
  options: TrainOptions;
}

export interface LabApi {
  showTab(tab: Tab): void;
  adapter(): { name: string; software: boolean; features: string[]; subgroupSize: number };
  /** The variants of the kernel families named (default all; with `firstOnly` each one's first), validated against the float64 CPU reference. */
  validateKernels(families?: string[], firstOnly?: boolean): Promise<{ group: string; variant: string; error: string | null }[]>;
  /** Loads the model folder at URL `model` and trains it `steps` steps on rotten_tomatoes, in the Train tab. */
  train(args: { model: string; steps: number; options: Partial<TrainOptions> }): Promise<StepRecord[]>;
  /** The Train tab's model saved as a model folder (as `npm run train` writes one): file name -> base64. */
  saveModel(): Promise<Record<string, string>>;
  /**
   * In the Fine-tune tab: distilbert-base-uncased and rotten_tomatoes from the hub (the page's
   * `?HF_ENDPOINT=`), fine-tuned `steps` steps at most; a checkpoint goes into IndexedDB after each epoch.
   */
  fineTuneFromHub(args: { recipe: FineTuneRecipe; steps: number }): Promise<FineTuneSteps>;
  /** In the Fine-tune tab: the run stored in IndexedDB, resumed and trained to its end. */
  resumeFineTune(): Promise<FineTuneSteps>;
}
