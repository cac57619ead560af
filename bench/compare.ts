// Ours against the peers (TensorFlow.js and jax-js on WebGPU) on n×n·n×n matmuls, same device,
// same run. Everyone is timed the same way, by wall clock around issuing products and waiting for
// the GPU (timestamps would favour whoever could use them). "Ours" is the kernel as the engine's
// ops launch it, and the fastest of our other variants and swept configurations; a peer is first
// checked against the float64 product, and one that cannot run here is reported with the reason,
// in one line.
import { synchronize } from '../engine/index.ts';
import { assertClose } from '../reference/check.ts';
import { matmul as matmulRef, randn } from '../reference/float64.ts';
import { matmulWorkload } from '../tune/matmul_workload.ts';
import { oursVariantList, squareShape, validateMatmul } from './kernels/matmul.ts';
import type { BenchOptions } from './options.ts';
import { openJax } from './peers/jax.ts';
import type { MatmulPeer } from './peers/peer.ts';
import { openTfjs } from './peers/tfjs.ts';
import { oneLine } from './suite.ts';
import { sampleWall, type SamplingPlan, type Stats } from '../tune/timing.ts';

export interface Timed {
  time: Stats;
  /** GFLOP/s at the median time. */
  rate: number;
}

export interface PeerRow {
  n: number;
  /** The engine's default tiling (what matmul and linear launch). */
  ours?: Timed;
  /** Why the default tiling was not timed (it failed validation). */
  oursError?: string;
  /** The fastest swept tiling at this size. */
  best?: Timed & { variant: string };
  /** ratio: ours / peer; bestRatio: best tiling / peer. */
  peers: Record<string, (Timed & { ratio: number; bestRatio: number }) | { error: string }>;
}

export interface PeerComparison {
  clock: 'wall-clock';
  /** Peers that could not run here, and why. */
  unavailable: Record<string, string>;
  rows: PeerRow[];
}

const OPENERS: [string, () => Promise<MatmulPeer>][] = [
  ['tfjs-webgpu', openTfjs],
  ['jax-js', openJax],
];

async function validatePeer(peer: MatmulPeer): Promise<void> {
  for (const [m, k, n] of [
    [33, 17, 29],
    [64, 64, 64],
  ]) {
    const a = randn(m * k, m);
    const b = randn(k * n, n);
    const c = await peer.multiply(Float32Array.from(a), Float32Array.from(b), m, k, n);
    assertClose(c, matmulRef(a, b, 1, m, k, n), 1e-4, 1e-4, `${peer.name} ${m}x${k}x${n} product`);
  }
}

const timed = (time: Stats, n: number): Timed => ({ time, rate: (2 * n ** 3) / (time.median * 1e-3) / 1e9 });

export async function comparePeers(o: BenchOptions, plan: SamplingPlan, log: (line: string) => void): Promise<PeerComparison> {
  const unavailable: Record<string, string> = {};
  const peers: MatmulPeer[] = [];
  for (const [name, open] of OPENERS) {
    try {
      const peer = await open();
      await validatePeer(peer);
      peers.push(peer);
    } catch (err) {
      unavailable[name] = oneLine(err);
      log(`${name}: cannot run here: ${unavailable[name]}`);
    }
  }

  const ours: { name: string; kernel: Parameters<typeof matmulWorkload>[2]; error?: string }[] = [];
  for (const v of oursVariantList(o.matmulConfigs)) {
    ours.push({ ...v, error: await validateMatmul(v.kernel).then(() => undefined, oneLine) });
  }

  const rows: PeerRow[] = [];
  for (const n of o.matmulSizes) {
    const row: PeerRow = { n, peers: {} };
    for (const [i, v] of ours.entries()) {
      if (v.error) {
        if (i === 0) row.oursError = v.error;
        continue;
      }
      const prepared = matmulWorkload('', squareShape(n), v.kernel).prepare();
      try {
        const t = timed(await sampleWall(prepared.run, synchronize, plan), n);
        if (i === 0) row.ours = t;
        if (!row.best || t.rate > row.best.rate) row.best = { ...t, variant: v.name };
      } finally {
        prepared.release();
      }
    }
    for (const peer of peers) {
      try {
        const product = await peer.prepare(n);
        try {
          const t = timed(await sampleWall(product.run, product.wait, plan), n);
          row.peers[peer.name] = {
            ...t,
            ratio: row.ours ? row.ours.rate / t.rate : NaN,
            bestRatio: row.best ? row.best.rate / t.rate : NaN,
          };
        } finally {
          product.release();
        }
      } catch (err) {
        row.peers[peer.name] = { error: oneLine(err) };
      }
    }
    rows.push(row);
  }
  for (const peer of peers) peer.close();
  return { clock: 'wall-clock', unavailable, rows };
}
