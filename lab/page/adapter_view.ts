// The adapter panel: what the engine opened and what of it the kernels use.
import type { Gpu } from '../../engine/index.ts';
import { h, show, table } from './dom.ts';

/** The optional features the engine takes when offered, and what each one changes. */
const FEATURES: [string, string][] = [
  ['timestamp-query', 'GPU time per kernel (the kernel lab, one step opened up)'],
  ['subgroups', 'row reductions with subgroup operations instead of workgroup-memory trees'],
  ['shader-f16', 'f16 operands for mixed precision (npm run train -- --fp16)'],
  ['chromium-experimental-subgroup-matrix', 'matmul variant 5 on matrix units (f16)'],
];

/** The limits the kernels depend on (engine/gpu/device.ts raises each to the adapter's). */
const LIMITS = [
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupStorageSize',
  'maxStorageBuffersPerShaderStage',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
] as const;

export function renderAdapter(section: HTMLElement, g: Gpu): void {
  const kind = g.cpuImplementation
    ? 'a CPU implementation of WebGPU (a software rasteriser): expect CPU speed, and the kernels chosen for CPUs'
    : 'a GPU';
  show(
    section,
    h('h2', {}, 'Adapter'),
    h('p', {}, h('strong', {}, g.adapterName), ': ', kind, '.'),
    table(
      ['feature', 'offered', 'what the engine does with it'],
      FEATURES.map(([name, use]) => [
        name,
        g.features.has(name) ? h('span', { class: 'ok' }, 'yes') : h('span', { class: 'muted' }, 'no'),
        use,
      ]),
    ),
    h('p', {}, `Subgroup size: ${g.subgroupMaxSize || 'no subgroups'}.`),
    table(
      ['limit', 'value'],
      LIMITS.map((name) => [name, g.limits[name].toLocaleString('en')]),
    ),
  );
}
