// Keeping scarce hosts free: a VM that asks none of a special dimension (one some host types
// have none of, like a GPU) goes to a host without it whenever one can take it.
import { describe, expect, it } from "vitest";
import { Engine } from "../src/engine.js";
import { typeRanks } from "../src/type-ranks.js";
import { vmfabricErrorOf } from "./support/errors.js";

const CPU = { capacity: [8, 8, 0] };
const GPU = { capacity: [16, 16, 4] };
const dims = { dimensions: ["cpu", "memory", "gpu"], vmCapacity: 32 };

describe("keeping scarce hosts free", () => {
  it("a CPU-only VM avoids the GPU host while a CPU host fits, then takes it", () => {
    const e = Engine.create([CPU, GPU, CPU], dims);
    // A GPU VM makes the GPU host the tightest (best-fit would take it next).
    expect(e.place({ id: 0, demand: [12, 12, 1], tenant: 1 }).host).toBe(1);
    expect(e.place({ id: 1, demand: [2, 2, 0], tenant: 1 }).host).toBe(0);
    expect(e.place({ id: 2, demand: [2, 2, 0], tenant: 1 }, { keepScarceHostsFree: false }).host).toBe(1);
    // CPU hosts full: the GPU host is used rather than rejecting the VM.
    expect(e.place({ id: 3, demand: [6, 6, 0], tenant: 1 }).host).toBe(0);
    expect(e.place({ id: 4, demand: [8, 8, 0], tenant: 1 }).host).toBe(2);
    expect(e.place({ id: 5, demand: [1, 1, 0], tenant: 1 }).host).toBe(1);
    // A VM asking for the GPU is not affected.
    expect(e.place({ id: 6, demand: [1, 1, 1], tenant: 1 }).host).toBe(1);
  });

  it("batches and policy moves keep the rule; an engine-wide default can turn it off", () => {
    const e = Engine.create([GPU, CPU], dims);
    const r = e.placeBatch({ ids: [0, 1], demands: [1, 1, 0, 1, 1, 1], tenants: [1, 1] }, { policy: "first-fit" });
    expect(Array.from(r.hosts)).toEqual([1, 0]);
    const off = Engine.create([GPU, CPU], { ...dims, keepScarceHostsFree: false });
    expect(off.place({ id: 0, demand: [1, 1, 0], tenant: 1 }, { policy: "first-fit" }).host).toBe(0);
    expect(off.move(0, { policy: "first-fit", keepScarceHostsFree: true }).host).toBe(1);
    expect(vmfabricErrorOf(() => off.place({ id: 1, demand: [1, 1, 0], tenant: 1 }, { keepScarceHostsFree: 1 as unknown as boolean })).field).toBe("keepScarceHostsFree");
  });

  it("a dimension becomes special when a host type without it (or with it) arrives", () => {
    const e = Engine.create([GPU], dims);
    expect(e.place({ id: 0, demand: [1, 1, 0], tenant: 1 }, { policy: "first-fit" }).host).toBe(0);
    e.addHosts([CPU]);
    expect(e.place({ id: 1, demand: [1, 1, 0], tenant: 1 }, { policy: "first-fit" }).host).toBe(1);
  });

  it("a GPU host whose GPUs are all taken is ordinary until one comes free", () => {
    const e = Engine.create([CPU, GPU], dims);
    expect(e.place({ id: 0, demand: [12, 12, 4], tenant: 1 }).host).toBe(1);
    // Host 1 (4 cores left, no GPU free) is now the tightest ordinary host.
    expect(e.place({ id: 1, demand: [2, 2, 0], tenant: 1 }).host).toBe(1);
    e.release(0);
    expect(e.place({ id: 2, demand: [2, 2, 0], tenant: 1 }).host).toBe(0);
    // A GPU coming free on a host holding a CPU-only VM makes it special again.
    expect(e.place({ id: 3, demand: [13, 13, 3], tenant: 1 }).host).toBe(1);
    expect(e.place({ id: 4, demand: [1, 1, 0], tenant: 1 }).host).toBe(0);
  });

  it("the same holds for a demand asked often enough to get a shape class", () => {
    const e = Engine.create([{ capacity: [64, 64, 0] }, GPU], dims);
    let id = 0;
    for (let i = 0; i < 12; i++) expect(e.place({ id: id++, demand: [1, 1, 0], tenant: 1 }).host).toBe(0);
    const gpuVm = id++;
    expect(e.place({ id: gpuVm, demand: [15, 15, 4], tenant: 1 }).host).toBe(1);
    expect(e.place({ id: id++, demand: [1, 1, 0], tenant: 1 }).host).toBe(1);
    e.release(gpuVm);
    for (let i = 0; i < 3; i++) expect(e.place({ id: id++, demand: [1, 1, 0], tenant: 1 }).host).toBe(0);
    expect(e.place({ id: id++, demand: [14, 14, 4], tenant: 1 }).host).toBe(1);
    expect(e.place({ id: id++, demand: [1, 1, 0], tenant: 1 }).host).toBe(1);
  });
});

