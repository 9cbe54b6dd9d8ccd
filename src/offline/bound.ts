// A lower bound on the hosts any placement needs to place every VM of an instance that fits
// some in-service host on its own.
//
// - Capacity, per dimension d: the fewest hosts whose summed effective capacity in d covers the
//   total demand in d, taking hosts largest-in-d first (any k hosts that hold the VMs have at
//   least the demand in d between them, and no k hosts have more in d than the k largest, so
//   k >= that count). The bound is the maximum over dimensions. For identical hosts this is
//   exactly max_d ceil(sum of demands_d / effective capacity_d). (Sorting per dimension rather
//   than by one overall "size" is what keeps it sound for heterogeneous hosts.)
// - Anti-affinity: pack uses the engine's default of one instance of a deployment per host, so
//   a deployment of k VMs needs k hosts.
// - Effective capacity is the engine's: floor((capacity - reservation) x oversubscription), over
//   in-service hosts only.
// VMs that fit no in-service host alone are left out (no placement holds them). When even all
// in-service hosts together fall short in some dimension, the bound is the number of in-service
// hosts. When some VMs end up rejected, hostsUsed may be below the bound: it bounds placing all.
import { NO_DEPLOYMENT } from "../types.js";
import type { HostEntry, Instance } from "../instance/types.js";

/** What guests may use on a host of this entry (the engine's formula, src/fleet.ts). */
export function effectiveCapacity(h: HostEntry, D: number): number[] {
  const out = new Array<number>(D);
  for (let d = 0; d < D; d++) {
    out[d] = Math.floor((h.capacity[d] - (h.reservation?.[d] ?? 0)) * (h.oversubscription?.[d] ?? 1));
  }
  return out;
}

/** Above this many Pareto-maximal host shapes the "fits some host" filter is skipped (every VM
 *  counts), which only makes the bound larger when some VM fits no host at all. */
const MAX_SHAPES_FOR_FIT_TEST = 256;

export function lowerBound(inst: Instance): number {
  const D = inst.dimensions.length;
  const groups: Array<{ eff: number[]; count: number }> = [];
  const byKey = new Map<string, { eff: number[]; count: number }>();
  for (const h of inst.hosts) {
    if (h.inService === false || h.count === 0) continue;
    const eff = effectiveCapacity(h, D);
    const key = eff.join(",");
    const g = byKey.get(key);
    if (g) g.count += h.count;
    else {
      const ng = { eff, count: h.count };
      byKey.set(key, ng);
      groups.push(ng);
    }
  }
  const inService = groups.reduce((s, g) => s + g.count, 0);
  if (inService === 0 || inst.vmCount === 0) return 0;

  // Pareto-maximal shapes: a VM fits some host iff it fits one of these.
  const maximal = groups.length > MAX_SHAPES_FOR_FIT_TEST * 16 ? [] : groups.map((g) => g.eff).filter((a, i, all) =>
    !all.some((b, j) => j !== i && b.every((x, d) => x >= a[d]) && (b.some((x, d) => x > a[d]) || j < i)));
  const testFit = maximal.length > 0 && maximal.length <= MAX_SHAPES_FOR_FIT_TEST;

  const total = new Float64Array(D);
  const dem = inst.demands;
  const depCount = new Uint32Array(inst.deploymentNames.length);
  let placeable = 0;
  for (let v = 0; v < inst.vmCount; v++) {
    const o = v * D;
    if (testFit) {
      let fits = false;
      for (const m of maximal) {
        let ok = true;
        for (let d = 0; d < D; d++) if (dem[o + d] > m[d]) { ok = false; break; }
        if (ok) { fits = true; break; }
      }
      if (!fits) continue;
    }
    placeable++;
    for (let d = 0; d < D; d++) total[d] += dem[o + d];
    const dep = inst.deployments[v];
    if (dep !== NO_DEPLOYMENT) depCount[dep]++;
  }
  if (placeable === 0) return 0;

  let bound = 1;
  for (let d = 0; d < D; d++) {
    if (total[d] === 0) continue;
    const sorted = [...groups].sort((a, b) => b.eff[d] - a.eff[d]);
    let covered = 0;
    let k = 0;
    let done = false;
    for (const g of sorted) {
      if (g.eff[d] === 0) break;
      const need = Math.ceil((total[d] - covered) / g.eff[d]);
      if (need <= g.count) {
        k += need;
        done = true;
        break;
      }
      k += g.count;
      covered += g.count * g.eff[d];
    }
    bound = Math.max(bound, done ? k : inService);
  }
  let maxDep = 0;
  for (let i = 0; i < depCount.length; i++) if (depCount[i] > maxDep) maxDep = depCount[i];
  return Math.max(bound, Math.min(maxDep, inService));
}
