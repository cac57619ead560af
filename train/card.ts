// The model card (README.md of the output folder) in the format the Hugging Face Trainer writes:
// YAML metadata with the model-index, the evaluation results, the hyperparameters list, the
// "Training results" table and the framework versions (here: this engine, Dawn, the adapter).
// Accuracy and macro F1 are the metrics (as compute_metrics would return them), and a per-class
// table gives precision, recall and F1 by label name on the test split (else validation). With
// --load-best-model-at-end, the evaluation results are the best checkpoint's, as the Trainer's are.
import { bestRecord } from './best_model.ts';
import { isEval, type EvalRecord, type MetricRecord } from './metrics.ts';
import { ADAM_BETAS, ADAM_EPS, type TrainSettings } from './settings.ts';

/** The model card's file in the output folder, as the hub names it. */
export const CARD_FILE = 'README.md';

export interface CardInput {
  /** The output folder's name, used as the model's name. */
  name: string;
  settings: TrainSettings;
  /** A hub id when the run started from pretrained weights; absent for --from-scratch or a local folder. */
  baseModel?: string;
  /** The dataset's hub name or the local folder it came from. */
  dataset: string;
  records: readonly MetricRecord[];
  totalSteps: number;
  frameworks: { engine: string; webgpu: string; adapter: string; node: string };
}

/** A number as Python's repr writes a float: 2e-05, 0.0, 1.0, 0.001. */
export function pythonFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const [mantissa, exponentText] = x.toExponential().split('e');
  const exponent = Number(exponentText);
  if (x !== 0 && (exponent < -4 || exponent >= 16)) {
    return `${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  return Number.isInteger(x) ? x.toFixed(1) : String(x);
}

const fixed4 = (x: number) => x.toFixed(4);
/** Epochs as the Trainer logs them: rounded to 4 decimals, always with a decimal point. */
export const epochText = (x: number) => pythonFloat(Math.round(x * 1e4) / 1e4);

/** A Markdown table with cells padded to the header widths, as the Trainer's card has it. */
function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => `:${'-'.repeat(w)}:`).join('|')}|`, ...rows.map(line)];
}

function hyperparameters(s: TrainSettings, totalSteps: number): string[] {
  const lines = [
    `learning_rate: ${pythonFloat(s.lr)}`,
    `train_batch_size: ${s.batchSize}`,
    `eval_batch_size: ${s.batchSize}`,
    `seed: ${s.seed}`,
    ...(s.gradientAccumulationSteps > 1
      ? [
          `gradient_accumulation_steps: ${s.gradientAccumulationSteps}`,
          `total_train_batch_size: ${s.batchSize * s.gradientAccumulationSteps}`,
        ]
      : []),
    `optimizer: AdamW with betas=(${ADAM_BETAS.join(',')}) and epsilon=${pythonFloat(ADAM_EPS)}, weight_decay=${pythonFloat(s.weightDecay)}`,
    'lr_scheduler_type: linear',
  ];
  if (s.warmupSteps > 0) lines.push(`lr_scheduler_warmup_steps: ${s.warmupSteps}`);
  lines.push(s.maxSteps !== undefined ? `training_steps: ${totalSteps}` : `num_epochs: ${s.epochs}`);
  lines.push(`max_grad_norm: ${pythonFloat(s.gradClip)}`);
  if (s.maxLength !== undefined) lines.push(`max_length: ${s.maxLength}`);
  if (!s.dropout) lines.push('dropout: off');
  if (s.fp16) lines.push('mixed_precision_training: Native AMP');
  if (!s.shuffle) lines.push('shuffle: off');
  return lines.map((l) => `- ${l}`);
}

function modelIndex(name: string, dataset: string, result: EvalRecord | undefined): string[] {
  if (result === undefined) return [`- name: ${name}`, '  results: []'];
  return [
    `- name: ${name}`,
    '  results:',
    '  - task:',
    '      name: Text Classification',
    '      type: text-classification',
    '    dataset:',
    `      name: ${dataset}`,
    `      type: ${dataset}`,
    '      config: default',
    '      split: validation',
    '      args: default',
    '    metrics:',
    '    - name: Accuracy',
    '      type: accuracy',
    `      value: ${result.accuracy}`,
    ...(result.f1 === undefined ? [] : ['    - name: F1', '      type: f1', `      value: ${result.f1}`]),
  ];
}

