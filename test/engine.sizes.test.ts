// Any number of VM sizes: demands without a shape class are served by the free-capacity trees,
// demands asked for often by shape classes (admitted after 8 requests, at most 64, the least
// used evicted for a much hotter one). Both paths must give exactly the reference's answers:
// host by host, reason by reason, for every policy.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { Engine } from "../src/index.js";
import type { HostSpec, Policy } from "../src/types.js";
import { type CallOpts, type FleetCase, type ReqSpec, POLICIES_ALL } from "./support/arbitraries.js";
import { World, compareFull, doBatch, doMove, doPlace, doRelease, doService } from "./fuzz/model.js";

const RUNS = Number(process.env.PROP_RUNS ?? 150);

/** Shape classes the engine's core has built so far (each admission or eviction builds one). */
function classBuilds(e: Engine): number {
  return e.runCore((core) => core.shapeClassBuilds());
}

/** 0..max, with 0, 1 and max over-represented. */
const capacity = (max: number) => fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max }) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1, max) },
);

/** A tiny fleet (3..20 hosts of 1..4 types, some out of service, a few racks) with large
 *  capacities, so every VM can have a size of its own. */
function tinyFleet(maxCap: number, vmCapacity: number): fc.Arbitrary<FleetCase> {
  return fc.integer({ min: 1, max: 6 }).chain((dims) => fc.record({
    types: fc.array(fc.array(capacity(maxCap), { minLength: dims, maxLength: dims }), { minLength: 1, maxLength: 4 }),
    hosts: fc.array(fc.record({ type: fc.nat(), fd: fc.nat(3), out: fc.nat(9) }), { minLength: 3, maxLength: 20 }),
    policy: fc.constantFrom(...POLICIES_ALL),
    maxPerHost: fc.integer({ min: 1, max: 3 }),
    candidates: fc.integer({ min: 1, max: 6 }),
  }).map(({ types, hosts, policy, maxPerHost, candidates }) => ({
    dims,
    hosts: hosts.map(({ type, fd, out }): HostSpec => ({ capacity: types[type % types.length], faultDomain: fd, ...(out === 0 ? { inService: false } : {}) })),
    options: { vmCapacity, dimensions: Array.from({ length: dims }, (_, d) => `r${d}`), policy, maxPerHost, candidates },
  })));
}

const largestCache = new WeakMap<World, number[]>();

/** Largest capacity per dimension in the fleet (no hosts are added here, so once per world). */
function largest(w: World): number[] {
  let top = largestCache.get(w);
  if (top === undefined) {
    top = new Array<number>(w.D).fill(0);
    for (let h = 0; h < w.H; h++) for (let d = 0; d < w.D; d++) top[d] = Math.max(top[d], w.ref.cap[h * w.D + d]);
    largestCache.set(w, top);
  }
  return top;
}

/**
 * A demand resolved against the current state: a random one (skewed small, some dimensions 0),
 * a host's exact free vector, that plus one in one dimension, or a host's whole capacity.
 */
function demandFor(w: World, kind: number, u: readonly number[], sel: number): number[] {
  const h = sel % w.H;
  const d0 = sel % w.D;
  switch (kind) {
    case 0: return w.ref.freeOf(h);
    case 1: return w.ref.freeOf(h).map((f, d) => (d === d0 ? f + 1 : f));
    case 2: return w.ref.capOf(h);
    default: {
      const top = largest(w);
      return top.map((c, d) => (u[d] < 0.15 ? 0 : Math.floor(u[d] * u[d] * c * 0.6)));
    }
  }
}

const policyOpt = fc.option(fc.constantFrom(...POLICIES_ALL), { freq: 3 });

