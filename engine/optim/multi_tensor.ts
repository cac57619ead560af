// Groups tensors for multi-tensor launches (kernels/multi_tensor.ts) on this adapter: as many
// tensors per launch as its storage-buffer limit and the uniform slot allow.
import { planBalancedSlotGroups, planSlotGroups, slotsPerLaunch, type SlotCost } from '../../kernels/multi_tensor.ts';
import { gpu } from '../gpu/device.ts';
import type { Tensor } from '../autograd/tensor.ts';

/** `tensors` split into launch groups for a kernel of `cost`; a group's sizes add up to at most `maxGroupElements`. */
export function slotGroups(tensors: readonly Tensor[], cost: SlotCost, maxGroupElements = Infinity): Tensor[][] {
  const slots = slotsPerLaunch(cost, gpu().limits.maxStorageBuffersPerShaderStage);
  const groups = planSlotGroups(
    tensors.map((t) => t.numel),
    slots,
    maxGroupElements,
  );
  return groups.map((group) => group.map((i) => tensors[i]));
}

/** `tensors` split into as few launch groups for a kernel of `cost` as fit, each about as much `workOf` as the others. */
export function balancedSlotGroups(tensors: readonly Tensor[], cost: SlotCost, workOf: (t: Tensor) => number): Tensor[][] {
  const slots = slotsPerLaunch(cost, gpu().limits.maxStorageBuffersPerShaderStage);
  return planBalancedSlotGroups(tensors.map(workOf), slots).map((group) => group.map((i) => tensors[i]));
}

/** Throws when a tensor is listed twice (one launch cannot bind a buffer twice for writing). */
export function assertDistinct(tensors: readonly Tensor[], what: string): void {
  const seen = new Set<Tensor>();
  for (const t of tensors) {
    if (seen.has(t)) throw new Error(`${what}: parameter ${t.name} is listed twice`);
    seen.add(t);
  }
}
