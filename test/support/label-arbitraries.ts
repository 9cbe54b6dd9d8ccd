// fast-check arbitraries for labelled fleets (README, Placement rules 6): hosts with GPU-model and
// generation labels and taints, VMs naming constraints over them. Biased to the boundaries issue
// 8 names: a taint on every host, a label that one host at most holds (which may be out of
// service or get retired), requirements no host meets, constraints that admit every host.
// They wrap any fleet arbitrary (plain or with devices), so labels meet every other rule.

import fc from "fast-check";
import type { HostSpec } from "../../src/types.js";
import type { RefConstraint } from "./reference.js";
import type { FleetCase, OpSources, ReqSpec } from "./arbitraries.js";

const GPU_MODELS = ["A10", "V100M16", "V100M32"];
/** Held by no host or by one (a fleet gives it to at most one host). */
const RARE_MODEL = "A100";
const GENERATIONS = ["v4", "v5"];
/** Put on every host of some fleets: only constraints tolerating it place anything there. */
const EVERYWHERE_TAINT = "maintenance";

export interface HostLabels {
  labels: Record<string, string>;
  taints: string[];
}

/** One host's labels (a GPU model, a generation, each sometimes absent) and taints. */
export const hostLabelsArb: fc.Arbitrary<HostLabels> = fc.record({
  gpu: fc.option(fc.constantFrom(...GPU_MODELS), { freq: 2 }),
  gen: fc.option(fc.constantFrom(...GENERATIONS), { freq: 3 }),
  taints: fc.subarray(["gpu", "spot=true", "spot=false"]),
}).map(({ gpu, gen, taints }) => {
  const labels: Record<string, string> = {};
  if (gpu !== null) labels.gpu = gpu;
  if (gen !== null) labels.gen = gen;
  return { labels, taints };
});

/** A VM's requirements (any of some GPU models, the rare one included; any of the
 *  generations; each sometimes absent) and tolerations. */
export const constraintArb: fc.Arbitrary<RefConstraint> = fc.record({
  gpu: fc.option(fc.subarray([...GPU_MODELS, RARE_MODEL], { minLength: 1 }), { freq: 2 }),
  gen: fc.option(fc.subarray(GENERATIONS, { minLength: 1 }), { freq: 3 }),
  tolerates: fc.subarray(["gpu", "spot", "spot=true", "spot=false", EVERYWHERE_TAINT]),
}).map(({ gpu, gen, tolerates }) => {
  const requires: Record<string, string[]> = {};
  if (gpu !== null) requires.gpu = gpu;
  if (gen !== null) requires.gen = gen;
  return { requires, tolerates };
});

function labelled(h: HostSpec, l: HostLabels, taintAll: boolean): HostSpec {
  const taints = taintAll ? [...l.taints, EVERYWHERE_TAINT] : l.taints;
  return {
    ...h,
    ...(Object.keys(l.labels).length > 0 ? { labels: l.labels } : {}),
    ...(taints.length > 0 ? { taints } : {}),
  };
}

/** The fleets of `base` with labels and taints on their hosts and 1-4 constraints (index 0: none). */
export function withLabels<F extends FleetCase>(base: fc.Arbitrary<F>): fc.Arbitrary<F & { constraints: RefConstraint[] }> {
  return base.chain((fleet) => fc.record({
    labels: fc.array(hostLabelsArb, { minLength: fleet.hosts.length, maxLength: fleet.hosts.length }),
    rareHost: fc.option(fc.nat(fleet.hosts.length - 1), { freq: 2 }),
    taintAll: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    constraints: fc.array(constraintArb, { minLength: 1, maxLength: 4 }),
  }).map(({ labels, rareHost, taintAll, constraints }) => {
    const hosts = fleet.hosts.map((h, i) => labelled(h, i === rareHost ? { ...labels[i], labels: { ...labels[i].labels, gpu: RARE_MODEL } } : labels[i], taintAll));
    return { ...fleet, hosts, constraints: [{}, ...constraints] };
  }));
}

/** Requests naming one of the fleet's constraints (or none), and added hosts with labels, from
 *  the given sources' requests and hosts. */
export function labelSources(fleet: FleetCase & { constraints: RefConstraint[] }, base: Required<OpSources>): Required<OpSources> {
  const n = fleet.constraints.length;
  return {
    req: fc.tuple(base.req, fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, { weight: 3, arbitrary: fc.nat(n - 1) }))
      .map(([r, c]): ReqSpec => (c === 0 ? r : { ...r, constraint: c })),
    host: fc.tuple(base.host, hostLabelsArb, fc.boolean()).map(([h, l, taintAll]) => labelled(h, l, taintAll)),
  };
}
