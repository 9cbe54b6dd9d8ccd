// Labels, taints and label constraints: hand-made cases with their messages, then random
// operation streams on small labelled fleets against the plain-TS reference (which restates the
// rule below, not the facade's labels.ts), and bad input that changes nothing.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Engine } from "../src/engine.js";
import { REASON_CODES } from "../src/reasons.js";
import type { HostSpec, Policy } from "../src/types.js";
import { vmfabricErrorOf, observeEngine } from "./support/errors.js";
import { POLICY_LIST, RefEngine, type RefConstraint } from "./support/reference.js";
import { constraintArb, hostLabelsArb } from "./support/label-arbitraries.js";

const GPU = (model: string, taint = true): HostSpec => ({ capacity: [8, 8], labels: { gpu: model }, ...(taint ? { taints: ["gpu"] } : {}) });
const PLAIN: HostSpec = { capacity: [8, 8] };

describe("labels and taints", () => {
  it("a requirement keeps a VM on hosts with one of the values; a taint keeps others off", () => {
    const e = Engine.create([PLAIN, GPU("A10"), GPU("V100M16"), GPU("V100M32")], { dimensions: ["cpu", "memory"], vmCapacity: 16 });
    const need = { requires: { gpu: ["V100M16", "V100M32"] }, tolerates: ["gpu"] };
    expect(e.place({ id: 0, demand: [8, 8], tenant: 1, ...need }).host).toBe(2);
    expect(e.place({ id: 1, demand: [8, 8], tenant: 1, ...need }).host).toBe(3);
    const p = e.place({ id: 2, demand: [1, 1], tenant: 1, ...need });
    expect(p.rejection?.code).toBe("NO_MATCHING_HOST");
    expect(p.rejection?.message).toBe("no in-service host with gpu in {V100M16, V100M32}, tolerating gpu has room for the VM");
    // No toleration: only the untainted host, even though the A10 host is empty.
    expect(e.place({ id: 3, demand: [8, 8], tenant: 1 }).host).toBe(0);
    const q = e.place({ id: 4, demand: [1, 1], tenant: 1 });
    expect(q.rejection?.code).toBe("NO_MATCHING_HOST");
    // Tolerating the taint without requiring a model: any GPU host (here the A10 one).
    expect(e.place({ id: 5, demand: [1, 1], tenant: 1, tolerates: ["gpu"] }).host).toBe(1);
  });

  it("NO_CAPACITY still wins when no host at all has room; an explicit target names the rule", () => {
    const e = Engine.create([PLAIN, GPU("A10")], { dimensions: ["cpu", "memory"], vmCapacity: 8 });
    expect(e.place({ id: 0, demand: [9, 1], tenant: 1, tolerates: ["gpu"] }).rejection?.code).toBe("NO_CAPACITY");
    expect(e.placeOn({ id: 0, demand: [1, 1], tenant: 1 }, 1).rejection?.code).toBe("NO_MATCHING_HOST");
    expect(e.placeOn({ id: 0, demand: [1, 1], tenant: 1, tolerates: ["gpu=yes"] }, 1).rejection?.code).toBe("NO_MATCHING_HOST");
    expect(e.placeOn({ id: 0, demand: [1, 1], tenant: 1, tolerates: ["gpu"] }, 1).host).toBe(1);
  });

  it("batches take constraint ids; moves keep the VM's constraint", () => {
    const e = Engine.create([PLAIN, GPU("V100M32"), PLAIN, GPU("V100M32")], { dimensions: ["cpu", "memory"], vmCapacity: 8 });
    const c = e.constraint({ requires: { gpu: ["V100M32"] }, tolerates: ["gpu"] });
    expect(e.constraint({ tolerates: ["gpu"], requires: { gpu: ["V100M32", "V100M32"] } })).toBe(c);
    const r = e.placeBatch({ ids: [0, 1, 2], demands: [4, 4, 4, 4, 4, 4], tenants: [1, 1, 1], constraints: [c, 0, c] }, { policy: "first-fit" });
    expect(Array.from(r.hosts)).toEqual([1, 0, 1]);
    expect(e.move(0, { policy: "first-fit" }).host).toBe(3);
    expect(e.move(1, { target: 3 }).rejection?.code).toBe("NO_MATCHING_HOST");
    expect(e.explain(r, 0)).toBeUndefined();
  });

  it("labels survive addHosts and trap recovery", () => {
    const e = Engine.create([PLAIN], { dimensions: ["cpu", "memory"], vmCapacity: 8, hostCapacity: 1 });
    const first = e.addHosts([GPU("V100M16")]); // past hostCapacity: the core is rebuilt
    expect(first).toBe(1);
    expect(e.place({ id: 0, demand: [1, 1], tenant: 1, requires: { gpu: ["V100M16"] }, tolerates: ["gpu"] }).host).toBe(1);
    e.injectTrapAfter(0);
    vmfabricErrorOf(() => e.placeBatch({ ids: [1], demands: [1, 1], tenants: [1] }));
    expect(e.hostOf(0)).toBe(1);
    expect(e.move(0, { policy: "first-fit" }).rejection?.code).toBe("NO_MATCHING_HOST");
  });

  it("bad labels, taints and requirements are errors naming the field and value; nothing changes", () => {
    const bad: Array<[HostSpec, string]> = [
      [{ capacity: [1, 1], labels: { "": "x" } }, "hosts[0].labels"],
      [{ capacity: [1, 1], labels: { gpu: "a b" } }, "hosts[0].labels.gpu"],
      [{ capacity: [1, 1], labels: ["gpu"] as unknown as Record<string, string> }, "hosts[0].labels"],
      [{ capacity: [1, 1], taints: "gpu" as unknown as string[] }, "hosts[0].taints"],
      [{ capacity: [1, 1], taints: ["=x"] }, "hosts[0].taints[0]"],
    ];
    for (const [h, field] of bad) expect(vmfabricErrorOf(() => Engine.create([h], { dimensions: ["cpu", "memory"] })).field).toBe(field);
    const e = Engine.create([PLAIN, GPU("A10")], { dimensions: ["cpu", "memory"], vmCapacity: 8 });
    const before = observeEngine(e);
    const err = vmfabricErrorOf(() => e.place({ id: 0, demand: [1, 1], tenant: 1, requires: { gpu: [] } }));
    expect(err.field).toBe("request.requires.gpu");
    expect(vmfabricErrorOf(() => e.place({ id: 0, demand: [1, 1], tenant: 1, tolerates: [7] as unknown as string[] })).field).toBe("request.tolerates[0]");
    expect(vmfabricErrorOf(() => e.placeBatch({ ids: [0], demands: [1, 1], tenants: [1], constraints: [99] })).field).toBe("batch.constraints[0]");
    expect(vmfabricErrorOf(() => e.addHosts([{ capacity: [1, 1], labels: { gpu: "bad value!" } }])).field).toBe("hosts[0].labels.gpu");
    expect(observeEngine(e)).toEqual(before);
  });
});

