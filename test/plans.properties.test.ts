// Property tests of plans against the plain reference (test/support/plan-reference.ts): every
// step of every plan obeys every placement rule in the state the steps before it leave, the
// budget holds, applying the plan gives the reference's final state, and a plan made stale is
// refused with nothing moved. Small fleets biased to boundaries: budgets of 0 and 1, full
// hosts, dedicated tenants, anti-affinity and several fault domains.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { Engine, VmfabricError } from "../src/index.js";
import { applyPlan, planConsolidate, planDrain, planRelieve, type Plan } from "../src/plans/index.js";
import { hostsInUse, refusal, replaySteps, snapshot, spentOf, type RefFleet } from "./support/plan-reference.js";

const RUNS = Number(process.env.PROP_RUNS ?? 150);
const DIMS = ["cpu", "memory"];
const TENANTS = [0, 1, 2, 3];

interface Case {
  hosts: Array<{ cap: [number, number]; fd: number; inService: boolean }>;
  vms: Array<{ demand: [number, number]; tenant: number; dep: number | null; host: number }>;
  dedicated: number[];
  moves: number | undefined;
  memory: number | undefined;
  maxPerHost: number;
  chainTries: number;
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  hosts: fc.array(fc.record({
    cap: fc.tuple(fc.oneof(fc.constant(10), fc.integer({ min: 3, max: 12 })), fc.oneof(fc.constant(10), fc.integer({ min: 3, max: 12 }))),
    fd: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2 })),
    inService: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  }), { minLength: 2, maxLength: 9 }),
  vms: fc.array(fc.record({
    demand: fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 })),
    tenant: fc.constantFrom(...TENANTS),
    dep: fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 3 })),
    host: fc.nat(),
  }), { maxLength: 28 }),
  dedicated: fc.subarray(TENANTS, { maxLength: 2 }),
  moves: fc.oneof(fc.constant(0), fc.constant(1), fc.constant(2), fc.constant(undefined), fc.integer({ min: 0, max: 12 })),
  memory: fc.oneof(fc.constant(undefined), fc.constant(0), fc.constant(1), fc.integer({ min: 0, max: 30 })),
  maxPerHost: fc.constantFrom(1, 1, 2),
  chainTries: fc.constantFrom(0, 4, 4),
});

/** The engine the case describes: VMs placed on their host where the rules allow (else
 *  best-fit, else dropped), then some hosts taken out of service with their VMs on them. */
function build(c: Case): Engine {
  const e = Engine.create(c.hosts.map((h) => ({ capacity: [...h.cap], faultDomain: h.fd })), { dimensions: DIMS, vmCapacity: 32 });
  for (const t of c.dedicated) e.setTenantDedicated(t);
  c.vms.forEach((v, id) => {
    const req = { id, demand: [...v.demand], tenant: v.tenant, deployment: v.dep ?? undefined };
    if (!e.placeOn(req, v.host % c.hosts.length, { maxPerHost: c.maxPerHost }).placed) e.place(req, { maxPerHost: c.maxPerHost });
  });
  c.hosts.forEach((h, i) => { if (!h.inService) e.setHostInService(i, false); });
  return e;
}

const budget = (c: Case) => ({ moves: c.moves, memory: c.memory });
const assignment = (e: Engine) => Array.from({ length: e.vmCapacity }, (_, vm) => e.hostOf(vm));

/** Checks what every plan must satisfy, applies it and compares with the reference's end state. */
function checkCommon(e: Engine, f0: RefFleet, plan: Plan, c: Case): RefFleet {
  const f1 = replaySteps(f0, plan);
  const spent = spentOf(f0, plan, 1);
  expect(plan.spent).toEqual(spent);
  expect(spent.moves).toBeLessThanOrEqual(c.moves ?? Infinity);
  expect(spent.memory).toBeLessThanOrEqual(c.memory ?? Infinity);
  applyPlan(e, plan);
  const want = new Array<number>(e.vmCapacity).fill(-1);
  for (const [vm, v] of f1.vms) want[vm] = v.host;
  expect(assignment(e)).toEqual(want);
  return f1;
}

