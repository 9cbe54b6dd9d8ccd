// Growing and shrinking the fleet: addHosts (in place within hostCapacity, else a rebuilt core
// with twice the room) and retireHost. Bad input is a VmfabricError naming field and value,
// and changes nothing.
import { describe, expect, test } from "vitest";
import { Engine } from "../src/index.js";
import type { FleetSpec, HostSpec } from "../src/types.js";
import { observeEngine, vmfabricErrorOf } from "./support/errors.js";

const DIMS = { dimensions: ["cpu", "mem"] };

/** An engine with VMs on it: 3 hosts in fault domains 0, 2, 5; VMs 0..3 placed first-fit. */
function busyEngine(hostCapacity?: number): Engine {
  const e = Engine.create([
    { capacity: [8, 8], faultDomain: 0 },
    { capacity: [4, 16], faultDomain: 2 },
    { capacity: [8, 8], faultDomain: 5 },
  ], { ...DIMS, vmCapacity: 64, policy: "first-fit", ...(hostCapacity === undefined ? {} : { hostCapacity }) });
  e.setTenantDedicated(7);
  e.place({ id: 0, demand: [3, 3], tenant: 0 });
  e.place({ id: 1, demand: [5, 1], tenant: 0 });
  e.place({ id: 2, demand: [2, 9], tenant: 0 });
  e.place({ id: 3, demand: [1, 1], tenant: 7 });
  return e;
}

/** The whole observable state must be the same after `f` threw. */
function expectRefused(e: Engine, f: () => unknown, code: string, field: string, value: unknown): string {
  const before = observeEngine(e, [0, 7]);
  const err = vmfabricErrorOf(f);
  expect({ code: err.code, field: err.field, value: err.value }).toEqual({ code, field, value });
  expect(err.message).toContain(field.replace(/\[\d+\].*$/, ""));
  expect(observeEngine(e, [0, 7])).toEqual(before);
  return err.message;
}