/** One step of a churn stream; numbers are resolved against the state when it runs. */
const stepArb = fc.record({
  op: fc.oneof(
    { weight: 6, arbitrary: fc.constant("place" as const) },
    { weight: 2, arbitrary: fc.constant("batch" as const) },
    { weight: 6, arbitrary: fc.constant("release" as const) },
    { weight: 2, arbitrary: fc.constant("move" as const) },
    { weight: 1, arbitrary: fc.constant("moveTo" as const) },
    { weight: 1, arbitrary: fc.constant("service" as const) },
  ),
  kind: fc.nat(9),
  u: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 6, maxLength: 6 }),
  sel: fc.nat(),
  n: fc.integer({ min: 1, max: 5 }),
  tenant: fc.nat(2),
  deployment: fc.option(fc.nat(3), { freq: 2 }),
  policy: policyOpt,
});
type Step = typeof stepArb extends fc.Arbitrary<infer T> ? T : never;

function request(w: World, s: Step, i: number): ReqSpec {
  const u = s.u.map((x, d) => (x + i * 0.377 * (d + 1)) % 1);
  const demand = demandFor(w, s.kind, u, s.sel + i);
  return s.deployment === null ? { demand, tenant: s.tenant } : { demand, tenant: s.tenant, deployment: s.deployment };
}

function runStep(w: World, e: Engine, s: Step, sizes: Set<string>): void {
  const opts: CallOpts | undefined = s.policy === null ? undefined : { policy: s.policy as Policy };
  switch (s.op) {
    case "place": {
      if (w.freeIds.length === 0) return;
      const req = request(w, s, 0);
      sizes.add(req.demand.join(","));
      doPlace(w, e, req, opts);
      return;
    }
    case "batch": {
      if (w.freeIds.length < s.n) return;
      const reqs = Array.from({ length: s.n }, (_, i) => request(w, s, i));
      for (const r of reqs) sizes.add(r.demand.join(","));
      doBatch(w, e, reqs, opts);
      return;
    }
    case "release":
      if (w.placed.length > 0) doRelease(w, e, s.sel);
      return;
    case "move":
    case "moveTo":
      if (w.placed.length > 0) doMove(w, e, s.sel, s.op === "moveTo" ? s.n + s.sel : undefined, opts);
      return;
    case "service":
      doService(w, e, s.sel, s.n > 1);
      return;
  }
}

describe("thousands of distinct sizes on a tiny fleet (free-capacity trees)", () => {
  test("every VM its own demand, exact fits and zero dimensions: engine == reference, every policy", () => {
    const sizes = new Set<string>();
    let placed = 0;
    fc.assert(
      fc.property(tinyFleet(2000, 512), fc.array(stepArb, { minLength: 150, maxLength: 300 }), (fleet, steps) => {
        const w = new World(fleet, { fullEvery: 10 });
        const e = w.createEngine();
        for (const s of steps) runStep(w, e, s, sizes);
        compareFull(w, e, "end of stream");
        placed += w.tally["place:placed"] ?? 0;
      }),
      { numRuns: RUNS },
    );
    // The stream really was many sizes, most of them placed somewhere.
    expect(sizes.size).toBeGreaterThan(2000);
    expect(placed).toBeGreaterThan(500);
  }, 120_000);
});

