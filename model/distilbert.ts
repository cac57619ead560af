// DistilBertForSequenceClassification, written out like nanoGPT's model.py: the whole network in one
// readable forward pass over engine ops, following transformers' modeling_distilbert.py exactly
// (where dropout sits, the 1e-12 LayerNorm eps, the [CLS] pooling) so that the same weights give
// the same numbers as PyTorch. Parameters are persistent GPU tensors keyed by their Hugging Face
// names; model/checkpoint.ts fills them from a file or from a random initialisation.
import {
  Tensor,
  dropout,
  embedding,
  layerNorm,
  linear,
  mul,
  numel,
  op,
  relu,
  selectPosition,
  selfAttention,
  shapeStr,
  u32,
  type Shape,
  type Uniforms,
} from '../engine/index.ts';
import type { DistilBertConfig } from './config.ts';

const LAYER_NORM_EPS = 1e-12;

/** Offsets between the dropout streams of consecutive forward calls (see DropoutStreams). */
const STREAMS_PER_STEP = 2 ** 32;

/** The dropout uniforms that change with `DropoutStreams.step`, by name: a replayed step's parameters. */
export const dropoutStepUniforms = (step: number): Uniforms => ({ offsetHi: u32(step) });

/**
 * Dropout randomness of one forward pass: `step` advances once per forward (micro-batch) call.
 * Dropout site k of the forward at step s draws from stream offset s·2^32 + k: the step is the
 * offset's high word (`offsetHi`) in every dropout launch, the one uniform a replayed training step
 * changes for dropout (engine/replay.ts). Steps go up to 2^21 (offsets stay below 2^53).
 */
export interface DropoutStreams {
  seed: number;
  step: number;
}

export interface ForwardOptions {
  /** Dropout on (training) or off (evaluation, the default). */
  training?: boolean;
  /** Required when training: which random streams this forward's dropout masks come from. */
  rng?: DropoutStreams;
}

export interface ForwardResult {
  /** [B, num_labels] */
  logits: Tensor;
  /** [B, T, dim] each: the embeddings' output, then every transformer layer's (HF's hidden_states). */
  hiddenStates: Tensor[];
}

/** Every parameter's Hugging Face name and shape, in transformers' state_dict order. */
export function parameterShapes(config: DistilBertConfig): [string, Shape][] {
  const { dim, hiddenDim, vocabSize, maxPositionEmbeddings, numLabels } = config;
  const linear = (name: string, inFeatures: number, outFeatures: number): [string, Shape][] => [
    [`${name}.weight`, [outFeatures, inFeatures]],
    [`${name}.bias`, [outFeatures]],
  ];
  const norm = (name: string): [string, Shape][] => [
    [`${name}.weight`, [dim]],
    [`${name}.bias`, [dim]],
  ];
  const shapes: [string, Shape][] = [
    ['distilbert.embeddings.word_embeddings.weight', [vocabSize, dim]],
    ['distilbert.embeddings.position_embeddings.weight', [maxPositionEmbeddings, dim]],
    ...norm('distilbert.embeddings.LayerNorm'),
  ];
  for (let i = 0; i < config.nLayers; i++) {
    const layer = `distilbert.transformer.layer.${i}`;
    shapes.push(
      ...linear(`${layer}.attention.q_lin`, dim, dim),
      ...linear(`${layer}.attention.k_lin`, dim, dim),
      ...linear(`${layer}.attention.v_lin`, dim, dim),
      ...linear(`${layer}.attention.out_lin`, dim, dim),
      ...norm(`${layer}.sa_layer_norm`),
      ...linear(`${layer}.ffn.lin1`, dim, hiddenDim),
      ...linear(`${layer}.ffn.lin2`, hiddenDim, dim),
      ...norm(`${layer}.output_layer_norm`),
    );
  }
  shapes.push(...linear('pre_classifier', dim, dim), ...linear('classifier', dim, numLabels));
  return shapes;
}

/** Identity forward; backward zeroes the gradient where `keep` is 0 (nn.Embedding's padding_idx). */
const blockGradientWhere = op('blockGradientWhere', (x: Tensor, keep: Tensor) =>
  new Tensor(x.shape, x.dtype, { viewOf: x }).setBackward([x], (g) => [mul(g, keep)]),
);

export class DistilBertForSequenceClassification {
  readonly config: DistilBertConfig;
  /** Parameters by Hugging Face name, in state_dict order. */
  readonly params: ReadonlyMap<string, Tensor>;
  /** [vocab, 1]: 1 for every token but padding; gathering it by ids gives the padding mask. */
  private readonly notPadding: Tensor;
  /** [0, 1, …, max_position_embeddings - 1], uploaded once: a forward at length T reads the first T. */
  private readonly positionIds: Tensor;

  /**
   * Allocates every parameter and fills it with `values(name, shape)`, one tensor at a time, so a
   * checkpoint is never held in host memory whole.
   */
  constructor(config: DistilBertConfig, values: (name: string, shape: Shape) => Float32Array) {
    this.config = config;
    const params = new Map<string, Tensor>();
    for (const [name, shape] of parameterShapes(config)) {
      const data = values(name, shape);
      if (data.length !== numel(shape)) throw new Error(`DistilBERT: ${data.length} values for parameter ${name} ${shapeStr(shape)}`);
      params.set(name, Tensor.fromArray(data, shape, 'f32', { requiresGrad: true, persistent: true, name }));
    }
    this.params = params;
    const notPadding = new Float32Array(config.vocabSize).fill(1);
    notPadding[config.padTokenId] = 0;
    this.notPadding = Tensor.fromArray(notPadding, [config.vocabSize, 1], 'f32', { persistent: true, name: 'not_padding' });
    const positions = config.maxPositionEmbeddings;
    this.positionIds = Tensor.fromArray(
      Array.from({ length: positions }, (_, i) => i),
      [positions],
      'i32',
      { persistent: true, name: 'position_ids' },
    );
  }

