// What a run measures, one JSON object per line in <output>/metrics.jsonl: training loss windows
// as they are read back, and each evaluation. The same records feed the model card and the plot,
// and travel in checkpoints so that a resumed run's file continues the interrupted one's.
import { appendFileSync, writeFileSync } from 'node:fs';
import type { ClassScores } from './scores.ts';

export const METRICS_FILE = 'metrics.jsonl';

export interface TrainRecord {
  split: 'train';
  step: number;
  /** Fractional epochs done, as the Trainer logs them. */
  epoch: number;
  /** Mean training loss over the steps since the previous train record. */
  loss: number;
  learningRate: number;
  /** Global gradient norm (before clipping) of the record's last step. */
  gradNorm: number;
  samplesPerSecond: number;
}

export interface EvalRecord {
  split: 'validation' | 'test';
  step: number;
  epoch: number;
  loss: number;
  accuracy: number;
  /** Macro F1 and the per-class scores (absent in records written before they were measured). */
  f1?: number;
  perClass?: ClassScores[];
  examples: number;
  /** On validation records: mean training loss over the epoch that just ended. */
  trainingLoss?: number;
}

export type MetricRecord = TrainRecord | EvalRecord;

/** The records so far, mirrored line by line into a JSON-lines file. */
export class MetricsLog {
  constructor(
    readonly file: string,
    readonly records: MetricRecord[] = [],
  ) {
    writeFileSync(file, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  }

  add(record: MetricRecord): void {
    this.records.push(record);
    appendFileSync(this.file, `${JSON.stringify(record)}\n`);
  }
}

export const isEval = (r: MetricRecord, split: EvalRecord['split']): r is EvalRecord => r.split === split;
