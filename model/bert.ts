// BertForSequenceClassification (bert-base-uncased and friends), following transformers'
// modeling_bert.py so that the same weights give the same numbers as PyTorch. It shares the
// embeddings and the encoder with DistilBERT (model/sequence_classifier.ts, model/encoder.ts);
// what is BERT's own is below: its parameter names, the token type (segment) embedding added to
// the words, dropout after the attention output too, and the head: the pooler (dense + tanh over
// [CLS]), dropout, classifier.
import { embedding, reshape, selectPosition, tanh, type Shape, type Tensor } from '../engine/index.ts';
import type { BertConfig } from './bert_config.ts';
import { encoder, encoderShapes, linearShapes, normShapes, type EncoderLayout } from './encoder.ts';
import { SequenceClassifier, type ForwardOptions, type ForwardResult } from './sequence_classifier.ts';

/** transformers' names of BERT's layers (BertLayer) and their parts. */
const ENCODER: EncoderLayout = {
  layers: 'bert.encoder.layer',
  names: {
    query: 'attention.self.query',
    key: 'attention.self.key',
    value: 'attention.self.value',
    attentionOutput: 'attention.output.dense',
    attentionNorm: 'attention.output.LayerNorm',
    intermediate: 'intermediate.dense',
    output: 'output.dense',
    outputNorm: 'output.LayerNorm',
  },
  // BertSelfOutput drops the attention output before its residual add.
  dropoutAfterAttention: true,
};

const TOKEN_TYPE_EMBEDDINGS = 'bert.embeddings.token_type_embeddings.weight';

/** Every parameter's Hugging Face name and shape, in transformers' state_dict order. */
export function parameterShapes(config: BertConfig): [string, Shape][] {
  const { dim, vocabSize, maxPositionEmbeddings, typeVocabSize, numLabels } = config;
  return [
    ['bert.embeddings.word_embeddings.weight', [vocabSize, dim]],
    ['bert.embeddings.position_embeddings.weight', [maxPositionEmbeddings, dim]],
    [TOKEN_TYPE_EMBEDDINGS, [typeVocabSize, dim]],
    ...normShapes('bert.embeddings.LayerNorm', dim),
    ...encoderShapes(ENCODER, config),
    ...linearShapes('bert.pooler.dense', dim, dim),
    ...linearShapes('classifier', dim, numLabels),
  ];
}

export class BertForSequenceClassification extends SequenceClassifier<BertConfig> {
  /** Allocates every parameter and fills it with `values(name, shape)`, one tensor at a time. */
  constructor(config: BertConfig, values: (name: string, shape: Shape) => Float32Array) {
    super('BERT', config, parameterShapes(config), values);
  }

  forwardWithHiddenStates(ids: Tensor, mask: Tensor, options: ForwardOptions = {}): ForwardResult {
    const { config } = this;
    const dropout = this.begin(ids, mask, options);

    // Embeddings (word + token type + learned position, LayerNorm), dropout, then the transformer layers.
    const embedded = this.embed(ids, 'bert.embeddings', dropout.afterNorm(config.dropout), this.segments(options.tokenTypeIds));
    const hiddenStates = [embedded, ...encoder(embedded, mask, ENCODER, config, dropout, (name) => this.param(name))];

    // Pooler (dense + tanh on the first, [CLS], position), dropout, classifier.
    const pooled = tanh(this.linear(selectPosition(hiddenStates[config.nLayers], 0), 'bert.pooler.dense'));
    return { logits: this.linear(dropout.drop(pooled, config.headDropout), 'classifier'), hiddenStates };
  }

  /**
   * The token type embedding of each token: gathered by its segment id, or, with no ids (every
   * token in segment 0, transformers' default), row 0 of the table [1, dim] added to every position.
   */
  private segments(tokenTypeIds: Tensor | undefined): Tensor {
    const table = this.param(TOKEN_TYPE_EMBEDDINGS);
    if (tokenTypeIds) return embedding(tokenTypeIds, table);
    return selectPosition(reshape(table, [1, ...table.shape]), 0);
  }
}
