// Multi-tensor launches: one dispatch that works on several separately bound tensors ("slots").
//
// The optimizer and gradient clipping touch every parameter tensor, each in its own buffer. A
// dispatch per tensor would be ~100 dispatches per pass for DistilBERT; instead a kernel binds up
// to `slots` tensors (as many as the storage-buffer limit allows) and splits its workgroups into
// consecutive ranges, one range per slot. Slot k owns workgroups [wgEnd(k-1), wgEnd(k)), passed as
// uniforms `wgEnd{k}` together with its element count `n{k}`. WGSL cannot index bindings
// dynamically, so the kernel text repeats the per-slot body behind a chain of branches on the
// workgroup index; every workgroup belongs to exactly one slot, so the branch never diverges
// within a workgroup (and barriers after it stay in uniform control flow).
//
// Test: test/engine/optim.test.ts (the groupings; each kernel that takes slots is tested with it).
import { flatGrid, u32, type Uniforms } from './launch.ts';

/** Uniform scalars one launch can pass: the dispatcher gives each launch a 256-byte uniform slot. */
const MAX_UNIFORM_SCALARS = 64;

/** What a multi-tensor kernel needs per slot and besides its slots. */
export interface SlotCost {
  sharedBindings: number;
  bindingsPerSlot: number;
  sharedUniforms: number;
  uniformsPerSlot: number;
}

/** How many tensors one launch of a kernel can take, given the adapter's storage-buffer limit. */
export function slotsPerLaunch(cost: SlotCost, maxStorageBuffers: number): number {
  return Math.min(
    Math.floor((maxStorageBuffers - cost.sharedBindings) / cost.bindingsPerSlot),
    Math.floor((MAX_UNIFORM_SCALARS - cost.sharedUniforms) / cost.uniformsPerSlot),
  );
}

/**
 * Splits tensors (given by element count) into consecutive dispatch groups of at most `maxSlots`
 * tensors whose element counts add up to at most `maxGroupElements` (a group that must share one
 * binding, such as packed optimizer moments). Returns the tensor indices of each group.
 */
export function planSlotGroups(sizes: readonly number[], maxSlots: number, maxGroupElements = Infinity): number[][] {
  if (maxSlots < 1) throw new Error(`planSlotGroups: need at least one slot per dispatch, got ${maxSlots}`);
  const groups: number[][] = [];
  let current: number[] = [];
  let elements = 0;
  sizes.forEach((size, i) => {
    if (size > maxGroupElements) {
      throw new Error(`tensor ${i} has ${size} elements, more than one binding holds (${maxGroupElements})`);
    }
    if (current.length === maxSlots || elements + size > maxGroupElements) {
      groups.push(current);
      current = [];
      elements = 0;
    }
    current.push(i);
    elements += size;
  });
  if (current.length) groups.push(current);
  return groups;
}

/**
 * Splits tensors into as few consecutive groups of at most `maxSlots` as there can be, each with
 * about the same `work` (a tensor's workgroups, say), so that no launch is a remainder of a few
 * small tensors too small to fill a GPU. Each group in turn takes tensors while that brings its
 * work nearer the mean of what is left, and at least as many as leave the rest room in the groups
 * after it. Returns the tensor indices of each group.
 */
export function planBalancedSlotGroups(work: readonly number[], maxSlots: number): number[][] {
  if (maxSlots < 1) throw new Error(`planBalancedSlotGroups: need at least one slot per dispatch, got ${maxSlots}`);
  const groups: number[][] = [];
  let workLeft = work.reduce((a, b) => a + b, 0);
  let next = 0;
  for (let left = Math.ceil(work.length / maxSlots); left > 0; left--) {
    const target = workLeft / left;
    const fewest = Math.max(1, work.length - next - (left - 1) * maxSlots);
    const group: number[] = [];
    let sum = 0;
    while (group.length < maxSlots && next < work.length && (group.length < fewest || sum + work[next] / 2 <= target)) {
      sum += work[next];
      group.push(next++);
    }
    workLeft -= sum;
    groups.push(group);
  }
  return groups;
}

export interface SlotLayout {
  /** `n{k}` and `wgEnd{k}` for every slot, to spread into the kernel's uniforms. */
  uniforms: Uniforms;
  /** Workgroups of each slot: ceil(n / perWorkgroup), 0 for an empty tensor. */
  workgroupsPerSlot: number[];
  totalWorkgroups: number;
  grid: [number, number, number];
}

/**
 * Workgroup ranges for slots of `sizes` elements when each workgroup covers `perWorkgroup` of them
 * (a count, or a function of the slot's element count).
 */
export function slotLayout(sizes: readonly number[], perWorkgroup: number | ((n: number) => number)): SlotLayout {
  const uniforms: Uniforms = {};
  const per = typeof perWorkgroup === 'number' ? () => perWorkgroup : perWorkgroup;
  const workgroupsPerSlot = sizes.map((n) => Math.ceil(n / per(n)));
  let end = 0;
  sizes.forEach((n, k) => {
    end += workgroupsPerSlot[k];
    uniforms[`n${k}`] = u32(n);
    uniforms[`wgEnd${k}`] = u32(end);
  });
  return { uniforms, workgroupsPerSlot, totalWorkgroups: end, grid: flatGrid(end, 1) };
}

/** WGSL: the flat workgroup index `wg` of a `slotLayout` grid; workgroups past the last slot return. */
export function slotWorkgroup(slots: number): string {
  return `let wg = wid.x + wid.y * nwg.x;
  if (wg >= p.wgEnd${slots - 1}) { return; }`;
}

/**
 * WGSL: a chain of branches that runs `body(k)` for the slot owning workgroup `wg`, with `local`
 * bound to the workgroup's index within its slot.
 */
export function forSlot(slots: number, body: (k: number) => string): string {
  return Array.from({ length: slots }, (_, k) => {
    const start = k === 0 ? '0u' : `p.wgEnd${k - 1}`;
    return `${k === 0 ? '' : ' else '}if (wg < p.wgEnd${k}) {
    let local = wg - ${start};
    ${body(k)}
  }`;
  }).join('');
}
