// The tabu candidate inside `vmfabric pack` (src/offline/vector.ts, best.ts): when it applies,
// that its packings pass the engine's core on every Caprara-Toth instance, that pack is never
// worse than the best core variant, and that it reaches the optimum where the core variants do
// not. Caprara & Toth (2001) data: ../shared/data/vbp-caprara-toth-2d (skipped when absent).
import { join } from "node:path";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseJsonInstance } from "../src/instance/json.js";
import { loadInstance } from "../src/instance/load.js";
import type { Instance } from "../src/instance/types.js";
import { better, offlineVariants, packOffline, runVariant, type PackResult } from "../src/offline/best.js";
import { commitThroughEngine, runVectorSearch, VECTOR_MAX_VMS, vectorShape } from "../src/offline/vector.js";
import { NO_DEPLOYMENT } from "../src/types.js";
import { dataDirCandidates, findDataSet } from "../src/data.js";
import { hostCaps } from "./support/instances.js";

const CT = findDataSet("vbp-caprara-toth-2d") ?? join(dataDirCandidates()[0], "vbp-caprara-toth-2d");
const json = (o: unknown) => parseJsonInstance(Buffer.from(JSON.stringify(o)), "t.json");

/** Capacity (effective), service and anti-affinity recomputed from the instance; hosts used. */
function checkAssignment(inst: Instance, a: Int32Array): number {
  const D = inst.dimensions.length;
  const { cap, inService } = hostCaps(inst);
  const load = cap.map((c) => c.map(() => 0));
  const deps = new Set<string>();
  for (let v = 0; v < inst.vmCount; v++) {
    const h = a[v];
    if (h < 0) continue;
    expect(inService[h]).toBe(true);
    for (let d = 0; d < D; d++) load[h][d] += inst.demands[v * D + d];
    const dep = inst.deployments[v];
    if (dep !== NO_DEPLOYMENT) {
      expect(deps.has(`${h}/${dep}`)).toBe(false);
      deps.add(`${h}/${dep}`);
    }
  }
  let used = 0;
  load.forEach((l, h) => {
    l.forEach((x, d) => expect(x).toBeLessThanOrEqual(cap[h][d]));
    if (a.includes(h)) used++;
  });
  return used;
}

function bestCore(inst: Instance): PackResult {
  let best: PackResult | undefined;
  for (const v of offlineVariants(inst.vmCount)) {
    const r = runVariant(inst, v.policy, true, v.sizeMeasure);
    if (best === undefined || better(r, best)) best = r;
  }
  return best!;
}

function optima(): Map<string, number> {
  const opt = new Map<string, number>();
  for (const l of readFileSync(`${CT}/optimal_values/optimal_values.csv`, "utf8").trim().split("\n").slice(1)) {
    const c = l.split(";");
    if (c[0] === "2") opt.set(`CL_${c[1]}_${c[2]}_${c[3]}`, Number(c[7]));
  }
  return opt;
}

