// Hand-made boundary cases for plans: budgets of 0 and 1, a host emptied only through a chain
// of moves, dedicated tenants, anti-affinity and fault-domain spread in the way, relieving with
// the fewest moves, drains, and bad input.
import { describe, expect, test } from "vitest";
import { Engine, VmfabricError } from "../src/index.js";
import { applyPlan, checkPlan, planConsolidate, planDrain, planRelieve } from "../src/plans/index.js";
import { replaySteps, snapshot } from "./support/plan-reference.js";

const DIMS = ["cpu", "memory"];
const fleet = (caps: number[][], fds?: number[]) =>
  Engine.create(caps.map((capacity, h) => ({ capacity, faultDomain: fds?.[h] ?? 0 })), { dimensions: DIMS, vmCapacity: 64 });
let next = 0;
const put = (e: Engine, host: number, demand: number[], tenant = 1, deployment?: number) => {
  const id = next++ % 64;
  const p = e.placeOn({ id, demand, tenant, deployment }, host);
  if (!p.placed) throw new Error(`setup: ${p.rejection.message}`);
  return id;
};

describe("consolidate", () => {
  test("budget 0 moves nothing; budget 1 empties the one-VM host", () => {
    const e = fleet([[10, 10], [10, 10], [10, 10]]);
    put(e, 0, [2, 2]);
    put(e, 1, [5, 5]); put(e, 1, [1, 1]);
    put(e, 2, [6, 6]); put(e, 2, [1, 1]);
    expect(planConsolidate(e, { budget: { moves: 0 } }).moves).toEqual([]);
    const one = planConsolidate(e, { budget: { moves: 1 } });
    expect(one.emptied).toEqual([0]);
    expect(one.moves).toEqual([{ vm: 0, from: 0, to: 2 }]); // best-fit: the tightest host
    expect(planConsolidate(e, { budget: { memory: 1 } }).moves).toEqual([]); // 2 MiB moved is over
    applyPlan(e, one);
    expect(e.vmCountOf(0)).toBe(0);
  });

  test("a host emptied only through a chain: a VM leaves a host first, then a takes its place", () => {
    const e = fleet([[10, 10], [10, 10], [10, 10]]);
    const a = put(e, 0, [5, 5]);
    put(e, 1, [6, 1]); put(e, 1, [1, 1]);
    put(e, 2, [1, 4]); put(e, 2, [1, 4]);
    const f0 = snapshot(e, [1]);
    expect(planConsolidate(e, { budget: { moves: 2 }, chainTries: 0 }).emptied).not.toContain(0);
    expect(planConsolidate(e, { budget: { moves: 1 } }).moves).toEqual([]); // the chain costs 2
    const plan = planConsolidate(e, { budget: { moves: 2 } });
    // a fits nowhere as things are; either b (B -> C) or one of C's VMs (C -> B) must go first.
    expect(plan.moves).toHaveLength(2);
    expect(plan.moves[0].from).not.toBe(0);
    expect(plan.moves[1]).toEqual({ vm: a, from: 0, to: plan.moves[0].from });
    expect(plan.emptied).toEqual([0]);
    replaySteps(f0, plan);
    applyPlan(e, plan);
    expect(e.vmCountOf(0)).toBe(0);
  });

  test("dedicated tenants: their VMs never join a shared host, nor do others join theirs", () => {
    const e = fleet([[10, 10], [10, 10], [10, 10]]);
    e.setTenantDedicated(7);
    put(e, 0, [1, 1], 7);
    put(e, 1, [3, 3], 1); put(e, 1, [3, 3], 1);
    put(e, 2, [1, 1], 2); put(e, 2, [1, 1], 2); put(e, 2, [1, 1], 2);
    // Host 0 (tenant 7 alone) cannot go to 1 or 2; nothing may go onto host 0.
    const plan = planConsolidate(e);
    for (const m of plan.moves) { expect(m.from).not.toBe(0); expect(m.to).not.toBe(0); }
    expect(plan.emptied).toEqual([1]); // its two VMs join tenant 2's shared host
    const again = fleet([[10, 10], [10, 10]]);
    again.setTenantDedicated(7);
    put(again, 0, [1, 1], 7); put(again, 1, [1, 1], 7); put(again, 1, [1, 1], 7);
    expect(planConsolidate(again).moves.map((m) => m.to)).toEqual([1]); // its own host: allowed
  });

  test("anti-affinity in the way: the only host with room already holds the deployment", () => {
    const e = fleet([[10, 10], [10, 10]]);
    put(e, 0, [1, 1], 1, 5);
    put(e, 1, [2, 2], 1, 5); put(e, 1, [2, 2], 1);
    expect(planConsolidate(e).moves).toEqual([]);
    expect(planConsolidate(e, { maxPerHost: 2 }).emptied).toEqual([0]);
  });

  test("fault-domain spread in the way: a move may not take a domain above its share", () => {
    // Deployment 5 has one instance in each of domains 0 and 1 (share ceil(2/2) = 1).
    const e = fleet([[10, 10], [10, 10], [10, 10]], [0, 1, 1]);
    put(e, 0, [1, 1], 1, 5);
    put(e, 1, [2, 2], 1, 5);
    put(e, 2, [4, 4], 1); put(e, 2, [4, 4], 1);
    // Host 0's instance fits hosts 1 (anti-affinity) and 2 (domain 1 already holds its share).
    expect(planConsolidate(e).emptied).not.toContain(0);
    // Within one domain the counts do not change: allowed.
    const same = fleet([[10, 10], [10, 10], [10, 10]], [0, 0, 1]);
    put(same, 0, [1, 1], 1, 5); put(same, 2, [1, 1], 1, 5);
    put(same, 1, [4, 4], 1); put(same, 1, [4, 4], 1);
    expect(planConsolidate(same).moves).toEqual([{ vm: next - 4, from: 0, to: 1 }]);
  });

  test("a stale plan is refused with nothing moved, and says why", () => {
    const e = fleet([[10, 10], [10, 10]]);
    const v = put(e, 0, [2, 2]);
    put(e, 1, [7, 7]);
    const plan = planConsolidate(e);
    expect(plan.moves).toEqual([{ vm: v, from: 0, to: 1 }]);
    put(e, 1, [2, 2]); // the target fills up
    expect(checkPlan(e, plan)).toMatch(/changed since it was made/);
    expect(() => applyPlan(e, plan)).toThrow(expect.objectContaining({ code: "STALE_PLAN", message: expect.stringMatching(/nothing moved/) }));
    expect(e.hostOf(v)).toBe(0);
    // A forged fingerprint does not help: the step itself is checked.
    const forged = { ...plan, fingerprint: planConsolidate(e).fingerprint };
    expect(() => applyPlan(e, forged)).toThrow(expect.objectContaining({ code: "STALE_PLAN" }));
    expect(e.hostOf(v)).toBe(0);
  });
});

