// Mean cross-entropy loss of logits [B, C] against class labels [B] (torch's F.cross_entropy with
// its defaults), fused: log-softmax and the negative log-likelihood in one pass per row
// (kernels/cross_entropy.ts), then a deterministic mean over the batch (a sum scaled by 1/B as it
// is written, kernels/reduce.ts).
import { crossEntropyBackward, crossEntropyRows, reduceRows } from '../gpu/kernels.ts';
import { subgroupsEnabled } from '../gpu/device.ts';
import { launchOn } from '../autograd/launch_on.ts';
import { Tensor, shapeStr } from '../autograd/tensor.ts';
import { op } from '../autograd/trace.ts';

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
  const loss = new Tensor([]);
  launchOn(reduceRows('sum', 1, rows, 1 / rows), rowLoss, loss);
  rowLoss.release();
  return loss.setBackward([logits], (g) => {
    const dLogits = new Tensor(logits.shape);
    launchOn(crossEntropyBackward(rows, classes), logits, labels, logSumExp, g, dLogits);
    return [dLogits];
  });
});
