// The VM arrival stream: n VMs in arrival order, grouped into deployments whose sizes follow
// the Azure 2017 batch-size distribution (a batch = VMs one tenant started together). A
// deployment is one role, so its instances share one VM size, drawn from the mix (92% of the
// trace's batches are single-size). One tenant per deployment. Deterministic for a
// seed: the same (n, mix, batch sizes, seed) always gives the same arrays.

import type { BatchSize } from "./azure.js";
import { D, vmDemand } from "./fleet.js";
import type { Mix } from "./mix.js";
import { WeightedSampler, rng } from "./rng.js";

export interface VmStream {
  n: number;
  ids: Uint32Array;
  /** Row-major n x 4: mcpu, MiB, Mbps, GiB. */
  demands: Int32Array;
  tenants: Uint32Array;
  deployments: Uint32Array;
  /** Index into mix.sizes per VM. */
  sizeIndex: Uint8Array;
  /** Deployment d holds VMs [deploymentStart[d], deploymentStart[d + 1]); last entry = n. */
  deploymentStart: Uint32Array;
  deploymentCount: number;
}

export interface StreamOptions {
  vms: number;
  mix: Mix;
  batchSizes: readonly BatchSize[];
  seed: number;
}

export function generateStream({ vms, mix, batchSizes, seed }: StreamOptions): VmStream {
  if (mix.sizes.length > 255) throw new Error("at most 255 sizes per mix");
  const sizeRng = rng(seed);
  const batchRng = rng(seed ^ 0x5bd1e995);
  const sizes = new WeightedSampler(mix.sizes.map((s) => s.weight));
  const batches = new WeightedSampler(batchSizes.map((b) => b.count));
  const rows = mix.sizes.map((s) => vmDemand(s.vcpu, s.memGiB));

  const ids = new Uint32Array(vms);
  const demands = new Int32Array(vms * D);
  const tenants = new Uint32Array(vms);
  const deployments = new Uint32Array(vms);
  const sizeIndex = new Uint8Array(vms);
  const starts: number[] = [];
  let dep = 0;
  let i = 0;
  while (i < vms) {
    const len = Math.min(batchSizes[batches.pick(batchRng())].size, vms - i);
    starts.push(i);
    const s = sizes.pick(sizeRng());
    for (const end = i + len; i < end; i++) {
      ids[i] = i;
      sizeIndex[i] = s;
      demands.set(rows[s], i * D);
      tenants[i] = dep;
      deployments[i] = dep;
    }
    dep++;
  }
  starts.push(vms);
  return { n: vms, ids, demands, tenants, deployments, sizeIndex, deploymentStart: Uint32Array.from(starts), deploymentCount: dep };
}

/**
 * Splits the stream into placeBatch calls of whole deployments, in arrival order: a chunk
 * closes before the deployment that would take it past `target` VMs (a deployment larger
 * than `target` gets a chunk of its own). Returns chunk boundaries [b0 = 0, b1, ..., n].
 */
export function chunkByDeployments(stream: Pick<VmStream, "deploymentStart" | "deploymentCount">, target: number): number[] {
  const starts = stream.deploymentStart;
  const out = [0];
  let chunkStart = 0;
  for (let d = 0; d < stream.deploymentCount; d++) {
    const end = starts[d + 1];
    if (end - chunkStart > target && starts[d] > chunkStart) {
      out.push(starts[d]);
      chunkStart = starts[d];
    }
  }
  const n = starts[stream.deploymentCount];
  if (out[out.length - 1] !== n) out.push(n);
  return out;
}
