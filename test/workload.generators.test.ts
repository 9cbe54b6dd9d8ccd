// The bench workload: seeded generators, data loading, host type, mixes, lower bound, chunking.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dataDirCandidates, embeddedAzure, findAzureDir, loadAzure } from "../src/workload/azure.js";
import { D, EFFECTIVE, HOST_TYPE, benchFleet, lowerBound, vmDemand } from "../src/workload/fleet.js";
import { MIXED_SIZES, azureMix, balancedMix, getMix, meanDemand, mixedMix } from "../src/workload/mix.js";
import { Progress } from "../src/workload/progress.js";
import { WeightedSampler, rng } from "../src/workload/rng.js";
import { chunkByDeployments, generateStream } from "../src/workload/stream.js";

const azure = loadAzure();
const azureDir = findAzureDir();

describe("rng", () => {
  it("is deterministic for a seed and differs across seeds", () => {
    const a = rng(42), b = rng(42), c = rng(43);
    const xs = Array.from({ length: 100 }, () => a());
    expect(Array.from({ length: 100 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 100 }, () => c())).not.toEqual(xs);
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
  });

  it("samples in proportion to the weights", () => {
    const s = new WeightedSampler([1, 0, 3]);
    const r = rng(7);
    const n = [0, 0, 0];
    for (let i = 0; i < 40_000; i++) n[s.pick(r())]++;
    expect(n[1]).toBe(0);
    expect(n[2] / n[0]).toBeGreaterThan(2.8);
    expect(n[2] / n[0]).toBeLessThan(3.2);
  });
});

describe("Azure 2017 distributions", () => {
  it("has the 16 flavours and the batch sizes of the dev split", () => {
    expect(azure.flavours).toHaveLength(16);
    expect(azure.flavours.reduce((s, f) => s + f.count, 0)).toBe(259_159);
    expect(azure.batchSizes.reduce((s, b) => s + b.count, 0)).toBe(53_109);
    expect(azure.batchSizes.reduce((s, b) => s + b.size * b.count, 0)).toBe(259_159);
    const b = azure.flavours.find((f) => f.letter === "b")!;
    expect([b.vcpu, b.memGiB]).toEqual([1, 1.75]);
    expect(b.count / 259_159).toBeCloseTo(0.6036, 3);
  });

  it.skipIf(!azureDir)("embedded copy equals the data folder (data present)", () => {
    const fromData = loadAzure(azureDir!);
    const emb = embeddedAzure();
    expect(fromData.source).toBe("data");
    expect(emb.flavours).toEqual(fromData.flavours);
    expect(emb.batchSizes).toEqual(fromData.batchSizes);
  });

  it("falls back to the embedded copy and says why", () => {
    const emb = loadAzure(null);
    expect(emb.source).toBe("embedded");
    expect(emb.detail).toMatch(/not found.*embedded copy/);
    expect(dataDirCandidates().length).toBeGreaterThan(0);
  });
});

describe("host type and units", () => {
  it("is Azure Dsv3-Type3 with the documented reservation", () => {
    expect(HOST_TYPE.capacity).toEqual([80_000, 504 * 1024, 40_000, 2048]);
    expect(HOST_TYPE.reservation).toEqual([2000, 8192, 1000, 64]);
    expect(EFFECTIVE).toEqual([78_000, 507_904, 39_000, 1984]);
    const f = benchFleet(100);
    expect(f.hostTypes[0]).toMatchObject({ count: 100, hostsPerFaultDomain: 40 });
  });

  const csv = dataDirCandidates().map((d) => join(d, "vm-catalogs/azure_dedicated_hosts_cleaned.csv")).find((p) => existsSync(p));
  it.skipIf(!csv)("matches the catalogue row (data present)", () => {
    const row = readFileSync(csv!, "utf8").split(/\r?\n/).find((l) => l.startsWith("Dsv3-Type3,"))!;
    const [, vcpu, ram] = row.split(",");
    expect(Number(vcpu)).toBe(HOST_TYPE.vcpu);
    expect(ram).toBe(`${HOST_TYPE.memGiB} GiB`);
  });

  it("converts VM sizes to mcpu, MiB, Mbps, GiB", () => {
    expect(vmDemand(1, 1.75)).toEqual([1000, 1792, 250, 16]);
    expect(vmDemand(16, 112)).toEqual([16_000, 114_688, 4000, 256]);
  });
});

