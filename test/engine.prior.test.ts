// placeBatch's `prior` option: fault-domain spread over a whole role when some of its instances
// were placed before the batch (healing). Exact examples, agreement with the reference model
// on random fleets and prior arrays, trap recovery, and validation of every field.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { Engine, VmfabricError } from "../src/index.js";
import type { BatchOptions, HostSpec, Policy, PriorPlacements } from "../src/types.js";
import {
  type BatchCallOpts, type FleetCase, type Op, type PriorSpec, type ReqSpec, type Scale,
  LARGE, POLICIES_ALL, SMALL, batchOptsArb, fleetArb, opArb, reqArb,
} from "./support/arbitraries.js";
import { NO_DEP, RefEngine, type RefRequest } from "./support/reference.js";
import { World, applyOp, compareFull, doBatch } from "./fuzz/model.js";
import { observeEngine } from "./support/errors.js";

const RUNS = Number(process.env.PROP_RUNS ?? 150);

function pair(hosts: HostSpec[], dims: string[], policy: Policy = "best-fit", maxPerHost = 1) {
  const e = Engine.create(hosts, { dimensions: dims, vmCapacity: 32, policy, maxPerHost });
  const r = new RefEngine(hosts, { dims: dims.length, vmCapacity: 32, policy, maxPerHost });
  return { e, r };
}

interface Req { id: number; demand: number[]; tenant: number; deployment?: number }

function asBatch(reqs: Req[]) {
  return {
    ids: reqs.map((q) => q.id),
    demands: reqs.flatMap((q) => q.demand),
    tenants: reqs.map((q) => q.tenant),
    deployments: reqs.map((q) => q.deployment ?? NO_DEP),
  };
}

/** Places the same batch in the engine and the reference; returns the engine's result after
 *  checking they agree entry by entry. */
function both(e: Engine, r: RefEngine, reqs: Req[], opts?: BatchOptions) {
  const res = e.placeBatch(asBatch(reqs), opts);
  const ref = r.placeBatch(reqs as RefRequest[], opts);
  expect(Array.from(res.hosts)).toEqual(ref.map((x) => x.host));
  expect(Array.from(res.reasons)).toEqual(ref.map((x) => x.reason));
  expect(Array.from(res.reasonDims)).toEqual(ref.map((x) => x.dim));
  return res;
}

/** Puts a VM on an exact host in both models (the instances "placed before"). */
function put(e: Engine, r: RefEngine, id: number, host: number, demand: number[], deployment?: number): void {
  const req = { id, demand, tenant: 0, ...(deployment === undefined ? {} : { deployment }) };
  expect(e.placeOn(req, host).host).toBe(host);
  expect(r.placeOn(req, host).host).toBe(host);
}

