// DistilBertForSequenceClassification, written out like nanoGPT's model.py: the whole network in one
// readable forward pass, following transformers' modeling_distilbert.py exactly (where dropout
// sits, the 1e-12 LayerNorm eps, the [CLS] pooling) so that the same weights give the same numbers
// as PyTorch. The embeddings and the encoder are shared with BERT (model/sequence_classifier.ts,
// model/encoder.ts); what is DistilBERT's own is below: its parameter names, no dropout after the
// attention output, and the head (pre_classifier, ReLU, dropout, classifier). model/checkpoint.ts
// fills the parameters from a file or from a random initialisation.
import { relu, selectPosition, type Shape, type Tensor } from '../engine/index.ts';
import type { DistilBertConfig } from './distilbert_config.ts';
import { encoder, encoderShapes, linearShapes, normShapes, type EncoderLayout } from './encoder.ts';
import { SequenceClassifier, type ForwardOptions, type ForwardResult } from './sequence_classifier.ts';

/** transformers' names of DistilBERT's layers (TransformerBlock) and their parts. */
const ENCODER: EncoderLayout = {
  layers: 'distilbert.transformer.layer',
  names: {
    query: 'attention.q_lin',
    key: 'attention.k_lin',
    value: 'attention.v_lin',
    attentionOutput: 'attention.out_lin',
    attentionNorm: 'sa_layer_norm',
    intermediate: 'ffn.lin1',
    output: 'ffn.lin2',
    outputNorm: 'output_layer_norm',
  },
  // No dropout after out_lin in DistilBERT, only on the attention weights.
  dropoutAfterAttention: false,
};

/** Every parameter's Hugging Face name and shape, in transformers' state_dict order. */
export function parameterShapes(config: DistilBertConfig): [string, Shape][] {
  const { dim, vocabSize, maxPositionEmbeddings, numLabels } = config;
  return [
    ['distilbert.embeddings.word_embeddings.weight', [vocabSize, dim]],
    ['distilbert.embeddings.position_embeddings.weight', [maxPositionEmbeddings, dim]],
    ...normShapes('distilbert.embeddings.LayerNorm', dim),
    ...encoderShapes(ENCODER, config),
    ...linearShapes('pre_classifier', dim, dim),
    ...linearShapes('classifier', dim, numLabels),
  ];
}

export class DistilBertForSequenceClassification extends SequenceClassifier<DistilBertConfig> {
  /** Allocates every parameter and fills it with `values(name, shape)`, one tensor at a time. */
  constructor(config: DistilBertConfig, values: (name: string, shape: Shape) => Float32Array) {
    super('DistilBERT', config, parameterShapes(config), values);
  }

  forwardWithHiddenStates(ids: Tensor, mask: Tensor, options: ForwardOptions = {}): ForwardResult {
    const { config } = this;
    const dropout = this.begin(ids, mask, options);

    // Embeddings (word + learned position, LayerNorm), dropout, then the transformer layers.
    const embedded = this.embed(ids, 'distilbert.embeddings', dropout.afterNorm(config.dropout));
    const hiddenStates = [embedded, ...encoder(embedded, mask, ENCODER, config, dropout, (name) => this.param(name))];

    // Classification head on the first ([CLS]) position.
    const cls = selectPosition(hiddenStates[config.nLayers], 0);
    const pooled = dropout.drop(relu(this.linear(cls, 'pre_classifier')), config.seqClassifDropout);
    return { logits: this.linear(pooled, 'classifier'), hiddenStates };
  }
}
