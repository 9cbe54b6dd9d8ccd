// Packing a whole instance with the engine: offline (the instance is known up front, so VMs may
// be reordered) or online (one by one in input order, as a live scheduler would).
//
// packOffline's "best method", for now: the core's offline batch (placeBatch offline:true, i.e.
// first-fit-decreasing order by a size measure, then the policy) for each size measure x policy,
// each on a FRESH engine, keeping the best assignment. Better = fewer rejected VMs, then fewer
// hosts used, then earlier in the fixed order below (deterministic). Rejections come first
// because a variant that rejects VMs may trivially use fewer hosts; when every variant places
// everything (the usual case) this is simply "fewest hosts".
// A stronger method (e.g. local search for small instances) plugs in as another entry of
// `candidates`: anything returning a PackResult; the same comparison picks the winner.
//
// Huge instances (more than HUGE_VMS VMs): two variants only, sum order with best-fit then
// first-fit (with --policy P: P with sum and max orders), so a million VMs pack in about a
// second. Measured (2 shared cores): on a generated 1M-VM / 50k-host instance one best-fit or
// first-fit variant takes ~0.6 s, l2 ~1.2 s, dot-product ~3 s; first-fit and best-fit both land
// within 0.03% of the lower bound there. On the 400 Caprara-Toth instances (each policy best of
// its 3 orders) first-fit needs 13,568 bins, best-fit 13,578, l2 13,588, dot-product 17,072 (it
// takes the emptiest of its 16 candidates, often an empty host); all 12 together 13,564;
// optimum 13,186. So the two kept variants give up little.
import { Engine } from "../engine.js";
import type { Instance } from "../instance/types.js";
import { POLICIES, SIZE_MEASURES, type FleetSpec, type Policy, type SizeMeasure } from "../types.js";

export interface PackResult {
  /** Host (expanded host order) of each VM (expanded VM order), -1 when rejected. */
  assignment: Int32Array;
  hostsUsed: number;
  placed: number;
  rejected: number;
  /** Wall time of the placement (engines created and placed into), not of reading the file. */
  seconds: number;
  /** Which variant produced the assignment, e.g. "offline best-fit/sum". */
  method: string;
  /** How many variants were tried. */
  tried: number;
}

export interface PackOptions {
  /** Restrict to this policy (offline: only the size measures vary). */
  policy?: Policy;
}

/** The policies the offline search tries (spread is for load balancing, not packing). */
export const OFFLINE_POLICIES: readonly Policy[] = ["first-fit", "best-fit", "dot-product", "l2"];
export const HUGE_VMS = 100_000;

/** The instance's hosts as the engine's fleet spec (one host type per entry, in order). */
export function fleetOf(inst: Instance): FleetSpec {
  // expandFleet reads a fixed faultDomain from a host-type entry as from a host (it is only
  // omitted from the FleetSpec type because hostsPerFaultDomain usually sets it).
  return { hostTypes: inst.hosts as FleetSpec["hostTypes"] };
}

export function hostsUsedOf(assignment: Int32Array, hostCount: number): number {
  const used = new Uint8Array(hostCount);
  let n = 0;
  for (let i = 0; i < assignment.length; i++) {
    const h = assignment[i];
    if (h >= 0 && used[h] === 0) {
      used[h] = 1;
      n++;
    }
  }
  return n;
}

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
  const candidates: Array<() => PackResult> = offlineVariants(inst.vmCount, opts.policy)
    .map((v) => () => runVariant(inst, v.policy, true, v.sizeMeasure));
  let best: PackResult | undefined;
  for (const c of candidates) {
    const r = c();
    if (best === undefined || better(r, best)) best = r;
  }
  return { ...best!, seconds: (performance.now() - t0) / 1000, tried: candidates.length };
}

/** VMs one by one in input order (placeBatch offline:false), default policy best-fit. */
export function packOnline(inst: Instance, opts: PackOptions = {}): PackResult {
  return runVariant(inst, opts.policy ?? "best-fit", false);
}
