// `vmfabric quota`: quota enforcement over a packed fleet driven by real Bitbrains utilization.
//
// Mapping (documented in the report): each VM takes one Bitbrains VM-month profile (round robin)
// and is right-sized the way burstable cloud VMs are: reservation = its p95 use (CPU, memory,
// network), burst cap = its provisioned size for CPU and 4 x the reservation for network.
// Demand per 5-minute tick = the temporal shape of one of the five real raw series (phase-shifted
// per VM), scaled to the profile's own mean and clipped at its own max.
import { defineCommand } from "../cli/command.js";
import { requireHeap } from "../cli/limits.js";
import { note, printJson, progress } from "../cli/output.js";
import { Engine } from "../engine.js";
import { QuotaEnforcer } from "../quota/enforcer.js";
import { bitbrainsDir, kbsToMbps, loadBitbrains, millicores, type Bitbrains } from "../workload/bitbrains.js";

const DIMS = ["cpu", "memory", "network", "disk"] as const;
const HOST = { capacity: [32000, 262144, 10000, 2048], reservation: [1000, 8192, 500, 64] };
const HOSTS_PER_FAULT_DOMAIN = 20;
/** The engine allows 65,536 fault domains. */
export const MAX_QUOTA_HOSTS = 65_536 * HOSTS_PER_FAULT_DOMAIN;
/** Peak JavaScript heap per VM (its model object and per-tick arrays), measured: 200,000 VMs
 *  run in 100 MiB of heap and fail in 80 MiB (`node --max-old-space-size=...`). */
const HEAP_BYTES_PER_VM = 500;

interface VmModel {
  res: number[];
  cap: number[];
  mean: number[];   // cpu, mem, net mean use
  max: number[];
  series: number;   // raw series index, -1 = none
  phase: number;
}

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 0x100000000; };
}

export const command = defineCommand({
  name: "quota",
  summary: "quota enforcement on a packed fleet, driven by real Bitbrains demand (5-minute ticks)",
  flags: {
    hosts: { type: "int", min: 1, max: MAX_QUOTA_HOSTS, default: 200, unit: "hosts", help: `hosts of 32 cores, 256 GiB, 10 Gbps, 2 TiB, ${HOSTS_PER_FAULT_DOMAIN} to a rack`, maxReason: `the engine holds in ${HOSTS_PER_FAULT_DOMAIN}-host racks (65,536 fault domains)`, example: "50" },
    vms: { type: "int", min: 1, max: 1 << 24, default: 2000, unit: "VMs", help: "VMs, each following one Bitbrains VM-month profile, packed best-fit by their p95 use", example: "1000" },
    ticks: { type: "int", min: 1, max: 100_000, default: 288, unit: "5-minute ticks", help: "ticks to run (288 = one day)", example: "48" },
    seed: { type: "int", min: 0, max: 0x7fffffff, default: 1, help: "PRNG seed (phases of the demand series)" },
    "hot-ticks": { type: "int", min: 1, max: 1 << 20, default: 3, unit: "ticks", help: "ticks in a row over capacity that make a host hot" },
    json: { type: "boolean", help: "print one compact JSON object instead of the report" },
  },
  description: [
    "Units: cpu millicores, memory MiB, network Mbps. Demand comes from ../shared/data/bitbrains-rnd (or $VMFABRIC_DATA); " +
    "without it the run uses synthetic demand and says so on stderr.",
  ],
  examples: ["quota --hosts 50 --vms 1000 --ticks 48", "quota --json"],
  run({ flags }) {
    return runQuota(flags.hosts, flags.vms, flags.ticks, flags.seed, flags["hot-ticks"], flags.json);
  },
});

export const run = (argv: readonly string[]): Promise<number> => command.run(argv);

