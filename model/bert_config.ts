// BERT's hyperparameters, read from and written to a Hugging Face `config.json` as transformers'
// BertConfig does (model/config.ts: the fields and checks shared with DistilBERT). BERT adds the
// token type (segment) vocabulary, a configurable LayerNorm epsilon and an optional classifier
// dropout. Refused rather than ignored: activations other than GELU, relative position
// embeddings, and decoder configs (causal attention).
import {
  EncoderConfig,
  checkPositiveInteger,
  checkProbability,
  failIn,
  parseConfigFields,
  readJsonFile,
  type ConfigFormat,
  type EncoderConfigFields,
  type JsonNames,
} from './config.ts';

/** transformers' BertConfig defaults (bert-base-uncased). */
const DEFAULTS = {
  vocab_size: 30522,
  hidden_size: 768,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  intermediate_size: 3072,
  hidden_dropout_prob: 0.1,
  attention_probs_dropout_prob: 0.1,
  max_position_embeddings: 512,
  type_vocab_size: 2,
  initializer_range: 0.02,
  layer_norm_eps: 1e-12,
  pad_token_id: 0,
  classifier_dropout: null,
};

export interface BertConfigFields extends EncoderConfigFields {
  /** Segments a token may belong to (token_type_ids in [0, typeVocabSize)). */
  typeVocabSize: number;
  layerNormEps: number;
  /** Dropout on the classifier's input; null means the hidden dropout. */
  classifierDropout: number | null;
}

const JSON_NAMES: JsonNames<BertConfigFields> = {
  vocabSize: 'vocab_size',
  maxPositionEmbeddings: 'max_position_embeddings',
  nLayers: 'num_hidden_layers',
  nHeads: 'num_attention_heads',
  dim: 'hidden_size',
  hiddenDim: 'intermediate_size',
  dropout: 'hidden_dropout_prob',
  attentionDropout: 'attention_probs_dropout_prob',
  initializerRange: 'initializer_range',
  padTokenId: 'pad_token_id',
  typeVocabSize: 'type_vocab_size',
  layerNormEps: 'layer_norm_eps',
  classifierDropout: 'classifier_dropout',
};

const FORMAT: ConfigFormat<BertConfigFields> = {
  modelType: 'bert',
  names: JSON_NAMES,
  defaults: DEFAULTS,
  requires: [
    ['hidden_act', 'gelu'],
    ['position_embedding_type', 'absolute'],
    ['is_decoder', false, 'must be false: sequence classification reads the whole sentence'],
  ],
};

export class BertConfig extends EncoderConfig implements BertConfigFields {
  readonly typeVocabSize: number;
  readonly layerNormEps: number;
  readonly classifierDropout: number | null;

  /** Builds a config from already-typed fields; `source` names it in errors. */
  constructor(fields: BertConfigFields, source = 'BERT config') {
    super(fields, JSON_NAMES, source);
    this.typeVocabSize = fields.typeVocabSize;
    this.layerNormEps = fields.layerNormEps;
    this.classifierDropout = fields.classifierDropout;
    const fail = failIn(source);
    checkPositiveInteger(fail, JSON_NAMES.typeVocabSize, this.typeVocabSize);
    if (typeof this.layerNormEps !== 'number' || !(this.layerNormEps > 0 && Number.isFinite(this.layerNormEps))) {
      fail(JSON_NAMES.layerNormEps, `must be a positive number, got ${JSON.stringify(this.layerNormEps)}`);
    }
    if (this.classifierDropout !== null) checkProbability(fail, JSON_NAMES.classifierDropout, this.classifierDropout);
  }

  get modelType(): 'bert' {
    return 'bert';
  }

  get headDropout(): number {
    return this.classifierDropout ?? this.dropout;
  }

  /** Parses the object of a Hugging Face config.json; `source` (the file) prefixes every error. */
  static fromJSON(json: unknown, source = 'config.json'): BertConfig {
    return new BertConfig(parseConfigFields(json, source, FORMAT), source);
  }

  /** Reads and validates a config.json file. */
  static fromFile(file: string): BertConfig {
    return BertConfig.fromJSON(readJsonFile(file), file);
  }

  with(changes: Partial<BertConfigFields>): BertConfig {
    return new BertConfig({ ...this, ...changes });
  }

  /** The config.json that transformers' save_pretrained writes for BertForSequenceClassification. */
  toJSON(): Record<string, unknown> {
    const { id2label, label2id } = this.labelMaps();
    return {
      architectures: ['BertForSequenceClassification'],
      attention_probs_dropout_prob: this.attentionDropout,
      classifier_dropout: this.classifierDropout,
      hidden_act: 'gelu',
      hidden_dropout_prob: this.dropout,
      hidden_size: this.dim,
      id2label,
      initializer_range: this.initializerRange,
      intermediate_size: this.hiddenDim,
      label2id,
      layer_norm_eps: this.layerNormEps,
      max_position_embeddings: this.maxPositionEmbeddings,
      model_type: 'bert',
      num_attention_heads: this.nHeads,
      num_hidden_layers: this.nLayers,
      pad_token_id: this.padTokenId,
      position_embedding_type: 'absolute',
      problem_type: 'single_label_classification',
      torch_dtype: 'float32',
      type_vocab_size: this.typeVocabSize,
      use_cache: true,
      vocab_size: this.vocabSize,
    };
  }
}
