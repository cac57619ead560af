// Fused multi-head self-attention (kernels/attention.ts): the op DistilBERT's attention block
// calls between the q/k/v projections and out_lin, with its backward. Under autocast
// (engine/ops/autocast.ts) its kernels read the f32 q, k and v and round each element to f16 as
// they load it (kernels/attention.ts `rounded`), then compute in f32; the gradients are f32.
import { MAX_HEAD_DIM, type AttentionDims, type AttentionDropout } from '../../kernels/attention.ts';
import type { KernelLaunch } from '../../kernels/launch.ts';
import { setting } from '../env.ts';
import {
  attentionCpuForward,
  attentionCpuGradKeyValue,
  attentionCpuGradQuery,
  attentionForward,
  attentionGradKeyValue,
  attentionGradQuery,
  attentionRowStats,
  attentionRowsForward,
  attentionRowsGradKeyValue,
  attentionRowsGradQuery,
  withStream,
} from '../gpu/kernels.ts';
import { kernelClass, subgroupsEnabled } from '../gpu/device.ts';
import { autocasting } from './autocast.ts';
import { checkRngStep, type RngState } from './dropout.ts';
import { launchOn } from '../autograd/launch_on.ts';
import { tunedChoice } from '../gpu/tuning.ts';
import { Tensor, assertShape, shapeStr } from '../autograd/tensor.ts';
import { op } from '../autograd/trace.ts';

export interface AttentionOptions {
  /** Probability of dropping each attention weight after the softmax (HF's attention dropout); 0 by default. */
  dropout?: number;
  /** The dropout stream (engine/ops/dropout.ts); required when dropout > 0. */
  rng?: RngState;
}

function dimsOf(q: Tensor, k: Tensor, v: Tensor, mask: Tensor, nHeads: number): AttentionDims {
  if (q.shape.length !== 3) throw new Error(`attention: query ${q.name} must be [batch, seq, heads × headDim], got ${shapeStr(q.shape)}`);
  const [batch, seq, width] = q.shape;
  if (!Number.isInteger(nHeads) || nHeads < 1 || width % nHeads !== 0) {
    throw new Error(`attention: ${nHeads} heads do not divide query ${q.name}'s width ${width}`);
  }
  const headDim = width / nHeads;
  if (headDim > MAX_HEAD_DIM) throw new Error(`attention: head dim ${headDim} is over the supported ${MAX_HEAD_DIM}`);
  if (seq === 0) throw new Error(`attention: query ${q.name} has an empty sequence ${shapeStr(q.shape)}`);
  for (const [t, role] of [
    [q, 'query'],
    [k, 'key'],
    [v, 'value'],
  ] as const) {
    assertShape(t, q.shape, `attention: ${role}`);
    if (t.dtype !== q.dtype || (t.dtype !== 'f32' && t.dtype !== 'f16')) {
      throw new Error(`attention: ${role} ${t.name} is ${t.dtype}, expected f32 (or f16 for all of query, key and value)`);
    }
  }
  assertShape(mask, [batch, seq], 'attention: mask');
  if (mask.dtype !== 'i32') throw new Error(`attention: mask ${mask.name} is ${mask.dtype}, expected i32 (1 keep, 0 padding)`);
  // Under autocast, f32 operands are rounded to f16 as the kernels load them.
  const rounded = autocasting() && q.dtype === 'f32';
  return { batch, seq, heads: nHeads, headDim, half: rounded || q.dtype === 'f16', rounded };
}

function dropoutOf(opts: AttentionOptions): (AttentionDropout & { rng: RngState }) | null {
  const probability = opts.dropout ?? 0;
  if (!(probability >= 0 && probability <= 1)) throw new Error(`attention: dropout probability must be in [0, 1], got ${probability}`);
  if (probability === 0) return null;
  if (!opts.rng) throw new Error('attention: dropout > 0 needs an rng {seed, stream, step}');
  checkRngStep(opts.rng, 'attention');
  return { probability, rng: opts.rng };
}

/** The three kernels of the forward and the backward that `npm run tune` can choose a form and tiling for. */
export type AttentionKernel = 'attention_forward' | 'attention_grad_query' | 'attention_grad_key_value';

type Generator = (dims: AttentionDims, dropout: AttentionDropout | null) => KernelLaunch;

