// Packing a whole instance with the engine: offline (the instance is known up front, so VMs may
// be reordered) or online (one by one in input order, as a live scheduler would).
//
// packOffline's candidates, each producing a whole assignment on a FRESH engine:
//   1. the core's offline batch (placeBatch offline:true, i.e. first-fit-decreasing order by a
//      size measure, then the policy) for each size measure x policy;
//   2. "offline tabu" (vector.ts, the search in vbp/: lower bounds, constructive heuristics,
//      consistent-neighbourhood tabu search), only when the instance is a pure vector bin packing
//      instance (identical in-service hosts, no deployment with several VMs, every VM fits a
//      host, at most VECTOR_MAX_VMS VMs), without --policy, and when its lower bound leaves room
//      below the best core variant. Its packing is committed with placeOn, VM by VM, so the core
//      checks it; a rejected placement discards it (recorded in `notes`).
// The best is kept: fewer rejected VMs, then fewer hosts used, then earlier in the order above
// (deterministic; the tabu candidate only wins by using fewer hosts). Rejections come first
// because a variant that rejects VMs may trivially use fewer hosts; when every variant places
// everything (the usual case) this is simply "fewest hosts". `seconds` covers all candidates.
//
// Huge instances (more than HUGE_VMS VMs): two variants only, sum order with best-fit then
// first-fit (with --policy P: P with sum and max orders), so a million VMs pack in about a
// second. Measured (2 shared cores): on a generated 1M-VM / 50k-host instance one best-fit or
// first-fit variant takes ~0.6 s, l2 ~1.2 s, dot-product ~3 s; first-fit and best-fit both land
// within 0.03% of the lower bound there. On the 400 Caprara-Toth instances the 12 core variants
// together need 13,562 bins, with the tabu candidate 13,220; optimum 13,186 (bench/quality.ts).
import { Engine } from "../engine.js";
import type { Instance } from "../instance/types.js";
import { POLICIES, SIZE_MEASURES, type Policy, type SizeMeasure } from "../types.js";
import { fleetOf, hostsUsedOf, type PackResult } from "./result.js";
import { runVectorSearch } from "./vector.js";

export { fleetOf, hostsUsedOf, type PackResult } from "./result.js";

export interface PackOptions {
  /** Restrict to this policy (offline: only the size measures vary). */
  policy?: Policy;
  /** Called after each method tried offline (for a progress bar). */
  onMethod?: (done: number, total: number) => void;
}

/** The policies the offline search tries (spread is for load balancing, not packing). */
export const OFFLINE_POLICIES: readonly Policy[] = ["first-fit", "best-fit", "dot-product", "l2"];
export const HUGE_VMS = 100_000;

/** One run of the core on a fresh engine. */
export function runVariant(inst: Instance, policy: Policy, offline: boolean, sizeMeasure: SizeMeasure = "sum"): PackResult {
  const t0 = performance.now();
  const n = inst.vmCount;
  let assignment: Int32Array;
  let placed = 0;
  if (n === 0) assignment = new Int32Array(0);
  else {
    const engine = Engine.create(fleetOf(inst), { dimensions: inst.dimensions, vmCapacity: n });
    const ids = new Uint32Array(n);
    for (let i = 0; i < n; i++) ids[i] = i;
    const r = engine.placeBatch({ ids, demands: inst.demands, tenants: inst.tenants, deployments: inst.deployments }, { policy, offline, sizeMeasure });
    assignment = r.hosts;
    placed = r.placed;
  }
  return {
    assignment,
    hostsUsed: hostsUsedOf(assignment, inst.hostCount),
    placed,
    rejected: n - placed,
    seconds: (performance.now() - t0) / 1000,
    method: offline ? `offline ${policy}/${sizeMeasure}` : `online ${policy}`,
    tried: 1,
  };
}

/** a is better than b: fewer rejected, then fewer hosts used. */
export function better(a: PackResult, b: PackResult): boolean {
  return a.rejected !== b.rejected ? a.rejected < b.rejected : a.hostsUsed < b.hostsUsed;
}

/** The (policy, size measure) pairs packOffline tries, in its fixed tie-break order. */
export function offlineVariants(vmCount: number, policy?: Policy): Array<{ policy: Policy; sizeMeasure: SizeMeasure }> {
  if (vmCount > HUGE_VMS) {
    return policy ? [{ policy, sizeMeasure: "sum" }, { policy, sizeMeasure: "max" }]
      : [{ policy: "best-fit", sizeMeasure: "sum" }, { policy: "first-fit", sizeMeasure: "sum" }];
  }
  const out: Array<{ policy: Policy; sizeMeasure: SizeMeasure }> = [];
  for (const p of policy ? [policy] : OFFLINE_POLICIES) for (const m of SIZE_MEASURES) out.push({ policy: p, sizeMeasure: m });
  return out;
}

export function packOffline(inst: Instance, opts: PackOptions = {}): PackResult {
  if (opts.policy !== undefined && !POLICIES.includes(opts.policy)) throw new Error(`unknown policy ${opts.policy}`);
  const t0 = performance.now();
  // Each candidate sees the best so far; undefined = the method does not apply (not counted).
  const candidates: Array<(best: PackResult | undefined) => PackResult | undefined> = offlineVariants(inst.vmCount, opts.policy)
    .map((v) => () => runVariant(inst, v.policy, true, v.sizeMeasure));
  const notes: string[] = [];
  if (opts.policy === undefined) {
    candidates.push((best) => {
      const o = runVectorSearch(inst, { beat: best !== undefined && best.rejected === 0 ? best.hostsUsed : undefined });
      if (o.status === "placed") return o.result;
      notes.push(`tabu ${o.status}: ${o.why}`);
      return undefined;
    });
  }
  let best: PackResult | undefined;
  let tried = 0;
  for (const [i, c] of candidates.entries()) {
    const r = c(best);
    opts.onMethod?.(i + 1, candidates.length);
    if (r === undefined) continue;
    tried++;
    if (best === undefined || better(r, best)) best = r;
  }
  return { ...best!, seconds: (performance.now() - t0) / 1000, tried, notes };
}

/** VMs one by one in input order (placeBatch offline:false), default policy best-fit. */
export function packOnline(inst: Instance, opts: PackOptions = {}): PackResult {
  return runVariant(inst, opts.policy ?? "best-fit", false);
}
