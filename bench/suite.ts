// benchmark.js suites: the wasm core (through the Engine facade) against the same policies in
// plain TypeScript (bench/baseline.ts): a full scan of the hosts per VM (exactly the core's
// choices) and a kube-scheduler-style loop that scores a 50-host sample.
//
//   node dist/bench/suite.js [--quick] [--sizes 10000,100000] [--policy best-fit] [--json FILE]
//   VMFABRIC_BENCH_QUICK=1 node dist/bench/suite.js       (same as --quick: 10k hosts only)
//
// Fleet: Azure Dsv3-Type3 hosts (src/workload/fleet.ts), 40 per rack, pre-filled best-fit with
// 8 Azure-2017-sized VMs per host (about 22% of cpu, no deployments). Measured VMs: Azure 2017
// sizes in deployments (trace batch sizes, anti-affinity 1 per host). Each suite compares the
// implementations on identical state; after every benchmark.js cycle the VMs the cycle placed
// are released (or re-placed, for release) outside the timed loop.
//
// Full-scan baseline at >= 100k hosts: a scan per VM costs milliseconds, so its batch is 256 VMs
// instead of 4,096 (per-VM rates are compared), and benchmark.js runs it for fewer cycles.

import Benchmark from "benchmark";
import { writeFileSync } from "node:fs";
import { Engine } from "../src/engine.js";
import type { Policy } from "../src/types.js";
import { loadAzure } from "../src/workload/azure.js";
import { D, EFFECTIVE, HOSTS_PER_FAULT_DOMAIN, benchFleet } from "../src/workload/fleet.js";
import { azureMix } from "../src/workload/mix.js";
import { generateStream, type VmStream } from "../src/workload/stream.js";
import { BASE_POLICIES, FullScanScheduler, NONE, SampledScheduler, type BasePolicy } from "./baseline.js";

const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const quick = argv.includes("--quick") || process.env.VMFABRIC_BENCH_QUICK === "1";
const SIZES = flag("sizes")?.split(",").map(Number) ?? (quick ? [10_000] : [10_000, 100_000, 250_000]);
const POLICIES = (flag("policy")?.split(",") ?? [...BASE_POLICIES]) as BasePolicy[];
const JSON_OUT = flag("json");
const SAMPLE = 50;
const BATCH = 4096;
const PREFILL_PER_HOST = 8;

interface Row {
  hosts: number;
  op: string;
  policy: string;
  impl: string;
  /** Placements (or releases) per second. */
  perSecond: number;
  rme: number;
  samples: number;
  note?: string;
}
const rows: Row[] = [];

/** What every implementation offers the benchmarks. */
interface Impl {
  name: string;
  placeOne(i: number, policy: BasePolicy): number;
  /** Places pool VMs [a, b) in one batch; returns how many were placed (their ids go to `out`). */
  placeRange(a: number, b: number, policy: BasePolicy, out: VmList): void;
  releaseOne(vm: number): void;
  releaseMany(ids: Uint32Array): void;
  /** Puts VMs back exactly on the given hosts (untimed restores). */
  restore(ids: Uint32Array, hosts: Int32Array): void;
}

/** A growable list of VM ids placed during a cycle. */
class VmList {
  ids: Uint32Array;
  n = 0;
  constructor(cap: number) { this.ids = new Uint32Array(cap); }
  push(v: number): void {
    if (this.n === this.ids.length) {
      const g = new Uint32Array(this.ids.length * 2);
      g.set(this.ids);
      this.ids = g;
    }
    this.ids[this.n++] = v;
  }
  take(): Uint32Array { const out = this.ids.slice(0, this.n); this.n = 0; return out; }
}

