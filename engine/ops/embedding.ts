// Embedding lookup: out[..., :] = table[ids[...], :], with a deterministic scatter-add backward
// (kernels/embedding.ts): on a GPU, each position linked to the next with its id, in launches sized
// by the work; on a CPU implementation, a stable counting sort of positions by id in one workgroup.
// Both give the same bits. The form follows ENGINE_KERNELS when set, else the tuned table
// (engine/gpu/tuning.ts `tunedForm`: `npm run tune` times both), else the adapter's class.
// Repeated ids accumulate; a padding id's row gets no gradient (nn.Embedding's padding_idx).
// (To take one position of every sequence, such as the [CLS] row, `selectPosition` needs no ids.)
import { tunedForm } from '../gpu/tuning.ts';
import { gatherRows, linkOccurrences, sortPositionsById, sumBuckets, sumChains } from '../gpu/kernels.ts';
import { launchOn } from '../autograd/launch_on.ts';
import { Tensor, shapeStr } from '../autograd/tensor.ts';
import { op } from '../autograd/trace.ts';

/**
 * ids i32 [...] into table [V, D] -> [..., D]. Ids outside [0, V) give zero rows and no gradient;
 * so does `paddingIdx` (its row is read as any other).
 */
export const embedding = op(
  'embedding',
  function embedding(ids: Tensor, table: Tensor, { paddingIdx }: { paddingIdx?: number } = {}): Tensor {
    if (ids.dtype !== 'i32') throw new Error(`embedding: ids ${ids.name} must be i32, got ${ids.dtype}`);
    if (table.dtype !== 'f32' || table.shape.length !== 2) {
      throw new Error(`embedding: table ${table.name} must be an f32 matrix [V, D], got ${table.dtype} ${shapeStr(table.shape)}`);
    }
    const [vocab, dim] = table.shape;
    if (paddingIdx !== undefined && !(Number.isInteger(paddingIdx) && paddingIdx >= 0 && paddingIdx < vocab))
      throw new Error(`embedding: paddingIdx must be a row of ${table.name} [${vocab}, ${dim}], got ${paddingIdx}`);
    const out = new Tensor([...ids.shape, dim]);
    if (out.numel > 0) launchOn(gatherRows(ids.numel, vocab, dim), ids, table, out);
    return out.setBackward([table], (g) => [scatterAddRows(ids, g, vocab, dim, paddingIdx)]);
  },
);

/** What a tuned entry for the embedding backward is keyed by: the table's shape, and its dims: [positions]. */
export const embeddingBackwardTuning = (positions: number, vocab: number, dim: number) => ({
  key: `vocab ${vocab} dim ${dim}`,
  dims: [positions],
});

/**
 * dTable [V, D]: row v is the sum of g's rows at the positions where ids = v, in position order (0
 * for paddingIdx), in the form `tunedForm` picks.
 */
function scatterAddRows(ids: Tensor, g: Tensor, vocab: number, dim: number, paddingIdx?: number): Tensor {
  const n = ids.numel;
  const dTable = new Tensor([vocab, dim]);
  const { key, dims } = embeddingBackwardTuning(n, vocab, dim);
  let scratch: Tensor[];
  if (tunedForm('embedding_backward', key, dims) === 'gpu') {
    const next = new Tensor([n], 'i32');
    const first = new Tensor([vocab], 'i32');
    launchOn(linkOccurrences(n, vocab, paddingIdx), ids, next, first);
    if (dTable.numel > 0) launchOn(sumChains(n, vocab, dim, paddingIdx), g, ids, next, first, dTable);
    scratch = [next, first];
  } else {
    const cursors = new Tensor([vocab], 'i32');
    const starts = new Tensor([vocab + 1], 'i32');
    const order = new Tensor([n], 'i32');
    launchOn(sortPositionsById(n, vocab, paddingIdx), ids, cursors, starts, order);
    if (dTable.numel > 0) launchOn(sumBuckets(vocab, dim), g, starts, order, dTable);
    scratch = [cursors, starts, order];
  }
  for (const t of scratch) t.release();
  return dTable;
}
