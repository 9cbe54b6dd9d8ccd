// A journal records the options its state depends on, and is never replayed under others.
import { describe, expect, it } from "vitest";
import { FabricController } from "../src/fabric/controller.js";
import { DEFAULT_CATALOG } from "../src/fabric/catalog.js";
import { MemoryJournal } from "../src/fabric/journal.js";
import type { FabricOptions } from "../src/fabric/options.js";
import { Rec } from "../src/fabric/records.js";
import { vmfabricErrorOf } from "./support/errors.js";

const BASE: FabricOptions = { datacenter: { racks: 2, serversPerRack: 4 }, seed: 5 };

function used(options: FabricOptions = BASE) {
  const fc = FabricController.create(options, new MemoryJournal());
  fc.powerOn();
  fc.run();
  fc.deploy({ tenant: 1, roles: [{ name: "web", instances: 3, endpoints: [80] }] });
  fc.run();
  return fc;
}

describe("the options record", () => {
  it("is the journal's first record, written with the first change", () => {
    const fc = FabricController.create(BASE, new MemoryJournal());
    expect(fc.journal.length).toBe(0);
    fc.powerOn();
    const r = fc.journal.get(0);
    expect(r.kind).toBe(Rec.Options);
    expect(JSON.parse(r.blob!).datacenter.racks).toBe(2);
    expect(fc.journal.kind(1)).toBe(Rec.ServerState);
  });

  it("replay under the same options gives the same state", () => {
    const fc = used();
    expect(Buffer.from(FabricController.replay(BASE, fc.journal).snapshot())).toEqual(Buffer.from(fc.snapshot()));
    // seed and policy steer later decisions; the recorded state does not depend on them
    expect(FabricController.replay({ ...BASE, seed: 9, policy: "first-fit" }, fc.journal).state.instances).toBe(3);
  });

  const others: Array<[string, FabricOptions, string, string]> = [
    ["more racks", { ...BASE, datacenter: { racks: 4, serversPerRack: 4 } }, "datacenter.racks", "datacenter.racks: journal 2, options 4"],
    ["fewer servers per rack", { ...BASE, datacenter: { racks: 2, serversPerRack: 3 } }, "datacenter.serversPerRack", "journal 4, options 3"],
    ["another DIP pool", { ...BASE, datacenter: { ...BASE.datacenter, dipPool: { base: "10.1.0.0", size: 1024 } } }, "datacenter.dipPool.base", 'journal "10.0.0.0", options "10.1.0.0"'],
    ["another catalog", { ...BASE, catalog: { ...DEFAULT_CATALOG, sizes: DEFAULT_CATALOG.sizes.map((s, i) => (i === 0 ? { ...s, memoryMiB: 2048 } : s)) } }, "catalog.sizes[0].memoryMiB", "journal 1741, options 2048"],
    ["fewer catalog images", { ...BASE, catalog: { ...DEFAULT_CATALOG, images: DEFAULT_CATALOG.images.slice(0, 1) } }, "catalog.images[1]", "options absent"],
    ["other timing", { ...BASE, timing: { heartbeatIntervalMs: 10_000 } }, "timing.heartbeatIntervalMs", "journal 15000, options 10000"],
    ["a smaller instance id space", { ...BASE, maxInstances: 2048 }, "maxInstances", "options 2048"],
  ];
  for (const [what, options, field, message] of others) {
    it(`replay under ${what} is refused naming ${field}`, () => {
      const fc = used();
      const n = fc.journal.length;
      const e = vmfabricErrorOf(() => FabricController.replay(options, fc.journal));
      expect(e.code).toBe("JOURNAL_MISMATCH");
      expect(e.field).toBe(field);
      expect(e.message).toContain(message);
      expect(fc.journal.length).toBe(n);
      // restore with that journal under a snapshot of other options is refused the same way
      const other = used(options);
      expect(vmfabricErrorOf(() => FabricController.restore(other.snapshot(), fc.journal)).code).toBe("JOURNAL_MISMATCH");
    });
  }

  it("an empty journal replays under any options; a journal without the record (an older one) is taken as it is", () => {
    const empty = new MemoryJournal();
    const fc = FabricController.replay({ ...BASE, datacenter: { racks: 3, serversPerRack: 3 } }, empty);
    expect(fc.state.dc.servers).toBe(9);
    const old = new MemoryJournal();
    old.append(Rec.ServerState, 0, 0, 1, 0);
    expect(FabricController.replay(BASE, old).state.serverState[0]).toBe(1);
  });

  it("a damaged options record is refused, not skipped", () => {
    const fc = used();
    const j = new MemoryJournal();
    for (let i = 0; i < fc.journal.length; i++) {
      const r = fc.journal.get(i);
      j.append(r.kind, r.time, r.a, i === 0 ? r.b ^ 1 : r.b, r.c, r.blob);
    }
    expect(vmfabricErrorOf(() => FabricController.replay(BASE, j)).code).toBe("JOURNAL_MISMATCH");
  });
});