function engineImpl(engine: Engine, pool: VmStream, base: number): Impl {
  // Requests built up front so the loop measures the call, not object construction.
  const requests = Array.from({ length: pool.n }, (_, i) => ({
    id: base + i,
    demand: Array.from(pool.demands.subarray(i * D, i * D + D)),
    tenant: pool.tenants[i],
    deployment: pool.deployments[i],
  }));
  const opts = new Map<Policy, { policy: Policy }>(BASE_POLICIES.map((p) => [p, { policy: p }]));
  const ids = pool.ids.map((x) => x + base);
  return {
    name: "wasm core (Engine)",
    placeOne: (i, policy) => engine.place(requests[i], opts.get(policy)).host,
    placeRange(a, b, policy, out) {
      const r = engine.placeBatch({
        ids: ids.subarray(a, b),
        demands: pool.demands.subarray(a * D, b * D),
        tenants: pool.tenants.subarray(a, b),
        deployments: pool.deployments.subarray(a, b),
      }, opts.get(policy));
      for (let i = 0; i < r.hosts.length; i++) if (r.hosts[i] >= 0) out.push(base + a + i);
    },
    releaseOne: (vm) => engine.release(vm),
    releaseMany: (vms) => { if (vms.length) engine.releaseBatch(vms); },
    restore(vms, hosts) {
      for (let i = 0; i < vms.length; i++) {
        const p = vms[i] - base;
        engine.placeOn({ id: vms[i], demand: requests[p].demand, tenant: requests[p].tenant, deployment: requests[p].deployment }, hosts[i]);
      }
    },
  };
}

function baselineImpl(name: string, s: FullScanScheduler, pool: VmStream, base: number): Impl {
  const ids = pool.ids.map((x) => x + base);
  const hostsOut = new Int32Array(Math.max(BATCH, 1));
  return {
    name,
    placeOne: (i, policy) => s.place(base + i, pool.demands, i * D, pool.deployments[i], policy),
    placeRange(a, b, policy, out) {
      const h = s.placeBatch({ ids: ids.subarray(a, b), demands: pool.demands.subarray(a * D, b * D), deployments: pool.deployments.subarray(a, b) }, policy, hostsOut.subarray(0, b - a));
      for (let i = 0; i < b - a; i++) if (h[i] >= 0) out.push(base + a + i);
    },
    releaseOne: (vm) => s.release(vm),
    releaseMany: (vms) => s.releaseBatch(vms),
    restore(vms, hosts) {
      for (let i = 0; i < vms.length; i++) {
        const p = vms[i] - base;
        s.commit(vms[i], hosts[i], pool.demands, p * D, pool.deployments[p]);
      }
    },
  };
}

function fmtRate(x: number): string {
  return x >= 1e6 ? `${(x / 1e6).toFixed(2)} M/s` : x >= 1e3 ? `${(x / 1e3).toFixed(1)} k/s` : `${x.toFixed(1)} /s`;
}
function perOp(x: number): string {
  const s = 1 / x;
  return s >= 1e-3 ? `${(s * 1e3).toFixed(2)} ms` : `${(s * 1e6).toFixed(2)} µs`;
}

/** Runs one suite: the same operation on every implementation, then prints rates and ratios. */
function runSuite(title: string, hosts: number, op: string, policy: string,
                  cases: Array<{ impl: Impl; fn: () => void; reset: () => void; vmsPerOp: number; note?: string; slow?: boolean }>): void {
  const suite = new Benchmark.Suite(title);
  for (const c of cases) {
    suite.add(c.impl.name, c.fn, c.slow ? { maxTime: 1.5, minSamples: 3, onCycle: c.reset } : { maxTime: 2, onCycle: c.reset });
  }
  console.log(`\n## ${title}`);
  suite.run();
  const got: Row[] = [];
  for (let i = 0; i < suite.length; i++) {
    const b = suite[i];
    cases[i].reset();
    if (b.error) {
      console.log(`  ${b.name}: ERROR ${b.error.message}`);
      continue;
    }
    const r: Row = { hosts, op, policy, impl: cases[i].impl.name, perSecond: b.hz * cases[i].vmsPerOp, rme: b.stats.rme, samples: b.stats.sample.length, note: cases[i].note };
    got.push(r);
    rows.push(r);
  }
  const ref = got[0];
  for (const r of got) {
    const ratio = r === ref ? "" : `   core is ${(ref.perSecond / r.perSecond).toFixed(1)}x`;
    console.log(`  ${r.impl.padEnd(34)} ${fmtRate(r.perSecond).padStart(11)}  (${perOp(r.perSecond)} per VM, ±${r.rme.toFixed(1)}%, ${r.samples} samples)${ratio}${r.note ? `  [${r.note}]` : ""}`);
  }
}

