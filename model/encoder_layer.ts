// The transformer encoder layer that DistilBERT and BERT share (post-LN, as in the original
// Transformer): self-attention, its output projection, LayerNorm(output + input); then the
// feed-forward block, Linear -> GELU -> Linear, and LayerNorm(output + input). The two models
// differ only in the names of the eight parts (each model file gives its table) and in one
// dropout: BERT drops the attention block's output before the residual (BertSelfOutput), and
// DistilBERT does not. Both drop the attention weights and the feed-forward output.
import { layerNorm, linear, selfAttention, type Projection, type Shape, type Tensor } from '../engine/index.ts';
import type { EncoderConfig } from './config.ts';
import type { DropoutSites } from './dropout_sites.ts';

/** The parts of one layer, in transformers' state_dict order. */
const PARTS = ['query', 'key', 'value', 'attentionOutput', 'attentionNorm', 'intermediate', 'output', 'outputNorm'] as const;
type Part = (typeof PARTS)[number];

/** Each part's Hugging Face module name, relative to the layer (e.g. BERT's query: "attention.self.query"). */
export type EncoderLayerNames = Record<Part, string>;

/** Each part's weight and bias (a LayerNorm's affine weight and bias, a Linear's [out, in] weight and bias). */
export type EncoderLayerWeights = Record<Part, Projection>;

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

/** The parameters of the layer at `prefix`, in state_dict order. */
export function encoderLayerShapes(prefix: string, names: EncoderLayerNames, { dim, hiddenDim }: EncoderConfig): [string, Shape][] {
  const at = (part: Part) => `${prefix}.${names[part]}`;
  return [
    ...linearShapes(at('query'), dim, dim),
    ...linearShapes(at('key'), dim, dim),
    ...linearShapes(at('value'), dim, dim),
    ...linearShapes(at('attentionOutput'), dim, dim),
    ...normShapes(at('attentionNorm'), dim),
    ...linearShapes(at('intermediate'), dim, hiddenDim),
    ...linearShapes(at('output'), hiddenDim, dim),
    ...normShapes(at('outputNorm'), dim),
  ];
}

/** The weights of the layer at `prefix`, looked up by name. */
export function encoderLayerWeights(prefix: string, names: EncoderLayerNames, param: (name: string) => Tensor): EncoderLayerWeights {
  const entries = PARTS.map((part) => [
    part,
    { weight: param(`${prefix}.${names[part]}.weight`), bias: param(`${prefix}.${names[part]}.bias`) },
  ]);
  return Object.fromEntries(entries) as EncoderLayerWeights;
}

/**
 * One layer over x [B, T, dim] with the attention mask [B, T]. `dropoutAfterAttention`: whether
 * the attention block's output is dropped before its residual add (BERT) or not (DistilBERT).
 */
export function encoderLayer(
  x: Tensor,
  mask: Tensor,
  w: EncoderLayerWeights,
  config: EncoderConfig,
  dropout: DropoutSites,
  { dropoutAfterAttention }: { dropoutAfterAttention: boolean },
): Tensor {
  const lin = (part: Projection, input: Tensor, activation?: 'gelu') => linear(input, part.weight, part.bias, activation);
  // LayerNorm(branch + residual): the residual add runs inside the normalisation's kernel.
  const norm = (part: Projection, branch: Tensor, residual: Tensor) =>
    layerNorm(branch, part.weight, part.bias, config.layerNormEps, residual);

  // Self-attention, dropout on its weights; the q, k and v projections of x are launched as one
  // product (engine/ops/self_attention.ts).
  const context = selfAttention(x, [w.query, w.key, w.value], mask, config.nHeads, dropout.attention(config.attentionDropout));
  const attended = lin(w.attentionOutput, context);
  x = norm(w.attentionNorm, dropoutAfterAttention ? dropout.drop(attended, config.dropout) : attended, x);

  // Feed-forward: GELU in the first Linear's epilogue; dropout after the second, before the residual.
  const ffn = dropout.drop(lin(w.output, lin(w.intermediate, x, 'gelu')), config.dropout);
  return norm(w.outputNorm, ffn, x);
}
