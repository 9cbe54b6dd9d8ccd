// `vmfabric bench`: the fleet benchmark (issue 2, section 4).
//
// A synthetic fleet of Azure Dsv3-Type3 hosts (src/workload/fleet.ts: real vCPU/RAM, documented
// reservation, NIC and disk assumptions), 40 hosts to a rack, and a stream of VMs in arrival
// order: sizes drawn from the Azure 2017 trace frequencies (`--mix azure`, default) or from a
// memory-heavy + CPU-heavy mix (`--mix mixed`), grouped into deployments by the trace's
// batch-size distribution, one tenant per deployment, anti-affinity at most 1 per host.
// The stream is placed online with placeBatch in chunks of whole deployments (~4,096 VMs).
// Only the placeBatch calls are timed.

import { defineCommand } from "../cli/command.js";
import { requireMemory } from "../cli/limits.js";
import { note, printJson, progress as progressBar } from "../cli/output.js";
import { Engine } from "../engine.js";
import { REASON_CODES } from "../reasons.js";
import { POLICIES, type Policy } from "../types.js";
import { loadAzure, type AzureDistributions } from "../workload/azure.js";
import { D, DIMENSIONS, EFFECTIVE, HOST_TYPE, HOSTS_PER_FAULT_DOMAIN, DISK_GIB_PER_VCPU, NETWORK_MBPS_PER_VCPU, benchFleet, lowerBound } from "../workload/fleet.js";
import { MIX_NAMES, getMix, type MixName } from "../workload/mix.js";
import { chunkByDeployments, generateStream } from "../workload/stream.js";


/** Core bytes per host and per VM the benchmark holds the engine to (4 dimensions). 233 B/host
 *  since the per-host record (assembly/state.ts) gave the state byte a 4-byte slot (230 before). */
const BUDGET_PER_HOST = 233;
// 44 B/VM since the per-VM record (assembly/state.ts): next, previous, tenant, deployment, end
// and constraint in 24 bytes (18 before, in five tables, and no previous), the host (4) and the
// demand vector (16).
const BUDGET_PER_VM = 44;
export interface BenchOptions {
  hosts: number;
  vms: number;
  policy: Policy;
  mix: MixName;
  seed: number;
  /** Target VMs per placeBatch call (whole deployments). */
  chunk: number;
  /** Anti-affinity: at most this many VMs of a deployment per host; 0 = no deployments at all. */
  maxPerHost: number;
  /** Progress output on stderr. */
  progress: boolean;
  /** Distributions to use (default: loaded from the data folder, else embedded). */
  azure?: AzureDistributions;
}

export const DEFAULTS: Omit<BenchOptions, "azure"> = {
  hosts: 250_000,
  vms: 1_000_000,
  policy: "best-fit",
  mix: "azure",
  seed: 1,
  chunk: 4096,
  maxPerHost: 1,
  progress: true,
};

type PerDim = Record<string, number>;

export interface BenchResult {
  mix: string;
  policy: Policy;
  hosts: number;
  vms: number;
  seed: number;
  chunk: number;
  maxPerHost: number;
  deployments: number;
  batchCalls: number;
  dataSource: "data" | "embedded";
  hostType: { name: string; capacity: number[]; reservation: number[]; effective: number[]; hostsPerFaultDomain: number };
  placed: number;
  rejected: number;
  rejectedByReason: Record<string, number>;
  hostsUsed: number;
  /** Lower bound for the VMs that were placed: max over dims of ceil(sum demand / effective capacity). */
  lowerBound: number;
  lowerBoundPerDimension: PerDim;
  bindingDimension: string;
  /** Lower bound for every VM requested (placed or not). */
  lowerBoundAll: number;
  /** hostsUsed / lowerBound. */
  hostsOverLowerBound: number;
  /** (hostsUsed / lowerBound - 1) in percent. */
  excessPercent: number;
  /** Seconds inside placeBatch calls only. */
  seconds: number;
  placementsPerSecond: number;
  generateSeconds: number;
  createSeconds: number;
  coreBytes: number;
  scratchBytes: number;
  /** 64 B per host + 32 B per VM of capacity. */
  budgetBytes: number;
  withinBudget: boolean;
  /** coreBytes - BUDGET_PER_VM (44 B) x vmCapacity, per host: what the printout calls B/host after 44 B/VM. */
  bytesPerHost: number;
  /** Allocated / effective capacity over all in-service hosts (engine.stats()). */
  utilization: PerDim;
  /** Allocated / effective capacity over the hosts in use. */
  utilizationOfUsedHosts: PerDim;
}

