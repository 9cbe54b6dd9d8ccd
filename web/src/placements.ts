// A fixed workload whose placements the browser tests compare with Node's: the same seed must
// give exactly the same host for every VM, whatever JavaScript engine runs the wasm around it.
import { CAPACITY_POLICIES, Engine } from "../../src/index.js";
import { rng } from "../../src/workload/rng.js";

/** Hosts chosen (or -1) for a seeded mix of batches, single placements, moves and releases
 *  under every policy, on a fleet of three host types across 12 racks. */
export function placementsForSeed(seed: number): number[] {
  const random = rng(seed);
  const out: number[] = [];
  for (const policy of CAPACITY_POLICIES) {
    const engine = Engine.create({
      hostTypes: [
        { capacity: [64000, 262144, 25000, 4096], reservation: [2000, 8192, 1000, 64], count: 120, hostsPerFaultDomain: 10 },
        { capacity: [32000, 262144, 10000, 2048], count: 60, hostsPerFaultDomain: 10 },
        { capacity: [96000, 131072, 40000, 8192], oversubscription: [2, 1, 1, 1], count: 60, hostsPerFaultDomain: 10 },
      ],
    }, { vmCapacity: 4000, policy });
    const n = 1500;
    const demands = new Int32Array(n * 4);
    const tenants = new Uint32Array(n);
    const deployments = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const size = 1 << Math.floor(random() * 4);
      const memPerCore = random() < 0.5 ? 2048 : 8192;
      demands.set([size * 1000, size * memPerCore, size * 250, size * 16], i * 4);
      tenants[i] = Math.floor(random() * 40);
      deployments[i] = Math.floor(i / (1 + Math.floor(random() * 8)));
    }
    engine.setTenantDedicated(7);
    const ids = Uint32Array.from({ length: n }, (_, i) => i);
    const r = engine.placeBatch({ ids, demands, tenants, deployments }, { offline: policy === "first-fit" });
    out.push(...r.hosts);
    for (let k = 0; k < 200; k++) {
      const vm = Math.floor(random() * n);
      if (engine.hostOf(vm) >= 0 && random() < 0.5) engine.release(vm);
      else if (engine.hostOf(vm) >= 0) out.push(engine.move(vm, {}).host);
    }
    for (let k = 0; k < 300; k++) {
      out.push(engine.place({ id: n + k, demand: [1000 * (1 + (k % 3)), 4096, 100, 8], tenant: k % 50, deployment: 100_000 + (k >> 2) }).host);
    }
    out.push(engine.stats().hostsUsed);
  }
  return out;
}