describe("bad input to addHosts and retireHost changes nothing", () => {
  test("a host with the wrong number of dimensions (host list and fleet spec)", () => {
    const e = busyEngine();
    const m = expectRefused(e, () => e.addHosts([{ capacity: [1, 1] }, { capacity: [1, 2, 3] }]), "INVALID_INPUT", "hosts[1].capacity", [1, 2, 3]);
    expect(m).toMatch(/hosts\[1\]\.capacity.*2.*\[1,2,3\]/);
    expectRefused(e, () => e.addHosts({ hostTypes: [{ capacity: [4], count: 2 }] }), "INVALID_INPUT", "hostTypes[0].capacity", [4]);
    expectRefused(e, () => e.addHosts([{ capacity: [4, 4], reservation: [1] }]), "INVALID_INPUT", "hosts[0].reservation", [1]);
    expect(e.hostCount).toBe(3);
  });

  test("an empty host list, a fleet spec adding no host, not a fleet at all", () => {
    const e = busyEngine();
    expect(expectRefused(e, () => e.addHosts([]), "INVALID_INPUT", "hosts", 0)).toMatch(/at least one more host.*0/);
    expectRefused(e, () => e.addHosts({ hostTypes: [{ capacity: [4, 4], count: 0 }] }), "INVALID_INPUT", "hosts", 0);
    expectRefused(e, () => e.addHosts({ hostTypes: [] }), "INVALID_INPUT", "hostTypes", []);
    expectRefused(e, () => e.addHosts(null as unknown as HostSpec[]), "INVALID_INPUT", "hosts", null);
    expectRefused(e, () => e.addHosts({ hostTypes: [{ capacity: [4, 4], count: -1 }] }), "INVALID_INPUT", "hostTypes[0].count", -1);
  });

  test("past 2^24 hosts: LIMIT, checked before anything is allocated", () => {
    const e = busyEngine();
    const m = expectRefused(e, () => e.addHosts({ hostTypes: [{ capacity: [1, 1], count: 2 ** 24 - 2 }] }), "LIMIT", "hosts", 2 ** 24 + 1);
    expect(m).toMatch(/16777217 hosts.*16777216/);
    expectRefused(e, () => e.addHosts({ hostTypes: [{ capacity: [1, 1], count: 2 ** 24 + 1 }] }), "LIMIT", "hostTypes[0].count", 2 ** 24 + 1);
  });

  test("retiring a host that holds VMs: HOST_NOT_EMPTY says how many", () => {
    const e = busyEngine();
    expect(e.vmCountOf(0)).toBe(2);
    expect(expectRefused(e, () => e.retireHost(0), "HOST_NOT_EMPTY", "host", 0)).toMatch(/host 0 holds 2 VMs/);
    expect(expectRefused(e, () => e.retireHost(2), "HOST_NOT_EMPTY", "host", 2)).toMatch(/host 2 holds 1 VM\b/);
    // Out of service does not make it empty.
    e.setHostInService(1, false);
    expect(expectRefused(e, () => e.retireHost(1), "HOST_NOT_EMPTY", "host", 1)).toMatch(/holds 1 VM\b/);
  });

  test("retiring twice is a no-op; a retired host cannot return to service", () => {
    const e = busyEngine();
    e.release(2);
    e.retireHost(1);
    const once = observeEngine(e, [0, 7]);
    expect(once.stats).toMatchObject({ hosts: 2, retiredHosts: 1, hostsInService: 2 });
    e.retireHost(1);
    expect(observeEngine(e, [0, 7])).toEqual(once);
    expect(expectRefused(e, () => e.setHostInService(1, true), "HOST_RETIRED", "host", 1)).toMatch(/host 1 was retired/);
    e.setHostInService(1, false); // already out: allowed, nothing changes
    expect(observeEngine(e, [0, 7])).toEqual(once);
    expect(e.placeOn({ id: 9, demand: [1, 1], tenant: 0 }, 1).rejection?.code).toBe("NO_HOST_IN_SERVICE");
    expect(e.move(0, { target: 1 }).rejection?.code).toBe("NO_HOST_IN_SERVICE");
  });

  test("host ids out of range or not integers", () => {
    const e = busyEngine();
    expectRefused(e, () => e.retireHost(3), "INVALID_INPUT", "host", 3);
    expectRefused(e, () => e.retireHost(-1), "INVALID_INPUT", "host", -1);
    expectRefused(e, () => e.retireHost(1.5), "INVALID_INPUT", "host", 1.5);
    expectRefused(e, () => e.isHostRetired("0" as unknown as number), "INVALID_INPUT", "host", "0");
  });

  test("hosts whose core tables would pass 4 GiB: LIMIT before the fleet changes", () => {
    const e = Engine.create([{ capacity: new Array(16).fill(4) }], { dimensions: Array.from({ length: 16 }, (_, d) => `d${d}`), vmCapacity: 8 });
    e.place({ id: 0, demand: new Array(16).fill(1), tenant: 0 });
    const before = observeEngine(e);
    const err = vmfabricErrorOf(() => e.addHosts({ hostTypes: [{ capacity: new Array(16).fill(4), count: 2 ** 24 - 1 }] }));
    expect({ code: err.code, field: err.field, value: err.value }).toEqual({ code: "LIMIT", field: "hosts", value: 2 ** 24 });
    expect(err.message).toMatch(/4 GiB/);
    expect(observeEngine(e)).toEqual(before);
  });
});