describe("mixes", () => {
  it("balanced: memory:cpu demand within 1% of the host's effective ratio, memory and cpu dominate", () => {
    const m = meanDemand(balancedMix());
    const ratio = m[1] / m[0];
    const host = EFFECTIVE[1] / EFFECTIVE[0];
    expect(Math.abs(ratio / host - 1)).toBeLessThan(0.01);
    const shape = m.map((x, d) => x / EFFECTIVE[d]);
    expect(shape[2]).toBeLessThan(shape[0]);
    expect(shape[3]).toBeLessThan(shape[0]);
  });

  it("mixed: memory-heavy and CPU-heavy sizes equally common; cpu binds, memory-heavy VMs alone would strand cpu", () => {
    const share = (f: number) => MIXED_SIZES.filter((s) => s.memGiB / s.vcpu === f).reduce((a, s) => a + s.weight, 0);
    expect(share(8)).toBeCloseTo(0.5, 12);
    expect(share(2)).toBeCloseTo(0.5, 12);
    expect(MIXED_SIZES.filter((s) => s.memGiB / s.vcpu === 8).length).toBe(3);
    expect(MIXED_SIZES.filter((s) => s.memGiB / s.vcpu === 2).length).toBe(4);
    const shape = meanDemand(mixedMix()).map((x, d) => x / EFFECTIVE[d]);
    expect(shape[0]).toBeGreaterThan(shape[1]);
    expect(shape[1]).toBeGreaterThan(0.5 * shape[0]);
    // 8 GiB per vCPU is more than the host's ratio: memory-heavy VMs alone fill memory first.
    expect(8 * 1024 / 1000).toBeGreaterThan(EFFECTIVE[1] / EFFECTIVE[0]);
  });

  it("azure: cpu binds on Dsv3-Type3", () => {
    const m = meanDemand(azureMix(azure));
    const shape = m.map((x, d) => x / EFFECTIVE[d]);
    expect(Math.max(...shape)).toBe(shape[0]);
  });

  it("getMix rejects unknown names", () => {
    expect(() => getMix("nope", azure)).toThrow(/unknown mix/);
  });
});