describe("prior instances: exact examples", () => {
  // Three fault domains. Host 1 (fd0) is the tightest, so best-fit prefers it for a new VM.
  const HOSTS: HostSpec[] = [
    { capacity: [8], faultDomain: 0 },
    { capacity: [8], faultDomain: 0 },
    { capacity: [8], faultDomain: 1 },
    { capacity: [8], faultDomain: 2 },
  ];
  const ROLE = 7;

  function healing() {
    const { e, r } = pair(HOSTS, ["cpu"]);
    put(e, r, 10, 0, [1], ROLE);   // role instance in fd0
    put(e, r, 11, 2, [1], ROLE);   // role instance in fd1
    put(e, r, 12, 1, [6], undefined); // filler: host 1 is now the tightest with room
    return { e, r };
  }

  test("without prior, best-fit heals into fd0 (the batch alone is spread)", () => {
    const { e, r } = healing();
    const res = both(e, r, [{ id: 0, demand: [1], tenant: 0, deployment: ROLE }]);
    expect(res.hosts[0]).toBe(1);
  });

  test("role of 3 with prior {fd0: 1, fd1: 1}: the new instance must go to fd2", () => {
    const { e, r } = healing();
    const prior = { deployments: [ROLE, ROLE], faultDomains: [0, 1], counts: [1, 1] };
    const res = both(e, r, [{ id: 0, demand: [1], tenant: 0, deployment: ROLE }], { prior });
    expect(res.hosts[0]).toBe(3);
    expect(e.faultDomainOf(res.hosts[0])).toBe(2);
  });

  test("fd2 without room: rejected with FAULT_DOMAIN_SPREAD, nothing placed", () => {
    const { e, r } = healing();
    put(e, r, 13, 3, [8], undefined); // fd2 full
    const before = [0, 1, 2, 3].map((h) => e.freeOf(h));
    const prior = { deployments: [ROLE, ROLE], faultDomains: [0, 1], counts: [1, 1] };
    const res = both(e, r, [{ id: 0, demand: [1], tenant: 0, deployment: ROLE }], { prior });
    expect(res.hosts[0]).toBe(-1);
    expect(res.rejected).toBe(1);
    const why = e.explain(res, 0)!;
    expect(why.code).toBe("FAULT_DOMAIN_SPREAD");
    expect(why.message).toMatch(/placed before/);
    expect([0, 1, 2, 3].map((h) => e.freeOf(h))).toEqual(before);
    expect(e.hostOf(0)).toBe(-1);
  });

  test("the share grows with P: role of 6, prior {fd0: 2, fd1: 2}, two new instances both go to fd2", () => {
    const hosts: HostSpec[] = [0, 0, 1, 1, 2, 2].map((fd, h) => ({ capacity: [h === 0 ? 2 : 8], faultDomain: fd }));
    const { e, r } = pair(hosts, ["cpu"]);
    const prior = { deployments: [ROLE, ROLE], faultDomains: [0, 1], counts: [2, 2] };
    const reqs = [0, 1].map((id) => ({ id, demand: [1], tenant: 0, deployment: ROLE }));
    const res = both(e, r, reqs, { prior });
    expect(Array.from(res.hosts, (h) => e.faultDomainOf(h))).toEqual([2, 2]);
    // Without prior the share is ceil(2 / 3) = 1 per domain, and best-fit starts at host 0.
    const { e: e2, r: r2 } = pair(hosts, ["cpu"]);
    const res2 = both(e2, r2, reqs);
    expect(Array.from(res2.hosts, (h) => e2.faultDomainOf(h))).toEqual([0, 1]);
  });

  test("prior in a domain with no in-service host still counts in P: the share in-service domains get grows", () => {
    const hosts: HostSpec[] = [
      { capacity: [8], faultDomain: 0 }, { capacity: [8], faultDomain: 0 }, { capacity: [8], faultDomain: 0 },
      { capacity: [8], faultDomain: 1 },
      { capacity: [8], faultDomain: 2, inService: false },
    ];
    const { e, r } = pair(hosts, ["cpu"], "first-fit");
    // F = 2; n = 2, P = 4 (all in fd2, out of service): share ceil(6 / 2) = 3.
    const reqs = [0, 1].map((id) => ({ id, demand: [1], tenant: 0, deployment: ROLE }));
    const res = both(e, r, reqs, { prior: { deployments: [ROLE], faultDomains: [2], counts: [4] } });
    expect(Array.from(res.hosts)).toEqual([0, 1]);
  });

  test("a domain already over its share takes nothing; one fault domain never blocks", () => {
    const three: HostSpec[] = [0, 1, 2].map((fd) => ({ capacity: [8], faultDomain: fd }));
    const { e, r } = pair(three, ["cpu"], "first-fit");
    // F = 3, n = 1, P = 5: share 2, fd0 holds 5.
    const res = both(e, r, [{ id: 0, demand: [1], tenant: 0, deployment: ROLE }], { prior: { deployments: [ROLE], faultDomains: [0], counts: [5] } });
    expect(res.hosts[0]).toBe(1);
    const one: HostSpec[] = [{ capacity: [8] }, { capacity: [8] }, { capacity: [8] }];
    const p1 = pair(one, ["cpu"], "first-fit");
    const reqs = [0, 1, 2].map((id) => ({ id, demand: [1], tenant: 0, deployment: ROLE }));
    const res1 = both(p1.e, p1.r, reqs, { prior: { deployments: [ROLE], faultDomains: [0], counts: [1000] } });
    expect(Array.from(res1.hosts)).toEqual([0, 1, 2]);
  });

  test("repeated (deployment, domain) entries add up; entries for other deployments are ignored", () => {
    const hosts: HostSpec[] = [0, 0, 1, 2].map((fd) => ({ capacity: [8], faultDomain: fd }));
    const reqs = [0, 1].map((id) => ({ id, demand: [1], tenant: 0, deployment: ROLE }));
    const run = (prior?: PriorPlacements) => {
      const { e, r } = pair(hosts, ["cpu"], "first-fit");
      return Array.from(both(e, r, reqs, prior ? { prior } : undefined).hosts);
    };
    const split = run({ deployments: [ROLE, ROLE, ROLE], faultDomains: [0, 2, 0], counts: [1, 1, 1] });
    const whole = run({ deployments: [ROLE, ROLE], faultDomains: [0, 2], counts: [2, 1] });
    expect(split).toEqual(whole);
    // Share ceil((2 + 3) / 3) = 2: fd0 (prior 2) is full, fd1 takes one, host 2 is then
    // blocked by anti-affinity, and fd2 (prior 1) takes the other.
    expect(split).toEqual([2, 3]);
    // Another deployment's entries (even huge, even in every domain) change nothing.
    expect(run({ deployments: [99, 99, 99], faultDomains: [0, 1, 2], counts: [2 ** 20, 1, 7] })).toEqual(run());
  });

  test("typed arrays are accepted", () => {
    const { e, r } = pair(HOSTS, ["cpu"]);
    put(e, r, 12, 1, [6], undefined);
    const prior = { deployments: Uint32Array.of(ROLE, ROLE), faultDomains: Uint32Array.of(0, 1), counts: Uint32Array.of(1, 1) };
    const res = both(e, r, [{ id: 0, demand: [1], tenant: 0, deployment: ROLE }], { prior });
    expect(res.hosts[0]).toBe(3);
  });

  test("empty prior (or only other deployments) is bit-for-bit the same as no prior", () => {
    const hosts: HostSpec[] = Array.from({ length: 12 }, (_, h) => ({ capacity: [4, 4], faultDomain: h % 4 }));
    const reqs = Array.from({ length: 10 }, (_, i) => ({ id: i, demand: [1 + (i % 3), 1], tenant: i % 2, deployment: i % 3 }));
    const state = (e: Engine) => ({
      hosts: [...Array(e.vmCapacity).keys()].map((v) => e.hostOf(v)),
      free: [...Array(e.hostCount).keys()].map((h) => e.freeOf(h)),
      stats: e.stats(),
    });
    const results = [undefined, { deployments: [], faultDomains: [], counts: [] }].map((prior) => {
      const e = Engine.create(hosts, { dimensions: ["a", "b"], vmCapacity: 32 });
      const res = e.placeBatch(asBatch(reqs), prior ? { prior, offline: true } : { offline: true });
      return { res: [Array.from(res.hosts), Array.from(res.reasons), Array.from(res.reasonDims)], state: state(e) };
    });
    expect(results[1]).toEqual(results[0]);
  });

  test("CORE_TRAP mid-batch with prior rolls back; the same batch then matches the reference", () => {
    const hosts: HostSpec[] = [0, 0, 1, 1, 2, 2].map((fd) => ({ capacity: [4], faultDomain: fd }));
    const { e, r } = pair(hosts, ["cpu"]);
    const prior = { deployments: [ROLE], faultDomains: [0], counts: [2] };
    const reqs = [0, 1, 2, 3].map((id) => ({ id, demand: [1], tenant: 0, deployment: ROLE }));
    e.injectTrapAfter(2);
    let err: unknown;
    try { e.placeBatch(asBatch(reqs), { prior }); } catch (x) { err = x; }
    expect(err).toBeInstanceOf(VmfabricError);
    expect((err as VmfabricError).code).toBe("CORE_TRAP");
    expect(e.stats().vmsPlaced).toBe(0);
    const res = both(e, r, reqs, { prior });
    // Share ceil(6 / 3) = 2: fd0 already holds 2.
    expect(Array.from(res.hosts, (h) => e.faultDomainOf(h))).toEqual([1, 1, 2, 2]);
  });
});

