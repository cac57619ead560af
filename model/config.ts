// What the configs of DistilBERT and BERT have in common: the encoder's hyperparameters under the
// engine's names, their checks, the labels, and reading a Hugging Face config.json. Each model's
// config (model/distilbert_config.ts, model/bert_config.ts) maps these fields to its own JSON
// names and adds its own; model/models.ts picks one by config.json's model_type.
//
// Reading follows transformers: a field that is absent takes its default there, a field that is
// present must make sense (one-line error naming the file and the field), and features this
// implementation does not have are refused rather than silently ignored. Writing produces what
// save_pretrained writes, so from_pretrained loads our checkpoints.
import { files } from '#model-files';
import type { FileError } from './files/files.ts';

/** Rotten Tomatoes' labels, used when the config names none (e.g. a masked-LM base checkpoint). */
const DEFAULT_LABELS = ['NEGATIVE', 'POSITIVE'];

/** The hyperparameters every model here has, under the engine's names. */
export interface EncoderConfigFields {
  vocabSize: number;
  maxPositionEmbeddings: number;
  nLayers: number;
  nHeads: number;
  dim: number;
  /** The feed-forward block's inner size. */
  hiddenDim: number;
  /** Dropout on the embeddings and on the layers' outputs. */
  dropout: number;
  /** Dropout on the attention weights. */
  attentionDropout: number;
  initializerRange: number;
  padTokenId: number;
  /** Label names by class index. */
  labels: string[];
}

/** A config's numeric fields (all but the labels). */
type NumericFields<F> = Exclude<keyof F, 'labels'>;

/** The config.json name of each numeric field, in one model's vocabulary. */
export type JsonNames<F> = { [K in NumericFields<F>]: string };

/** A thrower of one-line errors naming the source and the JSON field. */
type Fail = (field: string, problem: string) => never;

export function failIn(source: string): Fail {
  return (field, problem) => {
    throw new Error(`${source}: field "${field}" ${problem}`);
  };
}

export function checkPositiveInteger(fail: Fail, field: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) fail(field, `must be a positive integer, got ${JSON.stringify(value)}`);
}

export function checkProbability(fail: Fail, field: string, value: number): void {
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) fail(field, `must be a probability in [0, 1), got ${JSON.stringify(value)}`);
}

export abstract class EncoderConfig implements EncoderConfigFields {
  readonly vocabSize: number;
  readonly maxPositionEmbeddings: number;
  readonly nLayers: number;
  readonly nHeads: number;
  readonly dim: number;
  readonly hiddenDim: number;
  readonly dropout: number;
  readonly attentionDropout: number;
  readonly initializerRange: number;
  readonly padTokenId: number;
  readonly labels: string[];

  /** config.json's model_type. */
  abstract get modelType(): string;
  /** The epsilon of every LayerNorm. */
  abstract get layerNormEps(): number;
  /** The dropout probability on the classifier's input. */
  abstract get headDropout(): number;

