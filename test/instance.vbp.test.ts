// .vbp loader: real instances from ../shared/data (Caprara & Toth 2001 2-D set, Panigrahy et
// al. 2011 d=3 set; see ../shared/data/README.md), skipped when the data is absent, plus
// hand-made bad inputs. test/fixtures/pack/CL_1_25_1.vbp is a copy of
// vbp-caprara-toth-2d/CT01_demand1/CL_1_25_1.vbp (Caprara & Toth 2001, via Hessler et al. 2018).
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { describe, expect, it } from "vitest";
import { VmfabricError } from "../src/errors.js";
import { loadInstance } from "../src/instance/load.js";
import { parseVbp } from "../src/instance/vbp.js";
import { NO_DEPLOYMENT } from "../src/types.js";
import { dataDirCandidates, findDataSet } from "../src/data.js";

const DATA = dirname(findDataSet("vbp-caprara-toth-2d") ?? join(dataDirCandidates()[0], "x"));
const CT = `${DATA}/vbp-caprara-toth-2d/CT01_demand1`;
const PAN = `${DATA}/vbp-panigrahy-multidim/Panigrahy_instances_multidim/class1/class1_120_3_0.vbp`;
const FIX = new URL("./fixtures/pack/", import.meta.url).pathname;

/** Independent reading of a .vbp: item types as number rows. */
function rowsOf(file: string): { d: number; cap: number[]; items: number[][] } {
  const lines = readFileSync(file, "utf8").split("\n").map((l) => l.trim()).filter((l) => l.length > 0);
  const d = Number(lines[0]);
  return { d, cap: lines[1].split(/\s+/).map(Number), items: lines.slice(3).map((l) => l.split(/\s+/).map(Number)) };
}

function expectSameAsFile(file: string): void {
  const inst = loadInstance(file);
  const { d, cap, items } = rowsOf(file);
  const n = items.reduce((s, r) => s + r[d], 0);
  expect(inst.format).toBe("vbp");
  expect(inst.dimensions.length).toBe(d);
  expect(inst.vmCount).toBe(n);
  expect(inst.hostCount).toBe(n); // one bin per item
  expect(inst.hosts).toEqual([{ capacity: cap, count: n }]);
  expect(inst.demands.length).toBe(n * d);
  let v = 0;
  for (const r of items) for (let k = 0; k < r[d]; k++, v++) expect(Array.from(inst.demands.subarray(v * d, v * d + d))).toEqual(r.slice(0, d));
  expect(inst.deployments.every((x) => x === NO_DEPLOYMENT)).toBe(true);
}

describe("vbp loader on the fixture copy of CL_1_25_1", () => {
  it("reads 25 items, capacities 1000 x 1000", () => {
    const inst = loadInstance(join(FIX, "CL_1_25_1.vbp"));
    expect(inst.vmCount).toBe(25);
    expect(inst.hosts[0].capacity).toEqual([1000, 1000]);
    expect(Array.from(inst.demands.subarray(0, 2))).toEqual([113, 166]);
    expect(Array.from(inst.demands.subarray(48, 50))).toEqual([359, 225]);
    expect(inst.dimensions).toEqual(["d0", "d1"]);
    expectSameAsFile(join(FIX, "CL_1_25_1.vbp"));
  });
});

describe.skipIf(!existsSync(CT))(`vbp loader on Caprara-Toth instances (skipped: ${CT} absent)`, () => {
  it("CL_1_25_1: item count = sum of multiplicities, capacities", () => expectSameAsFile(`${CT}/CL_1_25_1.vbp`));
  it("CL_10_201_6 (14 item types with multiplicity > 1): expansion in order", () => {
    const { items } = rowsOf(`${CT}/CL_10_201_6.vbp`);
    expect(items.some((r) => r[2] > 1)).toBe(true); // the case this test is for
    expectSameAsFile(`${CT}/CL_10_201_6.vbp`);
  });
  it("CL_7_200_2", () => expectSameAsFile(`${CT}/CL_7_200_2.vbp`));
});

describe.skipIf(!existsSync(PAN))(`vbp loader on a Panigrahy d=3 instance (skipped: ${PAN} absent)`, () => {
  it("class1_120_3_0: 3 dimensions, 120 items, capacities 1000", () => {
    const inst = loadInstance(PAN);
    expect(inst.dimensions).toEqual(["d0", "d1", "d2"]);
    expect(inst.vmCount).toBe(120);
    expect(inst.hosts[0].capacity).toEqual([1000, 1000, 1000]);
    expectSameAsFile(PAN);
  });
});

describe("vbp loader: format details and errors", () => {
  it("skips blank lines and allows multiplicity 0", () => {
    const inst = parseVbp("\n2\n10 20\n\n2\n1 2 2\n3 4 0\n\n", "x.vbp");
    expect(inst.vmCount).toBe(2);
    expect(Array.from(inst.demands)).toEqual([1, 2, 1, 2]);
  });

  const bad: Array<[string, string, RegExp]> = [
    ["empty file", "", /^bad\.vbp:\d+: d \(number of dimensions\) is missing/],
    ["d not a number", "two\n1 1\n0\n", /^bad\.vbp:1: d \(number of dimensions\) must be an integer in \[1, 16\], got "two"/],
    ["d too large", "17\n", /^bad\.vbp:1: d .*\[1, 16\]/],
    ["capacity count", "2\n1000\n1\n1 1 1\n", /^bad\.vbp:2: bin capacities must have 2 numbers, got 1/],
    ["negative capacity", "2\n1000 -5\n1\n1 1 1\n", /^bad\.vbp:2: capacity\[1\] must be an integer .* got "-5"/],
    ["item too short", "2\n10 10\n2\n1 1 1\n\n1 1\n", /^bad\.vbp:6: item type 2 \(w_1\.\.w_2 mult\) must have 3 numbers, got 2/],
    ["item weight", "2\n10 10\n1\n1 x 1\n", /^bad\.vbp:4: item type 1 w_2 must be an integer .* got "x"/],
    ["fractional mult", "2\n10 10\n1\n1 1 1.5\n", /^bad\.vbp:4: item type 1 mult must be an integer/],
    ["missing items", "2\n10 10\n3\n1 1 1\n", /^bad\.vbp:4: item type 2 of 3 is missing/],
    ["extra content", "1\n10\n1\n1 1\n2 2\n", /^bad\.vbp:5: end of file expected after 1 item types/],
  ];
  for (const [what, text, re] of bad) {
    it(`rejects ${what}, naming file, line and field`, () => {
      let err: unknown;
      try {
        parseVbp(text, "bad.vbp");
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(VmfabricError);
      expect((err as VmfabricError).code).toBe("INVALID_INPUT");
      expect((err as Error).message).toMatch(re);
    });
  }

  it("an unreadable file names the file", () => {
    expect(() => loadInstance("/nonexistent/x.vbp")).toThrow(/^\/nonexistent\/x\.vbp: cannot read the file \(ENOENT\)/);
  });

  it("sniffs the format when the extension is neither .vbp nor .json", () => {
    const dir = mkdtempSync(join(tmpdir(), "vmf-vbp-"));
    writeFileSync(join(dir, "a.txt"), "1\n10\n1\n4 2\n");
    expect(loadInstance(join(dir, "a.txt")).format).toBe("vbp");
    writeFileSync(join(dir, "b.txt"), ' {"hosts": [{"capacity": [1]}], "vms": []}');
    expect(loadInstance(join(dir, "b.txt")).format).toBe("json");
  });
});
