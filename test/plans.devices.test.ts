// Plans on fleets with GPU devices (rule 7): the plan's overlay must choose each moved VM's
// devices as engine.move will, so every plan applies without PLAN_FAILED and leaves the
// engine exactly where the plan's own simulation said (hosts emptied; devices consistent).
import fc from "fast-check";
import { expect, test } from "vitest";
import { Engine } from "../src/index.js";
import { applyPlan, planConsolidate, planDrain } from "../src/plans/index.js";
import { PlanState } from "../src/plans/state.js";

const RUNS = Number(process.env.PROP_RUNS ?? 150);
const SIZE = 4; // units per device: small, so shares of 1..3 and exact fits are common

const caseArb = fc.record({
  hosts: fc.array(fc.record({ gpus: fc.constantFrom(0, 1, 2, 2, 4), cpu: fc.integer({ min: 4, max: 12 }) }), { minLength: 2, maxLength: 7 }),
  // GPU-bound VMs, mostly shares of 2 and 3 units: two of them on one device do not fit, so
  // hosts whose summed free GPU would hold a share often hold it on no device.
  vms: fc.array(fc.record({
    cpu: fc.integer({ min: 0, max: 2 }),
    gpu: fc.oneof(fc.constant(0), fc.constantFrom(2, 3, 3), fc.integer({ min: 1, max: SIZE - 1 }), fc.constantFrom(SIZE, 2 * SIZE)),
    host: fc.nat(),
  }), { maxLength: 24 }),
  moves: fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: 10 })),
  drain: fc.nat(),
});

test("consolidate and drain plans on GPU fleets apply without PLAN_FAILED; devices stay consistent", () => {
  fc.assert(fc.property(caseArb, (c) => {
    const e = Engine.create(c.hosts.map((h) => ({ capacity: [h.cpu, 100, h.gpus * SIZE] })), { dimensions: ["cpu", "memory", "gpu"], devices: { gpu: SIZE }, vmCapacity: 32 });
    c.vms.forEach((v, id) => {
      const req = { id, demand: [v.cpu, 1, v.gpu], tenant: 0 };
      if (!e.placeOn(req, v.host % c.hosts.length).placed) e.place(req);
    });
    const plan = planConsolidate(e, { budget: c.moves === undefined ? undefined : { moves: c.moves } });
    applyPlan(e, plan);
    for (const h of plan.emptied) expect(e.vmCountOf(h)).toBe(0);
    const d = c.drain % c.hosts.length;
    e.setHostInService(d, false);
    applyPlan(e, planDrain(e, [d]));
    // Every host's devices hold exactly what its VMs' device lists say.
    for (let h = 0; h < c.hosts.length; h++) {
      const used = new Array<number>(c.hosts[h].gpus).fill(0);
      for (const vm of e.vmsOnHost(h)) {
        const x = e.demandOf(vm)[2];
        for (const i of e.devicesOf(vm).gpu) used[i] += x >= SIZE ? SIZE : x;
      }
      expect(e.deviceFreeOf(h).gpu).toEqual(used.map((u) => SIZE - u));
    }
  }), { numRuns: RUNS });
});

test("a plan's undo restores every device exactly: fits after undoTo(m) = fits after only the first m moves", () => {
  fc.assert(fc.property(caseArb, fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 12 }), fc.nat(), (c, tries, cut) => {
    const e = Engine.create(c.hosts.map((h) => ({ capacity: [h.cpu, 100, h.gpus * SIZE] })), { dimensions: ["cpu", "memory", "gpu"], devices: { gpu: SIZE }, vmCapacity: 32 });
    c.vms.forEach((v, id) => {
      const req = { id, demand: [v.cpu, 1, v.gpu], tenant: 0 };
      if (!e.placeOn(req, v.host % c.hosts.length).placed) e.place(req);
    });
    const live = c.vms.map((_, id) => id).filter((id) => e.hostOf(id) >= 0);
    if (live.length === 0) return;
    const H = c.hosts.length;
    const st = new PlanState(e, 1);
    for (const [a, b] of tries) {
      const vm = live[a % live.length];
      if (st.refusal(vm, b % H) === null) st.move(vm, b % H);
    }
    const mark = cut % (st.journal.length + 1);
    const kept = st.journal.slice(0, mark);
    st.undoTo(mark);
    const fresh = new PlanState(e, 1);
    for (const m of kept) fresh.move(m.vm, m.to);
    for (const vm of live) for (let h = 0; h < H; h++) expect(st.fits(vm, h), `vm ${vm} host ${h}`).toBe(fresh.fits(vm, h));
  }), { numRuns: RUNS });
});
