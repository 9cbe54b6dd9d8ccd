// VM size mixes for the fleet benchmark.

import { loadAzure, type AzureDistributions } from "./azure.js";
import { vmDemand } from "./fleet.js";

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

export const MIX_NAMES = ["azure", "mixed", "balanced"] as const;
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

/** Memory-heavy sizes (E-series-like, 8 GiB/vCPU) and their relative frequencies. */
const MEMORY_HEAVY: readonly VmSize[] = [
  { label: "E2 2/16", vcpu: 2, memGiB: 16, weight: 30 },
  { label: "E4 4/32", vcpu: 4, memGiB: 32, weight: 29 },
  { label: "E8 8/64", vcpu: 8, memGiB: 64, weight: 19 },
];
/** CPU-heavy sizes (F-series-like, 2 GiB/vCPU) and their relative frequencies. */
const CPU_HEAVY: readonly VmSize[] = [
  { label: "F2 2/4", vcpu: 2, memGiB: 4, weight: 9 },
  { label: "F4 4/8", vcpu: 4, memGiB: 8, weight: 6 },
  { label: "F8 8/16", vcpu: 8, memGiB: 16, weight: 4 },
  { label: "F16 16/32", vcpu: 16, memGiB: 32, weight: 3 },
];

/** The two families with `memoryHeavyShare` of VMs memory-heavy. */
function families(memoryHeavyShare: number): VmSize[] {
  const sum = (xs: readonly VmSize[]) => xs.reduce((a, x) => a + x.weight, 0);
  const e = sum(MEMORY_HEAVY);
  const f = sum(CPU_HEAVY);
  return [
    ...MEMORY_HEAVY.map((x) => ({ ...x, weight: (x.weight / e) * memoryHeavyShare })),
    ...CPU_HEAVY.map((x) => ({ ...x, weight: (x.weight / f) * (1 - memoryHeavyShare) })),
  ];
}

/**
 * `mixed`: mismatched shapes, memory-heavy and CPU-heavy VMs equally common (50% / 50% of
 * deployments). On Dsv3-Type3 (6.51 MiB per millicore) cpu binds and used hosts can only be
 * full if memory-heavy and CPU-heavy VMs share them: put only memory-heavy VMs on a host and
 * it fills its memory with 16 of its 78 cores idle.
 */
export const MIXED_SIZES: readonly VmSize[] = families(0.5);

/**
 * `balanced` (stress case): 78% memory-heavy, 22% CPU-heavy, so total memory and cpu demand
 * are within 0.2% of the host's ratio and both bind. No packing can come within 0.8% of the
 * lower bound here: a host's vCPUs come in even sizes, so it holds either 56 memory-heavy and
 * 22 CPU-heavy vCPUs (cpu full, 4 of 496 GiB idle) or 58 and 16 (memory full, 4 cores idle).
 */
export const BALANCED_SIZES: readonly VmSize[] = [...MEMORY_HEAVY, ...CPU_HEAVY];

export function mixedMix(): Mix {
  return {
    name: "mixed",
    description: "memory-heavy (8 GiB/vCPU) and CPU-heavy (2 GiB/vCPU) sizes, equally common",
    sizes: MIXED_SIZES.map((s) => ({ ...s })),
  };
}

export function balancedMix(): Mix {
  return {
    name: "balanced",
    description: "memory-heavy and CPU-heavy sizes in the proportion that makes memory and cpu bind together (stress case)",
    sizes: BALANCED_SIZES.map((s) => ({ ...s })),
  };
}

/** Expected demand per dimension of one VM drawn from the mix. */
export function meanDemand(mix: Mix): number[] {
  const total = mix.sizes.reduce((s, x) => s + x.weight, 0);
  const out = [0, 0, 0, 0];
  for (const s of mix.sizes) vmDemand(s.vcpu, s.memGiB).forEach((v, d) => (out[d] += (v * s.weight) / total));
  return out;
}

export function getMix(name: string, dist?: AzureDistributions): Mix {
  if (name === "azure") return azureMix(dist);
  if (name === "mixed") return mixedMix();
  if (name === "balanced") return balancedMix();
  throw new Error(`unknown mix ${name}`);
}
