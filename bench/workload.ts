// What the benchmark runs: kernel groups, their variants, and the workloads each variant is
// timed on. In the spirit of llm.c's dev/cuda, a variant is first validated against the float64
// CPU reference on a small shape (`validate` throws one line saying what is wrong), then timed on
// every workload at the real shapes.
//
// Workloads that go through engine ops time the forward, and the backward alone (the op's own
// backward function on a fixed output gradient), each in a step scope so that what one run
// allocates goes back to the pool before the next.
import { withSettings, type SettingName } from '../engine/env.ts';
import { type Tensor, backward as backwardOf, noGrad, scoped, tuningState, withoutTuning, zeroGrad } from '../engine/index.ts';
import { type Workload, prepareScoped, randomTensor, workloadWithin } from '../tune/workload.ts';
import type { Group } from './options.ts';
import { DEFAULT_VARIANT, TUNED_VARIANT } from './tables.ts';

export interface Variant {
  name: string;
  validate: () => Promise<void>;
  workloads: Workload[];
}

export interface KernelGroup {
  group: Group;
  /** Throughput unit: GFLOP/s for compute-bound kernels, GB/s for memory-bound ones. */
  unit: 'GFLOP/s' | 'GB/s';
  variants: Variant[];
}

export interface OpWorkloads {
  label: string;
  /** Inputs of the op; f32 inputs that should get gradients must have requiresGrad. */
  inputs: () => Tensor[];
  op: (inputs: Tensor[]) => Tensor;
  forwardWork: number;
  backwardWork: number;
  /**
   * The op is a composition of ops (the unfused attention): its backward is autograd's over the
   * whole subgraph, and the time includes copying the inputs' gradients out of it.
   */
  composite?: boolean;
}

/** A forward and a backward workload for one engine op at one shape. */
export function opWorkloads(spec: OpWorkloads): Workload[] {
  const forward: Workload = {
    label: `fwd ${spec.label}`,
    work: spec.forwardWork,
    prepare: () =>
      prepareScoped(() => {
        const inputs = spec.inputs();
        return () => scoped(() => void spec.op(inputs));
      }),
  };
  const backward: Workload = {
    label: `bwd ${spec.label}`,
    work: spec.backwardWork,
    prepare: () =>
      prepareScoped(() => {
        const inputs = spec.inputs();
        const out = spec.op(inputs);
        const creator = out.creator;
        if (!creator) throw new Error(`${spec.label}: the op recorded no backward (do its inputs require grad?)`);
        const seed = randomTensor(out.shape, 99);
        if (spec.composite) {
          return () =>
            scoped(() => {
              backwardOf(out, seed);
              zeroGrad(inputs);
            });
        }
        return () => scoped(() => void noGrad(() => creator.backwardFn(seed)));
      }),
  };
  return [forward, backward];
}

/**
 * Forward and backward of a one-input op on [rows, cols] (softmax, GELU): it reads x and writes
 * y forward, and reads two tensors and writes dx backward.
 */
export function oneInputOpWorkloads(rows: number, cols: number, op: (x: Tensor) => Tensor, scale: number): Workload[] {
  const bytes = rows * cols * 4;
  return opWorkloads({
    label: `[${rows},${cols}]`,
    inputs: () => [randomTensor([rows, cols], 1, { scale, requiresGrad: true })],
    op: ([x]) => op(x),
    forwardWork: 2 * bytes,
    backwardWork: 3 * bytes,
  });
}

/**
 * `variant` as the ops run it and, when a tuned table is in use (engine/gpu/tuning.ts), the same
 * workloads on the ops' defaults beside it, named so that the tuned-against-default table pairs them.
 */
export function withDefaultTwin(variant: Variant): Variant[] {
  if (tuningState().state !== 'used') return [variant];
  return [
    { ...variant, name: `${variant.name}, ${TUNED_VARIANT}` },
    { ...variant, name: `${variant.name}, ${DEFAULT_VARIANT}`, workloads: variant.workloads.map((w) => workloadWithin(w, withoutTuning)) },
  ];
}

/** `variant` with `settings` in force around its validation, its workloads' preparation and their runs. */
export function underSettings(settings: Partial<Record<SettingName, string>>, variant: Variant): Variant {
  const set = <T>(body: () => T): T => withSettings(settings, body);
  return { ...variant, validate: () => set(variant.validate), workloads: variant.workloads.map((w) => workloadWithin(w, set)) };
}