describe("the same demand asked 1..40 times (shape classes and the trees together)", () => {
  /** A pool of up to 160 demands (more than the 128 classes), each step asks one of them
   *  1..40 times in a row (singly or as a batch), then some VMs go. The first half of the
   *  stream goes round the pool; in the second half two demands from its end turn hot, so they
   *  evict classes gone cold. */
  const repeatArb = (dims: number) => fc.record({
    pool: fc.oneof(
      fc.array(fc.array(capacity(12), { minLength: dims, maxLength: dims }), { minLength: 1, maxLength: 8 }),
      fc.array(fc.array(capacity(12), { minLength: dims, maxLength: dims }), { minLength: 129, maxLength: 160 }),
    ),
    steps: fc.array(fc.record({
      pick: fc.nat(),
      times: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.constantFrom(7, 8, 9, 25)),
      batch: fc.boolean(),
      releases: fc.nat(30),
      sel: fc.nat(),
      tenant: fc.nat(1),
      deployment: fc.option(fc.nat(2), { freq: 3 }),
      policy: policyOpt,
    }), { minLength: 560, maxLength: 620 }),
  });

  test("engine == reference across class admission, eviction and the trees, every policy", () => {
    let mostBuilds = 0;
    fc.assert(
      fc.property(
        tinyFleet(200, 1024).chain((fleet) => fc.tuple(fc.constant(fleet), repeatArb(fleet.dims))),
        ([fleet, { pool, steps }]) => {
          const w = new World(fleet, { fullEvery: 25, invariants: false });
          const e = w.createEngine();
          steps.forEach((s, i) => {
            const hot = i >= steps.length / 2;
            const demand = pool[hot ? Math.max(0, pool.length - 1 - (s.pick % 2)) : i % pool.length];
            const req: ReqSpec = s.deployment === null ? { demand, tenant: s.tenant } : { demand, tenant: s.tenant, deployment: s.deployment };
            const opts: CallOpts | undefined = s.policy === null ? undefined : { policy: s.policy as Policy };
            if (s.batch) {
              if (w.freeIds.length >= s.times) doBatch(w, e, Array.from({ length: s.times }, () => req), opts);
            } else {
              for (let i = 0; i < s.times && w.freeIds.length > 0; i++) doPlace(w, e, req, opts);
            }
            for (let i = 0; i < s.releases && w.placed.length > 0; i++) doRelease(w, e, s.sel + i * 7);
            if (s.sel % 5 === 0 && w.placed.length > 0) doMove(w, e, s.sel, undefined, opts);
          });
          compareFull(w, e, "end of stream");
          mostBuilds = Math.max(mostBuilds, classBuilds(e));
        },
      ),
      { numRuns: Math.ceil(RUNS / 3) },
    );
    // Some run admitted more than 128 classes: evictions happened.
    expect(mostBuilds).toBeGreaterThan(128);
  }, 120_000);

  test("128 classes (every slot full), then a hotter demand evicts one; all along engine == reference", () => {
    const hosts: HostSpec[] = Array.from({ length: 6 }, (_, h) => ({ capacity: [64 + h, 64 - h, 40], faultDomain: h % 2 }));
    const fleet: FleetCase = { dims: 3, hosts, options: { vmCapacity: 512, dimensions: ["cpu", "memory", "disk"] } };
    const w = new World(fleet, { fullEvery: 1, invariants: false });
    const e = w.createEngine();
    const demandOf = (i: number) => [1 + (i % 8), 1 + ((i >> 3) % 8), (i >> 6) % 3];
    const ask = (i: number, times: number, policy: Policy) => {
      for (let k = 0; k < times; k++) doPlace(w, e, { demand: demandOf(i), tenant: 0 }, { policy });
      while (w.placed.length > 24) doRelease(w, e, 0);
    };
    const distinct = new Set(Array.from({ length: 136 }, (_, i) => demandOf(i).join(","))).size;
    expect(distinct).toBe(136);
    for (let i = 0; i < 128; i++) ask(i, 8, POLICIES_ALL[i % 5]);
    const admitted = classBuilds(e);
    // Each of the 128 distinct demands got a class (none collided in the admission table):
    // every slot is full.
    expect(admitted).toBe(128);
    for (let i = 128; i < 136; i++) ask(i, 30, POLICIES_ALL[i % 5]);
    expect(classBuilds(e)).toBeGreaterThan(admitted);
    for (let i = 0; i < 136; i++) ask(i, 3, POLICIES_ALL[(i + 2) % 5]);
    compareFull(w, e, "end");
  });
});