function runQuota(H: number, M: number, T: number, seed: number, hotTicks: number, json: boolean): number {
  requireHeap(`quota --vms ${M}`, "--vms", M, HEAP_BYTES_PER_VM * M);
  const say = (s: string) => { if (!json) console.log(s); };
  const rand = rng(seed);

  const dir = bitbrainsDir();
  const data: Bitbrains | undefined = loadBitbrains(dir);
  const source = data && data.profiles.length > 0
    ? `Bitbrains GWA-T-12 Rnd (${data.profiles.length} VM-month profiles, ${data.series.length} raw 5-minute series) from ${dir}`
    : `SYNTHETIC demand: Bitbrains data not found at ${dir} (set VMFABRIC_DATA to the folder holding bitbrains-rnd/)`;
  if (!data || data.profiles.length === 0) note("quota", source);
  say(`demand: ${source}`);

  // ---- VM models ----
  const vms: VmModel[] = [];
  for (let i = 0; i < M; i++) {
    if (data && data.profiles.length > 0) {
      const p = data.profiles[(i * 7919) % data.profiles.length];
      const cpuMean = millicores(p, p.cpuMeanMhz);
      const cpuP95 = millicores(p, p.cpuP95Mhz);
      const cpuMax = millicores(p, p.cpuMaxMhz);
      const netP95 = kbsToMbps(p.netP95Kbs);
      const res = [Math.max(100, Math.ceil(cpuP95)), Math.max(256, Math.ceil(p.memP95Gb * 1024)), Math.max(10, Math.ceil(netP95)), 0];
      vms.push({
        res,
        cap: [Math.max(res[0], p.cores * 1000), 0, res[2] * 4, 0],
        mean: [cpuMean, p.memMeanGb * 1024, kbsToMbps(p.netMeanKbs)],
        max: [cpuMax, p.memMaxGb * 1024, Math.max(netP95 * 3, kbsToMbps(p.netMeanKbs) * 10)],
        series: data.series.length > 0 ? i % data.series.length : -1,
        phase: Math.floor(rand() * 100_000),
      });
    } else {
      const size = 1 << Math.floor(rand() * 4);
      const res = [500 * size, 2048 * size, 50 * size, 0];
      vms.push({ res, cap: [1000 * size, 0, 200 * size, 0], mean: [res[0] * 0.5, res[1] * 0.7, res[2] * 0.5], max: [1000 * size, res[1] * 1.2, 400 * size], series: -1, phase: 0 });
    }
  }
  const seriesMean = (data?.series ?? []).map((s) => [s.cpu, s.mem, s.net].map((a) => a.reduce((x, y) => x + y, 0) / a.length));

  // ---- pack them ----
  const t0 = performance.now();
  const engine = Engine.create({ hostTypes: [{ ...HOST, count: H, hostsPerFaultDomain: HOSTS_PER_FAULT_DOMAIN }] }, { vmCapacity: M });
  const demands = new Int32Array(M * 4);
  vms.forEach((v, i) => demands.set(v.res, i * 4));
  const placed = engine.placeBatch({ ids: Uint32Array.from({ length: M }, (_, i) => i), demands, tenants: new Uint32Array(M) }, { policy: "best-fit", maxPerHost: 1 });
  const q = new QuotaEnforcer(engine, { hotTicks });
  q.setLimits({ ids: Uint32Array.from({ length: M }, (_, i) => i), caps: vms.flatMap((v) => v.cap), weights: vms.map(() => 1) });
  say(`fleet: ${H} hosts [cpu ${HOST.capacity[0]} mc, mem ${HOST.capacity[1]} MiB, net ${HOST.capacity[2]} Mbps] minus host VM reservation; ${placed.placed}/${M} VMs placed best-fit (${data && data.profiles.length > 0 ? "reservation = p95 use, cap = provisioned cores / 4x network" : "synthetic sizes, caps 2x cpu / 4x network"})`);

  // ---- run ----
  const throttledTicks = [0, 0, 0];       // VM-ticks throttled per dim (cpu, memory, network)
  const throttledAmount = [0, 0, 0];
  const demandAmount = [0, 0, 0];
  const hostContended = new Uint32Array(H);
  const hostPeak = new Float64Array(H);
  const hostThrottled = new Float64Array(H);
  let vmTicks = 0;
  const hotCount = new Uint32Array(H);
  let tickMs = 0;
  const dim = [0, 1, 2];
  const d = new Int32Array(M * 4);
  const capOf = q.capacityOf(0);
  const bar = progress("quota ticks", T);
  for (let t = 0; t < T; t++) {
    bar.update(t);
    for (let i = 0; i < M; i++) {
      const v = vms[i];
      for (const k of dim) {
        let x: number;
        if (v.series >= 0) {
          const s = data!.series[v.series];
          const arr = k === 0 ? s.cpu : k === 1 ? s.mem : s.net;
          const m = seriesMean[v.series][k];
          x = m > 0 ? (v.mean[k] * arr[(v.phase + t) % arr.length]) / m : v.mean[k];
        } else {
          x = v.mean[k] * (k === 1 ? 0.9 + rand() * 0.2 : -Math.log(1 - rand() * 0.999));
        }
        d[i * 4 + k] = Math.max(0, Math.min(Math.round(x), Math.round(v.max[k])));
      }
    }
    const a = performance.now();
    const r = q.tick(d);
    tickMs += performance.now() - a;
    const g = r.grants;
    for (let i = 0; i < M; i++) {
      const h = placed.hosts[i];
      if (h < 0) continue;
      vmTicks++;
      for (const k of dim) {
        const dem = d[i * 4 + k];
        const th = dem - g[i * r.stride + k];
        demandAmount[k] += dem;
        if (th > 0) { throttledTicks[k]++; throttledAmount[k] += th; if (k !== 1) hostThrottled[h] += th / (HOST.capacity[k] - HOST.reservation[k]); }
      }
    }
    const want = r.hostWant;
    for (let h = 0; h < H; h++) {
      let peak = 0;
      for (const k of [0, 2]) peak = Math.max(peak, want[h * r.stride + k] / capOf[k]);
      if (peak > 1) hostContended[h]++;
      if (peak > hostPeak[h]) hostPeak[h] = peak;
    }
    for (const h of r.hotHosts) hotCount[h]++;
  }
  bar.finish(T);

  const names = ["cpu", "memory", "network"];
  const units = ["mc", "MiB", "Mbps"];
  const perDim = names.map((n, k) => ({
    dimension: n,
    throttledVmTickShare: vmTicks > 0 ? throttledTicks[k] / vmTicks : 0,
    meanThrottledWhenThrottled: throttledTicks[k] > 0 ? throttledAmount[k] / throttledTicks[k] : 0,
    throttledShareOfDemand: demandAmount[k] > 0 ? throttledAmount[k] / demandAmount[k] : 0,
    unit: units[k],
  }));
  const order = Array.from({ length: H }, (_, h) => h).sort((a, b) => hostContended[b] - hostContended[a] || hostPeak[b] - hostPeak[a] || a - b);
  const hottest = order.slice(0, 10).filter((h) => hostContended[h] > 0 || hostPeak[h] > 0).map((h) => ({
    host: h, vms: engine.vmCountOf(h), contendedTicks: hostContended[h], hotTicks: hotCount[h],
    peakContention: Number(hostPeak[h].toFixed(3)), throttledCapacityTicks: Number(hostThrottled[h].toFixed(3)),
  }));
  const out = {
    source, hosts: H, vms: M, placed: placed.placed, ticks: T, tickMinutes: 5,
    throttling: perDim,
    hostsEverContended: Array.from(hostContended).filter((x) => x > 0).length,
    hostsEverHot: Array.from(hotCount).filter((x) => x > 0).length,
    hottest,
    meanTickMs: tickMs / T,
    setupMs: performance.now() - t0 - tickMs,
  };
  if (json) { printJson(out); return 0; }
  say(`ticks: ${T} x 5 min; enforcement ${out.meanTickMs.toFixed(3)} ms per tick (facade, ${placed.placed} VMs)`);
  for (const p of perDim) {
    say(`  ${p.dimension.padEnd(8)} throttled in ${(100 * p.throttledVmTickShare).toFixed(2)}% of VM-ticks, by ${p.meanThrottledWhenThrottled.toFixed(1)} ${p.unit} on average when throttled; ${(100 * p.throttledShareOfDemand).toFixed(2)}% of all demand withheld${p.dimension === "memory" ? " (memory: pressure above the hard quota)" : ""}`);
  }
  say(`hosts contended (cpu or network want > capacity) in at least one tick: ${out.hostsEverContended} of ${H}; ever hot (${hotTicks} ticks in a row over capacity): ${out.hostsEverHot}`);
  if (hottest.length) {
    say("hottest hosts:  host   vms  contended-ticks  hot-ticks  peak want/capacity");
    for (const x of hottest) say(`              ${String(x.host).padStart(6)} ${String(x.vms).padStart(5)} ${String(x.contendedTicks).padStart(16)} ${String(x.hotTicks).padStart(10)}  ${x.peakContention.toFixed(3)}`);
  }
  return 0;
}
