// DistilBERT's hyperparameters, read from and written to a Hugging Face `config.json` as
// transformers' DistilBertConfig does (model/config.ts: the fields and checks shared with BERT).
// Refused rather than ignored: sinusoidal positions and activations other than GELU.
import {
  EncoderConfig,
  checkProbability,
  failIn,
  parseConfigFields,
  readJsonFile,
  type ConfigFormat,
  type EncoderConfigFields,
  type JsonNames,
} from './config.ts';

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

/** DistilBERT's LayerNorms all use 1e-12 (not a config field). */
const LAYER_NORM_EPS = 1e-12;

export interface DistilBertConfigFields extends EncoderConfigFields {
  qaDropout: number;
  /** Dropout on the classifier's input. */
  seqClassifDropout: number;
}

const JSON_NAMES: JsonNames<DistilBertConfigFields> = {
  vocabSize: 'vocab_size',
  maxPositionEmbeddings: 'max_position_embeddings',
  nLayers: 'n_layers',
  nHeads: 'n_heads',
  dim: 'dim',
  hiddenDim: 'hidden_dim',
  dropout: 'dropout',
  attentionDropout: 'attention_dropout',
  qaDropout: 'qa_dropout',
  seqClassifDropout: 'seq_classif_dropout',
  initializerRange: 'initializer_range',
  padTokenId: 'pad_token_id',
};

const FORMAT: ConfigFormat<DistilBertConfigFields> = {
  modelType: 'distilbert',
  names: JSON_NAMES,
  defaults: DEFAULTS,
  requires: [
    ['activation', 'gelu'],
    ['sinusoidal_pos_embds', false, 'must be false: only learned position embeddings are supported'],
  ],
};

export class DistilBertConfig extends EncoderConfig implements DistilBertConfigFields {
  readonly qaDropout: number;
  readonly seqClassifDropout: number;

  /** Builds a config from already-typed fields; `source` names it in errors. */
  constructor(fields: DistilBertConfigFields, source = 'DistilBERT config') {
    super(fields, JSON_NAMES, source);
    this.qaDropout = fields.qaDropout;
    this.seqClassifDropout = fields.seqClassifDropout;
    const fail = failIn(source);
    checkProbability(fail, JSON_NAMES.qaDropout, this.qaDropout);
    checkProbability(fail, JSON_NAMES.seqClassifDropout, this.seqClassifDropout);
  }

  get modelType(): 'distilbert' {
    return 'distilbert';
  }

  get layerNormEps(): number {
    return LAYER_NORM_EPS;
  }

  get headDropout(): number {
    return this.seqClassifDropout;
  }

  /** Parses the object of a Hugging Face config.json; `source` (the file) prefixes every error. */
  static fromJSON(json: unknown, source = 'config.json'): DistilBertConfig {
    return new DistilBertConfig(parseConfigFields(json, source, FORMAT), source);
  }

  /** Reads and validates a config.json file. */
  static fromFile(file: string): DistilBertConfig {
    return DistilBertConfig.fromJSON(readJsonFile(file), file);
  }

  with(changes: Partial<DistilBertConfigFields>): DistilBertConfig {
    return new DistilBertConfig({ ...this, ...changes });
  }

  /** The config.json that transformers' save_pretrained writes for DistilBertForSequenceClassification. */
  toJSON(): Record<string, unknown> {
    const { id2label, label2id } = this.labelMaps();
    return {
      activation: 'gelu',
      architectures: ['DistilBertForSequenceClassification'],
      attention_dropout: this.attentionDropout,
      dim: this.dim,
      dropout: this.dropout,
      hidden_dim: this.hiddenDim,
      id2label,
      initializer_range: this.initializerRange,
      label2id,
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
}
