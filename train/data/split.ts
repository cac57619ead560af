// A validation split held out of the training split, for sources that have none: each class gives
// the same share of its examples (stratified, as scikit-learn's train_test_split with stratify),
// chosen by a permutation seeded with --seed, so the same seed holds out the same rows.
import { epochOrder } from '../shuffle.ts';

/** The permutation stream of held-out rows, apart from the epochs' (streams 0, 1, ...). */
const HOLD_OUT_STREAM = 0x7fffffff;

/**
 * The rows (0-based, ascending) to hold out: round(percentage% of each class), at least one row of
 * every class that has two or more, never a class's last row.
 */
export function stratifiedHoldOut(labels: readonly number[], percentage: number, seed: number): number[] {
  const byClass = new Map<number, number[]>();
  labels.forEach((label, row) => {
    const rows = byClass.get(label);
    if (rows) rows.push(row);
    else byClass.set(label, [row]);
  });
  const order = epochOrder(labels.length, seed, HOLD_OUT_STREAM, true);
  const rank = new Int32Array(labels.length);
  order.forEach((row, position) => (rank[row] = position));
  const heldOut: number[] = [];
  for (const rows of byClass.values()) {
    const count = Math.min(rows.length - 1, Math.max(rows.length > 1 ? 1 : 0, Math.round((rows.length * percentage) / 100)));
    heldOut.push(...[...rows].sort((a, b) => rank[a] - rank[b]).slice(0, count));
  }
  return heldOut.sort((a, b) => a - b);
}
