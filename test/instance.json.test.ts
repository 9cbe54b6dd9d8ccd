// JSON instance loader: the example format, count expansion, id interning, defaults,
// pass-through host fields, errors naming file/line/field, and a real instance (a Caprara-Toth
// .vbp from ../shared/data, rewritten as JSON with counts) read both ways.
// test/fixtures/pack/small.json is hand-made for these tests.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Engine } from "../src/engine.js";
import { parseJsonInstance } from "../src/instance/json.js";
import { loadInstance } from "../src/instance/load.js";
import { effectiveCapacity } from "../src/offline/bound.js";
import { fleetOf } from "../src/offline/best.js";
import { DEFAULT_DIMENSIONS, NO_DEPLOYMENT } from "../src/types.js";
import { dataDirCandidates, findDataSet } from "../src/data.js";
import { vmfabricErrorOf } from "./support/errors.js";

const FIX = new URL("./fixtures/pack/", import.meta.url).pathname;
const CT = join(findDataSet("vbp-caprara-toth-2d") ?? join(dataDirCandidates()[0], "vbp-caprara-toth-2d"), "CT01_demand1");
const parse = (text: string, file = "i.json") => parseJsonInstance(Buffer.from(text, "utf8"), file);


describe("JSON instances", () => {
  it("accepts the issue's example as written", () => {
    const inst = parse(`{"dimensions": ["cpu", "memory", "network", "disk"],
      "hosts": [{"id": "r0", "capacity": [40000, 262144, 40000, 4000], "faultDomain": 0, "count": 40}],
      "vms":   [{"id": "d0", "tenant": "t0", "deployment": "d0", "demand": [1000, 1792, 200, 32], "count": 3}]}`);
    expect(inst.hostCount).toBe(40);
    expect(inst.hosts).toEqual([{ capacity: [40000, 262144, 40000, 4000], faultDomain: 0, count: 40 }]);
    expect(inst.vmCount).toBe(3);
    expect(Array.from(inst.demands)).toEqual([1000, 1792, 200, 32, 1000, 1792, 200, 32, 1000, 1792, 200, 32]);
    expect(Array.from(inst.tenants)).toEqual([0, 0, 0]);
    expect(Array.from(inst.deployments)).toEqual([0, 0, 0]);
    expect(inst.tenantNames).toEqual(["t0"]);
    expect(inst.deploymentNames).toEqual(["d0"]);
  });

  it("expands counts in place and interns tenant/deployment ids in order of first appearance", () => {
    const inst = parse(`{"hosts": [{"capacity": [10, 10]}, {"capacity": [20, 20], "count": 2}],
      "vms": [{"tenant": "b", "deployment": "x", "demand": [1, 2], "count": 2},
              {"tenant": "a", "demand": [3, 4]},
              {"tenant": "b", "deployment": "y", "demand": [5, 6], "count": 0},
              {"tenant": 7, "deployment": "x", "demand": [7, 8]},
              {"tenant": "7", "deployment": 0, "demand": [9, 10]},
              {"demand": [11, 12]}]}`);
    expect(inst.hostCount).toBe(3);
    expect(inst.vmCount).toBe(6);
    expect(Array.from(inst.demands)).toEqual([1, 2, 1, 2, 3, 4, 7, 8, 9, 10, 11, 12]);
    expect(Array.from(inst.tenants)).toEqual([0, 0, 1, 2, 2, 3]);
    expect(inst.tenantNames).toEqual(["b", "a", "7", ""]); // 7 and "7" are one tenant; "" = no tenant given
    // "y" is interned (its entry had count 0) but no VM carries it; deployment 0 is the string "0".
    expect(Array.from(inst.deployments)).toEqual([0, 0, NO_DEPLOYMENT, 0, 2, NO_DEPLOYMENT]);
    expect(inst.deploymentNames).toEqual(["x", "y", "0"]);
  });

  it("names dimensions: the engine's four for 4, d0..dn-1 otherwise, or as given", () => {
    expect(parse(`{"hosts": [{"capacity": [1, 1, 1, 1]}], "vms": [{"demand": [1, 1, 1, 1]}]}`).dimensions).toEqual([...DEFAULT_DIMENSIONS]);
    expect(parse(`{"hosts": [{"capacity": [1, 1, 1]}], "vms": [{"demand": [1, 1, 1]}]}`).dimensions).toEqual(["d0", "d1", "d2"]);
    expect(parse(`{"hosts": [{"capacity": [1, 1]}], "vms": []}`).dimensions).toEqual(["d0", "d1"]);
    expect(parse(`{"vms": [{"demand": [1, 1]}], "dimensions": ["a", "b"], "hosts": [{"capacity": [1, 1]}]}`).dimensions).toEqual(["a", "b"]);
  });

  it("passes reservation, oversubscription, inService and faultDomain through to the engine's hosts", () => {
    const inst = loadInstance(join(FIX, "small.json"));
    expect(inst.hostCount).toBe(10);
    expect(inst.vmCount).toBe(3 + 6 + 3 + 20 + 1);
    expect(inst.hosts[1].reservation).toEqual([4000, 16384, 0, 0]);
    expect(inst.hosts[2].oversubscription).toEqual([1.5, 1, 1, 1]);
    const e = Engine.create(fleetOf(inst), { dimensions: inst.dimensions, vmCapacity: inst.vmCount });
    const expanded = inst.hosts.flatMap((h) => Array<typeof h>(h.count).fill(h));
    expanded.forEach((h, i) => {
      expect(e.capacityOf(i)).toEqual(effectiveCapacity(h, 4));
      expect(e.faultDomainOf(i)).toBe(h.faultDomain ?? 0);
    });
    expect(e.capacityOf(8)).toEqual([144000, 524288, 80000, 8000]);
    const off = parse(`{"hosts": [{"capacity": [5], "inService": false}, {"capacity": [5]}], "vms": []}`);
    const e2 = Engine.create(fleetOf(off), { dimensions: off.dimensions, vmCapacity: 1 });
    expect([e2.isHostInService(0), e2.isHostInService(1)]).toEqual([false, true]);
  });

  it("decodes escaped and non-ASCII ids and ignores unknown top-level keys", () => {
    const inst = parse(`\ufeff{"comment": {"a": [1, 2.5e3, null, true]}, "hosts": [{"capacity": [1]}],
      "vms": [{"tenant": "t\\u00e9\\n", "demand": [1]}, {"tenant": "té\\n", "demand": [1]}, {"tenant": "日本", "demand": [0]}]}`);
    expect(inst.tenantNames).toEqual(["té\n", "日本"]);
    expect(Array.from(inst.tenants)).toEqual([0, 0, 1]);
  });

  const bad: Array<[string, string, RegExp]> = [
    ["truncated JSON", `{"hosts": [{"capacity": [1]}],\n "vms": [`, /^bad\.json:2: JSON is malformed: unexpected end of file/],
    ["a trailing comma", `{"hosts": [{"capacity": [1]}],\n\n "vms": [{"demand": [1]},]}`, /^bad\.json:3: JSON is malformed: unexpected character near "\]\}"/],
    ["a bad number", `{"hosts": [{"capacity": [01]}], "vms": []}`, /^bad\.json:1: JSON is malformed: bad number/],
    ["content after the object", `{"hosts": [{"capacity": [1]}], "vms": []} x`, /unexpected content after the instance object/],
    ["missing hosts", `{"vms": []}`, /^bad\.json: hosts is missing/],
    ["missing vms", `{"hosts": [{"capacity": [1]}]}`, /^bad\.json: vms is missing/],
    ["a short demand", `{"hosts": [{"capacity": [1, 1]}],\n "vms": [{"demand": [1, 1]},\n {"demand": [1]}]}`, /^bad\.json:3: vms\[1\]\.demand must be an array of 2 integers \(one per dimension\), got \[1\]/],
    ["a negative demand", `{"hosts": [{"capacity": [1]}], "vms": [{"demand": [-1]}]}`, /^bad\.json:1: vms\[0\]\.demand\[0\] must be an integer in \[0, 2147483647\], got -1/],
    ["a fractional count", `{"hosts": [{"capacity": [1]}], "vms": [{"demand": [1], "count": 1.5}]}`, /vms\[0\]\.count must be an integer/],
    ["an unknown VM field", `{"hosts": [{"capacity": [1]}], "vms": [{"demand": [1], "tenat": "x"}]}`, /^bad\.json:1: vms\[0\]\.tenat is not a known field/],
    ["a bad tenant", `{"hosts": [{"capacity": [1]}], "vms": [{"demand": [1], "tenant": -3}]}`, /vms\[0\]\.tenant must be a non-empty string or a non-negative integer, got -3/],
    ["a host capacity of the wrong length", `{"vms": [{"demand": [1, 2]}],\n "hosts": [{"capacity": [1]}]}`, /^bad\.json:2: hosts\[0\]\.capacity must be an array of 2 integers/],
    ["reservation above capacity", `{"hosts": [{"capacity": [5], "reservation": [6]}], "vms": []}`, /hosts\[0\]\.reservation\[0\] \(6\) exceeds hosts\[0\]\.capacity\[0\] \(5\)/],
    ["a bad oversubscription", `{"hosts": [{"capacity": [5], "oversubscription": [0]}], "vms": []}`, /hosts\[0\]\.oversubscription\[0\] must be a ratio in \(0, 1000\]/],
    ["a bad inService", `{"hosts": [{"capacity": [5], "inService": 1}], "vms": []}`, /hosts\[0\]\.inService must be a boolean, got 1/],
    ["a bad faultDomain", `{"hosts": [{"capacity": [5], "faultDomain": 70000}], "vms": []}`, /hosts\[0\]\.faultDomain must be an integer in \[0, 65535\]/],
    ["no hosts after expansion", `{"hosts": [{"capacity": [5], "count": 0}], "vms": []}`, /hosts must expand to at least one host/],
    ["dimensions of the wrong length", `{"vms": [{"demand": [1]}], "dimensions": ["a", "b"], "hosts": []}`, /dimensions has 2 names but vms\[0\]\.demand \(line 1\) has 1 values/],
    ["repeated dimensions", `{"dimensions": ["a", "a"], "hosts": [], "vms": []}`, /dimensions\[1\] repeats "a"/],
    ["vms not an array", `{"hosts": [{"capacity": [5]}], "vms": {}}`, /vms must be an array of VM objects/],
    ["not an object", `[1, 2]`, /^bad\.json:1: JSON is malformed: expected the instance object/],
  ];
  for (const [what, text, re] of bad) {
    it(`rejects ${what}, naming file, line and field`, () => {
      const e = vmfabricErrorOf(() => parse(text, "bad.json"));
      expect(e.code).toBe("INVALID_INPUT");
      expect(e.message).toMatch(re);
    });
  }
});

describe.skipIf(!existsSync(CT))(`a real instance as JSON (skipped: ${CT} absent)`, () => {
  it("CL_10_201_6 rewritten as JSON with counts reads the same as the .vbp", () => {
    const file = `${CT}/CL_10_201_6.vbp`;
    const lines = readFileSync(file, "utf8").trim().split("\n").map((l) => l.trim().split(/\s+/).map(Number));
    const json = {
      hosts: [{ capacity: lines[1], count: 201 }],
      vms: lines.slice(3).map((r, i) => ({ id: `type${i}`, demand: r.slice(0, 2), count: r[2] })),
    };
    expect(json.vms.some((v) => v.count > 1)).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), "vmf-json-"));
    writeFileSync(join(dir, "ct.json"), JSON.stringify(json, null, 1));
    const a = loadInstance(file);
    const b = loadInstance(join(dir, "ct.json"));
    expect(b.vmCount).toBe(a.vmCount);
    expect(Array.from(b.demands)).toEqual(Array.from(a.demands));
    expect(b.hostCount).toBe(a.hostCount);
    expect(b.hosts[0].capacity).toEqual(a.hosts[0].capacity);
  });
});
