// Matmul workloads and their check: a product of some shape on deterministic operands, timed by
// the tuner (tune/tuner.ts) and the benchmark (bench/kernels/matmul.ts), and the same kernel run
// at a small shape and compared with the float64 product (reference/float64.ts).
import { Tensor, launchMatmul } from '../engine/index.ts';
import { roundToHalf } from '../engine/autograd/float16.ts';
import type { MatmulShape } from '../kernels/matmul.ts';
import type { MatmulLaunch } from '../kernels/matmul_split_k.ts';
import { assertClose } from '../reference/check.ts';
import { gelu, matmul as matmulRef, randn } from '../reference/float64.ts';
import { noise, prepareScoped, randomTensor, type Workload } from './workload.ts';

export type MatmulKernel = (shape: MatmulShape) => MatmulLaunch;

/** C for `shape` in float64, operands as the kernel reads them (shared ones stored once). */
function reference(s: MatmulShape, a: Float64Array, b: Float64Array, bias: Float64Array | null): Float64Array {
  const repeat = (x: Float64Array, shared: boolean | undefined) => {
    if (!shared) return x;
    const out = new Float64Array(x.length * s.batch);
    for (let i = 0; i < s.batch; i++) out.set(x, i * x.length);
    return out;
  };
  const c = matmulRef(repeat(a, s.sharedA), repeat(b, s.sharedB), s.batch, s.m, s.k, s.n, s.transA, s.transB);
  if (bias) for (let i = 0; i < c.length; i++) c[i] += bias[i % s.n];
  return s.gelu ? c.map(gelu) : c;
}

const describe = (s: MatmulShape) =>
  `${s.transA ? 'T' : 'N'}${s.transB ? 'T' : 'N'} batch ${s.batch} m ${s.m} n ${s.n} k ${s.k}${s.sharedA ? ' shared A' : ''}${s.sharedB ? ' shared B' : ''}${s.bias ? ' +bias' : ''}${s.gelu ? ' gelu' : ''}`;

/**
 * Runs `kernel` at `s` on random operands (seeded by `seed`) and compares with the float64 product.
 * With `half`, the operands are f16 tensors of f16-rounded values (the reference multiplies those).
 */
export async function checkMatmulAt(kernel: MatmulKernel, s: MatmulShape, seed: number, half = false): Promise<void> {
  const operand = (n: number, operandSeed: number) => (half ? randn(n, operandSeed).map(roundToHalf) : randn(n, operandSeed));
  const aData = operand(s.m * s.k * (s.sharedA ? 1 : s.batch), 10 + seed);
  const bData = operand(s.k * s.n * (s.sharedB ? 1 : s.batch), 20 + seed);
  const biasData = s.bias ? randn(s.n, 30 + seed) : null;
  const a = Tensor.fromArray(aData, [aData.length], half ? 'f16' : 'f32');
  const b = Tensor.fromArray(bData, [bData.length], half ? 'f16' : 'f32');
  const c = new Tensor([s.batch * s.m * s.n]);
  const bias = biasData ? Tensor.fromArray(biasData, [s.n]) : null;
  const preActivation = s.gelu ? new Tensor([s.batch * s.m * s.n]) : null;
  try {
    launchMatmul(kernel(s), a, b, c, ...[bias, preActivation].filter((t) => t !== null));
    assertClose(await c.toFloat32(), reference(s, aData, bData, biasData), 1e-4, 1e-4, describe(s));
  } finally {
    for (const t of [a, b, c, bias, preActivation]) t?.release();
  }
}

/** The products of one nn.Linear (in → out) over `tokens` rows, as the engine's linear launches them. */
export function linearProducts(tokens: number, inF: number, outF: number): { label: string; shape: MatmulShape }[] {
  return [
    {
      label: `fwd x·Wᵀ+b [${tokens},${inF}]·[${outF},${inF}]ᵀ`,
      shape: { batch: 1, m: tokens, n: outF, k: inF, transA: false, transB: true, bias: true },
    },
    {
      label: `dX dY·W [${tokens},${outF}]·[${outF},${inF}]`,
      shape: { batch: 1, m: tokens, n: inF, k: outF, transA: false, transB: false },
    },
    {
      label: `dW dYᵀ·x [${tokens},${outF}]ᵀ·[${tokens},${inF}]`,
      shape: { batch: 1, m: outF, n: inF, k: tokens, transA: true, transB: false },
    },
  ];
}

/** An operand of `size` elements from `seed`: random f32 values, unless given another maker. */
export type OperandMaker = (size: number, seed: number) => Tensor;
const randomOperand: OperandMaker = (size, seed) => randomTensor([size], seed);
export const halfTensorOf: OperandMaker = (size, seed) => Tensor.fromArray(noise(size, seed), [size], 'f16');

/** One kernel launch on random operands of `shape`. */
export function matmulWorkload(label: string, shape: MatmulShape, kernel: MatmulKernel, operand = randomOperand): Workload {
  return {
    label,
    work: 2 * shape.batch * shape.m * shape.n * shape.k,
    prepare: () =>
      prepareScoped(() => {
        const a = operand(shape.m * shape.k * (shape.sharedA ? 1 : shape.batch), 1);
        const b = operand(shape.k * shape.n * (shape.sharedB ? 1 : shape.batch), 2);
        const c = new Tensor([shape.batch * shape.m * shape.n]);
        const epilogue = [
          ...(shape.bias ? [randomTensor([shape.n], 3)] : []),
          ...(shape.gelu ? [new Tensor([shape.batch * shape.m * shape.n])] : []),
        ];
        const inputs = [a, b, c, ...epilogue];
        const launch = kernel(shape);
        return () => launchMatmul(launch, ...inputs);
      }),
  };
}