/**
 * Attention's kernel forms: `blocks`, a workgroup per block of rows (kernels/attention.ts,
 * variant 3), GPUs' default; `rows`, a thread per row (kernels/attention_rows.ts, variant 2);
 * `cpu`, the row kernels as CPU implementations run them best (kernels/cpu/attention.ts), their
 * default.
 */
export const ATTENTION_FORMS: Record<'blocks' | 'rows' | 'cpu', Record<AttentionKernel, Generator>> = {
  blocks: {
    attention_forward: attentionForward,
    attention_grad_query: attentionGradQuery,
    attention_grad_key_value: attentionGradKeyValue,
  },
  rows: {
    attention_forward: attentionRowsForward,
    attention_grad_query: attentionRowsGradQuery,
    attention_grad_key_value: attentionRowsGradKeyValue,
  },
  cpu: {
    attention_forward: attentionCpuForward,
    attention_grad_query: attentionCpuGradQuery,
    attention_grad_key_value: attentionCpuGradKeyValue,
  },
};
export type AttentionForm = keyof typeof ATTENTION_FORMS;

/** What a tuned entry for attention is keyed by, besides its dims [batch, seq]. */
export const attentionTuningKey = (dims: AttentionDims) => `heads ${dims.heads} headDim ${dims.headDim}${dims.half ? ' f16' : ''}`;

/** The form the op launches without a tuned entry: ENGINE_ATTENTION's, else the adapter's default. */
export const defaultAttentionForm = (): AttentionForm => setting('ENGINE_ATTENTION') ?? (kernelClass() === 'software' ? 'cpu' : 'blocks');

/**
 * How the op launches `kernel` at `dims`: ENGINE_ATTENTION's form, else the tuned table's form and
 * tiling (engine/gpu/tuning.ts), else the default form.
 */
export function attentionLaunch(kernel: AttentionKernel, dims: AttentionDims, dropout: AttentionDropout | null): KernelLaunch {
  const choice = setting('ENGINE_ATTENTION') ? undefined : tunedChoice(kernel, attentionTuningKey(dims), [dims.batch, dims.seq]);
  if (!choice) return ATTENTION_FORMS[defaultAttentionForm()][kernel](dims, dropout);
  const form = choice.form as AttentionForm;
  const tiling = choice.rows === undefined ? undefined : { rows: Number(choice.rows), tile: Number(choice.tile) };
  return ATTENTION_FORMS[form][kernel]({ ...dims, tiling }, dropout);
}

/**
 * softmax((q/√D)·kᵀ with padding keys at float32's lowest value) · v for each head.
 * q, k, v: [B, T, H·D]; mask: i32 [B, T] (1 keep, 0 padding key). Returns the context [B, T, H·D].
 */
export const attention = op(
  'attention',
  function attention(q: Tensor, k: Tensor, v: Tensor, mask: Tensor, nHeads: number, opts: AttentionOptions = {}): Tensor {
    const dims = dimsOf(q, k, v, mask, nHeads);
    const dropout = dropoutOf(opts);
    const context = new Tensor(q.shape);
    const lse = new Tensor([dims.batch, dims.heads, dims.seq]);
    // The dropout stream only reaches the uniforms: one memoized launch serves every stream.
    const launchFor = (kernel: AttentionKernel) =>
      dropout ? withStream((rng) => attentionLaunch(kernel, dims, { ...dropout, rng }), dropout.rng) : attentionLaunch(kernel, dims, null);
    // With dropout, every kernel but the statistics also binds the step of its stream, last.
    const step = dropout ? [dropout.rng.step] : [];
    launchOn(launchFor('attention_forward'), q, k, v, mask, context, lse, ...step);
    context.setBackward([q, k, v], (grad) => {
      const stats = new Tensor([dims.batch, dims.heads, dims.seq, 2]);
      // The statistics read only f32 tensors (context, its gradient, lse).
      launchOn(attentionRowStats(dims, subgroupsEnabled()), context, grad, lse, stats);
      const dq = new Tensor(q.shape);
      const dk = new Tensor(q.shape);
      const dv = new Tensor(q.shape);
      launchOn(launchFor('attention_grad_query'), q, k, v, mask, stats, grad, dq, ...step);
      launchOn(launchFor('attention_grad_key_value'), q, k, v, mask, stats, grad, dk, dv, ...step);
      stats.release();
      return [dq, dk, dv];
    });
    // Without a backward to feed, the logsumexp is not needed past the forward launch.
    if (!context.requiresGrad) lse.release();
    return context;
  },
);