// ---- random streams against the reference ----

// Hosts and constraints from the model test's generators (support/label-arbitraries).
const hostArb = fc.record({
  cap: fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 })),
  attrs: hostLabelsArb,
  inService: fc.boolean(),
}).map(({ cap, attrs, inService }): { spec: HostSpec } => ({ spec: { capacity: cap, labels: attrs.labels, taints: attrs.taints, inService } }));

type Op =
  | { k: "place"; id: number; demand: [number, number]; con: number; policy: Policy }
  | { k: "batch"; ids: number[]; demands: [number, number][]; cons: number[]; policy: Policy }
  | { k: "release"; id: number }
  | { k: "move"; id: number; target: number | undefined; policy: Policy }
  | { k: "service"; host: number; on: boolean };

const VMS = 12;
const demandArb = fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 }));
const opArb = (hosts: number, cons: number): fc.Arbitrary<Op> => fc.oneof(
  fc.record({ k: fc.constant("place" as const), id: fc.nat(VMS - 1), demand: demandArb, con: fc.nat(cons - 1), policy: fc.constantFrom(...POLICY_LIST) }),
  fc.record({ k: fc.constant("batch" as const), ids: fc.uniqueArray(fc.nat(VMS - 1), { minLength: 1, maxLength: 4 }), demands: fc.array(demandArb, { minLength: 4, maxLength: 4 }), cons: fc.array(fc.nat(cons - 1), { minLength: 4, maxLength: 4 }), policy: fc.constantFrom(...POLICY_LIST) }),
  fc.record({ k: fc.constant("release" as const), id: fc.nat(VMS - 1) }),
  fc.record({ k: fc.constant("move" as const), id: fc.nat(VMS - 1), target: fc.option(fc.nat(hosts - 1), { nil: undefined }), policy: fc.constantFrom(...POLICY_LIST) }),
  fc.record({ k: fc.constant("service" as const), host: fc.nat(hosts - 1), on: fc.boolean() }),
);