// ---- property: engine == reference with random prior arrays ----

type CountMode = { kind: "raw"; c: number } | { kind: "share" } | { kind: "shareMinus1" };
interface PriorEntry { dep: number; fd: number; mode: CountMode }

function priorEntryArb(s: Scale): fc.Arbitrary<PriorEntry> {
  return fc.record({
    dep: fc.oneof(
      { weight: 8, arbitrary: fc.nat(s.deployments - 1) },
      { weight: 1, arbitrary: fc.constantFrom(s.deployments + 5, 0xfffffffe) }, // not in any batch
    ),
    fd: fc.nat(s.faultDomains + 1), // reduced modulo the fleet's domains when used
    mode: fc.oneof(
      { weight: 3, arbitrary: fc.integer({ min: 1, max: 3 }).map((c): CountMode => ({ kind: "raw", c })) },
      { weight: 1, arbitrary: fc.integer({ min: 4, max: 40 }).map((c): CountMode => ({ kind: "raw", c })) },
      { weight: 3, arbitrary: fc.constant<CountMode>({ kind: "share" }) },
      { weight: 2, arbitrary: fc.constant<CountMode>({ kind: "shareMinus1" }) },
    ),
  });
}

/** Turns entries into a prior for this batch and fleet. "share" makes the entry's domain hold
 *  exactly ceil((n + P) / F) (given the entries resolved before it), "shareMinus1" one less. */
