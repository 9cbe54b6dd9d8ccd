// Canonical bin numbering and the final self-check of a packing.
import type { Solution, VbpInstance } from "./instance.js";

/** Renumbers bins 0..k-1 in order of first appearance (item order), so equal packings
 *  compare equal and bin numbers are dense. */
export function canonicalBins(binOf: Int32Array): Int32Array {
  const map = new Map<number, number>();
  const out = new Int32Array(binOf.length);
  for (let i = 0; i < binOf.length; i++) {
    let b = map.get(binOf[i]);
    if (b === undefined) {
      b = map.size;
      map.set(binOf[i], b);
    }
    out[i] = b;
  }
  return out;
}

/** canonicalBins plus the bin count (empty bins disappear). */
export function compact(binOf: Int32Array): Solution {
  const out = canonicalBins(binOf);
  let bins = 0;
  for (let i = 0; i < out.length; i++) bins = Math.max(bins, out[i] + 1);
  return { binOf: out, bins };
}

/**
 * Self-check, recomputed from the raw sizes: every item placed, no bin over capacity.
 * Returns the bin count. Throws on failure: that would be a bug in the search, never a
 * property of the input.
 */
export function checkPacking(inst: VbpInstance, assignment: Int32Array): number {
  const { n, d, cap, W } = inst;
  let bins = 0;
  for (let i = 0; i < n; i++) {
    if (!(assignment[i] >= 0)) throw new Error(`vbp self-check: item ${i} unassigned`);
    bins = Math.max(bins, assignment[i] + 1);
  }
  const load = new Float64Array(bins * d);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < d; k++) load[assignment[i] * d + k] += W[i * d + k];
  }
  for (let b = 0; b < bins; b++) {
    for (let k = 0; k < d; k++) {
      // Raw sizes are integers below 2^31 and n is capped, so these sums are exact: no tolerance.
      if (load[b * d + k] > cap[k]) throw new Error(`vbp self-check: bin ${b} over capacity in dimension ${k}`);
    }
  }
  return bins;
}
