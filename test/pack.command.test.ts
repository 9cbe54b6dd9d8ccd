// `vmfabric pack` end to end: assignments checked against capacities recomputed from the
// instance, lower bounds checked against brute-force optima on tiny instances, --out shape,
// folder mode, online vs offline, errors. Fixtures: test/fixtures/pack/ (CL_1_25_1.vbp is a copy
// of ../shared/data/vbp-caprara-toth-2d/CT01_demand1/CL_1_25_1.vbp, Caprara & Toth 2001,
// optimum 6 bins; small.json and tiny.vbp are hand-made).
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { afterEach, describe, expect, it, vi } from "vitest";
import { outJson, packFile, run } from "../src/commands/pack.js";
import { VmfabricError } from "../src/errors.js";
import { parseJsonInstance } from "../src/instance/json.js";
import { loadInstance } from "../src/instance/load.js";
import type { Instance } from "../src/instance/types.js";
import { better, offlineVariants, packOffline, packOnline, type PackResult } from "../src/offline/best.js";
import { lowerBound } from "../src/offline/bound.js";
import { NO_DEPLOYMENT } from "../src/types.js";
import { dataDirCandidates, findDataSet } from "../src/data.js";
import { hostCaps } from "./support/instances.js";

const FIX = new URL("./fixtures/pack/", import.meta.url).pathname;
const ROOT = new URL("../", import.meta.url).pathname;
const CT = findDataSet("vbp-caprara-toth-2d") ?? join(dataDirCandidates()[0], "vbp-caprara-toth-2d");
const json = (o: unknown) => parseJsonInstance(Buffer.from(JSON.stringify(o)), "t.json");


/** Every constraint pack must honour, checked from scratch; returns hosts used. */
function checkAssignment(inst: Instance, a: Int32Array): number {
  const D = inst.dimensions.length;
  const { cap, inService } = hostCaps(inst);
  expect(a.length).toBe(inst.vmCount);
  const used = cap.map(() => new Array<number>(D).fill(0));
  const deps = cap.map(() => new Set<number>());
  const bad: string[] = [];
  for (let v = 0; v < a.length; v++) {
    const h = a[v];
    if (h < 0) {
      if (h !== -1) bad.push(`vm ${v}: host ${h}`);
      continue;
    }
    if (h >= cap.length || !inService[h]) {
      bad.push(`vm ${v}: host ${h} does not exist or is out of service`);
      continue;
    }
    for (let d = 0; d < D; d++) used[h][d] += inst.demands[v * D + d];
    const dep = inst.deployments[v];
    if (dep !== NO_DEPLOYMENT) {
      if (deps[h].has(dep)) bad.push(`vm ${v}: deployment ${dep} twice on host ${h}`);
      deps[h].add(dep);
    }
  }
  used.forEach((u, h) => {
    for (let d = 0; d < D; d++) if (u[d] > cap[h][d]) bad.push(`host ${h} dim ${d}: ${u[d]} > ${cap[h][d]}`);
  });
  expect(bad.slice(0, 5)).toEqual([]);
  return new Set(Array.from(a).filter((h) => h >= 0)).size;
}

function expectConsistent(inst: Instance, r: PackResult): void {
  const n = checkAssignment(inst, r.assignment);
  expect(r.hostsUsed).toBe(n);
  expect(r.placed).toBe(Array.from(r.assignment).filter((h) => h >= 0).length);
  expect(r.placed + r.rejected).toBe(inst.vmCount);
}

/** Fewest hosts over all assignments of every VM (tiny instances only), or Infinity. */
function bruteForceOptimum(inst: Instance): number {
  const D = inst.dimensions.length;
  const { cap } = hostCaps(inst);
  const H = cap.length;
  const free = cap.map((c) => [...c]);
  const count = new Array<number>(H).fill(0);
  const deps = cap.map(() => new Set<number>());
  let best = Infinity;
  const go = (v: number, used: number): void => {
    if (used >= best) return;
    if (v === inst.vmCount) {
      best = used;
      return;
    }
    const dep = inst.deployments[v];
    let triedEmpty = false;
    for (let h = 0; h < H; h++) {
      if (count[h] === 0) {
        // empty hosts with the same capacity are interchangeable
        if (triedEmpty && cap.slice(0, h).some((c, g) => count[g] === 0 && c.every((x, d) => x === cap[h][d]))) continue;
      }
      let ok = dep === NO_DEPLOYMENT || !deps[h].has(dep);
      for (let d = 0; ok && d < D; d++) ok = free[h][d] >= inst.demands[v * D + d];
      if (!ok) continue;
      if (count[h] === 0) triedEmpty = true;
      for (let d = 0; d < D; d++) free[h][d] -= inst.demands[v * D + d];
      if (dep !== NO_DEPLOYMENT) deps[h].add(dep);
      count[h]++;
      go(v + 1, used + (count[h] === 1 ? 1 : 0));
      count[h]--;
      if (dep !== NO_DEPLOYMENT) deps[h].delete(dep);
      for (let d = 0; d < D; d++) free[h][d] += inst.demands[v * D + d];
    }
  };
  go(0, 0);
  return best;
}