describe("VM stream", () => {
  const opts = { vms: 200_000, mix: azureMix(azure), batchSizes: azure.batchSizes, seed: 5 };
  const s = generateStream(opts);

  it("is deterministic for a seed", () => {
    const t = generateStream(opts);
    const same = (x: ArrayBufferView, y: ArrayBufferView) => Buffer.compare(Buffer.from(x.buffer, x.byteOffset, x.byteLength), Buffer.from(y.buffer, y.byteOffset, y.byteLength)) === 0;
    expect(same(t.demands, s.demands)).toBe(true);
    expect(same(t.deployments, s.deployments)).toBe(true);
    expect(same(t.sizeIndex, s.sizeIndex)).toBe(true);
    const u = generateStream({ ...opts, vms: 1000, seed: 6 });
    expect(u.demands).not.toEqual(s.demands.subarray(0, 1000 * D));
  });

  it("VM size frequencies match the data, one size per deployment", () => {
    const total = azure.flavours.reduce((a, f) => a + f.count, 0);
    const n = new Array<number>(opts.mix.sizes.length).fill(0);
    for (let d = 0; d < s.deploymentCount; d++) {
      const first = s.deploymentStart[d];
      n[s.sizeIndex[first]]++;
      for (let i = first + 1; i < s.deploymentStart[d + 1]; i++) expect(s.sizeIndex[i]).toBe(s.sizeIndex[first]);
    }
    opts.mix.sizes.forEach((size, k) => {
      const want = size.weight / total;
      // ~40k deployments, one draw each: binomial sd <= 0.0025; allow 1 percentage point.
      expect(Math.abs(n[k] / s.deploymentCount - want)).toBeLessThan(0.01);
    });
  });

  it("deployment sizes follow the batch-size distribution; ids, tenants and deployments are consistent", () => {
    const totalBatches = azure.batchSizes.reduce((a, b) => a + b.count, 0);
    const ones = azure.batchSizes.find((b) => b.size === 1)!.count / totalBatches;
    let single = 0;
    let bad = 0;
    for (let d = 0; d < s.deploymentCount; d++) {
      const a = s.deploymentStart[d], b = s.deploymentStart[d + 1];
      if (b - a === 1) single++;
      for (let i = a; i < b; i++) if (s.deployments[i] !== d || s.tenants[i] !== d) bad++;
    }
    expect(bad).toBe(0);
    expect(Math.abs(single / s.deploymentCount - ones)).toBeLessThan(0.015);
    const meanWant = 259_159 / 53_109;
    expect(Math.abs(s.n / s.deploymentCount / meanWant - 1)).toBeLessThan(0.15);
    expect(s.deploymentStart[s.deploymentCount]).toBe(s.n);
    for (let i = 0; i < 1000; i++) expect(s.ids[i]).toBe(i);
  });

  it("chunks hold whole deployments of about the target size", () => {
    const b = chunkByDeployments(s, 4096);
    expect(b[0]).toBe(0);
    expect(b[b.length - 1]).toBe(s.n);
    const starts = new Set(Array.from(s.deploymentStart));
    for (let c = 0; c + 1 < b.length; c++) {
      expect(starts.has(b[c])).toBe(true);
      const len = b[c + 1] - b[c];
      const oneDeployment = s.deployments[b[c]] === s.deployments[b[c + 1] - 1];
      expect(len <= 4096 || oneDeployment).toBe(true);
      if (c + 2 < b.length) expect(len).toBeGreaterThan(4096 - 600);
    }
    expect(chunkByDeployments({ deploymentStart: Uint32Array.from([0, 3, 10, 11]), deploymentCount: 3 }, 4)).toEqual([0, 3, 10, 11]);
    expect(chunkByDeployments({ deploymentStart: Uint32Array.from([0, 1, 2, 3, 4]), deploymentCount: 4 }, 2)).toEqual([0, 2, 4]);
  });
});

describe("lower bound", () => {
  it("is max over dimensions of ceil(sum of demand / capacity)", () => {
    // 3 VMs x 2 dims on hosts of (10, 100): cpu 4+4+3 = 11 -> 2, memory 50+50+1 = 101 -> 2.
    expect(lowerBound([4, 50, 4, 50, 3, 1], [10, 100])).toMatchObject({ hosts: 2, perDimension: [2, 2], demand: [11, 101], binding: 0 });
    expect(lowerBound([4, 50, 4, 50, 2, 1], [10, 100])).toMatchObject({ hosts: 2, perDimension: [1, 2], binding: 1 });
    expect(lowerBound([10, 100], [10, 100])).toMatchObject({ hosts: 1 });
    expect(lowerBound([], [10, 100]).hosts).toBe(0);
    // count limits it to the first VMs.
    expect(lowerBound([10, 0, 10, 0], [10, 100], 1).hosts).toBe(1);
  });
});

describe("progress", () => {
  it("formats a bar with percentage, counts and rate", () => {
    const line = Progress.format("placing", 500, 1000, 2, 10);
    expect(line).toContain("[#####-----]");
    expect(line).toContain("50.0%");
    expect(line).toContain("500/1,000");
    expect(line).toContain("250/s");
    expect(line).toContain("eta 2.0s");
  });

  it("prints nothing when quiet", () => {
    let out = "";
    const stream = { isTTY: false, write: (s: string) => { out += s; return true; } } as unknown as NodeJS.WriteStream;
    const p = new Progress({ label: "x", total: 10, stream, quiet: true, lineEveryMs: 0 });
    p.update(5);
    p.finish();
    expect(out).toBe("");
  });
});