describe("drain and relieve", () => {
  test("drain refuses hosts still in service, then moves every VM off, largest first", () => {
    const e = fleet([[10, 10], [10, 10], [10, 10]]);
    const small = put(e, 0, [1, 1]);
    const big = put(e, 0, [6, 6]);
    put(e, 1, [3, 3]);
    expect(() => planDrain(e, [0])).toThrow(expect.objectContaining({ code: "HOST_IN_SERVICE", field: "hosts" }));
    e.setHostInService(0, false);
    const plan = planDrain(e, [0]);
    expect(plan.moves).toEqual([{ vm: big, from: 0, to: 1 }, { vm: small, from: 0, to: 1 }]);
    expect(plan.emptied).toEqual([0]);
    expect(planDrain(e, [0], { budget: { moves: 1 } }).left).toEqual([small]);
    applyPlan(e, plan);
    e.retireHost(0);
  });

  test("relieve moves the fewest VMs: one large VM rather than three small ones", () => {
    const e = fleet([[10, 10], [10, 10]]);
    const vms = [put(e, 0, [1, 1]), put(e, 0, [1, 1]), put(e, 0, [1, 1]), put(e, 0, [2, 2])];
    const stride = 4;
    const demands = new Int32Array(64 * stride);
    const measured = [[3, 1], [3, 1], [3, 1], [5, 1]]; // 14 cpu on 10: 4 over, only the 5 covers it
    vms.forEach((vm, i) => { demands[vm * stride] = measured[i][0]; demands[vm * stride + 1] = measured[i][1]; });
    const plan = planRelieve(e, { hotHosts: [0], demands, stride });
    expect(plan.moves).toEqual([{ vm: vms[3], from: 0, to: 1 }]);
    expect(plan.left).toEqual([]);
    expect(planRelieve(e, { hotHosts: [0], demands, stride }, { budget: { moves: 0 } }).left).toEqual([0]);
  });

  test("bad input is refused before planning", () => {
    const e = fleet([[10, 10]]);
    expect(() => planConsolidate(e, { budget: { moves: -1 } })).toThrow(expect.objectContaining({ field: "budget.moves" }));
    expect(() => planConsolidate(e, { budget: { dimension: "gpu" } })).toThrow(expect.objectContaining({ field: "budget.dimension" }));
    expect(() => planDrain(e, [3])).toThrow(expect.objectContaining({ field: "hosts[0]" }));
    expect(() => planRelieve(e, { hotHosts: [0], demands: [1], stride: 4 })).toThrow(expect.objectContaining({ field: "demands" }));
    expect(() => applyPlan(e, { moves: [{ vm: 99, from: 0, to: 0 }] } as never)).toThrow(VmfabricError);
  });
});

describe("devices (rule 7)", () => {
  // Two 2-GPU hosts (devices of 10 units). Host 0 holds a 6-unit share on GPU 0 and a 6-unit
  // share on GPU 1; host 1 holds one 6-unit share. Summed, host 1's 14 free units take host 0's
  // two shares (12); per device only one (GPU 1 has 10 free, GPU 0 has 4). Host 1 cannot be
  // emptied into host 0 either (4 + 4 left there). So no host can be emptied.
  const gpuFleet = () => Engine.create([{ capacity: [10, 10, 20] }, { capacity: [10, 10, 20] }], { dimensions: ["cpu", "memory", "gpu"], devices: { gpu: 10 }, vmCapacity: 64 });

  test("consolidation does not count a share against two devices' leftovers", () => {
    const e = gpuFleet();
    put(e, 0, [1, 1, 6]); put(e, 0, [1, 1, 6]); put(e, 1, [1, 1, 6]);
    const plan = planConsolidate(e);
    expect(plan.moves).toEqual([]);
  });

  test("a plan's moves take the devices engine.move gives, step by step, and apply", () => {
    const e = gpuFleet();
    const a = put(e, 0, [1, 1, 6]);
    const b = put(e, 1, [1, 1, 3]);
    const c = put(e, 1, [1, 1, 10]); // one whole GPU
    // Empty host 0: the 6-unit share fits on host 1's GPU 0 beside the 3 (7 free? no: 10-3 = 7 >= 6).
    const plan = planConsolidate(e);
    expect(plan.moves).toEqual([{ vm: a, from: 0, to: 1 }]);
    applyPlan(e, plan);
    expect(e.devicesOf(a)).toEqual({ gpu: [e.devicesOf(b).gpu[0]] });
    expect(e.deviceFreeOf(1)).toEqual({ gpu: [1, 0] });
    expect(e.devicesOf(c)).toEqual({ gpu: [1] });
  });
});