describe("smallestHostsFirst: an empty host of the smallest size first", () => {
  const SMALL_FIRST = { ...dims, smallestHostsFirst: true };
  const BIG = { capacity: [96, 96, 8] };   // an 8-GPU node
  const SMALL = { capacity: [32, 32, 2] }; // a 2-GPU node
  const MID = { capacity: [64, 64, 4] };

  it("a 1-GPU VM opening a host opens the 2-GPU node, not the 8-GPU one before it", () => {
    for (const policy of ["first-fit", "best-fit", "spread", "dot-product", "l2", "lifetime"] as const) {
      const e = Engine.create([BIG, MID, SMALL, SMALL], SMALL_FIRST);
      expect(e.place({ id: 0, demand: [1, 1, 1], tenant: 1 }, { policy }).host, policy).toBe(2);
      // Without the rule: first-fit and spread would take host 0 (lowest index; spread: an empty
      // host is among the least allocated), which is of the largest size, so the default (largest
      // last) gives them host 1; the others take the used host 2.
      expect(e.place({ id: 1, demand: [1, 1, 1], tenant: 1 }, { policy, smallestHostsFirst: false }).host, policy).toBe(policy === "spread" || policy === "first-fit" ? 1 : 2);
      // The engine's default opens the largest nodes last (host 1, the lowest-index node that
      // is not of the largest size); with keeping scarce hosts free off, the policy's own host 0.
      expect(Engine.create([BIG, MID, SMALL, SMALL], dims).place({ id: 0, demand: [1, 1, 1], tenant: 1 }, { policy }).host, policy).toBe(1);
      expect(Engine.create([BIG, MID, SMALL, SMALL], dims).place({ id: 0, demand: [1, 1, 1], tenant: 1 }, { policy, keepScarceHostsFree: false }).host, policy).toBe(0);
    }
  });

  it("by default the largest nodes open last: a VM only they can hold finds one empty", () => {
    const e = Engine.create([BIG, MID, BIG, SMALL], dims);
    // Every policy's first pick would be host 0; the rule takes the lowest-index smaller node.
    expect(e.place({ id: 0, demand: [16, 16, 2], tenant: 1 }).host).toBe(1);
    expect(e.place({ id: 1, demand: [16, 16, 2], tenant: 1 }).host).toBe(1);  // used hosts first (best-fit)
    expect(e.place({ id: 2, demand: [20, 20, 1], tenant: 1 }).host).toBe(3);  // MID has no GPU left: SMALL, not BIG
    expect(e.place({ id: 3, demand: [90, 90, 8], tenant: 1 }).host).toBe(0);  // only a BIG node can
    expect(e.place({ id: 4, demand: [60, 60, 1], tenant: 1 }).host).toBe(2);  // nothing smaller fits: BIG opens
    // Off per call: the policy's own choice (best-fit: the empty host of lowest index is 2, the
    // only empty host left; so check on a fresh engine).
    const f = Engine.create([BIG, MID, BIG, SMALL], dims);
    expect(f.place({ id: 0, demand: [16, 16, 2], tenant: 1 }, { keepScarceHostsFree: false }).host).toBe(0);
  });

  it("used hosts still come first (best-fit); a VM too large for the small nodes opens the smallest that fits", () => {
    const e = Engine.create([BIG, MID, SMALL, SMALL], SMALL_FIRST);
    expect(e.place({ id: 0, demand: [48, 48, 4], tenant: 1 }).host).toBe(1); // only MID and BIG fit: MID
    expect(e.place({ id: 1, demand: [4, 4, 0], tenant: 1 }).host).toBe(1);   // the used MID node, not an empty SMALL
    expect(e.place({ id: 2, demand: [40, 40, 5], tenant: 1 }).host).toBe(0); // only BIG has 5 GPUs
  });

  it("labels, fault-domain shares and a move's source are honoured by the smallest-first choice", () => {
    const e = Engine.create([{ ...BIG, labels: { gpu: "A100" } }, { ...SMALL, labels: { gpu: "T4" } }, { ...SMALL, labels: { gpu: "A100" } }], SMALL_FIRST);
    // The smallest empty node is host 1, but it is T4: the smallest A100 node is host 2.
    expect(e.place({ id: 0, demand: [1, 1, 1], tenant: 1, requires: { gpu: ["A100"] } }).host).toBe(2);
    // Moving it: its source is left out, so the only A100 node left is the big one.
    expect(e.move(0).host).toBe(0);
    // A deployment over two fault domains: the second instance may not join the first's domain.
    const f = Engine.create([{ ...BIG, faultDomain: 0 }, { ...SMALL, faultDomain: 1 }, { ...SMALL, faultDomain: 1 }], SMALL_FIRST);
    const r = f.placeBatch({ ids: [0, 1], demands: [1, 1, 1, 1, 1, 1], tenants: [1, 1], deployments: [7, 7] });
    expect(Array.from(r.hosts)).toEqual([1, 0]);
    expect(vmfabricErrorOf(() => f.place({ id: 5, demand: [1, 1, 0], tenant: 1 }, { smallestHostsFirst: "yes" as unknown as boolean })).field).toBe("smallestHostsFirst");
  });
});

