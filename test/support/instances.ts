// Test helpers over parsed instances, recomputed from the instance's own fields (not from the
// code under test).
import type { Instance } from "../../src/instance/types.js";

/** Effective capacity and service state per expanded host. */
export function hostCaps(inst: Instance): { cap: number[][]; inService: boolean[] } {
  const cap: number[][] = [];
  const inService: boolean[] = [];
  for (const h of inst.hosts) {
    for (let k = 0; k < h.count; k++) {
      cap.push(h.capacity.map((c, d) => Math.floor((c - (h.reservation?.[d] ?? 0)) * (h.oversubscription?.[d] ?? 1))));
      inService.push(h.inService !== false);
    }
  }
  return { cap, inService };
}