function main(): void {
  const azure = loadAzure();
  if (azure.source === "embedded") console.error(`bench: ${azure.detail}`);
  const mix = azureMix(azure);
  console.log(`# vmfabric benchmark.js suites${quick ? " (quick: 10k hosts only)" : ""}`);
  console.log(`Fleet: Dsv3-Type3 (effective ${EFFECTIVE.join(" / ")} mcpu / MiB / Mbps / GiB), ${HOSTS_PER_FAULT_DOMAIN} hosts per rack, pre-filled best-fit with ${PREFILL_PER_HOST} VMs per host.`);
  console.log(`VMs: Azure 2017 sizes (${azure.source}), deployments by trace batch size, anti-affinity 1 per host. Baselines: plain TS full scan (same choices as the core) and kube-style ${SAMPLE}-host sample.`);
  console.log(`Machine is shared: compare within a suite (ratios), not across runs.`);

  for (const H of SIZES) {
    const prefillN = H * PREFILL_PER_HOST;
    const poolN = Math.min(300_000, Math.max(100_000, H * 2));
    const vmCap = prefillN + poolN;
    const prefill = generateStream({ vms: prefillN, mix, batchSizes: azure.batchSizes, seed: 101 });
    const pool = generateStream({ vms: poolN, mix, batchSizes: azure.batchSizes, seed: 202 });
    // Pool deployments must not collide with prefill ones (prefill has none anyway).
    const t0 = performance.now();
    const engine = Engine.create(benchFleet(H), { vmCapacity: vmCap });
    const pre = engine.placeBatch({ ids: prefill.ids, demands: prefill.demands, tenants: prefill.tenants }, { policy: "best-fit" });
    const st = engine.stats();
    const cap = new Int32Array(H * D);
    const fd = new Uint16Array(H);
    for (let h = 0; h < H; h++) { cap.set(EFFECTIVE, h * D); fd[h] = Math.floor(h / HOSTS_PER_FAULT_DOMAIN); }
    const full = new FullScanScheduler({ capacity: cap, dims: D, faultDomain: fd, vmCapacity: vmCap });
    const sampled = new SampledScheduler({ capacity: cap, dims: D, faultDomain: fd, vmCapacity: vmCap, sample: SAMPLE });
    for (const s of [full, sampled]) {
      for (let i = 0; i < prefillN; i++) if (pre.hosts[i] >= 0) s.commit(i, pre.hosts[i], prefill.demands, i * D, NONE);
    }
    console.log(`\n# ${H.toLocaleString("en-US")} hosts: pre-filled ${pre.placed.toLocaleString("en-US")} VMs on ${st.hostsUsed.toLocaleString("en-US")} hosts (cpu ${(st.utilization.cpu * 100).toFixed(1)}% of the fleet), set-up ${((performance.now() - t0) / 1000).toFixed(1)} s; pool ${poolN.toLocaleString("en-US")} VMs`);

    const impls = [engineImpl(engine, pool, prefillN), baselineImpl("plain TS full scan", full, pool, prefillN), baselineImpl(`plain TS sampled (${SAMPLE} hosts)`, sampled, pool, prefillN)];
    const big = H >= 100_000;

    for (const policy of POLICIES) {
      // ---- single placement ----
      runSuite(`place one VM, ${policy}, ${H.toLocaleString("en-US")} hosts`, H, "place", policy, impls.map((impl) => {
        const placed = new VmList(1024);
        let k = 0;
        const reset = (): void => { impl.releaseMany(placed.take()); k = 0; };
        const fn = (): void => {
          if (k === poolN) reset();
          const vm = k++;
          if (impl.placeOne(vm, policy) >= 0) placed.push(prefillN + vm);
        };
        return { impl, fn, reset, vmsPerOp: 1, slow: big && impl.name.includes("full") };
      }));

      // ---- batch placement ----
      runSuite(`placeBatch, ${policy}, ${H.toLocaleString("en-US")} hosts`, H, "placeBatch", policy, impls.map((impl) => {
        const size = big && impl.name.includes("full") ? 256 : BATCH;
        const placed = new VmList(1 << 16);
        let k = 0;
        const reset = (): void => { impl.releaseMany(placed.take()); k = 0; };
        const fn = (): void => {
          if (k + size > poolN) reset();
          impl.placeRange(k, k + size, policy, placed);
          k += size;
        };
        const note = size !== BATCH ? `batches of ${size} VMs, not ${BATCH}: a full scan per VM is slow` : `batches of ${size} VMs`;
        return { impl, fn, reset, vmsPerOp: size, note, slow: big && impl.name.includes("full") };
      }));
    }

    // ---- release (policy-independent): the pool placed best-fit by the core, same hosts everywhere ----
    const placedPool = engine.placeBatch({ ids: pool.ids.map((x) => x + prefillN), demands: pool.demands, tenants: pool.tenants, deployments: pool.deployments }, { policy: "best-fit" });
    const poolIds: number[] = [];
    const poolHosts: number[] = [];
    for (let i = 0; i < poolN; i++) if (placedPool.hosts[i] >= 0) { poolIds.push(prefillN + i); poolHosts.push(placedPool.hosts[i]); }
    const allIds = Uint32Array.from(poolIds);
    const allHosts = Int32Array.from(poolHosts);
    engine.releaseBatch(allIds);
    runSuite(`release one VM, ${H.toLocaleString("en-US")} hosts`, H, "release", "-", impls.slice(0, 2).map((impl) => {
      impl.restore(allIds, allHosts);
      let r = 0;
      // Put the released VMs back on their hosts (untimed, after each cycle).
      const reset = (): void => {
        impl.restore(allIds.subarray(0, r), allHosts.subarray(0, r));
        r = 0;
      };
      const fn = (): void => {
        if (r === allIds.length) reset();
        impl.releaseOne(allIds[r++]);
      };
      return { impl, fn, reset, vmsPerOp: 1 };
    }));
    // Leave nothing of the pool placed (the suite's final reset re-placed them).
    impls[0].releaseMany(allIds);
    impls[1].releaseMany(allIds);
  }

  // ---- summary ----
  console.log(`\n# Summary: core vs baselines (placements or releases per second; ratio = core / baseline)`);
  const key = (r: Row) => `${r.hosts}|${r.op}|${r.policy}`;
  const groups = new Map<string, Row[]>();
  for (const r of rows) groups.set(key(r), [...(groups.get(key(r)) ?? []), r]);
  console.log(`${"hosts".padStart(8)}  ${"operation".padEnd(11)} ${"policy".padEnd(12)} ${"core".padStart(11)} ${"full scan".padStart(11)} ${"ratio".padStart(8)} ${"sampled".padStart(11)} ${"ratio".padStart(8)}`);
  for (const g of groups.values()) {
    const [core, full, samp] = g;
    const cell = (r?: Row) => (r ? fmtRate(r.perSecond) : "-").padStart(11);
    const ratio = (r?: Row) => (r && core ? `${(core.perSecond / r.perSecond).toFixed(1)}x` : "-").padStart(8);
    console.log(`${core.hosts.toLocaleString("en-US").padStart(8)}  ${core.op.padEnd(11)} ${core.policy.padEnd(12)} ${cell(core)} ${cell(full)} ${ratio(full)} ${cell(samp)} ${ratio(samp)}`);
  }
  if (JSON_OUT) {
    writeFileSync(JSON_OUT, JSON.stringify({ quick, sizes: SIZES, policies: POLICIES, rows }, null, 2));
    console.log(`\nwrote ${JSON_OUT}`);
  }
}

main();