function resolvePrior(entries: PriorEntry[], reqs: ReqSpec[], F: number, fdSpan: number): PriorSpec {
  const n = new Map<number, number>();
  for (const q of reqs) if (q.deployment !== undefined) n.set(q.deployment, (n.get(q.deployment) ?? 0) + 1);
  const sum = new Map<number, number>();
  const p: PriorSpec = { deployments: [], faultDomains: [], counts: [] };
  for (const x of entries) {
    let c: number;
    if (x.mode.kind === "raw") c = x.mode.c;
    else {
      const base = (n.get(x.dep) ?? 0) + (sum.get(x.dep) ?? 0);
      const share = F > 1 ? Math.max(1, Math.ceil(base / (F - 1))) : base + 1;
      c = x.mode.kind === "share" ? share : Math.max(1, share - 1);
    }
    sum.set(x.dep, (sum.get(x.dep) ?? 0) + c);
    p.deployments.push(x.dep);
    p.faultDomains.push(x.fd % fdSpan);
    p.counts.push(c);
  }
  return p;
}

function priorCase(s: Scale, maxBefore: number) {
  const oneFdArb = fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });
  return fc.tuple(fleetArb(s), oneFdArb).map(([fleet, oneFd]): FleetCase =>
    (oneFd ? { ...fleet, hosts: fleet.hosts.map((h) => ({ ...h, faultDomain: 0 })) } : fleet),
  ).chain((fleet) => fc.record({
    fleet: fc.constant(fleet),
    before: fc.array(opArb(fleet.dims, s), { maxLength: maxBefore }),
    batches: fc.array(fc.record({
      reqs: fc.array(reqArb(fleet.dims, s), { minLength: 1, maxLength: s.maxBatch }),
      entries: fc.array(priorEntryArb(s), { maxLength: 6 }),
      opts: batchOptsArb(),
    }), { minLength: 1, maxLength: 3 }),
  }));
}