  /** Copies and checks the shared fields; `names` are the model's JSON names, for the errors. */
  protected constructor(fields: EncoderConfigFields, names: JsonNames<EncoderConfigFields>, source: string) {
    ({
      vocabSize: this.vocabSize,
      maxPositionEmbeddings: this.maxPositionEmbeddings,
      nLayers: this.nLayers,
      nHeads: this.nHeads,
      dim: this.dim,
      hiddenDim: this.hiddenDim,
      dropout: this.dropout,
      attentionDropout: this.attentionDropout,
      initializerRange: this.initializerRange,
      padTokenId: this.padTokenId,
    } = fields);
    this.labels = [...fields.labels];
    const fail = failIn(source);
    for (const field of ['vocabSize', 'maxPositionEmbeddings', 'nLayers', 'nHeads', 'dim', 'hiddenDim'] as const) {
      checkPositiveInteger(fail, names[field], this[field]);
    }
    if (this.dim % this.nHeads !== 0) fail(names.nHeads, `(${this.nHeads}) must divide ${names.dim} (${this.dim})`);
    checkProbability(fail, names.dropout, this.dropout);
    checkProbability(fail, names.attentionDropout, this.attentionDropout);
    if (typeof this.initializerRange !== 'number' || !(this.initializerRange > 0 && Number.isFinite(this.initializerRange))) {
      fail(names.initializerRange, `must be a positive number, got ${JSON.stringify(this.initializerRange)}`);
    }
    if (!Number.isSafeInteger(this.padTokenId) || this.padTokenId < 0 || this.padTokenId >= this.vocabSize) {
      fail(names.padTokenId, `must be a token id in [0, ${this.vocabSize}), got ${JSON.stringify(this.padTokenId)}`);
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

  /** A copy with some fields replaced (e.g. a smaller model for training from scratch). */
  abstract with(changes: Partial<EncoderConfigFields>): EncoderConfig;

  /** The config.json that transformers' save_pretrained writes for the model. */
  abstract toJSON(): Record<string, unknown>;

  /** id2label and label2id, as config.json holds them. */
  protected labelMaps(): { id2label: Record<string, string>; label2id: Record<string, number> } {
    return {
      id2label: Object.fromEntries(this.labels.map((label, i) => [String(i), label])),
      label2id: Object.fromEntries(this.labels.map((label, i) => [label, i])),
    };
  }

  /** Writes config.json (pretty-printed, as transformers does). */
  save(file: string): void {
    files.writeText(file, `${JSON.stringify(this.toJSON(), null, 2)}\n`);
  }
}

/** How one model's config.json is read. */
export interface ConfigFormat<F> {
  modelType: string;
  /** The JSON name of each numeric field. */
  names: JsonNames<F>;
  /** transformers' defaults, by JSON name. */
  defaults: Record<string, number | null>;
  /** Features this implementation has in one form only: [field, the value it must have if present, the error's problem]. */
  requires: [field: string, value: unknown, problem?: string][];
}

/** The fields of a config.json's object, read as `format` says; `source` (the file) prefixes every error. */
export function parseConfigFields<F extends EncoderConfigFields>(json: unknown, source: string, format: ConfigFormat<F>): F {
  const raw = configObject(json, source);
  const fail = failIn(source);
  for (const [field, value, problem] of [['model_type', format.modelType] as const, ...format.requires]) {
    requireValue(raw, field, value, fail, problem);
  }
  return { ...numericFields(raw, format.names, format.defaults, fail), labels: parseLabels(raw, fail) } as F;
}

/** The object of a config.json; `source` (the file) prefixes every error. */
export function configObject(json: unknown, source: string): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new Error(`${source}: expected a JSON object, got ${Array.isArray(json) ? 'an array' : JSON.stringify(json)}`);
  }
  return json as Record<string, unknown>;
}

/**
 * The numeric fields of a config.json object, each read under its JSON name in `names`, or from
 * `defaults` (by JSON name) when absent. A field whose default is null may also be null.
 */
function numericFields<F>(
  raw: Record<string, unknown>,
  names: JsonNames<F>,
  defaults: Record<string, number | null>,
  fail: Fail,
): { [K in NumericFields<F>]: F[K] } {
  const fields: Record<string, unknown> = {};
  for (const [field, name] of Object.entries(names) as [string, string][]) {
    const value = raw[name] ?? defaults[name];
    if (typeof value !== 'number' && !(value === null && defaults[name] === null))
      fail(name, `must be a number, got ${JSON.stringify(value)}`);
    fields[field] = value;
  }
  return fields as { [K in NumericFields<F>]: F[K] };
}

/** Refuses a field whose value this implementation does not support (absent is fine: the default is). */
function requireValue(raw: Record<string, unknown>, field: string, supported: unknown, fail: Fail, problem?: string): void {
  if (raw[field] !== undefined && raw[field] !== supported) {
    fail(field, problem ?? `is ${JSON.stringify(raw[field])}; only ${JSON.stringify(supported)} is supported`);
  }
}

/** Label names from id2label (keys "0".."n-1"), checked against label2id when both are given. */
function parseLabels(raw: Record<string, unknown>, fail: Fail): string[] {
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

/** The parsed JSON of a config.json file, with one-line errors for a missing or broken file. */
export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = files.readText(file);
  } catch (error) {
    const code = (error as FileError).code;
    throw new Error(code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read (${code ?? (error as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: not valid JSON (${(error as Error).message})`);
  }
}
