// Mean cross-entropy loss of logits [B, C] against class labels [B] (torch's F.cross_entropy with
// its defaults), fused: log-softmax and the negative log-likelihood in one pass per row
// (kernels/cross_entropy.ts), then a deterministic mean over the batch.
import { crossEntropyBackward, crossEntropyRows } from '../gpu/kernels.ts';
import { subgroupsEnabled } from '../gpu/device.ts';
import { launchOn } from '../autograd/launch_on.ts';
import { Tensor, shapeStr } from '../autograd/tensor.ts';
import { op } from '../autograd/trace.ts';
import { mulScalar } from './elementwise.ts';
import { sumRowsOf } from './row_sums.ts';
import { reshape } from './shape.ts';

/** Scalar (shape []) mean over the batch of -log softmax(logits[b])[labels[b]]. */
export const crossEntropy = op('crossEntropy', function crossEntropy(logits: Tensor, labels: Tensor): Tensor {
  if (logits.dtype !== 'f32' || logits.shape.length !== 2) {
    throw new Error(`crossEntropy: logits ${logits.name} must be an f32 matrix [B, C], got ${logits.dtype} ${shapeStr(logits.shape)}`);
  }
  const [rows, classes] = logits.shape;
  if (labels.dtype !== 'i32' || labels.shape.length !== 1 || labels.shape[0] !== rows) {
    throw new Error(
      `crossEntropy: labels ${labels.name} must be i32 [${rows}] to match logits ${shapeStr(logits.shape)}, got ${labels.dtype} ${shapeStr(labels.shape)}`,
    );
  }
  if (rows === 0 || classes === 0) throw new Error(`crossEntropy: logits ${logits.name} ${shapeStr(logits.shape)} is empty`);
  const rowLoss = new Tensor([1, rows]);
  const logSumExp = new Tensor([rows]);
  launchOn(crossEntropyRows(rows, classes, subgroupsEnabled()), logits, labels, rowLoss, logSumExp);
  const loss = reshape(mulScalar(sumRowsOf(rowLoss), 1 / rows), []);
  return loss.setBackward([logits], (g) => {
    const dLogits = new Tensor(logits.shape);
    launchOn(crossEntropyBackward(rows, classes), logits, labels, logSumExp, g, dLogits);
    return [dLogits];
  });
});