describe("plans against the plain reference", { timeout: 120_000 }, () => {
  test("consolidate: valid steps, budget, emptied hosts only onto hosts that stay in use", () => {
    fc.assert(fc.property(caseArb, (c) => {
      const e = build(c);
      const f0 = snapshot(e, TENANTS);
      const plan = planConsolidate(e, { budget: budget(c), maxPerHost: c.maxPerHost, chainTries: c.chainTries });
      const usedBefore = hostsInUse(f0);
      const emptied = new Set(plan.emptied);
      for (const m of plan.moves) {
        expect(emptied.has(m.to)).toBe(false);
        expect(usedBefore.has(m.to)).toBe(true);
      }
      const f1 = checkCommon(e, f0, plan, c);
      const usedAfter = hostsInUse(f1);
      for (const h of plan.emptied) {
        expect(usedBefore.has(h)).toBe(true);
        expect(usedAfter.has(h)).toBe(false);
      }
      expect(usedAfter.size).toBe(usedBefore.size - plan.emptied.length);
      // Not trivially empty: a lone VM that can move onto another used host with the budget to
      // spare means some host gets emptied.
      if (plan.moves.length === 0 && (c.moves ?? 1) >= 1) {
        for (const h of usedBefore) {
          const vms = [...f0.vms].filter(([, v]) => v.host === h);
          if (vms.length !== 1 || !f0.inService[h]) continue;
          const [vm, v] = vms[0];
          if (v.demand[1] > (c.memory ?? Infinity)) continue;
          for (const to of usedBefore) if (to !== h) expect(refusal(f0, vm, to, c.maxPerHost)).not.toBeNull();
        }
      }
    }), { numRuns: RUNS });
  });

  test("drain: valid steps onto in-service hosts; a VM left behind had no valid host or no budget", () => {
    fc.assert(fc.property(caseArb, fc.array(fc.nat(), { minLength: 1, maxLength: 3 }), (c, picks) => {
      const e = build(c);
      const drained = [...new Set(picks.map((p) => p % c.hosts.length))];
      for (const h of drained) e.setHostInService(h, false);
      const f0 = snapshot(e, TENANTS);
      const plan = planDrain(e, drained, { budget: budget(c), maxPerHost: c.maxPerHost });
      for (const m of plan.moves) {
        expect(drained).toContain(m.from);
        expect(drained).not.toContain(m.to);
      }
      const f1 = checkCommon(e, f0, plan, c);
      const onDrained = [...f0.vms].filter(([, v]) => drained.includes(v.host)).map(([vm]) => vm);
      expect([...plan.moves.map((m) => m.vm), ...plan.left].sort((a, b) => a - b)).toEqual(onDrained.sort((a, b) => a - b));
      expect(plan.emptied).toEqual(drained.filter((h) => ![...f1.vms.values()].some((v) => v.host === h)).sort((a, b) => a - b));
      for (const vm of plan.left) {
        const budgetLeft = plan.spent.moves < (c.moves ?? Infinity) && plan.spent.memory + f0.vms.get(vm)!.demand[1] <= (c.memory ?? Infinity);
        if (!budgetLeft) continue;
        for (let h = 0; h < c.hosts.length; h++) expect(refusal(f1, vm, h, c.maxPerHost)).not.toBeNull();
      }
    }), { numRuns: RUNS });
  });

  test("relieve: moves only off hot hosts, onto hosts that are not hot and whose measured demand still fits", () => {
    fc.assert(fc.property(caseArb, fc.array(fc.nat(), { maxLength: 3 }), fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 64, maxLength: 64 }), (c, picks, measured) => {
      const e = build(c);
      const hot = [...new Set(picks.map((p) => p % c.hosts.length))];
      const f0 = snapshot(e, TENANTS);
      const stride = 4;
      const demands = new Int32Array(e.vmCapacity * stride);
      for (let vm = 0; vm < e.vmCapacity; vm++) { demands[vm * stride] = measured[vm * 2]; demands[vm * stride + 1] = measured[vm * 2 + 1]; }
      const plan = planRelieve(e, { hotHosts: hot, demands, stride }, { budget: budget(c), maxPerHost: c.maxPerHost });
      for (const m of plan.moves) {
        expect(hot).toContain(m.from);
        expect(hot).not.toContain(m.to);
      }
      const f1 = checkCommon(e, f0, plan, c);
      const sum = (h: number, d: number) => [...f1.vms].filter(([, v]) => v.host === h).reduce((s, [vm]) => s + demands[vm * stride + d], 0);
      for (const to of new Set(plan.moves.map((m) => m.to))) for (let d = 0; d < 2; d++) expect(sum(to, d)).toBeLessThanOrEqual(f0.cap[to][d]);
      for (const h of hot) {
        const over = [0, 1].some((d) => sum(h, d) > f0.cap[h][d]);
        expect(plan.left.includes(h)).toBe(over);
      }
    }), { numRuns: RUNS });
  });

  test("a plan made stale by a later change is refused with nothing moved", () => {
    fc.assert(fc.property(caseArb, fc.nat(), (c0, pick) => {
      const c = { ...c0, moves: undefined, memory: undefined };
      const e = build(c);
      const plan = planConsolidate(e, { budget: budget(c), maxPerHost: c.maxPerHost, chainTries: c.chainTries });
      if (plan.moves.length === 0) return;
      const m = plan.moves[pick % plan.moves.length];
      // The change: the moved VM leaves, or a VM of no size arrives on its target.
      if (pick % 2 === 0) e.release(m.vm);
      else expect(e.placeOn({ id: 31, demand: [0, 0], tenant: e.tenantOf(e.vmsOnHost(m.to)[0]) }, m.to).placed).toBe(true);
      const before = assignment(e);
      let error: unknown;
      try { applyPlan(e, plan); } catch (err) { error = err; }
      expect(error).toBeInstanceOf(VmfabricError);
      expect((error as VmfabricError).code).toBe("STALE_PLAN");
      expect(assignment(e)).toEqual(before);
    }), { numRuns: RUNS });
  });
});
