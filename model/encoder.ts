// The transformer encoder that DistilBERT and BERT share: a stack of post-LN layers (as in the
// original Transformer), each self-attention, its output projection, LayerNorm(output + input);
// then the feed-forward block, Linear -> GELU -> Linear, and LayerNorm(output + input). The two
// models differ only in the names of a layer's eight parts and in one dropout: BERT drops the
// attention block's output before the residual (BertSelfOutput), and DistilBERT does not. Both
// drop the attention weights and the feed-forward output. Each model file gives its EncoderLayout.
import { feedForward, layerNorm, linear, selfAttention, type Projection, type Shape, type Tensor } from '../engine/index.ts';
import type { EncoderConfig } from './config.ts';
import type { DropoutSites } from './dropout_sites.ts';

/** The parts of one layer, in transformers' state_dict order. */
const PARTS = ['query', 'key', 'value', 'attentionOutput', 'attentionNorm', 'intermediate', 'output', 'outputNorm'] as const;
type Part = (typeof PARTS)[number];

/** Each part's weight and bias (a LayerNorm's affine weight and bias, a Linear's [out, in] weight and bias). */
type LayerWeights = Record<Part, Projection>;

/** What one model's encoder is called and does differently. */
export interface EncoderLayout {
  /** The module list of the layers (e.g. "bert.encoder.layer"): layer i is "<layers>.<i>". */
  layers: string;
  /** Each part's Hugging Face module name within a layer (e.g. BERT's query: "attention.self.query"). */
  names: Record<Part, string>;
  /** Whether the attention block's output is dropped before its residual add (BERT) or not (DistilBERT). */
  dropoutAfterAttention: boolean;
}

/** A Linear's parameter names and shapes, in state_dict order. */
export function linearShapes(name: string, inFeatures: number, outFeatures: number): [string, Shape][] {
  return [
    [`${name}.weight`, [outFeatures, inFeatures]],
    [`${name}.bias`, [outFeatures]],
  ];
}

/** A LayerNorm's parameter names and shapes. */
export function normShapes(name: string, dim: number): [string, Shape][] {
  return [
    [`${name}.weight`, [dim]],
    [`${name}.bias`, [dim]],
  ];
}

/** The parameters of every layer, in state_dict order. */
export function encoderShapes({ layers, names }: EncoderLayout, { dim, hiddenDim, nLayers }: EncoderConfig): [string, Shape][] {
  const shapes: [string, Shape][] = [];
  for (let i = 0; i < nLayers; i++) {
    const at = (part: Part) => `${layers}.${i}.${names[part]}`;
    shapes.push(
      ...linearShapes(at('query'), dim, dim),
      ...linearShapes(at('key'), dim, dim),
      ...linearShapes(at('value'), dim, dim),
      ...linearShapes(at('attentionOutput'), dim, dim),
      ...normShapes(at('attentionNorm'), dim),
      ...linearShapes(at('intermediate'), dim, hiddenDim),
      ...linearShapes(at('output'), hiddenDim, dim),
      ...normShapes(at('outputNorm'), dim),
    );
  }
  return shapes;
}

/**
 * The encoder over the embeddings' output x [B, T, dim] with the attention mask [B, T]; every
 * layer's output (HF's hidden_states after the embeddings'), the last one the encoder's.
 */
export function encoder(
  x: Tensor,
  mask: Tensor,
  layout: EncoderLayout,
  config: EncoderConfig,
  dropout: DropoutSites,
  param: (name: string) => Tensor,
): Tensor[] {
  const outputs: Tensor[] = [];
  for (let i = 0; i < config.nLayers; i++) {
    const module = (part: Part) => `${layout.layers}.${i}.${layout.names[part]}`;
    const weights = Object.fromEntries(
      PARTS.map((part) => [part, { weight: param(`${module(part)}.weight`), bias: param(`${module(part)}.bias`) }]),
    ) as LayerWeights;
    x = encoderLayer(x, mask, weights, config, dropout, layout.dropoutAfterAttention);
    outputs.push(x);
  }
  return outputs;
}

/** One layer over x [B, T, dim]. */
function encoderLayer(
  x: Tensor,
  mask: Tensor,
  w: LayerWeights,
  config: EncoderConfig,
  dropout: DropoutSites,
  dropoutAfterAttention: boolean,
): Tensor {
  // LayerNorm(dropout(branch) + residual), or without the dropout (p undefined): the dropout and
  // the residual add run inside the normalisation's kernels.
  const norm = (part: Projection, branch: Tensor, residual: Tensor, p?: number) =>
    layerNorm(branch, part.weight, part.bias, config.layerNormEps, residual, p === undefined ? undefined : dropout.beforeResidual(p));

  // Self-attention, dropout on its weights; the q, k and v projections of x are launched as one
  // product (engine/ops/self_attention.ts).
  const context = selfAttention(x, [w.query, w.key, w.value], mask, config.nHeads, dropout.attention(config.attentionDropout));
  x = norm(
    w.attentionNorm,
    linear(context, w.attentionOutput.weight, w.attentionOutput.bias),
    x,
    dropoutAfterAttention ? config.dropout : undefined,
  );

  // Feed-forward: GELU in the first Linear's epilogue (its backward in a product's too); dropout
  // after the second, before the residual.
  const { intermediate, output } = w;
  return norm(w.outputNorm, feedForward(x, intermediate.weight, intermediate.bias, output.weight, output.bias), x, config.dropout);
}