function runPriorCase({ fleet, before, batches }: { fleet: FleetCase; before: Op[]; batches: { reqs: ReqSpec[]; entries: PriorEntry[]; opts?: BatchCallOpts }[] }, policy?: Policy): void {
  const f = policy === undefined ? fleet : { ...fleet, options: { ...fleet.options, policy } };
  const w = new World(f, { fullEvery: 0 });
  const e = w.createEngine();
  for (const op of before) applyOp(w, e, op);
  let fdSpan = 1;
  for (const h of f.hosts) fdSpan = Math.max(fdSpan, (h.faultDomain ?? 0) + 1);
  for (const b of batches) {
    if (w.freeIds.length < b.reqs.length) return;
    const F = Math.max(1, w.ref.faultDomainsInService());
    const prior = resolvePrior(b.entries, b.reqs, F, fdSpan);
    const opts: BatchCallOpts = { ...(b.opts ?? {}), prior };
    if (policy !== undefined) delete opts.policy;
    // doBatch compares every entry (host, reason, dimension) with the reference and checks the
    // spread, prior instances included, from the engine's answer alone.
    doBatch(w, e, b.reqs, opts);
    compareFull(w, e, "after a batch with prior");
  }
}

describe("prior instances: engine == reference on random fleets and prior arrays", () => {
  test("small fleets (a quarter with one fault domain), every option", () => {
    fc.assert(fc.property(priorCase(SMALL, 15), (c) => runPriorCase(c)), { numRuns: RUNS * 2 });
  });

  test.each(POLICIES_ALL)("policy %s", (policy: Policy) => {
    fc.assert(fc.property(priorCase(SMALL, 10), (c) => runPriorCase(c, policy)), { numRuns: Math.ceil(RUNS / 2) });
  });

  test("larger fleets with racks in runs (the resume point skips whole domains)", () => {
    const s: Scale = { ...LARGE, maxHosts: 150, vmCapacity: 2000 };
    fc.assert(fc.property(priorCase(s, 6), (c) => runPriorCase(c)), { numRuns: 25 });
  });
});

// ---- validation ----

const VHOSTS: HostSpec[] = [
  { capacity: [8, 8], faultDomain: 0 },
  { capacity: [8, 8], faultDomain: 3 },
  { capacity: [8, 8], faultDomain: 5, inService: false },
];

function vengine(): Engine {
  const e = Engine.create(VHOSTS, { dimensions: ["cpu", "memory"], vmCapacity: 16 });
  e.place({ id: 0, demand: [1, 1], tenant: 1, deployment: 3 });
  return e;
}


const GOOD = { ids: [1, 2], demands: [1, 1, 1, 1], tenants: [1, 1], deployments: [3, 4] };
const ok = (): { deployments: unknown; faultDomains: unknown; counts: unknown } => ({ deployments: [3, 3, 4], faultDomains: [0, 5, 3], counts: [1, 2, 1] });
const withPrior = (p: unknown) => (e: Engine) => e.placeBatch(GOOD, { prior: p as PriorPlacements });
const set = (key: "deployments" | "faultDomains" | "counts", i: number, v: unknown) => {
  const p = ok();
  const arr = [...(p[key] as unknown[])];
  arr[i] = v;
  p[key] = arr;
  return p;
};