function perDim(values: readonly number[]): PerDim {
  const out: PerDim = {};
  DIMENSIONS.forEach((d, i) => (out[d] = values[i]));
  return out;
}

/** Runs the benchmark; progress (if on) goes to stderr. */
export function runBench(opts: BenchOptions): BenchResult {
  const azure = opts.azure ?? loadAzure();
  const mix = getMix(opts.mix, azure);

  let t0 = performance.now();
  const stream = generateStream({ vms: opts.vms, mix, batchSizes: azure.batchSizes, seed: opts.seed });
  const bounds = chunkByDeployments(stream, opts.chunk);
  const generateSeconds = (performance.now() - t0) / 1000;

  t0 = performance.now();
  const engine = Engine.create(benchFleet(opts.hosts), { vmCapacity: Math.max(1, opts.vms), hostCapacity: opts.hosts, policy: opts.policy, maxPerHost: Math.max(1, opts.maxPerHost) });
  const createSeconds = (performance.now() - t0) / 1000;

  const withDeployments = opts.maxPerHost > 0;
  const progress = progressBar(`placing (${opts.mix}, ${opts.policy})`, opts.vms, !opts.progress);
  const placedMask = new Uint8Array(opts.vms);
  const reasons = new Array<number>(REASON_CODES.length).fill(0);
  let placed = 0;
  let seconds = 0;
  for (let c = 0; c + 1 < bounds.length; c++) {
    const a = bounds[c];
    const b = bounds[c + 1];
    const batch = {
      ids: stream.ids.subarray(a, b),
      demands: stream.demands.subarray(a * D, b * D),
      tenants: stream.tenants.subarray(a, b),
      deployments: withDeployments ? stream.deployments.subarray(a, b) : undefined,
    };
    const s = performance.now();
    const r = engine.placeBatch(batch);
    seconds += performance.now() - s;
    placed += r.placed;
    for (let i = 0; i < r.hosts.length; i++) {
      if (r.hosts[i] >= 0) placedMask[a + i] = 1;
      else reasons[r.reasons[i]]++;
    }
    progress.update(b);
  }
  progress.finish(opts.vms);
  seconds /= 1000;

  const stats = engine.stats();
  // Demand of the VMs that were placed, for the bound and per-used-host utilisation.
  const placedDemands = new Float64Array(D);
  for (let i = 0; i < opts.vms; i++) {
    if (placedMask[i]) for (let d = 0; d < D; d++) placedDemands[d] += stream.demands[i * D + d];
  }
  const lb = lowerBound(placedDemands, EFFECTIVE, 1);
  const lbAll = lowerBound(stream.demands, EFFECTIVE);
  const rejectedByReason: Record<string, number> = {};
  reasons.forEach((n, code) => { if (n > 0) rejectedByReason[REASON_CODES[code]] = n; });
  // The free-capacity trees that make any number of VM sizes cheap cost ~132 B/host (README,
  // "How the core finds a host fast"); the budget is the measured layout, rounded up.
  const budgetBytes = BUDGET_PER_HOST * opts.hosts + BUDGET_PER_VM * engine.vmCapacity;
  const ratio = lb.hosts > 0 ? stats.hostsUsed / lb.hosts : stats.hostsUsed === 0 ? 1 : Infinity;

  return {
    mix: mix.name,
    policy: opts.policy,
    hosts: opts.hosts,
    vms: opts.vms,
    seed: opts.seed,
    chunk: opts.chunk,
    maxPerHost: opts.maxPerHost,
    deployments: stream.deploymentCount,
    batchCalls: bounds.length - 1,
    dataSource: azure.source,
    hostType: {
      name: HOST_TYPE.name,
      capacity: [...HOST_TYPE.capacity],
      reservation: [...HOST_TYPE.reservation],
      effective: [...EFFECTIVE],
      hostsPerFaultDomain: HOSTS_PER_FAULT_DOMAIN,
    },
    placed,
    rejected: opts.vms - placed,
    rejectedByReason,
    hostsUsed: stats.hostsUsed,
    lowerBound: lb.hosts,
    lowerBoundPerDimension: perDim(lb.perDimension),
    bindingDimension: DIMENSIONS[lb.binding],
    lowerBoundAll: lbAll.hosts,
    hostsOverLowerBound: ratio,
    excessPercent: (ratio - 1) * 100,
    seconds,
    placementsPerSecond: seconds > 0 ? placed / seconds : 0,
    generateSeconds,
    createSeconds,
    coreBytes: stats.coreBytes,
    scratchBytes: stats.scratchBytes,
    budgetBytes,
    withinBudget: stats.coreBytes <= budgetBytes,
    bytesPerHost: opts.hosts > 0 ? (stats.coreBytes - BUDGET_PER_VM * engine.vmCapacity) / opts.hosts : 0,
    utilization: perDim(DIMENSIONS.map((d) => stats.utilization[d] ?? 0)),
    utilizationOfUsedHosts: perDim(DIMENSIONS.map((_, d) => (stats.hostsUsed > 0 ? placedDemands[d] / (stats.hostsUsed * EFFECTIVE[d]) : 0))),
  };
}

