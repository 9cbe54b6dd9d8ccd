// Hand-made cases for the README's placement contract, and regressions for bugs the model
// comparison found. Each is also checked against the reference model.
import { describe, expect, test } from "vitest";
import { Engine } from "../src/index.js";
import type { HostSpec } from "../src/types.js";
import { NO_DEP, RefEngine } from "./support/reference.js";

function pair(hosts: HostSpec[], dims: string[], opts: { policy?: "first-fit" | "best-fit" | "spread" | "dot-product" | "l2"; maxPerHost?: number } = {}) {
  const e = Engine.create(hosts, { dimensions: dims, vmCapacity: 32, ...opts });
  const r = new RefEngine(hosts, { dims: dims.length, vmCapacity: 32, ...opts });
  return { e, r };
}

describe("placement contract examples", () => {
  test("regression: a dedicated VM is not kept off an empty host after a fault-domain-blocked search", () => {
    // Core bug (fixed in assembly/search.ts): searchDedicated's empty-host loop reused a stale
    // fdBlocked flag for a host that did not fit, and skipped the rest of its fault domain.
    const hosts = [{ capacity: [4, 4], faultDomain: 0 }, { capacity: [0, 0], faultDomain: 1 }, { capacity: [4, 0], faultDomain: 1 }];
    const { e, r } = pair(hosts, ["cpu", "mem"], { policy: "first-fit", maxPerHost: 2 });
    e.setTenantDedicated(9);
    r.setTenantDedicated(9);
    const b = { ids: [0, 1, 2], demands: [1, 1, 1, 1, 1, 0], tenants: [0, 0, 9], deployments: [7, 7, NO_DEP] };
    const res = e.placeBatch(b);
    const ref = r.placeBatch([0, 1, 2].map((i) => ({ id: i, demand: b.demands.slice(2 * i, 2 * i + 2), tenant: b.tenants[i], deployment: b.deployments[i] })));
    expect(Array.from(res.hosts)).toEqual([0, -1, 2]);
    expect(Array.from(res.hosts)).toEqual(ref.map((x) => x.host));
    expect(e.explain(res, 1)?.code).toBe("FAULT_DOMAIN_SPREAD");
  });

  test("batch reasonDims is 255 for placed entries and non-capacity rejections (types.ts contract)", () => {
    const { e } = pair([{ capacity: [2, 2] }], ["a", "b"]);
    const res = e.placeBatch({ ids: [0, 1, 2], demands: [1, 1, 1, 3, 1, 1], tenants: [0, 0, 0], deployments: [NO_DEP, NO_DEP, NO_DEP] });
    expect(Array.from(res.hosts)).toEqual([0, -1, 0]);
    expect(Array.from(res.reasonDims)).toEqual([255, 1, 255]);
    expect(e.explain(res, 1)).toMatchObject({ code: "NO_CAPACITY", dimension: "b" });
  });

  test("NO_CAPACITY names the dimension most in-service hosts are short of, lowest on ties; out-of-service hosts do not count", () => {
    const hosts = [{ capacity: [1, 9, 9] }, { capacity: [9, 1, 9] }, { capacity: [9, 1, 9] }, { capacity: [1, 9, 9], inService: false }, { capacity: [1, 9, 9], inService: false }];
    const { e } = pair(hosts, ["a", "b", "c"]);
    expect(e.place({ id: 0, demand: [2, 2, 0], tenant: 0 }).rejection).toMatchObject({ code: "NO_CAPACITY", dimension: "b" });
    e.setHostInService(3, true);
    expect(e.place({ id: 0, demand: [2, 2, 0], tenant: 0 }).rejection).toMatchObject({ code: "NO_CAPACITY", dimension: "a" }); // 2-2 tie
  });

  test("policies pick exactly as documented", () => {
    // free levels: host 0 full-ish, host 1 half, host 2 empty. dot-product / l2 rank only the
    // used hosts (the window ends at the first empty one): dot-product prefers host 1, l2 host 0.
    const hosts = [{ capacity: [8, 8] }, { capacity: [8, 8] }, { capacity: [8, 8] }];
    for (const [policy, want] of [["first-fit", 0], ["best-fit", 0], ["spread", 2], ["dot-product", 1], ["l2", 0]] as const) {
      const { e, r } = pair(hosts, ["a", "b"], { policy: "first-fit" });
      for (const [id, d] of [[0, [6, 6]], [1, [4, 4]]] as const) {
        e.placeOn({ id, demand: [...d], tenant: 0 }, id);
        r.place({ id, demand: [...d], tenant: 0 }, {}); // first-fit also lands on host `id` here
      }
      const p = e.place({ id: 5, demand: [1, 1], tenant: 0 }, { policy });
      expect([policy, p.host]).toEqual([policy, want]);
      expect(r.place({ id: 5, demand: [1, 1], tenant: 0 }, { policy }).host).toBe(want);
    }
    // With no used host that fits, dot-product opens the best-fit-first empty host.
    const { e } = pair(hosts, ["a", "b"]);
    e.placeOn({ id: 0, demand: [8, 8], tenant: 0 }, 1);
    expect(e.place({ id: 1, demand: [1, 1], tenant: 0 }, { policy: "dot-product" }).host).toBe(0);
  });

  test("move by policy never stays put; NO_CAPACITY for a move ignores the source host", () => {
    const { e } = pair([{ capacity: [4] }, { capacity: [1] }, { capacity: [1], inService: false }], ["a"]);
    e.place({ id: 0, demand: [2], tenant: 0 });
    const m = e.move(0, { policy: "first-fit" });
    expect(m.host).toBe(-1);
    expect(m.rejection).toMatchObject({ code: "NO_CAPACITY", dimension: "a" });
    expect(e.hostOf(0)).toBe(0);
    expect(e.move(0, { target: 2 }).rejection?.code).toBe("NO_HOST_IN_SERVICE");
    expect(e.move(0, { target: 1 }).rejection).toMatchObject({ code: "NO_CAPACITY", dimension: "a" });
  });

  test("fault-domain spread counts only fault domains with an in-service host", () => {
    const hosts = [{ capacity: [9], faultDomain: 0 }, { capacity: [9], faultDomain: 0 }, { capacity: [9], faultDomain: 1 }, { capacity: [9], faultDomain: 2, inService: false }];
    const { e } = pair(hosts, ["a"], { policy: "first-fit" });
    // F = 2, n = 4: at most 2 per domain, one per host.
    const res = e.placeBatch({ ids: [0, 1, 2, 3], demands: [1, 1, 1, 1], tenants: [0, 0, 0, 0], deployments: [5, 5, 5, 5] });
    expect(Array.from(res.hosts)).toEqual([0, 1, 2, -1]);
    expect(e.explain(res, 3)?.code).toBe("ANTI_AFFINITY");
  });

  test("offline batches place largest first, stably, and report in input order", () => {
    const { e } = pair([{ capacity: [4] }, { capacity: [4] }], ["a"], { policy: "first-fit" });
    const res = e.placeBatch({ ids: [0, 1, 2, 3], demands: [1, 3, 1, 3], tenants: [0, 0, 0, 0] }, { offline: true });
    expect(Array.from(res.hosts)).toEqual([0, 0, 1, 1]);
  });

  test("NO_DEPLOYMENT means no deployment in place() as in placeBatch()", () => {
    const { e } = pair([{ capacity: [4] }], ["a"]);
    expect(e.place({ id: 0, demand: [1], tenant: 0, deployment: NO_DEP }).host).toBe(0);
    // No anti-affinity between VMs without a deployment.
    expect(e.place({ id: 1, demand: [1], tenant: 0, deployment: NO_DEP }).host).toBe(0);
    expect(e.deploymentOf(1)).toBeUndefined();
  });

  test("a fleet-spec entry with no hosts does not widen the offline size scale", () => {
    // By true scale (4, 4) VM 0 = [4,1] is larger than VM 1 = [1,3] and goes first; were the
    // empty 100-wide type counted, VM 0 would shrink to (0.04 + 0.25) / 2 and go second.
    const spec = { hostTypes: [{ capacity: [4, 4], count: 2 }, { capacity: [100, 4], count: 0 }] };
    const e = Engine.create(spec, { dimensions: ["a", "b"], vmCapacity: 8, policy: "first-fit" });
    expect(e.hostCount).toBe(2);
    const res = e.placeBatch({ ids: [0, 1], demands: [4, 1, 1, 3], tenants: [0, 0] }, { offline: true });
    expect(Array.from(res.hosts)).toEqual([0, 1]);
  });

  test("a VM table too large for WebAssembly's 4 GiB is a LIMIT error naming vmCapacity, not a trap", () => {
    const dims = Array.from({ length: 16 }, (_, i) => `d${i}`);
    let err: unknown;
    try {
      Engine.create([{ capacity: dims.map(() => 1) }], { dimensions: dims, vmCapacity: 1 << 26 });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: "LIMIT", field: "vmCapacity", value: 1 << 26 });
  });

  test("queries: usedOf, hostUtilization, hostTypeOf and stats().utilization agree with what was placed", () => {
    const hosts = [
      { capacity: [10, 20], reservation: [2, 4], oversubscription: [1.5, 1], faultDomain: 3 },
      { capacity: [10, 20], reservation: [2, 4], oversubscription: [1.5, 1], faultDomain: 4 },
      { capacity: [8, 8], inService: false },
    ];
    const e = Engine.create(hosts, { dimensions: ["cpu", "mem"], vmCapacity: 8, policy: "first-fit" });
    expect(e.hostTypeOf(0)).toEqual({ capacity: [10, 20], reservation: [2, 4], oversubscription: [1.5, 1], effective: [12, 16] });
    expect(e.capacityOf(1)).toEqual([12, 16]);
    e.place({ id: 0, demand: [5, 4], tenant: 0 });
    e.place({ id: 1, demand: [6, 10], tenant: 0 });
    e.place({ id: 2, demand: [3, 3], tenant: 0 });
    // first-fit: VMs 0 and 1 share host 0 (11 of 12 cpu, 14 of 16 mem); VM 2 goes to host 1.
    expect([e.hostOf(0), e.hostOf(1), e.hostOf(2)]).toEqual([0, 0, 1]);
    expect(e.usedOf(0)).toEqual([11, 14]);
    expect(e.usedOf(1)).toEqual([3, 3]);
    expect(e.usedOf(2)).toEqual([0, 0]);
    expect(Array.from(e.hostUtilization("cpu"))).toEqual([11 / 12, 3 / 12, 0]);
    expect(Array.from(e.hostUtilization("mem"))).toEqual([14 / 16, 3 / 16, 0]);
    const st = e.stats();
    // Only in-service hosts count: host 2 is out of service.
    expect(st.utilization.cpu).toBeCloseTo(14 / 24, 12);
    expect(st.utilization.mem).toBeCloseTo(17 / 32, 12);
    expect([st.hostsUsed, st.vmsPlaced, st.hostsInService, st.faultDomains]).toEqual([2, 3, 2, 2]);
    expect(e.vmsOnHost(0).sort()).toEqual([0, 1]);
    expect(() => e.hostUtilization("disk")).toThrow(/dimension must be one of cpu, mem/);
  });
});