  /** The parameters as a list (for the optimizer), in state_dict order. */
  parameters(): Tensor[] {
    return [...this.params.values()];
  }

  param(name: string): Tensor {
    const p = this.params.get(name);
    if (!p) throw new Error(`DistilBERT has no parameter ${name}`);
    return p;
  }

  /** Logits [B, num_labels] for token ids and attention mask, both i32 [B, T]. */
  forward(ids: Tensor, mask: Tensor, options: ForwardOptions = {}): Tensor {
    return this.forwardWithHiddenStates(ids, mask, options).logits;
  }

  forwardWithHiddenStates(ids: Tensor, mask: Tensor, { training = false, rng }: ForwardOptions = {}): ForwardResult {
    const { config } = this;
    this.checkInputs(ids, mask);
    if (training && !rng) throw new Error('DistilBERT forward: training mode needs `rng` (seed and step) for dropout');
    const seqLen = ids.shape[1];
    let site = 0;
    // Each dropout site draws from its own Philox stream, fresh for every forward call.
    const nextStream = () => ({ seed: rng!.seed, offset: rng!.step * STREAMS_PER_STEP + site++ });
    const drop = (x: Tensor, p: number) => (training ? dropout(x, p, nextStream()) : x);
    const attentionDropout = () => (training ? { dropout: config.attentionDropout, rng: nextStream() } : {});
    const p = (name: string) => this.param(name);

    // Embeddings: word + learned position, LayerNorm, dropout.
    const keep = embedding(ids, this.notPadding);
    const words = blockGradientWhere(embedding(ids, p('distilbert.embeddings.word_embeddings.weight')), keep);
    const positionIds = new Tensor([seqLen], 'i32', { viewOf: this.positionIds, name: `position_ids_${seqLen}` });
    const positions = embedding(positionIds, p('distilbert.embeddings.position_embeddings.weight'));
    let x = layerNorm(
      words,
      p('distilbert.embeddings.LayerNorm.weight'),
      p('distilbert.embeddings.LayerNorm.bias'),
      LAYER_NORM_EPS,
      positions,
    );
    x = drop(x, config.dropout);
    const hiddenStates = [x];

    for (let i = 0; i < config.nLayers; i++) {
      const layer = `distilbert.transformer.layer.${i}`;
      const lin = (name: string, input: Tensor, activation?: 'gelu') =>
        linear(input, p(`${layer}.${name}.weight`), p(`${layer}.${name}.bias`), activation);
      // LayerNorm(branch + residual): the residual add runs inside the normalisation's kernel.
      const norm = (name: string, branch: Tensor, residual: Tensor) =>
        layerNorm(branch, p(`${layer}.${name}.weight`), p(`${layer}.${name}.bias`), LAYER_NORM_EPS, residual);

      // Self-attention: no dropout after out_lin in DistilBERT, only on the attention weights. The
      // q, k and v projections of x are launched as one product (engine/ops/self_attention.ts).
      const projection = (name: string) => ({ weight: p(`${layer}.attention.${name}.weight`), bias: p(`${layer}.attention.${name}.bias`) });
      const projections = [projection('q_lin'), projection('k_lin'), projection('v_lin')] as const;
      const context = selfAttention(x, projections, mask, config.nHeads, attentionDropout());
      x = norm('sa_layer_norm', lin('attention.out_lin', context), x);

      // Feed-forward: GELU in lin1's epilogue; dropout after lin2, before the residual.
      const ffn = drop(lin('ffn.lin2', lin('ffn.lin1', x, 'gelu')), config.dropout);
      x = norm('output_layer_norm', ffn, x);
      hiddenStates.push(x);
    }

    // Classification head on the first ([CLS]) position.
    const cls = selectPosition(x, 0);
    const pooled = drop(relu(linear(cls, p('pre_classifier.weight'), p('pre_classifier.bias'))), config.seqClassifDropout);
    const logits = linear(pooled, p('classifier.weight'), p('classifier.bias'));
    return { logits, hiddenStates };
  }

  private checkInputs(ids: Tensor, mask: Tensor): void {
    if (ids.dtype !== 'i32' || ids.shape.length !== 2)
      throw new Error(`DistilBERT forward: ids must be i32 [batch, seq], got ${ids.dtype} ${shapeStr(ids.shape)}`);
    if (mask.dtype !== 'i32' || mask.shape.length !== 2 || mask.shape[0] !== ids.shape[0] || mask.shape[1] !== ids.shape[1]) {
      throw new Error(`DistilBERT forward: mask must be i32 ${shapeStr(ids.shape)} like ids, got ${mask.dtype} ${shapeStr(mask.shape)}`);
    }
    if (ids.shape[1] > this.config.maxPositionEmbeddings) {
      throw new Error(
        `DistilBERT forward: sequence length ${ids.shape[1]} is over max_position_embeddings ${this.config.maxPositionEmbeddings}`,
      );
    }
  }

  /** Frees every parameter and its gradient. */
  release(): void {
    for (const t of this.params.values()) {
      t.grad?.release();
      t.release();
    }
    this.notPadding.release();
    this.positionIds.release();
  }
}
