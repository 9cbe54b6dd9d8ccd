// fast-check arbitraries for fleets, requests and operation streams, biased to boundaries:
// tiny capacities, exact fits, full hosts, reservation == capacity, oversubscription ratios,
// few fault domains and deployments, maxPerHost 1..2, dedicated tenants, hosts out of service,
// 1..6 dimensions (including non-multiples of 4).

import fc from "fast-check";
import type { EngineOptions, HostSpec, Policy, SizeMeasure } from "../../src/types.js";
import type { RefConstraint } from "./reference.js";

export const POLICIES_ALL: readonly Policy[] = ["first-fit", "best-fit", "spread", "dot-product", "l2", "lifetime"];
export const MEASURES_ALL: readonly SizeMeasure[] = ["sum", "max", "product"];

/** Size knobs: "small" for property / model tests, "large" for the fuzz run. */
export interface Scale {
  minHosts: number;
  maxHosts: number;
  maxCap: number;        // typical largest capacity per dimension
  maxDemand: number;
  faultDomains: number;  // fault domains are 0..faultDomains-1
  tenants: number;       // tenants 0..tenants-1
  deployments: number;   // deployments 0..deployments-1
  maxBatch: number;
  vmCapacity: number;
}

export const SMALL: Scale = {
  minHosts: 1, maxHosts: 8, maxCap: 4, maxDemand: 4, faultDomains: 3, tenants: 4, deployments: 3, maxBatch: 6, vmCapacity: 64,
};

export const LARGE: Scale = {
  minHosts: 100, maxHosts: 400, maxCap: 32, maxDemand: 6, faultDomains: 12, tenants: 12, deployments: 4, maxBatch: 24, vmCapacity: 8000,
};

export interface FleetCase {
  dims: number;
  hosts: HostSpec[];
  options: EngineOptions & { vmCapacity: number };
  /** Label constraints requests may name by index (support/label-arbitraries); [0] is none. */
  constraints?: RefConstraint[];
}

export interface ReqSpec {
  demand: number[];
  tenant: number;
  deployment?: number;
  /** Absent or 0: unknown. */
  expectedEnd?: number;
  /** Index into the fleet's constraints; absent or 0: none. */
  constraint?: number;
}

export interface CallOpts {
  policy?: Policy;
  maxPerHost?: number;
  candidates?: number;
}

/** A batch's `prior` option: counts[i] instances of deployments[i] already in faultDomains[i]. */
export interface PriorSpec {
  deployments: number[];
  faultDomains: number[];
  counts: number[];
}

export interface BatchCallOpts extends CallOpts {
  offline?: boolean;
  sizeMeasure?: SizeMeasure;
  prior?: PriorSpec;
}

/** Small non-negative integers, mostly 0..max, with 0 and max over-represented. */
export function smallInt(max: number): fc.Arbitrary<number> {
  return fc.oneof(
    { weight: 5, arbitrary: fc.integer({ min: 0, max }) },
    { weight: 2, arbitrary: fc.constantFrom(0, max) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: max * 3 }) },
  );
}

const ratio = fc.constantFrom(1, 1, 1, 1.5, 2, 0.5, 1.25, 3);

