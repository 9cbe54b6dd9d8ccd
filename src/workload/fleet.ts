// The benchmark fleet: a real host type (Azure dedicated host Dsv3-Type3), the assumptions that
// turn it and the VM sizes into the engine's four dimensions, and the packing lower bound.
//
// Units (the engine's defaults): cpu millicores (1000 = one vCPU), memory MiB, network Mbps,
// disk GiB.

import type { FleetSpec } from "../types.js";

/**
 * Azure dedicated host type Dsv3-Type3: 80 vCPUs, 504 GiB RAM (Intel Xeon Platinum 8272CL,
 * Cascade Lake). Source: ../shared/data/vm-catalogs/azure_dedicated_hosts_cleaned.csv
 * (Boavizta, compiled from Azure's dedicated-host documentation).
 *
 * Azure publishes vCPUs and RAM only; the rest are documented assumptions:
 * - NIC: 40 Gbps (40,000 Mbps); local disk: 2,048 GiB.
 * - Host-VM reservation (the root partition's own use): 2 cores, 8 GiB, 1 Gbps, 64 GiB.
 * Effective capacity for guests: 78,000 mcpu, 507,904 MiB, 39,000 Mbps, 1,984 GiB.
 */
export const HOST_TYPE = {
  name: "Dsv3-Type3",
  vcpu: 80,
  memGiB: 504,
  processor: "Intel Xeon Platinum 8272CL (Cascade Lake)",
  source: "vm-catalogs/azure_dedicated_hosts_cleaned.csv (Boavizta; Azure dedicated host documentation)",
  /** cpu mcpu, memory MiB, network Mbps (assumed 40 Gbps NIC), disk GiB (assumed 2 TiB local). */
  capacity: [80 * 1000, 504 * 1024, 40_000, 2048] as const,
  /** Host VM: 2 cores, 8 GiB, 1 Gbps, 64 GiB (assumed). */
  reservation: [2000, 8 * 1024, 1000, 64] as const,
} as const;

export const DIMENSIONS = ["cpu", "memory", "network", "disk"] as const;
export const D = DIMENSIONS.length;

/** Effective capacity per dimension: capacity - reservation (no oversubscription). */
export const EFFECTIVE: readonly number[] = HOST_TYPE.capacity.map((c, d) => c - HOST_TYPE.reservation[d]);

/** Hosts per rack (fault domain). */
export const HOSTS_PER_FAULT_DOMAIN = 40;

/** Assumed per-vCPU network and local-disk shares of a VM. */
export const NETWORK_MBPS_PER_VCPU = 250;
export const DISK_GIB_PER_VCPU = 16;

/** A VM size in the engine's units: [mcpu, MiB, Mbps, GiB]. */
export function vmDemand(vcpu: number, memGiB: number): [number, number, number, number] {
  return [Math.round(vcpu * 1000), Math.round(memGiB * 1024), Math.round(vcpu * NETWORK_MBPS_PER_VCPU), Math.round(vcpu * DISK_GIB_PER_VCPU)];
}

/**
 * `hosts` Dsv3-Type3 hosts, 40 to a fault domain (rack), numbered round-robin across racks.
 * Every policy breaks ties by lowest host index, so with rack-by-rack numbering the partly
 * filled hosts sit in a few racks, and a large deployment (one instance per rack under
 * fault-domain spread) must open empty hosts in new racks; interleaved numbering keeps partly
 * filled hosts in many racks (azure mix, best-fit: 1.0083 x the lower bound instead of 1.0139).
 */
export function benchFleet(hosts: number): FleetSpec {
  return {
    hostTypes: [{
      capacity: [...HOST_TYPE.capacity],
      reservation: [...HOST_TYPE.reservation],
      count: hosts,
      hostsPerFaultDomain: HOSTS_PER_FAULT_DOMAIN,
      faultDomainLayout: "interleaved",
    }],
  };
}

export interface LowerBound {
  /** max over dimensions of ceil(sum of demand / effective capacity of one host). */
  hosts: number;
  /** The per-dimension bounds. */
  perDimension: number[];
  /** Total demand per dimension. */
  demand: number[];
  /** The dimension that sets the bound (lowest index on ties). */
  binding: number;
}

/**
 * The packing lower bound for identical hosts: no packing can use fewer than
 * ceil(sum_i demand_i,d / capacity_d) hosts in any dimension d.
 * `demands` is row-major n x dims; `count` limits it to the first `count` VMs.
 */
export function lowerBound(demands: ArrayLike<number>, effective: readonly number[], count = demands.length / effective.length): LowerBound {
  const dims = effective.length;
  const demand = new Array<number>(dims).fill(0);
  for (let i = 0; i < count; i++) for (let d = 0; d < dims; d++) demand[d] += demands[i * dims + d];
  const perDimension = demand.map((s, d) => (s === 0 ? 0 : effective[d] > 0 ? Math.ceil(s / effective[d]) : Infinity));
  let binding = 0;
  for (let d = 1; d < dims; d++) if (perDimension[d] > perDimension[binding]) binding = d;
  return { hosts: perDimension[binding], perDimension, demand, binding };
}