describe("fleets spanning several 64-host groups and 4,096-host nodes of the trees", () => {
  /** Sizes just around the trees' group (64) and node (4,096) boundaries; 2 to 4 host types. */
  const bigFleet = fc.record({
    H: fc.constantFrom(63, 64, 65, 129, 4095, 4097),
    dims: fc.integer({ min: 1, max: 4 }),
    types: fc.array(fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 4, maxLength: 4 }), { minLength: 2, maxLength: 4 }),
    pattern: fc.array(fc.nat(), { minLength: 64, maxLength: 64 }),
    policy: fc.constantFrom(...POLICIES_ALL),
  }).map(({ H, dims, types, pattern, policy }): FleetCase => ({
    dims,
    hosts: Array.from({ length: H }, (_, h) => ({ capacity: types[pattern[h % 64] % types.length].slice(0, dims), faultDomain: h % 7 })),
    options: { vmCapacity: 3 * H, dimensions: Array.from({ length: dims }, (_, d) => `r${d}`), policy, candidates: 4 },
  }));

  test("distinct sizes fill, drain and refill the fleet: every answer equals the reference's", () => {
    const sizes = new Set<string>();
    fc.assert(
      fc.property(bigFleet, fc.array(stepArb, { minLength: 300, maxLength: 600 }), fc.nat(), (fleet, steps, seed) => {
        const w = new World(fleet, { fullEvery: 0, invariants: false });
        const e = w.createEngine();
        // Fill about half the fleet first, so bounds go stale and searches must scan and tighten.
        const fill = Math.floor(fleet.hosts.length * 1.5);
        for (let i = 0; i < fill && w.freeIds.length > 0; i++) {
          const s = steps[(seed + i) % steps.length];
          const req = request(w, { ...s, kind: 3 + (i % 7) }, i);
          sizes.add(req.demand.join(","));
          doPlace(w, e, req, s.policy === null ? undefined : { policy: s.policy as Policy });
        }
        for (const s of steps) runStep(w, e, s, sizes);
        compareFull(w, e, "end of stream");
      }),
      { numRuns: 8 },
    );
    // Hundreds at least: how many the generator yields varies with the fleets drawn (938 once,
    // with small one-dimension fleets; above 1,000 usually).
    expect(sizes.size).toBeGreaterThan(500);
  }, 300_000);
});

describe("class searches over fleets of several group words (classgroups.ts)", () => {
  // A class's members at one level are found through per-(class, level) marks on 512-host
  // groups, 64 groups to a word: fleets past 32,768 hosts use two or more words, and releases
  // all over the fleet leave stale marks that searches must pass and clear.
  // Small hosts first, large ones from `split` on (past the first word when split >= 32,768):
  // demands only a large host can hold are found through the marks' summary.
  const fleetArb = fc.record({
    H: fc.constantFrom(32_767, 32_769, 33_280, 36_000),
    split: fc.constantFrom(0, 30_000, 32_768, 32_800),
    small: fc.tuple(fc.integer({ min: 4, max: 16 }), fc.integer({ min: 4, max: 16 })),
    large: fc.tuple(fc.integer({ min: 17, max: 64 }), fc.integer({ min: 17, max: 64 })),
    pool: fc.array(fc.tuple(fc.integer({ min: 1, max: 24 }), fc.integer({ min: 0, max: 24 })), { minLength: 2, maxLength: 6 }),
    steps: fc.array(fc.record({ pick: fc.nat(), sel: fc.nat(), release: fc.nat(3), policy: fc.constantFrom(...POLICIES_ALL) }), { minLength: 300, maxLength: 500 }),
  });

  test("a few hot demands churning on a half-full fleet: every answer equals the reference's", () => {
    fc.assert(
      fc.property(fleetArb, ({ H, split, small, large, pool, steps }) => {
        const fleet: FleetCase = {
          dims: 2,
          hosts: Array.from({ length: H }, (_, h) => ({ capacity: h < split ? small : large, faultDomain: h % 40 })),
          options: { vmCapacity: 4 * H, dimensions: ["cpu", "memory"] },
        };
        const w = new World(fleet, { fullEvery: 0, invariants: false });
        const e = w.createEngine();
        // Half full, VMs dealt round the fleet with placeOn, so free space is everywhere.
        for (let h = 0; h < H; h += 2) {
          const id = w.takeId();
          const d = pool[h % pool.length];
          if (e.placeOn({ id, demand: [...d], tenant: 0 }, h).host >= 0 && w.ref.placeOn({ id, demand: [...d], tenant: 0 }, h).host >= 0) w.markPlaced(id);
          else w.giveBack(id);
        }
        for (const s of steps) {
          doPlace(w, e, { demand: [...pool[s.pick % pool.length]], tenant: 0 }, { policy: s.policy });
          for (let i = 0; i < s.release && w.placed.length > 0; i++) doRelease(w, e, s.sel + i * 7919);
        }
        expect(classBuilds(e)).toBeGreaterThan(0);
        compareFull(w, e, "end of stream");
      }),
      // No shrinking: each run is a 32,000-host fleet, and the first failure says enough.
      { numRuns: 6, endOnFailure: true },
    );
  }, 300_000);
});