describe("fewest devices first: a VM asking whole GPUs opens the node with the fewest", () => {
  // GPUs as devices (1000 units each). Size ranks (sum of shares of the largest): P100 0.53,
  // T4 1.73, G2 2.25, G3 3 (the largest, held back).
  const dev = { dimensions: ["cpu", "memory", "gpu"], devices: { gpu: 1000 }, vmCapacity: 32 };
  const G3 = { capacity: [128, 768, 8000] };
  const G2 = { capacity: [96, 384, 8000] };
  const P100 = { capacity: [16, 120, 2000] };
  const T4 = { capacity: [104, 512, 2000] };
  const fleet = [G3, G2, P100, T4, T4];

  it("a 1-GPU pod opens a 2-GPU node (the larger type of two), so an 8-GPU node stays whole", () => {
    const e = Engine.create(fleet, dev);
    expect(e.place({ id: 0, demand: [8, 32, 1000], tenant: 1 }).host).toBe(3);
    expect(e.place({ id: 1, demand: [8, 32, 1000], tenant: 1 }).host).toBe(3); // used host first (best-fit)
    expect(e.place({ id: 2, demand: [8, 32, 1000], tenant: 1 }).host).toBe(4); // the next T4, lowest index
    expect(e.place({ id: 3, demand: [88, 320, 8000], tenant: 1 }).host).toBe(1); // G2, still whole
    expect(e.place({ id: 4, demand: [120, 720, 8000], tenant: 1 }).host).toBe(0); // only G3 holds it
    expect(e.devicesOf(3)).toEqual({ gpu: [0, 1, 2, 3, 4, 5, 6, 7] });
  });

  it("the fewest GPUs among the nodes that can take the pod; the largest only when nothing else can", () => {
    const e = Engine.create(fleet, dev);
    expect(e.place({ id: 0, demand: [100, 100, 1000], tenant: 1 }).host).toBe(3); // P100 too small: T4
    expect(e.place({ id: 1, demand: [64, 64, 4000], tenant: 1 }).host).toBe(1);   // 4 GPUs: only G2 below G3
    expect(e.place({ id: 2, demand: [110, 100, 1000], tenant: 1 }).host).toBe(0); // 110 cores: only G3
  });

  it("fractions, keepScarceHostsFree off and smallestHostsFirst keep their own rules", () => {
    // A share: largest last, then the lowest index (G2).
    expect(Engine.create(fleet, dev).place({ id: 0, demand: [1, 4, 300], tenant: 1 }).host).toBe(1);
    // Off: the policy's own choice (best-fit: the lowest-index empty host).
    expect(Engine.create(fleet, dev).place({ id: 0, demand: [8, 32, 1000], tenant: 1 }, { keepScarceHostsFree: false }).host).toBe(0);
    // Smallest first: the smallest size rank that fits (P100).
    expect(Engine.create(fleet, dev).place({ id: 0, demand: [8, 32, 1000], tenant: 1 }, { smallestHostsFirst: true }).host).toBe(2);
  });

  it("labels narrow the offers: a pod requiring G2 opens G2 even though 2-GPU nodes are empty", () => {
    const labelled = [{ ...G3, labels: { gpu: "G3" } }, { ...G2, labels: { gpu: "G2" } }, { ...T4, labels: { gpu: "T4" } }];
    const e = Engine.create(labelled, dev);
    expect(e.place({ id: 0, demand: [8, 32, 1000], tenant: 1, requires: { gpu: ["G2", "G3"] } }).host).toBe(1);
    expect(e.place({ id: 1, demand: [8, 32, 1000], tenant: 1 }).host).toBe(1); // used host first
    expect(e.place({ id: 2, demand: [90, 64, 1000], tenant: 1 }).host).toBe(2); // G2 has 80 cores left: T4
  });
});

