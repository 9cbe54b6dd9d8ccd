// The Fabric Controller's inputs: a misspelt key or a wrong type is an error naming the field
// and the value, before anything changes.
import { describe, expect, it } from "vitest";
import { FabricController } from "../src/fabric/controller.js";
import { DEFAULT_CATALOG } from "../src/fabric/catalog.js";
import type { FabricOptions } from "../src/fabric/options.js";
import { vmfabricErrorOf } from "./support/errors.js";

const BASE: FabricOptions = { datacenter: { racks: 2, serversPerRack: 2 }, seed: 1 };

function booted() {
  const fc = FabricController.create(BASE);
  fc.powerOn();
  fc.run();
  return fc;
}

const snap = (fc: FabricController) => Buffer.from(fc.snapshot());

describe("options", () => {
  const bad: Array<[string, unknown, string, string]> = [
    ["a misspelt option", { ...BASE, maxinstances: 9 }, "options.maxinstances", "9"],
    ["a misspelt data center key", { ...BASE, datacenter: { racks: 2, serversPerRack: 2, imageservers: 1 } }, "datacenter.imageservers", "1"],
    ["a misspelt server key", { ...BASE, datacenter: { racks: 1, serversPerRack: 1, server: { cores: 8, memoryGiB: 64, nicMbps: 1000, diskGiB: 100, gpus: 2 } } }, "datacenter.server.gpus", "2"],
    ["a server NIC of 0 Mbps", { ...BASE, datacenter: { racks: 1, serversPerRack: 1, server: { cores: 8, memoryGiB: 64, nicMbps: 0, diskGiB: 100 }, hostReservation: { cores: 0, memoryGiB: 0, nicMbps: 0, diskGiB: 0 } } }, "datacenter.server.nicMbps", "got 0"],
    ["a misspelt pool key", { ...BASE, datacenter: { racks: 1, serversPerRack: 1, dipPool: { base: "10.0.0.0", size: 64, sise: 1 } } }, "datacenter.dipPool.sise", "1"],
    ["a misspelt catalog key", { ...BASE, catalog: { ...DEFAULT_CATALOG, image: [] } }, "catalog.image", "[]"],
    ["a misspelt size key", { ...BASE, catalog: { ...DEFAULT_CATALOG, sizes: [{ ...DEFAULT_CATALOG.sizes[0], memoryMb: 5 }] } }, "catalog.sizes[0].memoryMb", "5"],
    ["a size that is not an object", { ...BASE, catalog: { ...DEFAULT_CATALOG, sizes: [7] } }, "catalog.sizes[0]", "7"],
    ["a misspelt timing key", { ...BASE, timing: { heartbeatMs: 5 } }, "timing.heartbeatMs", "5"],
  ];
  for (const [what, options, field, shown] of bad) {
    it(`${what}: INVALID_INPUT naming ${field}`, () => {
      const e = vmfabricErrorOf(() => FabricController.create(options as FabricOptions));
      expect(e.code).toBe("INVALID_INPUT");
      expect(e.field).toBe(field);
      expect(e.message).toContain(field);
      expect(e.message).toContain(shown);
    });
  }

  it("a journal that is not a journal is refused", () => {
    for (const j of [null, 7, {}, { length: 0 }]) expect(vmfabricErrorOf(() => FabricController.create(BASE, j as never)).field).toBe("journal");
  });
});

describe("service models", () => {
  const bad: Array<[string, unknown, string]> = [
    ["a misspelt model key", { tenant: 1, updatedomains: 3, roles: [{ name: "w", instances: 1 }] }, "model.updatedomains"],
    ["a misspelt role key", { tenant: 1, roles: [{ name: "w", instances: 1, endpoint: [80] }] }, "model.roles[0].endpoint"],
    ["size: null", { tenant: 1, roles: [{ name: "w", instances: 1, size: null }] }, "model.roles[0].size"],
    ["size: 0", { tenant: 1, roles: [{ name: "w", instances: 1, size: 0 }] }, "model.roles[0].size"],
    ["image: null", { tenant: 1, roles: [{ name: "w", instances: 1, image: null }] }, "model.roles[0].image"],
  ];
  for (const [what, model, field] of bad) {
    it(`${what}: INVALID_INPUT naming ${field}, nothing deployed`, () => {
      const fc = booted();
      const before = snap(fc);
      const n = fc.journal.length;
      const e = vmfabricErrorOf(() => fc.deploy(model as never));
      expect(e.code).toBe("INVALID_INPUT");
      expect(e.field).toBe(field);
      expect(snap(fc)).toEqual(before);
      expect(fc.journal.length).toBe(n);
    });
  }
  it("an explicit undefined counts as absent", () => {
    expect(booted().deploy({ tenant: 1, roles: [{ name: "w", instances: 1, size: undefined, image: undefined }], updateDomains: undefined }).instances).toBe(1);
  });
});

describe("calls", () => {
  it("run(NaN), run('x'), run(-1) are errors naming until; nothing runs", () => {
    const fc = FabricController.create(BASE);
    fc.powerOn();
    const before = snap(fc);
    for (const u of [NaN, "x", -1, null]) {
      const e = vmfabricErrorOf(() => fc.run(u as number));
      expect(e.field).toBe("until");
    }
    expect(snap(fc)).toEqual(before);
    expect(fc.run(1000)).toBe(1000);
  });

  it("lbBackends(vip, '80') and lbBackends(42, 80) are errors", () => {
    const fc = booted();
    const { vip } = fc.deploy({ tenant: 1, roles: [{ name: "web", instances: 2, endpoints: [80] }] });
    fc.run();
    expect(fc.lbBackends(vip!, 80)).toHaveLength(2);
    expect(vmfabricErrorOf(() => fc.lbBackends(vip!, "80" as never)).field).toBe("port");
    expect(vmfabricErrorOf(() => fc.lbBackends(vip!, 0)).field).toBe("port");
    expect(vmfabricErrorOf(() => fc.lbBackends(42 as never, 80)).field).toBe("vip");
  });

  it("powerOn(42) is an error naming servers, not a TypeError; nothing powers on", () => {
    const fc = FabricController.create(BASE);
    for (const s of [42, "x", {}, null]) {
      const e = vmfabricErrorOf(() => fc.powerOn(s as never));
      expect(e.field).toMatch(/^servers/);
    }
    expect(vmfabricErrorOf(() => fc.powerOn([0, 9])).field).toBe("servers[1]");
    expect(fc.journal.length).toBe(0);
    fc.powerOn(new Set([0]));
    expect(fc.journal.length).toBeGreaterThan(0);
  });
});