/** Loss, accuracy and macro F1 of an evaluation, as the card's result lists give them. */
const results = (r: EvalRecord) => [
  `- Loss: ${fixed4(r.loss)}`,
  `- Accuracy: ${fixed4(r.accuracy)}`,
  ...(r.f1 === undefined ? [] : [`- F1: ${fixed4(r.f1)}`]),
];

/** Precision, recall and F1 by class, in a Markdown table. */
function perClassTable(r: EvalRecord, split: string): string[] {
  if (!r.perClass) return [];
  const rows = r.perClass.map((c) => [c.label, fixed4(c.precision), fixed4(c.recall), fixed4(c.f1), String(c.support)]);
  return ['', `### Results per class (${split})`, '', ...table(['Label', 'Precision', 'Recall', 'F1', 'Support'], rows)];
}

export function modelCard(input: CardInput): string {
  const { name, settings, baseModel, dataset, records, frameworks } = input;
  const validation = records.filter((r): r is EvalRecord => isEval(r, 'validation'));
  const test = records.filter((r): r is EvalRecord => isEval(r, 'test')).at(-1);
  // The evaluation set's results: the best checkpoint's when the run ended on it, else the last.
  const last = settings.loadBestModelAtEnd ? bestRecord(validation, settings.metricForBestModel ?? 'loss') : validation.at(-1);
  const withF1 = validation.some((r) => r.f1 !== undefined);
  const origin = baseModel
    ? `a fine-tuned version of [${baseModel}](https://huggingface.co/${baseModel})`
    : settings.fromScratch
      ? 'trained from scratch'
      : `a fine-tuned version of the model in \`${settings.model}\``;
  const rows = validation.map((r) => [
    r.trainingLoss === undefined ? 'No log' : fixed4(r.trainingLoss),
    epochText(r.epoch),
    String(r.step),
    fixed4(r.loss),
    fixed4(r.accuracy),
    ...(withF1 ? [r.f1 === undefined ? 'No log' : fixed4(r.f1)] : []),
  ]);
  return [
    '---',
    'library_name: transformers',
    ...(baseModel ? [`base_model: ${baseModel}`] : []),
    'tags:',
    '- generated_from_trainer',
    'datasets:',
    `- ${dataset}`,
    'metrics:',
    '- accuracy',
    ...(withF1 ? ['- f1'] : []),
    'model-index:',
    ...modelIndex(name, dataset, last),
    '---',
    '',
    "<!-- This model card was written by `npm run train` (wgsl-distilbert) in the format of the Hugging Face Trainer's. -->",
    '',
    `# ${name}`,
    '',
    `This model is ${origin} on the ${dataset} dataset.`,
    ...(last ? ['It achieves the following results on the evaluation set:', ...results(last)] : []),
    ...(test ? ['', `On the test split (${test.examples} examples):`, ...results(test)] : []),
    '',
    '## Model description',
    '',
    `DistilBertForSequenceClassification${settings.fromScratch ? ` (from scratch${architecture(settings)})` : ''}, trained with a from-scratch WebGPU engine (hand-written WGSL kernels run by Dawn in Node.js).`,
    '',
    '## Training procedure',
    '',
    '### Training hyperparameters',
    '',
    'The following hyperparameters were used during training:',
    ...hyperparameters(settings, input.totalSteps),
    '',
    '### Training results',
    '',
    ...table(['Training Loss', 'Epoch', 'Step', 'Validation Loss', 'Accuracy', ...(withF1 ? ['F1'] : [])], rows),
    ...(test ? perClassTable(test, 'test') : last ? perClassTable(last, 'validation') : []),
    '',
    '',
    '### Framework versions',
    '',
    `- wgsl-distilbert ${frameworks.engine}`,
    `- webgpu (Dawn) ${frameworks.webgpu}`,
    `- Adapter: ${frameworks.adapter}`,
    `- Node.js ${frameworks.node}`,
    '',
  ].join('\n');
}

function architecture(s: TrainSettings): string {
  const parts = [
    ['dim', s.dim],
    ['layers', s.layers],
    ['heads', s.heads],
    ['hidden_dim', s.hiddenDim],
  ].filter(([, v]) => v !== undefined);
  return parts.length === 0 ? '' : `: ${parts.map(([k, v]) => `${k} ${v}`).join(', ')}`;
}
