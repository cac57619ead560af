// What every data source becomes: train, validation and test lists of examples whose labels are
// class ids, with the class names those ids stand for (the model's id2label).

export interface Example {
  text: string;
  /** The second sentence of a pair task (`[CLS] text [SEP] textPair [SEP]`); absent for single sentences. */
  textPair?: string;
  /** Class id: an index into `Dataset.labels`. */
  label: number;
}

export const SPLITS = ['train', 'validation', 'test'] as const;
export type Split = (typeof SPLITS)[number];

export interface Dataset extends Record<Split, Example[]> {
  /** Class names by id; `num_labels` is their count. */
  labels: string[];
  /**
   * When the source had no validation split: the rows of the train split held out as validation
   * (0-based, in the source's order), which a checkpoint records so that --resume holds out the same.
   */
  heldOut?: HeldOut;
}

export interface HeldOut {
  percentage: number;
  seed: number;
  rows: number[];
}