describe("pack: offline and online placements are valid", () => {
  it("small.json: capacities (with reservation and oversubscription) and anti-affinity hold; the oversized VM is rejected", () => {
    const inst = loadInstance(join(FIX, "small.json"));
    for (const r of [packOffline(inst), packOnline(inst), packOffline(inst, { policy: "l2" })]) {
      expectConsistent(inst, r);
      expect(r.rejected).toBe(1);
      expect(r.assignment[inst.vmCount - 1]).toBe(-1); // "huge": 200 cores fit no host
      expect(r.hostsUsed).toBeGreaterThanOrEqual(lowerBound(inst));
    }
  });

  it("CL_1_25_1: valid, at least the optimum (6) and the bound, and deterministic", () => {
    const inst = loadInstance(join(FIX, "CL_1_25_1.vbp"));
    const sums = [0, 0];
    for (let v = 0; v < inst.vmCount; v++) for (let d = 0; d < 2; d++) sums[d] += inst.demands[v * 2 + d];
    expect(lowerBound(inst)).toBe(Math.max(...sums.map((s) => Math.ceil(s / 1000))));
    expect(lowerBound(inst)).toBe(6);
    const a = packOffline(inst);
    expectConsistent(inst, a);
    expect(a.hostsUsed).toBeGreaterThanOrEqual(6);
    expect(a.hostsUsed).toBe(6); // the optimum: the core's FFD variants reach 7, the local search 6
    expect(a.tried).toBe(offlineVariants(inst.vmCount).length + 1); // 12 core variants + the local search
    expect(Array.from(packOffline(inst).assignment)).toEqual(Array.from(a.assignment));
  });

  it("offline reorders, online keeps input order (tiny.vbp: 3,3,3 then 7,7,7 into bins of 10)", () => {
    const inst = loadInstance(join(FIX, "tiny.vbp"));
    const off = packOffline(inst, { policy: "first-fit" });
    const on = packOnline(inst, { policy: "first-fit" });
    expectConsistent(inst, off);
    expectConsistent(inst, on);
    expect(off.hostsUsed).toBe(3); // 7+3 three times
    expect(on.hostsUsed).toBe(4); // 3+3+3, then a host per 7
    expect(Array.from(on.assignment)).toEqual([0, 0, 0, 1, 2, 3]);
    expect(on.method).toBe("online first-fit");
    expect(off.method).toMatch(/^offline first-fit\//);
  });

  it("--policy restricts offline to that policy (size measures vary); huge instances try two variants", () => {
    expect(offlineVariants(10, "l2")).toEqual([
      { policy: "l2", sizeMeasure: "sum" }, { policy: "l2", sizeMeasure: "max" }, { policy: "l2", sizeMeasure: "product" }]);
    expect(offlineVariants(10).length).toBe(12);
    expect(offlineVariants(200_000).length).toBe(2);
    expect(offlineVariants(200_000, "spread").every((v) => v.policy === "spread")).toBe(true);
  });

  it("prefers fewer rejections, then fewer hosts", () => {
    const r = (rejected: number, hostsUsed: number) => ({ rejected, hostsUsed }) as PackResult;
    expect(better(r(0, 10), r(1, 5))).toBe(true);
    expect(better(r(0, 9), r(0, 10))).toBe(true);
    expect(better(r(0, 10), r(0, 10))).toBe(false); // ties keep the earlier variant
  });
});

describe("lowerBound", () => {
  it("heterogeneous hosts: per dimension, largest first", () => {
    // totals [12, 12]; in each dimension the two largest hosts (10 and 6) cover 12.
    const inst = json({
      hosts: [{ capacity: [10, 1] }, { capacity: [1, 10] }, { capacity: [6, 6], count: 5 }],
      vms: [{ demand: [3, 3], count: 4 }],
    });
    expect(lowerBound(inst)).toBe(2);
    // reservation and oversubscription count; out-of-service hosts do not.
    const inst2 = json({
      hosts: [{ capacity: [100], inService: false }, { capacity: [10], reservation: [5], oversubscription: [2], count: 4 }],
      vms: [{ demand: [7], count: 3 }],
    });
    expect(lowerBound(inst2)).toBe(3);
  });

  it("anti-affinity: a deployment of k VMs needs k hosts; VMs that fit no host are left out", () => {
    expect(lowerBound(json({ hosts: [{ capacity: [100], count: 9 }], vms: [{ demand: [1], deployment: "a", count: 5 }] }))).toBe(5);
    expect(lowerBound(json({ hosts: [{ capacity: [100], count: 9 }], vms: [{ demand: [1] }, { demand: [500], count: 3 }] }))).toBe(1);
    expect(lowerBound(json({ hosts: [{ capacity: [100], count: 9 }], vms: [] }))).toBe(0);
    // not enough capacity anywhere: every in-service host
    expect(lowerBound(json({ hosts: [{ capacity: [10], count: 3 }], vms: [{ demand: [9], count: 4 }] }))).toBe(3);
  });

  it("never exceeds the brute-force optimum, and pack never beats it (random tiny instances)", () => {
    let s = 7;
    const rnd = (k: number) => ((s = (s * 1103515245 + 12345) >>> 0) % k);
    let tight = 0;
    for (let t = 0; t < 120; t++) {
      const D = 1 + rnd(3);
      const hosts = Array.from({ length: 1 + rnd(3) }, () => ({ capacity: Array.from({ length: D }, () => 6 + rnd(10)), count: 1 + rnd(3) }));
      const vms = Array.from({ length: 2 + rnd(5) }, () => ({
        demand: Array.from({ length: D }, () => 1 + rnd(8)),
        ...(rnd(3) === 0 ? { deployment: `d${rnd(2)}` } : {}),
      }));
      const inst = json({ hosts, vms });
      const opt = bruteForceOptimum(inst);
      const lb = lowerBound(inst);
      const r = packOffline(inst);
      expectConsistent(inst, r);
      if (opt === Infinity) continue; // not every VM can be placed
      expect(lb, JSON.stringify({ hosts, vms })).toBeLessThanOrEqual(opt);
      if (r.rejected === 0) expect(r.hostsUsed).toBeGreaterThanOrEqual(opt);
      if (lb === opt) tight++;
    }
    expect(tight).toBeGreaterThan(20); // the bound is not trivially 0 or 1
  });
});

describe("pack command", () => {
  const logs: string[] = [];
  const errs: string[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    logs.length = 0;
    errs.length = 0;
  });
  const capture = () => {
    vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void logs.push(a.join(" ")));
    vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => void errs.push(a.join(" ")));
  };

  it("--out writes the assignment document, consistent with the instance", async () => {
    capture();
    const out = join(mkdtempSync(join(tmpdir(), "vmf-pack-")), "out.json");
    expect(await run([join(FIX, "small.json"), "--out", out])).toBe(0);
    expect(logs).toEqual([]); // --out without --json prints nothing
    const doc = JSON.parse(readFileSync(out, "utf8"));
    expect(Object.keys(doc)).toEqual(["assignment", "hostsUsed", "placed", "rejected", "lowerBound", "seconds"]);
    const inst = loadInstance(join(FIX, "small.json"));
    expect(checkAssignment(inst, Int32Array.from(doc.assignment))).toBe(doc.hostsUsed);
    expect(doc.placed + doc.rejected).toBe(inst.vmCount);
    expect(doc.lowerBound).toBe(lowerBound(inst));
    expect(doc.hostsUsed).toBeGreaterThanOrEqual(doc.lowerBound);
    expect(doc.seconds).toBeGreaterThan(0);
  });

  it("outJson chunks long assignments correctly", () => {
    const o = packFile(join(FIX, "tiny.vbp"));
    const a = new Int32Array(150_000).map((_, i) => (i % 7) - 1);
    const doc = JSON.parse(outJson({ ...o, result: { ...o.result, assignment: a } }));
    expect(doc.assignment.length).toBe(a.length);
    expect(doc.assignment).toEqual(Array.from(a));
  });

  it("prints a readable summary, or one JSON object with --json", async () => {
    capture();
    expect(await run([join(FIX, "tiny.vbp")])).toBe(0);
    expect(logs).toEqual([`${join(FIX, "tiny.vbp")}: 6/6 VMs on 3 of 6 hosts, lower bound 3 (+0.0%), ${logs[0].match(/[\d.]+ s/)![0]}, offline first-fit/sum (best of 12)`]);
    logs.length = 0;
    expect(await run([join(FIX, "tiny.vbp"), "--json", "--online", "--policy", "first-fit"])).toBe(0);
    const s = JSON.parse(logs[0]);
    expect(s).toMatchObject({ vms: 6, hosts: 6, hostsUsed: 4, placed: 6, rejected: 0, lowerBound: 3, method: "online first-fit" });
  });

  it("folder mode: one line per file, in natural order; --json one object per line", async () => {
    capture();
    expect(await run([FIX])).toBe(0);
    expect(logs.length).toBe(3);
    expect(logs.map((l) => l.split(":")[0])).toEqual(["CL_1_25_1.vbp", "small.json", "tiny.vbp"].map((f) => join(FIX, f)));
    logs.length = 0;
    expect(await run([FIX, join(FIX, "tiny.vbp"), "--json"])).toBe(0);
    expect(logs.map((l) => JSON.parse(l).file)).toEqual(["CL_1_25_1.vbp", "small.json", "tiny.vbp", "tiny.vbp"].map((f) => join(FIX, f)));
  });

  it("folder mode: a bad file is reported, the others still run, exit status 2", async () => {
    capture();
    const dir = mkdtempSync(join(tmpdir(), "vmf-pack-"));
    writeFileSync(join(dir, "a.vbp"), "1\n10\n1\n4 2\n");
    writeFileSync(join(dir, "b.vbp"), "1\n10\n2\n4 2\n");
    writeFileSync(join(dir, "c.json"), `{"hosts": [{"capacity": [3]}], "vms": [{"demand": [1]}]}`);
    expect(await run([dir])).toBe(2);
    expect(logs.length).toBe(2);
    expect(errs).toEqual([`vmfabric: ${join(dir, "b.vbp")}:4: item type 2 of 2 is missing (unexpected end of file)`]);
  });

  it("bad arguments throw VmfabricError (the CLI prints it and exits 2)", async () => {
    await expect(run([])).rejects.toThrow(/pack needs FILE\|DIR: instance files/);
    await expect(run([join(FIX, "tiny.vbp"), "--policy", "worst-fit"])).rejects.toThrow(/--policy must be one of/);
    await expect(run([join(FIX, "tiny.vbp"), "--bogus=1"])).rejects.toThrow(/unknown option --bogus/);
    await expect(run([FIX, "--out", "/tmp/x.json"])).rejects.toThrow(/--out takes exactly one instance FILE, got 3/);
    await expect(run(["/nonexistent.vbp"])).rejects.toBeInstanceOf(VmfabricError);
  });

  it.skipIf(!existsSync(join(ROOT, "dist/src/commands/pack.js")))("the built CLI exits 2 with `vmfabric: <file>:<line>: ...` (skipped: dist not built)", () => {
    const dir = mkdtempSync(join(tmpdir(), "vmf-pack-"));
    writeFileSync(join(dir, "bad.vbp"), "2\n10\n");
    const p = spawnSync(process.execPath, [join(ROOT, "dist/src/cli.js"), "pack", join(dir, "bad.vbp")], { encoding: "utf8" });
    expect(p.status).toBe(2);
    expect(p.stderr.trim()).toBe(`vmfabric: ${join(dir, "bad.vbp")}:2: bin capacities must have 2 numbers, got 1 ("10")`);
  });
});

