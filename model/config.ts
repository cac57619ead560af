// DistilBERT's hyperparameters, read from and written to a Hugging Face `config.json`.
//
// Reading follows transformers' DistilBertConfig: a field that is absent takes its default there,
// a field that is present must make sense (one-line error naming the file and the field), and
// features this implementation does not have (sinusoidal positions, other activations) are refused
// rather than silently ignored. Writing produces what `save_pretrained` writes for
// DistilBertForSequenceClassification, so `from_pretrained` loads our checkpoints.
import { files } from '#model-files';
import type { FileError } from './files/files.ts';

/** transformers' DistilBertConfig defaults (distilbert-base-uncased). */
const DEFAULTS = {
  vocab_size: 30522,
  max_position_embeddings: 512,
  n_layers: 6,
  n_heads: 12,
  dim: 768,
  hidden_dim: 3072,
  dropout: 0.1,
  attention_dropout: 0.1,
  qa_dropout: 0.1,
  seq_classif_dropout: 0.2,
  initializer_range: 0.02,
  pad_token_id: 0,
};

/** Rotten Tomatoes' labels, used when the config names none (e.g. the masked-LM base checkpoint). */
const DEFAULT_LABELS = ['NEGATIVE', 'POSITIVE'];

export interface DistilBertConfigFields {
  vocabSize: number;
  maxPositionEmbeddings: number;
  nLayers: number;
  nHeads: number;
  dim: number;
  hiddenDim: number;
  dropout: number;
  attentionDropout: number;
  qaDropout: number;
  seqClassifDropout: number;
  initializerRange: number;
  padTokenId: number;
  /** Label names by class index. */
  labels: string[];
}

export class DistilBertConfig implements DistilBertConfigFields {
  readonly vocabSize: number;
  readonly maxPositionEmbeddings: number;
  readonly nLayers: number;
  readonly nHeads: number;
  readonly dim: number;
  readonly hiddenDim: number;
  readonly dropout: number;
  readonly attentionDropout: number;
  readonly qaDropout: number;
  readonly seqClassifDropout: number;
  readonly initializerRange: number;
  readonly padTokenId: number;
  readonly labels: string[];

  /** Builds a config from already-typed fields; `source` names it in errors. */
  constructor(fields: DistilBertConfigFields, source = 'DistilBERT config') {
    ({
      vocabSize: this.vocabSize,
      maxPositionEmbeddings: this.maxPositionEmbeddings,
      nLayers: this.nLayers,
      nHeads: this.nHeads,
      dim: this.dim,
      hiddenDim: this.hiddenDim,
      dropout: this.dropout,
      attentionDropout: this.attentionDropout,
      qaDropout: this.qaDropout,
      seqClassifDropout: this.seqClassifDropout,
      initializerRange: this.initializerRange,
      padTokenId: this.padTokenId,
    } = fields);
    this.labels = [...fields.labels];
    const fail = (field: string, problem: string) => {
      throw new Error(`${source}: field "${field}" ${problem}`);
    };
    const positiveIntegers: [string, number][] = [
      ['vocab_size', this.vocabSize],
      ['max_position_embeddings', this.maxPositionEmbeddings],
      ['n_layers', this.nLayers],
      ['n_heads', this.nHeads],
      ['dim', this.dim],
      ['hidden_dim', this.hiddenDim],
    ];
    for (const [field, value] of positiveIntegers) {
      if (!Number.isSafeInteger(value) || value <= 0) fail(field, `must be a positive integer, got ${JSON.stringify(value)}`);
    }
    if (this.dim % this.nHeads !== 0) fail('n_heads', `(${this.nHeads}) must divide dim (${this.dim})`);
    const probabilities: [string, number][] = [
      ['dropout', this.dropout],
      ['attention_dropout', this.attentionDropout],
      ['qa_dropout', this.qaDropout],
      ['seq_classif_dropout', this.seqClassifDropout],
    ];
    for (const [field, value] of probabilities) {
      if (typeof value !== 'number' || !(value >= 0 && value < 1))
        fail(field, `must be a probability in [0, 1), got ${JSON.stringify(value)}`);
    }
    if (typeof this.initializerRange !== 'number' || !(this.initializerRange > 0 && Number.isFinite(this.initializerRange))) {
      fail('initializer_range', `must be a positive number, got ${JSON.stringify(this.initializerRange)}`);
    }
    if (!Number.isSafeInteger(this.padTokenId) || this.padTokenId < 0 || this.padTokenId >= this.vocabSize) {
      fail('pad_token_id', `must be a token id in [0, ${this.vocabSize}), got ${JSON.stringify(this.padTokenId)}`);
    }
    if (this.labels.length < 2) fail('id2label', `must name at least 2 labels, got ${this.labels.length}`);
    this.labels.forEach((label, i) => {
      if (typeof label !== 'string' || label === '') fail('id2label', `label ${i} must be a non-empty string`);
    });
    if (new Set(this.labels).size !== this.labels.length) fail('id2label', `has a repeated label name: ${JSON.stringify(this.labels)}`);
  }

  get numLabels(): number {
    return this.labels.length;
  }

  get headDim(): number {
    return this.dim / this.nHeads;
  }

