// What a sequence classifier here is, whatever its model (model/distilbert.ts, model/bert.ts):
// parameters as persistent GPU tensors keyed by their Hugging Face names, the forward's inputs
// and options, and the embeddings both models share (word + learned position, LayerNorm; BERT
// adds its token type embedding to the words). Each model file states only what differs: its
// parameter names, where its dropout sits, and its classification head.
import {
  Tensor,
  add,
  embedding,
  layerNorm,
  leadingRows,
  linear,
  numel,
  shapeStr,
  type BranchDropout,
  type Shape,
} from '../engine/index.ts';
import type { EncoderConfig } from './config.ts';
import { dropoutSites, type DropoutSites, type DropoutStreams } from './dropout_sites.ts';

export interface ForwardOptions {
  /** Dropout on (training) or off (evaluation, the default). */
  training?: boolean;
  /** Required when training: which random streams this forward's dropout masks come from. */
  rng?: DropoutStreams;
  /**
   * i32 [B, T] like the ids: the segment of each token (0 for a pair's first sentence, 1 for its
   * second), BERT's token_type_ids; all 0 when absent. DistilBERT has no segment embedding and
   * does not read them (its tokenizer does not make them).
   */
  tokenTypeIds?: Tensor;
}

export interface ForwardResult {
  /** [B, num_labels] */
  logits: Tensor;
  /** [B, T, dim] each: the embeddings' output, then every transformer layer's (HF's hidden_states). */
  hiddenStates: Tensor[];
}

export abstract class SequenceClassifier<C extends EncoderConfig = EncoderConfig> {
  readonly config: C;
  /** Parameters by Hugging Face name, in state_dict order. */
  readonly params: ReadonlyMap<string, Tensor>;
  /** The model's name in errors ("BERT forward: ..."). */
  protected readonly name: string;

  /**
   * Allocates every parameter of `shapes` and fills it with `values(name, shape)`, one tensor at a
   * time, so a checkpoint is never held in host memory whole.
   */
  protected constructor(name: string, config: C, shapes: [string, Shape][], values: (name: string, shape: Shape) => Float32Array) {
    this.name = name;
    this.config = config;
    const params = new Map<string, Tensor>();
    for (const [param, shape] of shapes) {
      const data = values(param, shape);
      if (data.length !== numel(shape)) throw new Error(`${name}: ${data.length} values for parameter ${param} ${shapeStr(shape)}`);
      params.set(param, Tensor.fromArray(data, shape, 'f32', { requiresGrad: true, persistent: true, name: param }));
    }
    this.params = params;
  }

  /** The parameters as a list (for the optimizer), in state_dict order. */
  parameters(): Tensor[] {
    return [...this.params.values()];
  }

  param(name: string): Tensor {
    const p = this.params.get(name);
    if (!p) throw new Error(`${this.name} has no parameter ${name}`);
    return p;
  }

  /** Logits [B, num_labels] for token ids and attention mask, both i32 [B, T]. */
  forward(ids: Tensor, mask: Tensor, options: ForwardOptions = {}): Tensor {
    return this.forwardWithHiddenStates(ids, mask, options).logits;
  }

  abstract forwardWithHiddenStates(ids: Tensor, mask: Tensor, options?: ForwardOptions): ForwardResult;

  /** Checks a forward's inputs; its dropout. */
  protected begin(ids: Tensor, mask: Tensor, { training = false, rng, tokenTypeIds }: ForwardOptions): DropoutSites {
    const fail = (problem: string) => {
      throw new Error(`${this.name} forward: ${problem}`);
    };
    if (ids.dtype !== 'i32' || ids.shape.length !== 2) fail(`ids must be i32 [batch, seq], got ${ids.dtype} ${shapeStr(ids.shape)}`);
    const likeIds = (t: Tensor) => t.dtype === 'i32' && t.shape.length === 2 && t.shape[0] === ids.shape[0] && t.shape[1] === ids.shape[1];
    if (!likeIds(mask)) fail(`mask must be i32 ${shapeStr(ids.shape)} like ids, got ${mask.dtype} ${shapeStr(mask.shape)}`);
    if (tokenTypeIds && !likeIds(tokenTypeIds)) {
      fail(`tokenTypeIds must be i32 ${shapeStr(ids.shape)} like ids, got ${tokenTypeIds.dtype} ${shapeStr(tokenTypeIds.shape)}`);
    }
    if (ids.shape[1] > this.config.maxPositionEmbeddings) {
      fail(`sequence length ${ids.shape[1]} is over max_position_embeddings ${this.config.maxPositionEmbeddings}`);
    }
    if (training && !rng) fail('training mode needs `rng` (seed and step) for dropout');
    return dropoutSites(training ? rng : undefined);
  }

  /**
   * The embeddings module at `prefix` (HF's "<model>.embeddings"): word embedding (padding rows get
   * no gradient), plus `segments` when given, plus the learned position embedding, then LayerNorm,
   * then `dropout` (folded into the layer norm's kernels; none in evaluation).
   */
  protected embed(ids: Tensor, prefix: string, dropout: BranchDropout | undefined, segments?: Tensor): Tensor {
    const p = (name: string) => this.param(`${prefix}.${name}`);
    const words = embedding(ids, p('word_embeddings.weight'), { paddingIdx: this.config.padTokenId });
    // Positions 0 … T-1: the table's first T rows, a view.
    const positions = leadingRows(p('position_embeddings.weight'), ids.shape[1]);
    // dropout(LayerNorm(words (+ segments) + positions)): the last add and the dropout run inside the normalisation's kernels.
    return layerNorm(
      segments ? add(words, segments) : words,
      p('LayerNorm.weight'),
      p('LayerNorm.bias'),
      this.config.layerNormEps,
      positions,
      dropout,
    );
  }

  /** The Linear module `name` applied to x. */
  protected linear(x: Tensor, name: string): Tensor {
    return linear(x, this.param(`${name}.weight`), this.param(`${name}.bias`));
  }

  /** Frees every parameter and its gradient. */
  release(): void {
    for (const t of this.params.values()) {
      t.grad?.release();
      t.release();
    }
  }
}