describe("when the tabu candidate applies", () => {
  const base = { hosts: [{ capacity: [16, 64], count: 4 }], vms: [{ demand: [4, 8], count: 6 }] };

  it("a plain vector packing instance qualifies; .vbp-like instances too", () => {
    expect("capacity" in vectorShape(json(base))).toBe(true);
    // Reservation and oversubscription: equal effective capacity is what counts.
    const mixed = json({ hosts: [{ capacity: [16, 64], count: 2 }, { capacity: [18, 32], reservation: [2, 0], oversubscription: [1, 2], count: 2 }], vms: base.vms });
    expect(vectorShape(mixed)).toMatchObject({ capacity: [16, 64] });
    // Deployments of one VM each and several tenants bind nothing.
    const single = json({ ...base, vms: [{ demand: [4, 8], deployment: "a", tenant: "x" }, { demand: [4, 8], deployment: "b", tenant: "y" }] });
    expect("capacity" in vectorShape(single)).toBe(true);
  });

  it("anything beyond pure capacity packing does not", () => {
    const why = (o: unknown) => {
      const s = vectorShape(json(o));
      return "why" in s ? s.why : "qualifies";
    };
    expect(why({ ...base, vms: [{ demand: [4, 8], deployment: "a", count: 2 }] })).toMatch(/anti-affinity/);
    expect(why({ hosts: [{ capacity: [16, 64], count: 3 }, { capacity: [16, 64], inService: false }], vms: base.vms })).toMatch(/out of service/);
    expect(why({ hosts: [{ capacity: [16, 64], count: 3 }, { capacity: [32, 64] }], vms: base.vms })).toMatch(/differ/);
    expect(why({ ...base, vms: [{ demand: [17, 8] }] })).toMatch(/fits no host/);
    expect(why({ ...base, vms: [{ demand: [1, 1], count: VECTOR_MAX_VMS + 1 }] })).toMatch(/more than/);
  });

  it("zero-capacity dimensions are dropped", () => {
    const s = vectorShape(json({ dimensions: ["cpu", "gpu", "mem"], hosts: [{ capacity: [16, 0, 64], count: 3 }], vms: [{ demand: [4, 0, 8], count: 3 }] }));
    expect(s).toMatchObject({ capacity: [16, 64], dims: [0, 2] });
  });

  it("--policy keeps pack to the core's variants of that policy", () => {
    const inst = loadInstance(new URL("./fixtures/pack/CL_1_25_1.vbp", import.meta.url).pathname);
    expect(packOffline(inst, { policy: "first-fit" }).tried).toBe(3);
    expect(packOffline(inst).tried).toBe(offlineVariants(inst.vmCount).length + 1);
  });

  it("the engine commit catches an invalid packing (over capacity, unknown host) and reports it", () => {
    const inst = json(base); // 6 VMs of [4, 8] on [16, 64]: at most 4 per host
    expect(commitThroughEngine(inst, Int32Array.from([0, 0, 0, 0, 1, 1]))).toHaveProperty("assignment");
    const over = commitThroughEngine(inst, Int32Array.from([0, 0, 0, 0, 0, 1]));
    expect(over).toMatchObject({ why: expect.stringMatching(/vm #4 on host 0: NO_CAPACITY/) });
    expect(commitThroughEngine(inst, Int32Array.from([0, 0, 0, 0, 1, 9]))).toMatchObject({ why: expect.stringMatching(/host 9/) });
  });

  it("random small JSON instances (tenants, single-VM deployments, reservations): valid, never worse than the best core variant, deterministic", () => {
    let s = 17;
    const rnd = (k: number) => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) % k);
    let ran = 0;
    for (let t = 0; t < 30; t++) {
      const D = 1 + rnd(3);
      const capacity = Array.from({ length: D }, () => 50 + rnd(100));
      const vms = Array.from({ length: 5 + rnd(40) }, (_, i) => ({
        demand: capacity.map((c) => 1 + rnd(Math.floor(c * 0.6))),
        tenant: `t${rnd(3)}`,
        ...(rnd(2) ? { deployment: `d${i}` } : {}),
      }));
      const inst = json({ hosts: [{ capacity: capacity.map((c) => c + 10), reservation: capacity.map(() => 10), count: vms.length }], vms });
      const o = runVectorSearch(inst);
      expect(o.status).toBe("placed");
      if (o.status !== "placed") continue;
      ran++;
      expect(checkAssignment(inst, o.result.assignment)).toBe(o.result.hostsUsed);
      expect(o.result.hostsUsed).toBeGreaterThanOrEqual(o.lowerBound);
      const again = runVectorSearch(inst);
      expect(again.status === "placed" && Array.from(again.result.assignment)).toEqual(Array.from(o.result.assignment));
      const p = packOffline(inst);
      expect(checkAssignment(inst, p.assignment)).toBe(p.hostsUsed);
      expect(p.rejected).toBe(0);
      expect(p.hostsUsed).toBeLessThanOrEqual(bestCore(inst).hostsUsed);
      expect(p.hostsUsed).toBeLessThanOrEqual(o.result.hostsUsed);
    }
    expect(ran).toBe(30);
  });
});

describe.skipIf(!existsSync(CT))(`the tabu candidate on Caprara-Toth (skipped: ${CT} absent)`, () => {
  it("all 400 instances: the core accepts every tabu packing (none discarded), valid, never below the optimum", { timeout: 60_000 }, () => {
    const opt = optima();
    const files = readdirSync(`${CT}/CT01_demand1`).filter((f) => f.endsWith(".vbp"));
    expect(files.length).toBe(400);
    let sum = 0, optSum = 0;
    for (const f of files) {
      const inst = loadInstance(`${CT}/CT01_demand1/${f}`);
      const o = runVectorSearch(inst);
      expect(o.status, `${f}: ${"why" in o ? o.why : ""}`).toBe("placed");
      if (o.status !== "placed") continue;
      const best = opt.get(f.replace(/\.vbp$/, ""))!;
      expect(o.result.hostsUsed).toBeGreaterThanOrEqual(best);
      expect(o.lowerBound).toBeLessThanOrEqual(best);
      // The engine's own count of hosts agrees with the assignment it returned.
      expect(new Set(o.result.assignment).size).toBe(o.result.hostsUsed);
      sum += o.result.hostsUsed;
      optSum += best;
    }
    expect(sum).toBeLessThanOrEqual(Math.floor(1.02 * optSum)); // the quality target
  });

  it("five instances where every core variant misses the optimum: pack within 1 of it, and optimal on at least 4", () => {
    const opt = optima();
    let optimal = 0;
    for (const name of ["CL_1_25_1", "CL_1_50_1", "CL_6_25_3", "CL_6_50_2", "CL_9_50_1"]) {
      const inst = loadInstance(`${CT}/CT01_demand1/${name}.vbp`);
      const o = opt.get(name)!;
      const core = bestCore(inst);
      expect(core.hostsUsed, `${name}: the core alone already optimal, pick another instance`).toBeGreaterThan(o);
      const r = packOffline(inst);
      expect(checkAssignment(inst, r.assignment)).toBe(r.hostsUsed);
      expect(r.hostsUsed).toBeGreaterThanOrEqual(o);
      expect(r.hostsUsed, name).toBeLessThanOrEqual(o + 1);
      expect(r.hostsUsed).toBeLessThanOrEqual(core.hostsUsed);
      if (r.hostsUsed === o) optimal++;
    }
    expect(optimal).toBeGreaterThanOrEqual(4);
  });

  it("deterministic on real instances (two runs, same assignment), pack never worse than the best core variant", () => {
    for (const name of ["CL_2_100_3", "CL_6_100_4", "CL_9_100_2", "CL_10_99_5"]) {
      const inst = loadInstance(`${CT}/CT01_demand1/${name}.vbp`);
      const a = packOffline(inst);
      const b = packOffline(inst);
      expect(Array.from(b.assignment)).toEqual(Array.from(a.assignment));
      expect(b.method).toBe(a.method);
      expect(checkAssignment(inst, a.assignment)).toBe(a.hostsUsed);
      expect(a.hostsUsed).toBeLessThanOrEqual(bestCore(inst).hostsUsed);
    }
  });
});