  /** Parses the object of a Hugging Face config.json; `source` (the file) prefixes every error. */
  static fromJSON(json: unknown, source = 'config.json'): DistilBertConfig {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new Error(`${source}: expected a JSON object, got ${Array.isArray(json) ? 'an array' : JSON.stringify(json)}`);
    }
    const raw = json as Record<string, unknown>;
    const fail = (field: string, problem: string): never => {
      throw new Error(`${source}: field "${field}" ${problem}`);
    };
    const numberField = (field: keyof typeof DEFAULTS): number => {
      const value = raw[field] ?? DEFAULTS[field];
      if (typeof value !== 'number') fail(field, `must be a number, got ${JSON.stringify(value)}`);
      return value as number;
    };
    if (raw.model_type !== undefined && raw.model_type !== 'distilbert') {
      fail('model_type', `is ${JSON.stringify(raw.model_type)}; only "distilbert" is supported`);
    }
    if (raw.activation !== undefined && raw.activation !== 'gelu') {
      fail('activation', `is ${JSON.stringify(raw.activation)}; only "gelu" is supported`);
    }
    if (raw.sinusoidal_pos_embds !== undefined && raw.sinusoidal_pos_embds !== false) {
      fail('sinusoidal_pos_embds', 'must be false: only learned position embeddings are supported');
    }
    return new DistilBertConfig(
      {
        vocabSize: numberField('vocab_size'),
        maxPositionEmbeddings: numberField('max_position_embeddings'),
        nLayers: numberField('n_layers'),
        nHeads: numberField('n_heads'),
        dim: numberField('dim'),
        hiddenDim: numberField('hidden_dim'),
        dropout: numberField('dropout'),
        attentionDropout: numberField('attention_dropout'),
        qaDropout: numberField('qa_dropout'),
        seqClassifDropout: numberField('seq_classif_dropout'),
        initializerRange: numberField('initializer_range'),
        padTokenId: numberField('pad_token_id'),
        labels: parseLabels(raw, fail),
      },
      source,
    );
  }

  /** Reads and validates a config.json file. */
  static fromFile(file: string): DistilBertConfig {
    let text: string;
    try {
      text = files.readText(file);
    } catch (error) {
      const code = (error as FileError).code;
      throw new Error(code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read (${code ?? (error as Error).message})`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new Error(`${file}: not valid JSON (${(error as Error).message})`);
    }
    return DistilBertConfig.fromJSON(json, file);
  }

  /** A copy with some fields replaced (e.g. a smaller model for training from scratch). */
  with(changes: Partial<DistilBertConfigFields>): DistilBertConfig {
    return new DistilBertConfig({ ...this, ...changes });
  }

  /** The config.json that transformers' save_pretrained writes for DistilBertForSequenceClassification. */
  toJSON(): Record<string, unknown> {
    return {
      activation: 'gelu',
      architectures: ['DistilBertForSequenceClassification'],
      attention_dropout: this.attentionDropout,
      dim: this.dim,
      dropout: this.dropout,
      hidden_dim: this.hiddenDim,
      id2label: Object.fromEntries(this.labels.map((label, i) => [String(i), label])),
      initializer_range: this.initializerRange,
      label2id: Object.fromEntries(this.labels.map((label, i) => [label, i])),
      max_position_embeddings: this.maxPositionEmbeddings,
      model_type: 'distilbert',
      n_heads: this.nHeads,
      n_layers: this.nLayers,
      pad_token_id: this.padTokenId,
      problem_type: 'single_label_classification',
      qa_dropout: this.qaDropout,
      seq_classif_dropout: this.seqClassifDropout,
      sinusoidal_pos_embds: false,
      tie_weights_: true,
      torch_dtype: 'float32',
      vocab_size: this.vocabSize,
    };
  }

  /** Writes config.json (pretty-printed, as transformers does). */
  save(file: string): void {
    files.writeText(file, `${JSON.stringify(this.toJSON(), null, 2)}\n`);
  }
}

/** Label names from id2label (keys "0".."n-1"), checked against label2id when both are given. */
function parseLabels(raw: Record<string, unknown>, fail: (field: string, problem: string) => never): string[] {
  const { id2label, label2id } = raw;
  if (id2label === undefined) {
    if (label2id !== undefined) fail('label2id', 'is given without id2label');
    return [...DEFAULT_LABELS];
  }
  if (typeof id2label !== 'object' || id2label === null || Array.isArray(id2label)) fail('id2label', 'must be an object {"0": name, ...}');
  const entries = Object.entries(id2label as Record<string, unknown>);
  const labels: string[] = [];
  for (const [key, name] of entries) {
    const index = Number(key);
    if (!/^(0|[1-9][0-9]*)$/.test(key) || index >= entries.length) {
      fail('id2label', `has key ${JSON.stringify(key)}; keys must be the class indices "0".."${entries.length - 1}"`);
    }
    if (typeof name !== 'string') fail('id2label', `label ${key} must be a string, got ${JSON.stringify(name)}`);
    labels[index] = name as string;
  }
  if (label2id !== undefined) {
    if (typeof label2id !== 'object' || label2id === null || Array.isArray(label2id))
      fail('label2id', 'must be an object {name: index, ...}');
    const given = label2id as Record<string, unknown>;
    const consistent = Object.keys(given).length === labels.length && labels.every((name, i) => given[name] === i);
    if (!consistent) fail('label2id', `does not invert id2label ${JSON.stringify(id2label)}`);
  }
  return labels;
}