describe("more than 16 host sizes: the smallest share rank 0, the largest stay apart", () => {
  const dev = { dimensions: ["cpu", "memory", "gpu"], devices: { gpu: 1000 }, vmCapacity: 32 };
  const G3 = { capacity: [128, 768, 8000] };
  const G2 = { capacity: [96, 384, 8000] };
  // 17 CPU-only sizes, all smaller than G2: 19 sizes in all.
  const cpu = Array.from({ length: 17 }, (_, i) => ({ capacity: [4 + 4 * i, 16 + 16 * i, 0] }));

  it("typeRanks folds the smallest sizes, not the largest", () => {
    const ranks = typeRanks([...cpu, G2, G3].map((t) => t.capacity));
    // 19 sizes: the 4 smallest share rank 0, then one rank each up to 15.
    expect(ranks).toEqual([0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect(typeRanks([G3, G2, G3].map((t) => t.capacity))).toEqual([1, 0, 1]);
  });

  it("an 8-GPU pod opens G2, not the largest G3 before it, in a fleet of 19 sizes", () => {
    // Folding the largest sizes into rank 15 put G2 and G3 in one rank, and G3 (the lowest
    // index) opened for a pod G2 could hold (the Alibaba gpushare20 sample's rejection).
    const e = Engine.create([G3, G2, ...cpu], dev);
    expect(e.place({ id: 0, demand: [88, 320, 8000], tenant: 1 }).host).toBe(1);
    expect(e.place({ id: 1, demand: [120, 720, 8000], tenant: 1 }).host).toBe(0);
  });

  it("smallest first: within the folded rank 0 the lowest index opens", () => {
    const e = Engine.create([G3, G2, ...cpu.slice().reverse()], { ...dev, smallestHostsFirst: true });
    // Hosts 15..18 hold the 4 smallest sizes (rank 0): the lowest index of them, host 15 (the
    // fourth smallest), opens for a VM every host can take.
    expect(e.place({ id: 0, demand: [1, 1, 0], tenant: 1 }).host).toBe(15);
  });
});