export function hostArb(dims: number, s: Scale): fc.Arbitrary<HostSpec> {
  const cap = s === SMALL
    ? smallInt(s.maxCap)
    : fc.oneof({ weight: 8, arbitrary: fc.integer({ min: s.maxCap >> 1, max: s.maxCap }) }, { weight: 1, arbitrary: smallInt(4) });
  const dim = fc.record({
    c: cap,
    r: fc.oneof(fc.constant(-1), fc.constant(-2), fc.nat(s.maxCap)), // -1: none, -2: all of it
    o: ratio,
  });
  return fc.record({
    ds: fc.array(dim, { minLength: dims, maxLength: dims }),
    useRes: fc.boolean(),
    useOver: fc.boolean(),
    fd: fc.option(fc.nat(s.faultDomains - 1), { freq: 6 }),
    out: fc.oneof({ weight: 6, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  }).map(({ ds, useRes, useOver, fd, out }) => {
    const h: HostSpec = { capacity: ds.map((x) => x.c) };
    if (useRes) h.reservation = ds.map((x) => (x.r === -1 ? 0 : x.r === -2 ? x.c : Math.min(x.r, x.c)));
    if (useOver) h.oversubscription = ds.map((x) => x.o);
    if (fd !== null) h.faultDomain = fd;
    if (out) h.inService = false;
    return h;
  });
}

/** A fleet: few host types repeated (so types are shared), biased to boundaries. */
export function fleetArb(s: Scale = SMALL): fc.Arbitrary<FleetCase> {
  return fc.integer({ min: 1, max: 6 }).chain((dims) =>
    fc.record({
      types: fc.array(hostArb(dims, s), { minLength: 1, maxLength: s === SMALL ? s.maxHosts : 8 }),
      n: fc.integer({ min: s.minHosts, max: s.maxHosts }),
      picks: fc.array(fc.nat(), { minLength: s.maxHosts, maxLength: s.maxHosts }),
      fds: fc.array(fc.nat(s.faultDomains - 1), { minLength: s.maxHosts, maxLength: s.maxHosts }),
      outs: fc.array(fc.nat(9), { minLength: s.maxHosts, maxLength: s.maxHosts }),
      policy: fc.option(fc.constantFrom(...POLICIES_ALL), { freq: 2 }),
      maxPerHost: fc.option(fc.integer({ min: 1, max: 2 }), { freq: 2 }),
      candidates: fc.option(fc.integer({ min: 1, max: 5 }), { freq: 2 }),
      defaultDims: fc.boolean(),
      F: fc.integer({ min: 1, max: s.faultDomains }),
      smallest: fc.boolean(),
    }).map(({ types, n, picks, fds, outs, policy, maxPerHost, candidates, defaultDims, F, smallest }) => {
      const hosts: HostSpec[] = [];
      for (let i = 0; i < n; i++) {
        const t = types[picks[i] % types.length];
        const h: HostSpec = { ...t };
        // In large fleets, racks are mostly contiguous runs; small ones keep the type's own domain.
        if (s !== SMALL) h.faultDomain = outs[i] === 0 ? fds[i] % F : Math.floor((i * F) / n);
        else if (outs[i] >= 5) h.faultDomain = fds[i] % F;
        if (s !== SMALL && outs[i] === 1) h.inService = false;
        hosts.push(h);
      }
      const options: FleetCase["options"] = { vmCapacity: s.vmCapacity };
      if (!(dims === 4 && defaultDims)) options.dimensions = Array.from({ length: dims }, (_, d) => `r${d}`);
      if (policy !== null) options.policy = policy;
      if (maxPerHost !== null) options.maxPerHost = maxPerHost;
      if (candidates !== null) options.candidates = candidates;
      if (smallest) options.smallestHostsFirst = true;
      return { dims, hosts, options };
    }),
  );
}

export function reqArb(dims: number, s: Scale = SMALL): fc.Arbitrary<ReqSpec> {
  return fc.record({
    demand: fc.array(smallInt(s.maxDemand), { minLength: dims, maxLength: dims }),
    tenant: fc.nat(s.tenants - 1),
    deployment: fc.option(fc.nat(s.deployments - 1), { freq: 3 }),
    // Few distinct end times, so hosts' latest ends tie and sit at equal distances both ways.
    expectedEnd: fc.option(fc.oneof(fc.integer({ min: 0, max: 6 }), fc.constant(0xfffffffe)), { freq: 2 }),
  }).map(({ demand, tenant, deployment, expectedEnd }) => ({
    demand, tenant,
    ...(deployment === null ? {} : { deployment }),
    ...(expectedEnd === null ? {} : { expectedEnd }),
  }));
}

export function callOptsArb(): fc.Arbitrary<CallOpts | undefined> {
  return fc.option(
    fc.record(
      {
        policy: fc.constantFrom(...POLICIES_ALL),
        maxPerHost: fc.integer({ min: 1, max: 2 }),
        candidates: fc.integer({ min: 1, max: 4 }),
      },
      { requiredKeys: [] },
    ),
    { freq: 4 },
  ).map((o) => o ?? undefined);
}

export function batchOptsArb(): fc.Arbitrary<BatchCallOpts | undefined> {
  return fc.tuple(callOptsArb(), fc.boolean(), fc.option(fc.constantFrom(...MEASURES_ALL))).map(([o, offline, m]) => {
    if (o === undefined && !offline) return undefined;
    const r: BatchCallOpts = { ...(o ?? {}) };
    if (offline) r.offline = true;
    if (m !== null) r.sizeMeasure = m;
    return r;
  });
}

/** Plain-data operations; selectors are resolved against the current state when run. */
export type Op =
  | { t: "place"; req: ReqSpec; opts?: CallOpts }
  | { t: "batch"; reqs: ReqSpec[]; opts?: BatchCallOpts }
  | { t: "release"; sel: number }
  | { t: "move"; sel: number; target?: number; opts?: CallOpts }
  | { t: "service"; host: number; on: boolean }
  | { t: "dedicate"; tenant: number }
  | { t: "addHosts"; hosts: AddedHosts[]; asSpec?: SpecLayout }
  | { t: "retire"; host: number; empty: boolean };

/** `count` hosts like the fleet's host number `pick` (modulo its size), or like `fresh`, a new
 *  host type, when the world still takes new types. */
export interface AddedHosts {
  pick: number;
  fresh: HostSpec | null;
  count: number;
}

/** Added hosts as a fleet spec (one entry per AddedHosts), racked when `perFd` is set. */
export interface SpecLayout {
  perFd?: number;
  interleaved?: boolean;
}

export interface OpWeights {
  place: number; batch: number; release: number; move: number; service: number; dedicate: number;
  addHosts: number; retire: number;
}

export const DEFAULT_WEIGHTS: OpWeights = { place: 5, batch: 3, release: 4, move: 3, service: 1, dedicate: 1, addHosts: 1, retire: 1 };

/** Where requests and fresh host types come from (default: reqArb and hostArb); fleets with
 *  device dimensions need demands and capacities in whole devices (support/device-arbitraries). */
export interface OpSources {
  req?: fc.Arbitrary<ReqSpec>;
  host?: fc.Arbitrary<HostSpec>;
}

export function opArbs(dims: number, s: Scale = SMALL, w: OpWeights = DEFAULT_WEIGHTS, src: OpSources = {}) {
  const req = src.req ?? reqArb(dims, s);
  const host = src.host ?? hostArb(dims, s);
  return {
    place: fc.record({ req, opts: callOptsArb() })
      .map(({ req, opts }): Op => (opts ? { t: "place", req, opts } : { t: "place", req })),
    batch: fc.record({ reqs: fc.array(req, { minLength: 0, maxLength: s.maxBatch }), opts: batchOptsArb() })
      .map(({ reqs, opts }): Op => (opts ? { t: "batch", reqs, opts } : { t: "batch", reqs })),
    release: fc.nat().map((sel): Op => ({ t: "release", sel })),
    move: fc.record({ sel: fc.nat(), target: fc.option(fc.nat(), { freq: 2 }), opts: callOptsArb() })
      .map(({ sel, target, opts }): Op => {
        const op: Op = { t: "move", sel };
        if (target !== null) op.target = target;
        if (opts) op.opts = opts;
        return op;
      }),
    service: fc.record({ host: fc.nat(), on: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 2, arbitrary: fc.constant(false) }) })
      .map(({ host, on }): Op => ({ t: "service", host, on })),
    dedicate: fc.nat(s.tenants - 1).map((tenant): Op => ({ t: "dedicate", tenant })),
    addHosts: fc.record({
      hosts: fc.array(
        fc.record({ pick: fc.nat(), fresh: fc.option(host, { freq: 3 }), count: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.constant(0)) }),
        { minLength: 1, maxLength: 2 },
      ),
      asSpec: fc.option(fc.record({ perFd: fc.integer({ min: 1, max: 2 }), interleaved: fc.boolean() }, { requiredKeys: [] }), { freq: 2 }),
    }).map(({ hosts, asSpec }): Op => (asSpec === null ? { t: "addHosts", hosts } : { t: "addHosts", hosts, asSpec })),
    retire: fc.record({ host: fc.nat(), empty: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }) })
      .map(({ host, empty }): Op => ({ t: "retire", host, empty })),
    weights: w,
  };
}

/** One arbitrary over all operations with the given weights. */
export function opArb(dims: number, s: Scale = SMALL, w: OpWeights = DEFAULT_WEIGHTS, src: OpSources = {}): fc.Arbitrary<Op> {
  const a = opArbs(dims, s, w, src);
  return fc.oneof(
    { weight: w.place, arbitrary: a.place },
    { weight: w.batch, arbitrary: a.batch },
    { weight: w.release, arbitrary: a.release },
    { weight: w.move, arbitrary: a.move },
    { weight: w.service, arbitrary: a.service },
    { weight: w.dedicate, arbitrary: a.dedicate },
    { weight: w.addHosts, arbitrary: a.addHosts },
    { weight: w.retire, arbitrary: a.retire },
  );
}

/** A fleet and an operation stream over it. */
export function scenarioArb(s: Scale = SMALL, maxOps = 30): fc.Arbitrary<{ fleet: FleetCase; ops: Op[] }> {
  return fleetArb(s).chain((fleet) =>
    fc.array(opArb(fleet.dims, s), { minLength: 1, maxLength: maxOps }).map((ops) => ({ fleet, ops })),
  );
}
