// The command-line options that choose the data, shared by `npm run train` and `npm run eval`
// (run_glue's dataset_name, dataset_config_name, *_file, column and split arguments).
import { type OptionTable, UsageError, positiveInt } from '../args.ts';
import { type DataOptions, DEFAULT_DATA, DEFAULT_VALIDATION_PERCENTAGE } from './load.ts';

export const DATA_OPTIONS = {
  data: {
    kind: 'string',
    default: DEFAULT_DATA,
    meta: 'ID|DIR|FILE',
    help:
      'a hub dataset id (its parquet files, through the HF cache), a folder of files named by split ' +
      '(train.csv, dev.jsonl, test.parquet, ...) or of rt-polarity.pos/.neg, or one file (the train split)',
  },
  dataConfig: { kind: 'string', meta: 'NAME', help: "the dataset's configuration, where it has several (GLUE's cola, mrpc, ...)" },
  trainFile: {
    kind: 'string',
    meta: 'FILE',
    help: 'the train split from this file, instead of --data (.csv, .tsv, .jsonl, .json or .parquet)',
  },
  validationFile: { kind: 'string', meta: 'FILE', help: 'the validation split from this file' },
  testFile: { kind: 'string', meta: 'FILE', help: 'the test split from this file' },
  textColumn: {
    kind: 'string',
    meta: 'NAME',
    help: 'the text column (default: the first pair of sentence1/sentence2, premise/hypothesis, question/sentence, question1/question2, else sentence or text)',
  },
  textPairColumn: {
    kind: 'string',
    meta: 'NAME',
    help: 'with --text-column: the second sentence of a pair task, encoded [CLS] a [SEP] b [SEP]',
  },
  labelColumn: { kind: 'string', meta: 'NAME', help: 'the label column, integers or strings (default: label, then labels)' },
  validationSplitPercentage: {
    kind: 'int',
    default: DEFAULT_VALIDATION_PERCENTAGE,
    check: (n: number) => (positiveInt(n) === undefined && n < 100 ? undefined : 'an integer from 1 to 99'),
    help: 'for a source without a validation split: the % of train held out as validation, stratified by label, chosen by --seed',
  },
} satisfies OptionTable;

/**
 * The rules that tie the data flags together, checked with the rest of the command line. Training
 * needs a train split; evaluation may name only the split it evaluates.
 */
export function checkDataFlags(
  args: Pick<DataOptions, 'trainFile' | 'validationFile' | 'testFile' | 'textColumn' | 'textPairColumn'> & {
    explicit: ReadonlySet<string>;
  },
  { training }: { training: boolean },
): void {
  const splitFile = args.trainFile ?? args.validationFile ?? args.testFile;
  if (splitFile !== undefined && args.explicit.has('data')) throw new UsageError('give --data or the split files, not both');
  if (training && splitFile !== undefined && args.trainFile === undefined) {
    throw new UsageError(`${args.validationFile !== undefined ? '--validation-file' : '--test-file'} needs --train-file`);
  }
  if (args.textPairColumn !== undefined && args.textColumn === undefined) {
    throw new UsageError('--text-pair-column needs --text-column (the first sentence of the pair)');
  }
}
