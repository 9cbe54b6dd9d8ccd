// Quota enforcement benchmark: one tick over a packed fleet (default 1,000,000 VMs on 250,000
// hosts), the AssemblyScript core and the plain-TS reference of the same rule side by side in
// one run, on the same demands, with their grants compared tick by tick.
//
//   node dist/bench/quota.js [--hosts N] [--vms M] [--ticks T] [--policy best-fit|spread] [--seed S] [--json]
//
// best-fit (the engine's default) packs VMs host after host, so consecutive VM ids mostly share
// a host; spread deals them round the fleet, so every VM's host-sum update is a random access.
import { performance } from "node:perf_hooks";
import { parseFlags } from "../src/cli/flags.js";
import { Engine } from "../src/engine.js";
import { QuotaEnforcer } from "../src/quota/enforcer.js";
import { referenceTick } from "../src/quota/reference.js";
import { rng } from "./churn-fleet.js";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function main(argv: string[]): Promise<void> {
  const { flags } = parseFlags("bench:quota", {
    policy: { type: "enum", values: ["best-fit", "spread"] as const, default: "best-fit", help: "how the fleet is packed" },
    hosts: { type: "int", min: 1, max: 65_536 * 40, default: 250_000, help: "hosts" },
    vms: { type: "int", min: 1, max: 1 << 26, default: 1_000_000, help: "VMs" },
    ticks: { type: "int", min: 1, max: 1000, default: 7, help: "ticks timed" },
    seed: { type: "int", min: 0, max: 0x7fffffff, default: 1, help: "PRNG seed" },
    json: { type: "boolean", help: "JSON output" },
  } as const, undefined, argv);
  const { policy, hosts: H, vms: V, ticks: T, seed, json } = flags;
  const log = (s: string) => { if (!json) console.log(s); };
  const rand = rng(seed);

  // ---- a packed fleet ----
  let t0 = performance.now();
  const engine = Engine.create(
    { hostTypes: [{ capacity: [64000, 262144, 40000, 2048], reservation: [2000, 8192, 1000, 64], count: H, hostsPerFaultDomain: 40 }] },
    { vmCapacity: V },
  );
  const sizes = [[4000, 16384, 2000, 64], [8000, 32768, 4000, 128], [16000, 65536, 8000, 256], [32000, 131072, 16000, 512]];
  const mix = [0.3, 0.3, 0.25, 0.15];
  const res = new Int32Array(V * 4);
  for (let v = 0; v < V; v++) {
    let x = rand();
    let k = 0;
    while (k < mix.length - 1 && x >= mix[k]) { x -= mix[k]; k++; }
    res.set(sizes[k], v * 4);
  }
  const chunk = 100_000;
  let placed = 0;
  for (let a = 0; a < V; a += chunk) {
    const n = Math.min(chunk, V - a);
    const ids = new Uint32Array(n).map((_, i) => a + i);
    placed += engine.placeBatch({ ids, demands: res.subarray(a * 4, (a + n) * 4), tenants: new Uint32Array(n) }, { policy, maxPerHost: 1 }).placed;
  }
  const placeMs = performance.now() - t0;
  log(`fleet: ${H} hosts, ${placed}/${V} VMs placed (${policy}) in ${(placeMs / 1000).toFixed(1)} s`);

  // ---- limits: half the VMs may burst to 2x in cpu and network; weights 1..4 ----
  t0 = performance.now();
  const q = new QuotaEnforcer(engine, { bucketTicks: 4, hotTicks: 3 });
  const ids = new Uint32Array(V).map((_, i) => i);
  const caps = new Int32Array(V * 4);
  const weights = new Uint16Array(V);
  for (let v = 0; v < V; v++) {
    weights[v] = 1 + Math.floor(rand() * 4);
    if (rand() < 0.5) { caps[v * 4] = 2 * res[v * 4]; caps[v * 4 + 2] = 2 * res[v * 4 + 2]; }
  }
  q.setLimits({ ids, caps, weights });
  const { fleet, state } = q.snapshot();
  log(`enforcer set up in ${((performance.now() - t0) / 1000).toFixed(1)} s; core ${(engine.stats().coreBytes / 2 ** 20).toFixed(0)} MiB`);

  // ---- demands: mostly idle, some busy, 15% bursting above their slice ----
  const demandSets: Int32Array[] = [];
  for (let k = 0; k < 3; k++) {
    const d = new Int32Array(V * 4);
    for (let v = 0; v < V; v++) {
      for (const dim of [0, 2]) {
        const x = rand();
        const f = x < 0.5 ? rand() * 0.3 : x < 0.85 ? 0.3 + rand() * 0.7 : 1 + rand() * 1.5;
        d[v * 4 + dim] = Math.floor(res[v * 4 + dim] * f);
      }
      d[v * 4 + 1] = Math.floor(res[v * 4 + 1] * (0.5 + rand() * 0.6));
    }
    demandSets.push(d);
  }

  // ---- side by side: core tick, then the reference on the same demands; compare grants ----
  const core: number[] = [];
  const ref: number[] = [];
  const facade: number[] = [];
  let mismatches = 0;
  let last: ReturnType<QuotaEnforcer["tick"]> | undefined;
  const buf = () => q.demandBuffer();
  for (let t = 0; t < T; t++) {
    const d = demandSets[t % demandSets.length];
    buf().set(d);
    let a = performance.now();
    const hot = engine.runCore((c) => (c as unknown as { quotaTick(k: number): number }).quotaTick(q.hotTicks));
    core.push(performance.now() - a);
    if (hot < 0) throw new Error("core reported a host over the VM limit");
    a = performance.now();
    const r = referenceTick(fleet, state, d);
    ref.push(performance.now() - a);
    const coreGrants = q.grants(); // stride 4 = dimensions here
    for (let i = 0; i < V * 4; i++) if (coreGrants[i] !== r.granted[i]) { mismatches++; break; }
  }
  // the full facade call: whole-array validation + copy into core memory + the core tick
  for (let t = 0; t < T; t++) {
    const d = demandSets[t % demandSets.length];
    const a = performance.now();
    last = q.tick(d);
    facade.push(performance.now() - a);
  }
  const out = {
    hosts: H, vms: V, placed, policy, ticks: T,
    coreMs: { median: median(core), min: Math.min(...core), first: core[0] },
    facadeMs: { median: median(facade), min: Math.min(...facade) },
    referenceMs: { median: median(ref), min: Math.min(...ref), first: ref[0] },
    ratio: median(ref) / median(core),
    grantsAgree: mismatches === 0,
    lastTick: last && {
      throttledVms: last.throttledVms, contendedHosts: last.contendedHosts, hotHosts: last.hotHosts.length,
      throttled: last.throttled, granted: last.granted,
    },
    node: process.version,
  };
  if (json) { console.log(JSON.stringify(out, null, 2)); return; }
  log(`ticks: ${T} (core and reference alternate on the same demands; grants ${mismatches === 0 ? "agree on every tick" : `DISAGREE on ${mismatches} ticks`})`);
  log(`  core (one wasm call)        median ${out.coreMs.median.toFixed(2)} ms  min ${out.coreMs.min.toFixed(2)} ms  first ${out.coreMs.first.toFixed(2)} ms`);
  log(`  facade tick (validate+copy) median ${out.facadeMs.median.toFixed(2)} ms  min ${out.facadeMs.min.toFixed(2)} ms`);
  log(`  plain-TS reference          median ${out.referenceMs.median.toFixed(2)} ms  min ${out.referenceMs.min.toFixed(2)} ms`);
  log(`  ratio reference / core: ${out.ratio.toFixed(1)}x   target <= 10 ms: ${out.coreMs.median <= 10 ? "met" : "NOT met"}`);
  if (last) log(`last tick: contended hosts cpu ${last.contendedHosts.cpu}, network ${last.contendedHosts.network}; throttled VMs cpu ${last.throttledVms.cpu}, network ${last.throttledVms.network}, memory ${last.throttledVms.memory}; hot hosts ${last.hotHosts.length}`);
}

main(process.argv.slice(2)).catch((e) => { console.error(e); process.exitCode = 1; });