const caseArb = fc.record({
  hosts: fc.array(hostArb, { minLength: 1, maxLength: 7 }),
  cons: fc.array(constraintArb, { minLength: 1, maxLength: 4 }),
}).chain(({ hosts, cons }) => fc.record({
  hosts: fc.constant(hosts),
  cons: fc.constant([{ requires: {}, tolerates: [] } as RefConstraint, ...cons]),
  ops: fc.array(opArb(hosts.length, cons.length + 1), { minLength: 1, maxLength: 40 }),
}));

describe("labels against the reference", () => {
  it("random labelled fleets and constraints: same hosts, same reasons, same state after every operation", () => {
    fc.assert(fc.property(caseArb, ({ hosts, cons, ops }) => {
      const e = Engine.create(hosts.map((h) => h.spec), { dimensions: ["cpu", "memory"], vmCapacity: VMS });
      const ids = cons.map((c) => e.constraint(c));
      // The reference reads the hosts' labels and taints from their specs and applies its own
      // restatement of the rule (labelsAdmit) to the constraints by index.
      const ref = new RefEngine(hosts.map((h) => h.spec), { dims: 2, vmCapacity: VMS });
      ref.constraints = cons;
      for (const op of ops) {
        if (op.k === "place") {
          if (e.hostOf(op.id) >= 0) continue;
          const got = e.place({ id: op.id, demand: op.demand, tenant: 1, ...cons[op.con] }, { policy: op.policy });
          const want = ref.place({ id: op.id, demand: op.demand, tenant: 1, constraint: op.con }, { policy: op.policy });
          expect(got.host).toBe(want.host);
          if (want.host < 0) expect(got.rejection?.code).toBe(REASON_CODES[want.reason]);
        } else if (op.k === "batch") {
          const ids2 = op.ids.filter((id) => e.hostOf(id) < 0);
          if (ids2.length === 0) continue;
          const n = ids2.length;
          const got = e.placeBatch({ ids: ids2, demands: op.demands.slice(0, n).flat(), tenants: ids2.map(() => 1), constraints: op.cons.slice(0, n).map((c) => ids[c]) }, { policy: op.policy });
          const want = ref.placeBatch(ids2.map((id, i) => ({ id, demand: op.demands[i], tenant: 1, constraint: op.cons[i] })), { policy: op.policy });
          expect(Array.from(got.hosts)).toEqual(want.map((w) => w.host));
          expect(Array.from(got.reasons)).toEqual(want.map((w) => w.reason));
        } else if (op.k === "release") {
          if (e.hostOf(op.id) < 0) continue;
          e.release(op.id);
          ref.release(op.id);
        } else if (op.k === "move") {
          const from = e.hostOf(op.id);
          if (from < 0 || op.target === from) continue;
          const got = e.move(op.id, op.target === undefined ? { policy: op.policy } : { target: op.target });
          const want = ref.move(op.id, op.target === undefined ? { policy: op.policy } : { target: op.target });
          expect(got.host).toBe(want.host);
          if (want.host < 0) expect(got.rejection?.code).toBe(REASON_CODES[want.reason]);
        } else {
          e.setHostInService(op.host, op.on);
          ref.setHostInService(op.host, op.on);
        }
        for (let h = 0; h < hosts.length; h++) expect(e.freeOf(h)).toEqual(ref.freeOf(h));
      }
    }), { numRuns: 300 });
  });
});

describe("plans respect labels", () => {
  it("consolidation and drains never move a VM to a host its labels do not admit", async () => {
    const { planConsolidate, planDrain, applyPlan } = await import("../src/plans/index.js");
    // Host 0 (V100) holds one V100-only VM; host 1 (plain) has room; host 2 (V100) too.
    const e = Engine.create([GPU("V100M32", false), PLAIN, GPU("V100M32", false)], { dimensions: ["cpu", "memory"], vmCapacity: 8 });
    expect(e.placeOn({ id: 0, demand: [1, 1], tenant: 1, requires: { gpu: ["V100M32"] } }, 0).host).toBe(0);
    expect(e.placeOn({ id: 1, demand: [6, 6], tenant: 1 }, 1).host).toBe(1);
    const plan = planConsolidate(e, { budget: { moves: 5 } });
    for (const m of plan.moves) if (m.vm === 0) expect(m.to).toBe(2);
    applyPlan(e, plan);
    e.setHostInService(e.hostOf(0), false);
    const drain = planDrain(e, [e.hostOf(0)]);
    expect(drain.moves.every((m) => m.vm !== 0 || m.to === 0 || m.to === 2)).toBe(true);
  });
});
