// The offline vector bin packing search (src/offline/vbp/) as a candidate method of `vmfabric
// pack` (packOffline, best.ts): when it applies, how its packing is committed through the engine.
//
// It applies when the instance IS a pure vector bin packing instance, i.e. when every packing
// of the items into at most hostCount bins is a valid placement:
//   - every host (entries with count > 0) is in service and has the same effective capacity
//     (the engine's floor((capacity - reservation) x oversubscription));
//   - no rule beyond capacity can bind: no deployment has more than one VM (with one instance,
//     anti-affinity and fault-domain spread are always satisfied). Instances carry no dedicated
//     tenants (neither file format has them), so tenants never bind either. .vbp files always
//     qualify (no deployments at all);
//   - every VM fits an empty host (otherwise some VM must be rejected and the method, which
//     places everything, does not apply);
//   - at most VECTOR_MAX_VMS VMs (the search's cost grows faster than linearly; see below).
// Dimensions where the hosts have zero capacity are dropped (every VM then demands 0 there).
//
// The packing is then committed through a FRESH engine, placeOn for every VM in input order on
// host = bin number, so the core itself checks capacity (and service, tenancy, anti-affinity).
// The assignment reported is the engine's. If the core rejects any placement the candidate is
// discarded (status "discarded"): that would be a bug in the search, which also self-checks.
import { Engine } from "../engine.js";
import type { Instance } from "../instance/types.js";
import { NO_DEPLOYMENT } from "../types.js";
import { hostsUsedOf, fleetOf, type PackResult } from "./result.js";
import { effectiveCapacity } from "./bound.js";
import { lowerBound, makeInstance, solve, type VbpOptions } from "./vbp/index.js";

/**
 * Above this many VMs the search is not tried. Its constructive heuristics are O(n^2) (first-fit
 * scans every open bin per item, the bin-centric rules every remaining item per placement), so
 * on generated instances (2-3 dimensions, 2 to 26 items per bin; 2 shared cores) they take
 * ~1 s at 5,000 VMs and 6-16 s at 20,000; the tabu phase adds at most ~0.5-2.5 s (its
 * evaluation budget, vbp/index.ts). A whole pack (12 core variants + this) of 5,000 VMs took
 * 1.2 s (VM-shaped, 26 per host) and 2.7 s (2 per host). Bigger instances get
 * the core's variants only (best.ts). Making first-fit and the bin-centric rules sub-quadratic
 * would let this cap rise.
 */
export const VECTOR_MAX_VMS = 5_000;

export type VectorOutcome =
  | { status: "placed"; result: PackResult; lowerBound: number }
  | { status: "skipped"; why: string }
  | { status: "discarded"; why: string };

/** The instance as (capacity, sizes) for the search, or why it does not qualify. */
export function vectorShape(inst: Instance): { capacity: number[]; dims: number[]; sizes: Int32Array } | { why: string } {
  const n = inst.vmCount;
  const D = inst.dimensions.length;
  if (n === 0) return { why: "no VMs" };
  if (n > VECTOR_MAX_VMS) return { why: `${n} VMs, more than ${VECTOR_MAX_VMS}` };
  let eff: number[] | undefined;
  for (const h of inst.hosts) {
    if (h.count === 0) continue;
    if (h.inService === false) return { why: "some hosts are out of service" };
    const e = effectiveCapacity(h, D);
    if (eff === undefined) eff = e;
    else if (e.some((x, d) => x !== eff![d])) return { why: "hosts differ in effective capacity" };
  }
  if (eff === undefined) return { why: "no hosts" };
  const depCount = new Uint32Array(inst.deploymentNames.length);
  for (let v = 0; v < n; v++) {
    const dep = inst.deployments[v];
    if (dep !== NO_DEPLOYMENT && ++depCount[dep] > 1) return { why: `deployment ${inst.deploymentNames[dep]} has several VMs (anti-affinity)` };
  }
  const dims: number[] = [];
  for (let d = 0; d < D; d++) if (eff[d] > 0) dims.push(d);
  const capacity = dims.map((d) => eff![d]);
  const sizes = new Int32Array(n * dims.length);
  for (let v = 0; v < n; v++) {
    for (let d = 0; d < D; d++) {
      if (inst.demands[v * D + d] > eff[d]) return { why: `vm #${v} fits no host` };
    }
    for (let j = 0; j < dims.length; j++) sizes[v * dims.length + j] = inst.demands[v * D + dims[j]];
  }
  if (dims.length === 0) return { why: "hosts have no capacity" };
  return { capacity, dims, sizes };
}

export interface VectorOptions extends VbpOptions {
  /** Skip the search when its lower bound shows it cannot use fewer hosts than this (a
   *  candidate already found; packOffline passes its best so far). */
  beat?: number;
}

/** Runs the search on `inst` and commits its packing through a fresh engine. */
export function runVectorSearch(inst: Instance, opts: VectorOptions = {}): VectorOutcome {
  const t0 = performance.now();
  const shape = vectorShape(inst);
  if ("why" in shape) return { status: "skipped", why: shape.why };
  const vinst = makeInstance(shape.capacity, shape.sizes);
  const lb = lowerBound(vinst);
  if (opts.beat !== undefined && lb >= opts.beat) return { status: "skipped", why: `a candidate already uses ${opts.beat} hosts, the lower bound is ${lb}` };
  const packed = solve(vinst, lb, opts);
  if (packed.bins > inst.hostCount) return { status: "skipped", why: `needs ${packed.bins} hosts, the instance has ${inst.hostCount}` };

  const committed = commitThroughEngine(inst, packed.assignment);
  if ("why" in committed) return { status: "discarded", why: committed.why };
  const assignment = committed.assignment;
  return {
    status: "placed",
    lowerBound: lb,
    result: {
      assignment,
      hostsUsed: hostsUsedOf(assignment, inst.hostCount),
      placed: inst.vmCount,
      rejected: 0,
      seconds: (performance.now() - t0) / 1000,
      method: "offline tabu",
      tried: 1,
    },
  };
}

/**
 * Places VM v on host hostOf[v], v = 0..n-1 in order, on a fresh engine over the instance's hosts
 * (placeOn: the core checks capacity, service, tenancy and anti-affinity). Returns the hosts the
 * engine reports, or the first rejection.
 */
export function commitThroughEngine(inst: Instance, hostOf: Int32Array): { assignment: Int32Array } | { why: string } {
  const n = inst.vmCount;
  const D = inst.dimensions.length;
  if (hostOf.length !== n) return { why: `${hostOf.length} hosts for ${n} VMs` };
  const engine = Engine.create(fleetOf(inst), { dimensions: inst.dimensions, vmCapacity: Math.max(1, n) });
  const assignment = new Int32Array(n);
  for (let v = 0; v < n; v++) {
    const h = hostOf[v];
    if (!(h >= 0 && h < inst.hostCount)) return { why: `vm #${v} assigned to host ${h}, the instance has ${inst.hostCount}` };
    const dep = inst.deployments[v];
    const p = engine.placeOn({
      id: v,
      // validate.vector accepts typed arrays; VmRequest's type only names arrays.
      demand: inst.demands.subarray(v * D, v * D + D) as unknown as readonly number[],
      tenant: inst.tenants[v],
      deployment: dep === NO_DEPLOYMENT ? undefined : dep,
    }, h);
    if (p.rejection !== undefined) return { why: `the core rejected vm #${v} on host ${h}: ${p.rejection.code} (${p.rejection.message})` };
    assignment[v] = p.host;
  }
  return { assignment };
}