/** H hosts of two dimensions, every third with twice the cpu, four racks; the engine and its
 *  reference model side by side. */
function twoTypeWorld(H: number, cap: [number, number]): { w: World; e: Engine } {
  const fleet: FleetCase = {
    dims: 2,
    hosts: Array.from({ length: H }, (_, h) => ({ capacity: h % 3 === 0 ? [cap[0] * 2, cap[1]] : [...cap], faultDomain: h % 4 })),
    options: { vmCapacity: 8 * H + 64, dimensions: ["cpu", "memory"] },
  };
  const w = new World(fleet, { fullEvery: 0, invariants: false });
  return { w, e: w.createEngine() };
}

describe("free-capacity trees that go dormant (maxtree.ts)", () => {
  // After 2 x hosts bound raises with no search of the trees (every demand had a class) their
  // upkeep stops, and the next demand without a class rebuilds them first. Hot demands churn
  // long enough for that, a demand of its own now and then: every answer must still be the
  // reference's, and the trees must have been rebuilt at least once.
  const arb = fc.record({
    H: fc.integer({ min: 3, max: 40 }),
    cap: fc.tuple(fc.integer({ min: 8, max: 64 }), fc.integer({ min: 8, max: 64 })),
    // The hot demands are at most 8 cores; each demand of its own has 9 to 16 (every third host
    // has at least 16), and none repeats.
    hot: fc.array(fc.tuple(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 8 })), { minLength: 1, maxLength: 3 }),
    // Steps between two demands of their own, per host: a step raises bounds once or twice.
    every: fc.integer({ min: 3, max: 6 }),
    steps: fc.array(fc.record({ pick: fc.nat(), sel: fc.nat(), policy: fc.constantFrom(...POLICIES_ALL) }), { minLength: 600, maxLength: 1200 }),
  });
  test("hot demands let the trees sleep; a demand of its own wakes them; engine == reference throughout", () => {
    fc.assert(
      fc.property(arb, ({ H, cap, hot, every: perHost, steps }) => {
        const every = perHost * H;
        const { w, e } = twoTypeWorld(H, cap);
        steps.forEach((s, i) => {
          const own = i % every === every - 1;
          const k = Math.floor(i / every); // (k % 8, k % 9) repeats only after 72 demands
          const demand = own ? [9 + (k % 8), k % 9] : [...hot[s.pick % hot.length]];
          doPlace(w, e, { demand, tenant: 0 }, { policy: s.policy });
          if (w.placed.length > H || (w.placed.length > 0 && s.sel % 2 === 0)) doRelease(w, e, s.sel);
        });
        compareFull(w, e, "end of stream");
        return e.runCore((core) => core.boundTreeWakes()) > 0;
      }),
      { numRuns: Math.min(RUNS, 40) },
    );
  }, 120_000);
});

