// Consolidation planning over a large fleet: 250,000 Dsv3-Type3 hosts (40 to a fault domain)
// packed best-fit with 1,000,000 Azure-sized VMs in deployments of 8 (anti-affinity on), then
// 40% of the VMs released at random, leaving the holes departures leave. Times planConsolidate
// (plan only; the engine is not changed) per move budget, median of --repeat runs.
//
//   node dist/bench/plans.js [--hosts N] [--vms M] [--repeat R] [--one-domain] [--json]
import { performance } from "node:perf_hooks";
import { parseFlags } from "../src/cli/flags.js";
import { Engine } from "../src/engine.js";
import { applyPlan, planConsolidate } from "../src/plans/index.js";
import { loadAzure } from "../src/workload/azure.js";
import { EFFECTIVE, HOST_TYPE, HOSTS_PER_FAULT_DOMAIN } from "../src/workload/fleet.js";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export function main(argv: string[]): void {
  const { flags } = parseFlags("bench:plans", {
    hosts: { type: "int", min: 100, max: 1 << 22, default: 250_000, help: "hosts" },
    vms: { type: "int", min: 1, max: 1 << 24, default: 1_000_000, help: "VMs placed before the releases" },
    repeat: { type: "int", min: 1, max: 101, default: 5, help: "plans per budget (median reported)" },
    "one-domain": { type: "boolean", help: "all hosts in one fault domain (no spread counting)" },
    json: { type: "boolean", help: "print JSON" },
  }, undefined, argv);
  const H = flags.hosts;
  const V = flags.vms;
  let s = 12345;
  const rnd = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 2 ** 32; };
  const az = loadAzure();
  const total = az.flavours.reduce((a, f) => a + f.count, 0);
  const pick = () => { let r = rnd() * total; for (const f of az.flavours) if ((r -= f.count) < 0) return f; return az.flavours[0]; };
  const e = Engine.create({ hostTypes: [{ capacity: [...HOST_TYPE.capacity], reservation: [...HOST_TYPE.reservation], count: H, hostsPerFaultDomain: flags["one-domain"] ? H : HOSTS_PER_FAULT_DOMAIN }] }, { vmCapacity: V });
  const B = 4096;
  for (let at = 0; at < V; at += B) {
    const n = Math.min(B, V - at);
    const ids = new Uint32Array(n), demands = new Int32Array(n * 4), tenants = new Uint32Array(n), deployments = new Uint32Array(n);
    let f = pick();
    for (let i = 0; i < n; i++) {
      const id = at + i;
      if (id % 8 === 0) f = pick(); // a deployment is one role: one size
      ids[i] = id;
      demands.set([f.vcpu * 1000, Math.round(f.memGiB * 1024), f.vcpu * 250, f.vcpu * 16], i * 4);
      tenants[i] = Math.floor(id / 64);
      deployments[i] = Math.floor(id / 8);
    }
    e.placeBatch({ ids, demands, tenants, deployments }, { policy: "best-fit" });
  }
  const gone: number[] = [];
  for (let vm = 0; vm < V; vm++) if (e.hostOf(vm) >= 0 && rnd() < 0.4) gone.push(vm);
  e.releaseBatch(gone);
  const st = e.stats();
  const log = (x: string) => { if (!flags.json) console.log(x); };
  log(`fleet: ${H.toLocaleString("en-US")} hosts, ${st.vmsPlaced.toLocaleString("en-US")} VMs on ${st.hostsUsed.toLocaleString("en-US")} hosts (lower bound ${st.lowerBound.toLocaleString("en-US")}), effective host [${EFFECTIVE.join(", ")}]`);
  const rows = [];
  for (const moves of [100, 1_000, 10_000]) {
    const ms: number[] = [];
    let plan = planConsolidate(e, { budget: { moves } });
    for (let r = 0; r < flags.repeat; r++) {
      const t0 = performance.now();
      plan = planConsolidate(e, { budget: { moves } });
      ms.push(performance.now() - t0);
    }
    rows.push({ budgetMoves: moves, moves: plan.moves.length, emptied: plan.emptied.length, medianMs: median(ms), minMs: Math.min(...ms) });
    log(`budget ${String(moves).padStart(6)} moves: ${String(plan.moves.length).padStart(6)} moves, ${String(plan.emptied.length).padStart(5)} hosts emptied, plan median ${median(ms).toFixed(1)} ms (min ${Math.min(...ms).toFixed(1)} ms)`);
  }
  const plan = planConsolidate(e, { budget: { moves: 1_000 } });
  const t0 = performance.now();
  applyPlan(e, plan);
  const applyMs = performance.now() - t0;
  log(`applyPlan of the 1,000-move plan (simulated whole, then ${plan.moves.length} engine.move calls): ${applyMs.toFixed(1)} ms; hosts used now ${e.stats().hostsUsed.toLocaleString("en-US")}`);
  log(`target: a plan over ${H.toLocaleString("en-US")} hosts within 100 ms: ${rows.every((r) => r.medianMs <= 100) ? "met" : "NOT met"} for every budget above`);
  if (flags.json) console.log(JSON.stringify({ hosts: H, vms: st.vmsPlaced, hostsUsed: st.hostsUsed, rows, applyMs, node: process.version }));
}

main(process.argv.slice(2));
