import '../support/setup.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.ts';
import { gradcheck } from '../../reference/check.ts';
import { gelu, randn } from '../../reference/float64.ts';

const map = (x: Float64Array, f: (v: number) => number) => x.map(f);

/** Float64 NumPy-style broadcast of a binary function. */
function broadcast(a: Float64Array, as: number[], b: Float64Array, bs: number[], f: (x: number, y: number) => number): Float64Array {
  const rank = Math.max(as.length, bs.length);
  const pa = [...Array(rank - as.length).fill(1), ...as];
  const pb = [...Array(rank - bs.length).fill(1), ...bs];
  const shape = pa.map((d, i) => Math.max(d, pb[i]));
  const n = shape.reduce((x, y) => x * y, 1);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let rem = i;
    let ia = 0,
      ib = 0,
      sa = 1,
      sb = 1;
    for (let d = rank - 1; d >= 0; d--) {
      const idx = rem % shape[d];
      rem = Math.floor(rem / shape[d]);
      ia += (pa[d] === 1 ? 0 : idx) * sa;
      ib += (pb[d] === 1 ? 0 : idx) * sb;
      sa *= pa[d];
      sb *= pb[d];
    }
    out[i] = f(a[ia], b[ib]);
  }
  return out;
}

const binaryCases: [string, (a: E.Tensor, b: E.Tensor) => E.Tensor, (x: number, y: number) => number][] = [
  ['add', E.add, (x, y) => x + y],
  ['sub', E.sub, (x, y) => x - y],
  ['mul', E.mul, (x, y) => x * y],
  ['div', E.div, (x, y) => x / y],
];
const shapePairs: [number[], number[]][] = [
  [
    [3, 5],
    [3, 5],
  ],
  [[2, 3, 5], [5]], // bias over leading dims
  [
    [4, 1],
    [4, 6],
  ], // per-row scale
  [
    [2, 1, 4],
    [3, 1],
  ], // both broadcast
  [[1], [2, 3]], // scalar
];

for (const [name, op, f] of binaryCases) {
  for (const [as, bs] of shapePairs) {
    test(`${name} ${JSON.stringify(as)} with ${JSON.stringify(bs)}: forward and backward`, async () => {
      const a = randn(
        as.reduce((x, y) => x * y, 1),
        1,
      );
      // Keep divisors away from zero.
      const b = map(
        randn(
          bs.reduce((x, y) => x * y, 1),
          2,
        ),
        (v) => (name === 'div' ? Math.sign(v || 1) * (1 + Math.abs(v)) : v),
      );
      await gradcheck({
        inputs: [
          { shape: as, data: a },
          { shape: bs, data: b },
        ],
        gpu: ([x, y]) => op(x, y),
        cpu: ([x, y]) => broadcast(x, as, y, bs, f),
      });
    });
  }
}

const unaryCases: [string, (x: E.Tensor) => E.Tensor, (v: number) => number, (v: number) => number][] = [
  ['exp', E.exp, Math.exp, (v) => v],
  ['log', E.log, Math.log, (v) => Math.abs(v) + 0.5],
  ['tanh', E.tanh, Math.tanh, (v) => v],
  ['relu', E.relu, (v) => Math.max(v, 0), (v) => (Math.abs(v) < 0.05 ? v + 0.1 : v)], // away from the kink
  ['gelu', E.gelu, gelu, (v) => 3 * v],
  ['addScalar', (x) => E.addScalar(x, 2.5), (v) => v + 2.5, (v) => v],
  ['mulScalar', (x) => E.mulScalar(x, -1.5), (v) => v * -1.5, (v) => v],
];
for (const [name, op, f, domain] of unaryCases) {
  test(`${name}: forward and backward`, async () => {
    const x = map(randn(37, 3), domain);
    await gradcheck({ inputs: [{ shape: [37], data: x }], gpu: ([t]) => op(t), cpu: ([v]) => map(v, f) });
  });
}

test('gelu matches erf-GELU to float32 precision far into both tails', async () => {
  const xs = Float64Array.from({ length: 161 }, (_, i) => -10 + i * 0.125);
  await gradcheck({
    inputs: [{ shape: [xs.length], data: xs }],
    gpu: ([t]) => E.gelu(t),
    cpu: ([v]) => map(v, gelu),
    atol: 2e-6,
    rtol: 2e-6,
  });
});

test('a tensor used twice accumulates both gradients (x*x + x)', async () => {
  const x = randn(10, 4);
  await gradcheck({
    inputs: [{ shape: [10], data: x }],
    gpu: ([t]) => E.add(E.mul(t, t), t),
    cpu: ([v]) => map(v, (a) => a * a + a),
  });
});

test('filled sets every element, whether the length is whole vec4s or not', async () => {
  for (const n of [1, 3, 4, 5, 8, 1027, 1028]) {
    const t = E.filled([n], -2.5);
    assert.equal(Array.from(await t.toFloat32()), new Array(n).fill(-2.5), `length ${n}`);
    t.release();
  }
});

test('a shape mismatch names both shapes', () => {
  E.scoped(() => {
    const a = new E.Tensor([2, 3]);
    const b = new E.Tensor([4]);
    assert.throws(() => E.add(a, b), /add: shapes \[2, 3\] and \[4\] cannot be broadcast together/);
  });
});

test('using a released tensor says so', () => {
  const t = new E.Tensor([3], 'f32', { name: 'activations' });
  t.release();
  assert.throws(() => E.exp(t), /tensor activations \[3\] was released/);
});

test.run();
