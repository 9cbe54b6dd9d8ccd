// The instance loader: only regular files are read (a named pipe would hang), a VM id named
// twice is refused as the engine refuses a VM twice, and sizes past the engine's limits are
// LIMIT errors naming the field, raised before the arrays of that size are allocated.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseJsonInstance } from "../src/instance/json.js";
import { loadInstance } from "../src/instance/load.js";
import { parseVbp } from "../src/instance/vbp.js";
import { vmfabricErrorOf } from "./support/errors.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vmfabric-inst-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const json = (text: string) => parseJsonInstance(Buffer.from(text), "x.json");

describe("only regular files", () => {
  it("a named pipe is refused at once, not read (no hang)", () => {
    const fifo = path.join(dir, "pipe.json");
    if (spawnSync("mkfifo", [fifo]).status !== 0) return; // no mkfifo here
    const e = vmfabricErrorOf(() => loadInstance(fifo));
    expect(e.code).toBe("INVALID_INPUT");
    expect(e.message).toContain("not a regular file");
    expect(e.value).toBe(fifo);
  });

  it("a device and a folder are refused; a regular file still loads", () => {
    for (const p of ["/dev/null", dir]) expect(vmfabricErrorOf(() => loadInstance(p)).message).toContain("not a regular file");
    const f = path.join(dir, "ok.json");
    fs.writeFileSync(f, '{"hosts": [{"capacity": [1]}], "vms": [{"demand": [1]}]}');
    expect(loadInstance(f).vmCount).toBe(1);
    expect(vmfabricErrorOf(() => loadInstance(path.join(dir, "missing.json"))).message).toContain("ENOENT");
  });
});

describe("duplicate VM ids", () => {
  it("two VM entries with one id are refused naming the second and the first's line", () => {
    const e = vmfabricErrorOf(() => json('{"hosts": [{"capacity": [9]}],\n"vms": [{"id": "a", "demand": [1]},\n{"id": "b", "demand": [1]},\n{"id": "a", "demand": [2]}]}'));
    expect(e.code).toBe("INVALID_INPUT");
    expect(e.field).toBe("vms[2].id");
    expect(e.message).toMatch(/x\.json:4: vms\[2\]\.id repeats the id "a" of the VM entry on line 2/);
  });

  it("an integer id and its decimal string are one id; ids are per kind (a host may share a VM's id)", () => {
    expect(vmfabricErrorOf(() => json('{"hosts": [{"capacity": [9]}], "vms": [{"id": 5, "demand": [1]}, {"id": "5", "demand": [1]}]}')).field).toBe("vms[1].id");
    expect(json('{"hosts": [{"id": "a", "capacity": [9]}], "vms": [{"id": "a", "demand": [1]}, {"demand": [1]}, {"demand": [1]}]}').vmCount).toBe(3);
  });
});

describe("sizes past the engine's limits are LIMIT before allocation", () => {
  const cases: Array<[string, string, string]> = [
    ["a VM count of 2^26 + 1", `{"hosts": [{"capacity": [9]}], "vms": [{"demand": [1], "count": ${2 ** 26 + 1}}]}`, "vms[0].count"],
    ["VM counts adding up past 2^26", `{"hosts": [{"capacity": [9]}], "vms": [{"demand": [1], "count": 1}, {"demand": [1], "count": ${2 ** 26}}]}`, "vms[1].count"],
    ["2^26 VMs of 16 dimensions (more than the engine's table memory)", `{"hosts": [{"capacity": [${Array(16).fill(9)}]}], "vms": [{"demand": [${Array(16).fill(1)}], "count": ${2 ** 26}}]}`, "vms[0].count"],
    ["a host count of 2^24 + 1", `{"hosts": [{"capacity": [9], "count": ${2 ** 24 + 1}}], "vms": []}`, "hosts[0].count"],
    ["host counts adding up past 2^24", `{"hosts": [{"capacity": [9], "count": ${2 ** 24}}, {"capacity": [9]}], "vms": []}`, "hosts[1].count"],
  ];
  for (const [what, text, field] of cases) {
    it(`${what}: LIMIT naming ${field}`, () => {
      const heap = process.memoryUsage().arrayBuffers;
      const e = vmfabricErrorOf(() => json(text));
      expect(e.code).toBe("LIMIT");
      expect(e.field).toBe(field);
      expect(e.message).toContain(field);
      expect(process.memoryUsage().arrayBuffers - heap).toBeLessThan(64 * 2 ** 20);
    });
  }

  it("a .vbp with more items than the engine holds: LIMIT naming items", () => {
    const e = vmfabricErrorOf(() => parseVbp(`1\n10\n1\n1 ${2 ** 24 + 1}\n`, "x.vbp"));
    expect(e.code).toBe("LIMIT");
    expect(e.field).toBe("items");
  });
});