const fmt = (x: number, digits = 0): string => x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

/** The human-readable results table. */
export function formatTable(r: BenchResult): string {
  const rows: Array<[string, string]> = [
    ["mix / policy", `${r.mix} / ${r.policy} (online, placeBatch of whole deployments, ~${fmt(r.chunk)} VMs per call)`],
    ["fleet", `${fmt(r.hosts)} x ${r.hostType.name}, effective ${r.hostType.effective.join(" / ")} (mcpu / MiB / Mbps / GiB), ${r.hostType.hostsPerFaultDomain} hosts per fault domain (numbered round-robin across racks)`],
    ["VMs", `${fmt(r.vms)} in ${fmt(r.deployments)} deployments (${r.maxPerHost > 0 ? `anti-affinity: at most ${r.maxPerHost} per host` : "no deployments"}), seed ${r.seed}, sizes from ${r.dataSource === "data" ? "the Azure 2017 data" : "the embedded Azure 2017 table"}`],
    ["placed", fmt(r.placed)],
    ["rejected", `${fmt(r.rejected)}${r.rejected > 0 ? " (" + Object.entries(r.rejectedByReason).map(([k, v]) => `${k} ${fmt(v)}`).join(", ") + ")" : ""}`],
    ["hosts used", fmt(r.hostsUsed)],
    ["lower bound", `${fmt(r.lowerBound)} (${r.bindingDimension} binds; per dimension ${Object.entries(r.lowerBoundPerDimension).map(([k, v]) => `${k} ${fmt(v)}`).join(", ")})`],
    ["used / lower bound", `${r.hostsOverLowerBound.toFixed(4)} (+${r.excessPercent.toFixed(2)}%)`],
    ["placement seconds", `${r.seconds.toFixed(3)} s in ${fmt(r.batchCalls)} placeBatch calls (generation ${r.generateSeconds.toFixed(2)} s, engine creation ${r.createSeconds.toFixed(2)} s, not counted)`],
    ["placements / second", fmt(r.placementsPerSecond)],
    ["core memory", `${fmt(r.coreBytes)} B (${(r.coreBytes / 2 ** 20).toFixed(1)} MiB); budget ${BUDGET_PER_HOST} B/host + ${BUDGET_PER_VM} B/VM = ${fmt(r.budgetBytes)} B: ${r.withinBudget ? "within" : "OVER"} (${r.bytesPerHost.toFixed(1)} B/host after ${BUDGET_PER_VM} B/VM); scratch ${fmt(r.scratchBytes)} B`],
    ["utilisation (fleet)", Object.entries(r.utilization).map(([k, v]) => `${k} ${pct(v)}`).join(", ")],
    ["utilisation (used hosts)", Object.entries(r.utilizationOfUsedHosts).map(([k, v]) => `${k} ${pct(v)}`).join(", ")],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  const line = "-".repeat(Math.min(100, w + 3 + Math.max(...rows.map(([, v]) => v.length))));
  return [`vmfabric bench: results`, line, ...rows.map(([k, v]) => `${k.padEnd(w)} | ${v}`), line].join("\n");
}

/** Hosts above this would need more than 65,536 fault domains of 40 (the engine's limit). */
export const MAX_BENCH_HOSTS = 65_536 * HOSTS_PER_FAULT_DOMAIN;
/** The engine's largest vmCapacity. */
export const MAX_BENCH_VMS = 1 << 26;

export const command = defineCommand({
  name: "bench",
  summary: "the fleet benchmark: VMs arriving online onto Azure Dsv3-Type3 hosts, placed by placeBatch",
  flags: {
    hosts: { type: "int", min: 1, max: MAX_BENCH_HOSTS, default: DEFAULTS.hosts, unit: "hosts", help: `Azure Dsv3-Type3 hosts, ${HOSTS_PER_FAULT_DOMAIN} to a rack (fault domain)`, maxReason: `the engine holds in ${HOSTS_PER_FAULT_DOMAIN}-host racks (65,536 fault domains)`, example: "25000" },
    vms: { type: "int", min: 1, max: MAX_BENCH_VMS, default: DEFAULTS.vms, unit: "VMs", help: "VMs in the arrival stream", maxReason: "VMs one engine holds (vmCapacity)", example: "100000" },
    policy: { type: "enum", values: POLICIES, default: DEFAULTS.policy, help: "placement policy (README: Policies)" },
    mix: { type: "enum", values: MIX_NAMES, default: DEFAULTS.mix, help: "VM sizes: azure (Azure 2017 trace frequencies), mixed (memory-heavy + CPU-heavy, equally common), balanced (stress: memory and cpu bind together)" },
    seed: { type: "int", min: 0, max: 0xffffffff, default: DEFAULTS.seed, help: "PRNG seed of the arrival stream" },
    chunk: { type: "int", min: 1, max: 1 << 20, default: DEFAULTS.chunk, unit: "VMs per placeBatch call", help: "target batch size, rounded to whole deployments" },
    "max-per-host": { type: "int", min: 0, max: 1 << 20, default: DEFAULTS.maxPerHost, unit: "instances of a deployment per host", help: "anti-affinity limit; 0 = no deployments at all" },
    quiet: { type: "boolean", help: "no progress bar on stderr (it is drawn only when stderr is a terminal)" },
    json: { type: "boolean", help: "print one compact JSON object instead of the table" },
  },
  description: [
    `Units: cpu millicores, memory MiB, network Mbps, disk GiB. A VM gets ${NETWORK_MBPS_PER_VCPU} Mbps and ${DISK_GIB_PER_VCPU} GiB of disk per vCPU.`,
    "Only the placeBatch calls are timed; the lower bound is max over dimensions of ceil(total demand / effective host capacity).",
  ],
  examples: ["bench --hosts 25000 --vms 100000", "bench --mix mixed --policy first-fit --json"],
  run({ flags }) {
    // Stream (ids, demands, tenants, deployments, placed mask: 29 B per VM) beside the core's
    // tables (about 32 B per VM and 64 B per host); all typed arrays, outside the JS heap.
    requireMemory(`bench --vms ${flags.vms} --hosts ${flags.hosts}`, "--vms", flags.vms, 61 * flags.vms + BUDGET_PER_HOST * flags.hosts);
    const opts: BenchOptions = {
      hosts: flags.hosts,
      vms: flags.vms,
      policy: flags.policy,
      mix: flags.mix,
      seed: flags.seed,
      chunk: flags.chunk,
      maxPerHost: flags["max-per-host"],
      progress: !flags.quiet,
    };
    const azure = loadAzure();
    if (azure.source === "embedded") note("bench", azure.detail);
    opts.azure = azure;
    const result = runBench(opts);
    if (flags.json) printJson(result);
    else console.log(formatTable(result));
    return 0;
  },
});

export const run = (argv: readonly string[]): Promise<number> => command.run(argv);
