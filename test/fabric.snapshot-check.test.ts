// Snapshots are checked: a damaged byte anywhere is SNAPSHOT_INVALID (checksum), and a header
// or column edited with the checksum made to match is refused field by field, or else restores
// to exactly the state the bytes describe. Never a raw SyntaxError or TypeError.
import { describe, expect, it } from "vitest";
import { VmfabricError } from "../src/errors.js";
import { FabricController } from "../src/fabric/controller.js";
import { crc32 } from "../src/fabric/journal.js";
import { vmfabricErrorOf } from "./support/errors.js";

function small(): Uint8Array {
  const fc = FabricController.create({
    datacenter: { racks: 2, serversPerRack: 1, dipPool: { base: "10.0.0.0", size: 8 }, vipPool: { base: "100.64.0.0", size: 4 } },
    maxInstances: 8, seed: 2,
  });
  fc.powerOn();
  fc.run();
  const d = fc.deploy({ tenant: 3, roles: [{ name: "web", instances: 2, endpoints: [80] }] });
  fc.run();
  fc.deploy({ tenant: 4, roles: [{ name: "w", instances: 1 }] });
  fc.upgrade(d.deployment);
  return fc.snapshot();
}

const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

/** The checksum made to match again, as a deliberate edit would. */
function resign(b: Uint8Array): Uint8Array {
  const out = b.slice();
  new DataView(out.buffer).setUint32(out.length - 4, crc32(out, 0, out.length - 4), true);
  return out;
}

/** Either SNAPSHOT_INVALID, or a restore whose own snapshot is exactly the bytes restored. */
function restoresExactlyOrRefuses(bytes: Uint8Array): "refused" | "restored" {
  let fc: FabricController;
  try {
    fc = FabricController.restore(bytes);
  } catch (e) {
    if (!(e instanceof VmfabricError)) throw new Error(`raw ${(e as Error).name}: ${(e as Error).message}`);
    expect(e.code).toBe("SNAPSHOT_INVALID");
    expect(e.field).toBeTruthy();
    return "refused";
  }
  expect(same(fc.snapshot(), bytes)).toBe(true);
  return "restored";
}

function header(b: Uint8Array): { json: Record<string, any>; len: number } {
  const len = new DataView(b.buffer, b.byteOffset).getUint32(8, true);
  return { json: JSON.parse(Buffer.from(b.subarray(12, 12 + len)).toString("utf8")), len };
}

/** The snapshot with its header replaced (columns kept, padding and checksum redone). */
function withHeader(b: Uint8Array, edit: (h: Record<string, any>) => void): Uint8Array {
  const { json, len } = header(b);
  edit(json);
  const text = Buffer.from(JSON.stringify(json));
  const align = (x: number) => (x + 7) & ~7;
  const rest = b.subarray(align(12 + len), b.length - 4);
  const out = new Uint8Array(align(12 + text.length) + rest.length + 4);
  out.set(b.subarray(0, 12));
  new DataView(out.buffer).setUint32(8, text.length, true);
  out.set(text, 12);
  out.set(rest, align(12 + text.length));
  return resign(out);
}