describe("pack at scale", () => {
  it("120,000 VMs (JSON, > 100k: two variants) pack validly", { timeout: 30_000 }, () => {
    const n = 120_000;
    const parts = [`{"hosts": [{"capacity": [64000, 262144], "count": 8000}], "vms": [`];
    for (let i = 0; i < n; i++) {
      const c = [1, 1, 1, 2, 2, 4, 8][i % 7];
      parts.push(`${i ? "," : ""}{"tenant": "t${i % 50}", "deployment": "d${i >> 3}", "demand": [${c * 1000}, ${c * 1792}]}`);
    }
    parts.push("]}");
    const inst = parseJsonInstance(Buffer.from(parts.join("")), "big.json");
    expect(inst.vmCount).toBe(n);
    const r = packOffline(inst);
    expect(r.tried).toBe(2);
    expectConsistent(inst, r);
    expect(r.rejected).toBe(0);
    expect(r.hostsUsed).toBeGreaterThanOrEqual(lowerBound(inst));
    expect(r.hostsUsed).toBeLessThanOrEqual(lowerBound(inst) * 1.02);
  });
});

describe.skipIf(!existsSync(CT))(`pack on Caprara-Toth (skipped: ${CT} absent)`, () => {
  it("CL_k_*_1, k = 1..10: never below the optimum, within 10% of it", () => {
    const opt = new Map<string, number>();
    for (const l of readFileSync(`${CT}/optimal_values/optimal_values.csv`, "utf8").trim().split("\n").slice(1)) {
      const c = l.split(";");
      if (c[0] === "2") opt.set(`CL_${c[1]}_${c[2]}_${c[3]}`, Number(c[7]));
    }
    let used = 0;
    let best = 0;
    for (let k = 1; k <= 10; k++) {
      const n = k === 10 ? 99 : 100;
      const inst = loadInstance(`${CT}/CT01_demand1/CL_${k}_${n}_1.vbp`);
      const r = packOffline(inst);
      expectConsistent(inst, r);
      const o = opt.get(`CL_${k}_${n}_1`)!;
      expect(lowerBound(inst)).toBeLessThanOrEqual(o);
      expect(r.hostsUsed).toBeGreaterThanOrEqual(o);
      used += r.hostsUsed;
      best += o;
    }
    expect(used / best).toBeLessThan(1.1);
  });
});