describe("addHosts growth", () => {
  /** Adds hosts `rounds` times, one or two at a time, checking nothing already there moved. */
  function grow(e: Engine, rounds: number, asSpec: boolean): number[] {
    const vms = [...Array(e.vmCapacity).keys()].filter((v) => e.hostOf(v) >= 0);
    const firsts: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const before = observeEngine(e, [0, 7]);
      const n = 1 + (r % 2);
      const capacity = [4 + (r % 3), 4 + r];
      const first = e.addHosts(asSpec ? { hostTypes: [{ capacity, count: n, hostsPerFaultDomain: 1 }] } : Array.from({ length: n }, () => ({ capacity })));
      expect(first).toBe(before.free.length);
      expect(e.hostCount).toBe(first + n);
      firsts.push(first);
      const after = observeEngine(e, [0, 7]);
      // Every VM and every old host exactly as before.
      expect(after.vmHost).toEqual(before.vmHost);
      expect(after.free.slice(0, first)).toEqual(before.free);
      expect(after.vms.slice(0, first)).toEqual(before.vms);
      expect(after.inService.slice(0, first)).toEqual(before.inService);
      expect(after.dedicated).toEqual(before.dedicated);
      for (let h = first; h < first + n; h++) {
        expect(e.capacityOf(h)).toEqual(capacity);
        expect(e.freeOf(h)).toEqual(capacity);
        expect(e.vmCountOf(h)).toBe(0);
      }
      expect(after.stats).toMatchObject({ vmsPlaced: vms.length, hosts: before.stats.hosts + n, retiredHosts: before.stats.retiredHosts });
    }
    return firsts;
  }

  test("many small addHosts past hostCapacity (rebuilds): placements, free vectors, tenancy and service states unchanged", () => {
    const e = busyEngine(3);
    e.setHostInService(1, false);
    e.release(3);
    e.retireHost(2);
    grow(e, 40, false);
    expect(e.hostCount).toBe(3 + 60);
    expect(e.isHostInService(1)).toBe(false);
    expect(e.isHostRetired(2)).toBe(true);
    // The dedicated tenant is still dedicated: it opens an empty host rather than share.
    expect(e.isTenantDedicated(7)).toBe(true);
    expect(expectRefused(e, () => e.setHostInService(2, true), "HOST_RETIRED", "host", 2)).toMatch(/retired/);
  });

  test("fleet specs: racks numbered after the highest fault domain so far", () => {
    const e = busyEngine(3);
    const firsts = grow(e, 6, true);
    // One rack per host (hostsPerFaultDomain 1), after fault domain 5.
    const fds = [...Array(e.hostCount).keys()].slice(3).map((h) => e.faultDomainOf(h));
    expect(fds).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14]);
    expect(firsts).toEqual([3, 4, 6, 7, 9, 10]);
    const first = e.addHosts({ hostTypes: [{ capacity: [4, 4], count: 3, hostsPerFaultDomain: 2, faultDomainLayout: "interleaved" }, { capacity: [2, 2], count: 1, faultDomain: 3 }] });
    expect([0, 1, 2, 3].map((i) => e.faultDomainOf(first + i))).toEqual([15, 16, 15, 3]);
    // A host list keeps the fault domains it names.
    const next = e.addHosts([{ capacity: [1, 1], faultDomain: 40 }, { capacity: [1, 1] }]);
    expect([e.faultDomainOf(next), e.faultDomainOf(next + 1)]).toEqual([40, 0]);
    expect(e.faultDomainOf(e.addHosts({ hostTypes: [{ capacity: [1, 1], count: 1, hostsPerFaultDomain: 1 }] }))).toBe(41);
    // Prior placements may name the new racks.
    const r = e.placeBatch({ ids: [20], demands: [1, 1], tenants: [0], deployments: [1] }, { prior: { deployments: [1], faultDomains: [41], counts: [1] } });
    expect(r.placed).toBe(1);
  });

  test("hosts added within hostCapacity are in service and take VMs", () => {
    const e = busyEngine(64);
    const first = e.addHosts([{ capacity: [16, 16] }, { capacity: [16, 16], inService: false }]);
    expect(e.isHostInService(first)).toBe(true);
    expect(e.isHostInService(first + 1)).toBe(false);
    expect(e.place({ id: 10, demand: [12, 12], tenant: 0 }).host).toBe(first);
    expect(e.stats()).toMatchObject({ hosts: 5, hostsInService: 4 });
  });

  // Regression: past hostCapacity, addHosts rebuilds the core; the rebuild once restored service
  // states from the old core's table, which never held the new hosts (they came back out of service).
  test("hosts added past hostCapacity (a rebuild) are in service and take VMs", () => {
    const e = busyEngine(3);
    const first = e.addHosts([{ capacity: [16, 16] }, { capacity: [16, 16], inService: false }]);
    expect(e.isHostInService(first)).toBe(true);
    expect(e.isHostInService(first + 1)).toBe(false);
    expect(e.place({ id: 10, demand: [12, 12], tenant: 0 }).host).toBe(first);
    expect(e.stats()).toMatchObject({ hosts: 5, hostsInService: 4 });
  });

  test("a fleet spec given to create and the same hosts added one rack at a time give the same engine", () => {
    const spec: FleetSpec = { hostTypes: [{ capacity: [8, 8], count: 4, hostsPerFaultDomain: 2 }, { capacity: [4, 16], count: 2, hostsPerFaultDomain: 1 }] };
    const whole = Engine.create(spec, { ...DIMS, vmCapacity: 32, hostCapacity: 64 });
    const parts = Engine.create({ hostTypes: [spec.hostTypes[0]] }, { ...DIMS, vmCapacity: 32, hostCapacity: 64 });
    parts.addHosts({ hostTypes: [spec.hostTypes[1]] });
    for (let id = 0; id < 12; id++) {
      const req = { id, demand: [1 + (id % 4), 2 + (id % 3)], tenant: 0, deployment: id % 2 };
      expect(parts.place(req)).toEqual(whole.place(req));
    }
    expect(observeEngine(parts)).toEqual(observeEngine(whole));
  });
});