describe("snapshot checks", () => {
  const snap = small();

  it("restores a good snapshot exactly", () => {
    expect(restoresExactlyOrRefuses(snap)).toBe("restored");
    expect(restoresExactlyOrRefuses(withHeader(snap, () => {}))).toBe("restored");
  });

  it(`a flip of any bit in any byte of a ${snap.length}-byte snapshot is SNAPSHOT_INVALID`, () => {
    let refused = 0;
    for (let p = 0; p < snap.length; p++) {
      for (let bit = 0; bit < 8; bit++) {
        const b = snap.slice();
        b[p] ^= 1 << bit;
        const e = vmfabricErrorOf(() => FabricController.restore(b));
        expect(e.code).toBe("SNAPSHOT_INVALID");
        refused++;
      }
    }
    expect(refused).toBe(snap.length * 8);
  });

  it("every truncation and extension is SNAPSHOT_INVALID", () => {
    for (let n = 0; n < snap.length; n++) expect(vmfabricErrorOf(() => FabricController.restore(snap.subarray(0, n))).code).toBe("SNAPSHOT_INVALID");
    const longer = new Uint8Array(snap.length + 8);
    longer.set(snap);
    expect(vmfabricErrorOf(() => FabricController.restore(longer)).code).toBe("SNAPSHOT_INVALID");
    expect(vmfabricErrorOf(() => FabricController.restore(resign(longer))).code).toBe("SNAPSHOT_INVALID");
  });

  it("any byte changed (three patterns) with the checksum made to match: refused with a field, or restored exactly; never a raw error", () => {
    const counts = { refused: 0, restored: 0 };
    for (let p = 0; p < snap.length - 4; p++) {
      for (const x of [0x01, 0x0c, 0xff]) {
        const b = snap.slice();
        b[p] ^= x;
        counts[restoresExactlyOrRefuses(resign(b))]++;
      }
    }
    expect(counts.refused).toBeGreaterThan(counts.restored);
  }, 60_000); // about 7,000 restores: several seconds on a shared 2-core machine

  const edits: Array<[string, (h: Record<string, any>) => void, string]> = [
    ["a dropped deployment", (h) => h.deployments.pop(), "instances"],
    ["a changed tenant", (h) => { h.deployments[0].tenant = 9; }, "deployments[0].tenant"],
    ["a changed tenant in the model and the row", (h) => { h.deployments[0].tenant = 9; h.deployments[0].model.tenant = 9; }, "tenantStorageGiB[0][1]"],
    ["a negative time", (h) => { h.time = -1; }, "time"],
    ["a time of NaN (null in JSON)", (h) => { h.time = null; }, "time"],
    ["a DIP cursor past the pool", (h) => { h.dipCursor = 9; }, "dipCursor"],
    ["a VIP cursor of 1.5", (h) => { h.vipCursor = 1.5; }, "vipCursor"],
    ["a heartbeat of 0 that create refuses", (h) => { h.options.timing.heartbeatIntervalMs = 0; }, "options.timing.heartbeatIntervalMs"],
    ["an unknown option", (h) => { h.options.updatedomains = 3; }, "options.updatedomains"],
    ["servers that do not match racks x serversPerRack", (h) => { h.options.datacenter.servers = 3; }, "options.datacenter.servers"],
    ["a model size outside the catalog", (h) => { h.deployments[0].model.roles[0].size = 7; }, "deployments[0].model.roles[0].size"],
    ["a model with 0 update domains", (h) => { h.deployments[0].model.updateDomains = 0; }, "deployments[0].model.updateDomains"],
    ["an upgrade domain past the model's", (h) => { h.deployments[0].upgradeUd = 5; }, "deployments[0].upgradeUd"],
    ["a deleted flag that is a string", (h) => { h.deployments[1].deleted = "no"; }, "deployments[1].deleted"],
    ["a VIP past the pool", (h) => { h.deployments[0].vip = 5; }, "deployments[0].vip"],
    ["a missing field", (h) => { delete h.nextDisk; }, "nextDisk"],
    ["an extra field", (h) => { h.extra = 1; }, ".extra"],
    ["a spreadRelaxed entry for no instance", (h) => { h.spreadRelaxed = [[99, 0]]; }, "spreadRelaxed[0][0]"],
    ["instances as a string", (h) => { h.instances = "3"; }, "instances"],
    ["options that are not an object", (h) => { h.options = 7; }, "options"],
    ["a negative journal length", (h) => { h.journalLength = -2; }, "journalLength"],
  ];
  for (const [what, edit, field] of edits) {
    it(`${what} is SNAPSHOT_INVALID naming ${field}`, () => {
      const e = vmfabricErrorOf(() => FabricController.restore(withHeader(snap, edit)));
      expect(e.code).toBe("SNAPSHOT_INVALID");
      expect(e.field).toBe(field);
      expect(e.message).toContain(field.replace(/^\./, ""));
    });
  }

  it("garbled headers and wrong types are SNAPSHOT_INVALID, not SyntaxError or TypeError", () => {
    const garble = (text: string) => {
      const t = Buffer.from(text);
      const out = new Uint8Array(((12 + t.length + 7) & ~7) + 4);
      out.set(snap.subarray(0, 12));
      new DataView(out.buffer).setUint32(8, t.length, true);
      out.set(t, 12);
      return resign(out);
    };
    for (const text of ["{", "null", "[]", "\"x\"", "{\"version\":2}", "\xff\xfe", "1e999"]) {
      expect(vmfabricErrorOf(() => FabricController.restore(garble(text))).code).toBe("SNAPSHOT_INVALID");
    }
    for (const bad of [undefined, null, "snap", [1, 2, 3], new Uint16Array(20)]) {
      expect(vmfabricErrorOf(() => FabricController.restore(bad as unknown as Uint8Array)).code).toBe("SNAPSHOT_INVALID");
    }
  });
});