describe("per-class short counts that go dormant (shapes.ts)", () => {
  // A NO_CAPACITY rejection of a class demand names its dimension from per-class counts of the
  // in-service hosts short of it. After `hosts` host changes with no rejection reading them
  // their upkeep stops, and the next such rejection rebuilds them first. Hot demands churn (and
  // hosts leave and rejoin service) long enough for that; now and then one of two demands no
  // host can hold is asked (each earns its class in the first 20 steps): every answer,
  // dimension included, must be the reference's, and the counts must have been rebuilt.
  const arb = fc.record({
    H: fc.integer({ min: 3, max: 30 }),
    cap: fc.tuple(fc.integer({ min: 4, max: 40 }), fc.integer({ min: 4, max: 40 })),
    hot: fc.array(fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 6 })), { minLength: 1, maxLength: 3 }),
    // The dimension every host is short of is the larger count, or ties with the other (a
    // fleet of full hosts), when the lower index wins.
    other: fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })),
    every: fc.integer({ min: 2, max: 5 }),
    steps: fc.array(fc.record({ pick: fc.nat(), sel: fc.nat(), policy: fc.constantFrom(...POLICIES_ALL) }), { minLength: 600, maxLength: 1200 }),
  });
  test("churn lets the counts sleep; a rejection wakes them; engine == reference throughout", () => {
    fc.assert(
      fc.property(arb, ({ H, cap, hot, other, every: perHost, steps }) => {
        const every = perHost * H;
        const { w, e } = twoTypeWorld(H, cap);
        const tooBig = [
          [cap[0] * 2 + 1, Math.ceil(other[0] * cap[1])],
          [Math.ceil(other[1] * cap[0] * 2), cap[1] + 1],
        ];
        steps.forEach((s, i) => {
          // The first 20 asks earn both classes; then one now and then, `every` steps apart.
          const big = i < 20 || i % every === every - 1;
          const demand = big ? tooBig[(i < 20 ? i : Math.floor(i / every)) % 2] : [...hot[s.pick % hot.length]];
          doPlace(w, e, { demand, tenant: 0 }, { policy: s.policy });
          if (w.placed.length > H || (w.placed.length > 0 && s.sel % 2 === 0)) doRelease(w, e, s.sel);
          if (s.sel % 29 === 0) doService(w, e, s.pick % H, s.sel % 58 !== 0);
        });
        compareFull(w, e, "end of stream");
        return e.runCore((core) => core.shortCountWakes()) > 0;
      }),
      { numRuns: Math.min(RUNS, 40) },
    );
  }, 120_000);
});

describe("class searches past 2,097,152 hosts (a second summary word of the marks)", () => {
  test("a demand only the hosts past the first summary word can hold goes there, in order, and comes back after a release", async () => {
    const { Engine } = await import("../src/index.js");
    const FIRST = 1 << 21; // hosts before this one are too small for the demand
    const e = Engine.create(
      { hostTypes: [{ capacity: [1, 1], count: FIRST }, { capacity: [10, 10], count: 300 }] },
      { dimensions: ["cpu", "memory"], vmCapacity: 64 },
    );
    const hosts: number[] = [];
    for (let id = 0; id < 24; id++) hosts.push(e.place({ id, demand: [2, 2], tenant: 0 }).host);
    // 8 requests earn the demand a class; best-fit fills one large host at a time, in order.
    expect(classBuilds(e)).toBe(1);
    expect(hosts).toEqual(Array.from({ length: 24 }, (_, i) => FIRST + Math.floor(i / 5)));
    // Released room on the first large host: best-fit takes it (same level as the fifth host,
    // which holds four, and a lower index), then first-fit the second's, then best-fit the
    // fifth's last room before an empty host.
    e.release(2);
    expect(e.place({ id: 24, demand: [2, 2], tenant: 0 }).host).toBe(FIRST);
    e.release(6);
    expect(e.place({ id: 25, demand: [2, 2], tenant: 0 }, { policy: "first-fit" }).host).toBe(FIRST + 1);
    expect(e.place({ id: 26, demand: [2, 2], tenant: 0 }).host).toBe(FIRST + 4);
    expect(e.place({ id: 27, demand: [2, 2], tenant: 0 }).host).toBe(FIRST + 5);
  }, 120_000);
});