describe("prior validation: a clear error naming field and value, nothing changed", () => {
  test.each<[string, (e: Engine) => unknown, string, unknown]>([
    ["prior not an object", withPrior(5), "prior", 5],
    ["prior null", withPrior(null), "prior", null],
    ["prior an array", withPrior([1, 2]), "prior", [1, 2]],
    ["deployments missing", withPrior({ faultDomains: [0], counts: [1] }), "prior.deployments", undefined],
    ["deployments not an array", withPrior({ ...ok(), deployments: "3" }), "prior.deployments", "3"],
    ["faultDomains shorter", withPrior({ ...ok(), faultDomains: [0, 3] }), "prior.faultDomains", 2],
    ["counts longer", withPrior({ ...ok(), counts: [1, 1, 1, 1] }), "prior.counts", 4],
    ["counts missing", withPrior({ deployments: [3], faultDomains: [0] }), "prior.counts", undefined],
    ["deployment negative (last)", withPrior(set("deployments", 2, -1)), "prior.deployments[2]", -1],
    ["deployment fractional", withPrior(set("deployments", 0, 1.5)), "prior.deployments[0]", 1.5],
    ["deployment = no-deployment id", withPrior(set("deployments", 1, 0xffffffff)), "prior.deployments[1]", 0xffffffff],
    ["deployment a string", withPrior(set("deployments", 0, "3")), "prior.deployments[0]", "3"],
    ["fault domain past the fleet's highest (last)", withPrior(set("faultDomains", 2, 6)), "prior.faultDomains[2]", 6],
    ["fault domain negative", withPrior(set("faultDomains", 0, -1)), "prior.faultDomains[0]", -1],
    ["fault domain fractional", withPrior(set("faultDomains", 1, 0.5)), "prior.faultDomains[1]", 0.5],
    ["fault domain NaN", withPrior(set("faultDomains", 1, NaN)), "prior.faultDomains[1]", NaN],
    ["count 0 (last)", withPrior(set("counts", 2, 0)), "prior.counts[2]", 0],
    ["count negative", withPrior(set("counts", 0, -2)), "prior.counts[0]", -2],
    ["count fractional", withPrior(set("counts", 1, 1.5)), "prior.counts[1]", 1.5],
    ["count NaN", withPrior(set("counts", 1, NaN)), "prior.counts[1]", NaN],
    ["count above 2^31 - 1", withPrior(set("counts", 0, 2 ** 31)), "prior.counts[0]", 2 ** 31],
    ["counts adding up past 2^31 - 1", withPrior({ ...ok(), counts: [2 ** 30, 2 ** 30, 1] }), "prior.counts", 2 ** 31 + 1],
    ["Uint32Array count 0", withPrior({ ...ok(), counts: Uint32Array.of(1, 0, 1) }), "prior.counts[1]", 0],
  ])("%s", (_name, call, field, value) => {
    const e = vengine();
    const before = observeEngine(e);
    let err: unknown;
    try { call(e); } catch (x) { err = x; }
    expect(err, `expected INVALID_INPUT on ${field}`).toBeInstanceOf(VmfabricError);
    const ve = err as VmfabricError;
    expect(ve.code).toBe("INVALID_INPUT");
    expect(ve.field).toBe(field);
    expect(ve.message).toContain(field);
    if (value !== undefined) expect(ve.message).toContain(typeof value === "number" ? String(value) : JSON.stringify(value));
    expect(observeEngine(e)).toEqual(before);
    // Nothing of the batch was placed, and the same batch with a good prior goes through.
    const r = e.placeBatch(GOOD, { prior: ok() as PriorPlacements });
    expect(r.placed).toBe(2);
  });

  test("more than 2^24 entries: LIMIT, nothing changed", () => {
    const e = vengine();
    const before = observeEngine(e);
    const big = new Array<number>(2 ** 24 + 1); // holey: the length is checked before any entry
    let err: unknown;
    try { e.placeBatch(GOOD, { prior: { deployments: big, faultDomains: big, counts: big } }); } catch (x) { err = x; }
    expect(err).toBeInstanceOf(VmfabricError);
    expect((err as VmfabricError).code).toBe("LIMIT");
    expect((err as VmfabricError).field).toBe("prior.deployments");
    expect((err as VmfabricError).message).toContain(String(2 ** 24 + 1));
    expect(observeEngine(e)).toEqual(before);
  });

  test("a fault domain with no host numbered below the highest is accepted (0..highest)", () => {
    const e = vengine();
    expect(e.placeBatch(GOOD, { prior: { deployments: [3], faultDomains: [4], counts: [1] } }).placed).toBe(2);
  });
});
