// VM size mixes for the fleet benchmark.

import { loadAzure, type AzureDistributions } from "./azure.js";
import { EFFECTIVE, vmDemand } from "./fleet.js";

export interface VmSize {
  label: string;
  vcpu: number;
  memGiB: number;
  /** Relative frequency (any scale). */
  weight: number;
}

export interface Mix {
  name: string;
  description: string;
  sizes: VmSize[];
}

export const MIX_NAMES = ["azure", "mixed"] as const;
export type MixName = (typeof MIX_NAMES)[number];

/** `azure`: the 16 sizes of the Azure 2017 trace at their observed frequencies
 *  (60% 1 vCPU / 1.75 GiB, 19% 2/3.5, 10% 4/7, 9% 8/14, ...). CPU binds on Dsv3-Type3. */
export function azureMix(dist: AzureDistributions = loadAzure()): Mix {
  return {
    name: "azure",
    description: `Azure 2017 VM sizes at their trace frequencies (${dist.source === "data" ? dist.detail : "embedded copy"})`,
    sizes: dist.flavours.map((f) => ({ label: `${f.vcpu}/${f.memGiB}`, vcpu: f.vcpu, memGiB: f.memGiB, weight: f.count })),
  };
}

/**
 * `mixed`: mismatched shapes, so that both cpu and memory bind.
 * Memory-heavy (E-series-like, 8 GiB/vCPU): 2/16 30%, 4/32 29%, 8/64 19%  (78% of VMs)
 * CPU-heavy    (F-series-like, 2 GiB/vCPU): 2/4 9%, 4/8 6%, 8/16 4%, 16/32 3% (22% of VMs)
 * That is 3.28 E-vCPUs for every 1.22 F-vCPUs (72.9% of vCPUs memory-heavy), a total demand of
 * 6.53 MiB per millicore against the host's effective 507,904 / 78,000 = 6.51: memory is 0.2%
 * ahead of cpu, so the two lower bounds differ by 0.2% and a packer must balance both.
 * (Network 250 Mbps/vCPU and disk 16 GiB/vCPU stay below cpu on this host.)
 */
export const MIXED_SIZES: readonly VmSize[] = [
  { label: "E2 2/16", vcpu: 2, memGiB: 16, weight: 30 },
  { label: "E4 4/32", vcpu: 4, memGiB: 32, weight: 29 },
  { label: "E8 8/64", vcpu: 8, memGiB: 64, weight: 19 },
  { label: "F2 2/4", vcpu: 2, memGiB: 4, weight: 9 },
  { label: "F4 4/8", vcpu: 4, memGiB: 8, weight: 6 },
  { label: "F8 8/16", vcpu: 8, memGiB: 16, weight: 4 },
  { label: "F16 16/32", vcpu: 16, memGiB: 32, weight: 3 },
];

export function mixedMix(): Mix {
  return {
    name: "mixed",
    description: "E-series-like 8 GiB/vCPU and F-series-like 2 GiB/vCPU sizes; memory:cpu demand matches the host's",
    sizes: MIXED_SIZES.map((s) => ({ ...s })),
  };
}

/** Expected demand per dimension of one VM drawn from the mix. */
export function meanDemand(mix: Mix): number[] {
  const total = mix.sizes.reduce((s, x) => s + x.weight, 0);
  const out = [0, 0, 0, 0];
  for (const s of mix.sizes) vmDemand(s.vcpu, s.memGiB).forEach((v, d) => (out[d] += (v * s.weight) / total));
  return out;
}

/** Expected demand relative to the host's effective capacity, per dimension. */
export function demandShape(mix: Mix): number[] {
  return meanDemand(mix).map((m, d) => m / EFFECTIVE[d]);
}

export function getMix(name: string, dist?: AzureDistributions): Mix {
  if (name === "azure") return azureMix(dist);
  if (name === "mixed") return mixedMix();
  throw new Error(`unknown mix ${name}`);
}
