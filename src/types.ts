// Public types of the library API.

/** Placement policies (see README, "Policies"). */
export type Policy = "first-fit" | "best-fit" | "spread" | "dot-product" | "l2" | "lifetime";
export const POLICIES: readonly Policy[] = ["first-fit", "best-fit", "spread", "dot-product", "l2", "lifetime"];
/** The policies that look at capacity alone (every one but lifetime): what comparisons over
 *  "all policies" (replay's default runs, the browser's placements) run, since lifetime without
 *  expected end times is best-fit. */
export const CAPACITY_POLICIES: readonly Policy[] = ["first-fit", "best-fit", "spread", "dot-product", "l2"];
/** Largest expected end time (`VmRequest.expectedEnd`); 0 means unknown. */
export const EXPECTED_END_MAX = 0xfffffffe;

/** Size measures for offline (first-fit-decreasing) ordering. */
export type SizeMeasure = "sum" | "max" | "product";
export const SIZE_MEASURES: readonly SizeMeasure[] = ["sum", "max", "product"];

/** The default dimensions of a guest VM's slice, and their units. */
export const DEFAULT_DIMENSIONS: readonly string[] = ["cpu", "memory", "network", "disk"];
export const DEFAULT_UNITS: Readonly<Record<string, string>> = {
  cpu: "millicores (1000 = one core)",
  memory: "MiB",
  network: "Mbps",
  disk: "GiB",
};

/** A deployment id meaning "no deployment": no anti-affinity or fault-domain rules apply. */
export const NO_DEPLOYMENT = 0xffffffff;

/** One server. Capacity and reservation are integers in the engine's units. */
export interface HostSpec {
  capacity: readonly number[];
  /** Taken off for the host VM's own use before any guest (default 0). */
  reservation?: readonly number[];
  /** Per dimension, how far guests may be oversubscribed (default 1.0). */
  oversubscription?: readonly number[];
  /** Rack / fault domain, 0..65535 (default 0). */
  faultDomain?: number;
  /** Whether the host accepts guests from the start (default true). */
  inService?: boolean;
  /** Labels, `key: value` (e.g. `{ gpu: "V100M32", gen: "v5" }`): VMs may require them. */
  labels?: Readonly<Record<string, string>>;
  /** Taints, `key` or `key=value` (e.g. `["gpu"]`): only VMs tolerating each may use the host. */
  taints?: readonly string[];
}

/** A fleet described by host types: `count` hosts of each, all in `faultDomain`, or, when
 *  `hostsPerFaultDomain` is given, in ceil(count / hostsPerFaultDomain) new racks numbered after
 *  the previous entry's. `faultDomainLayout` numbers hosts rack by rack ("contiguous", default)
 *  or round-robin across the racks ("interleaved": consecutive hosts in different racks, so
 *  lowest-index tie-breaks spread over racks). */
export interface FleetSpec {
  hostTypes: ReadonlyArray<HostSpec & { count: number; hostsPerFaultDomain?: number; faultDomainLayout?: "contiguous" | "interleaved" }>;
}

export interface EngineOptions {
  /** Dimension names, 1 to 16 (default cpu, memory, network, disk). */
  dimensions?: readonly string[];
  /** Highest VM id + 1 the engine will hold (default 8 x hosts). Memory is reserved up front. */
  vmCapacity?: number;
  /** Hosts the core has room for before addHosts must rebuild it (default hosts + max(64, hosts / 8)). */
  hostCapacity?: number;
  /** Default policy for place / placeBatch / move (default best-fit). */
  policy?: Policy;
  /** Default anti-affinity: at most this many instances of one deployment per host (default 1). */
  maxPerHost?: number;
  /** How many feasible hosts dot-product and l2 rank (default 16). */
  candidates?: number;
  /** Default for PlaceOptions.keepScarceHostsFree (default true). */
  keepScarceHostsFree?: boolean;
  /** Default for PlaceOptions.smallestHostsFirst (default false). */
  smallestHostsFirst?: boolean;
  /** Dimensions made of devices, with the units of one device: `{ gpu: 1000 }` makes a host's
   *  gpu capacity k devices of 1000 (k <= 16), and a VM's gpu demand a fraction of one device
   *  (below 1000) or whole devices (a multiple of 1000). See README, "Devices". */
  devices?: Readonly<Record<string, number>>;
}

export interface PlaceOptions {
  policy?: Policy;
  maxPerHost?: number;
  candidates?: number;
  /** Try hosts with free capacity in special dimensions the VM asks none of (GPU hosts with a
   *  GPU free, for a CPU-only VM) only when no other host can take it, and open an empty host of the largest size only when no
   *  smaller empty one can take the VM; a VM asking whole devices opens the smaller empty host
   *  with the fewest such devices (default true; see README "Keeping scarce hosts free"). */
  keepScarceHostsFree?: boolean;
  /** When the policy opens an empty host, open the lowest-index empty host of the smallest
   *  host-type size that can take the VM instead (default false; see README "Keeping scarce
   *  hosts free": measured, it opens more hosts on the Alibaba lists). */
  smallestHostsFirst?: boolean;
}

export interface BatchOptions extends PlaceOptions {
  /** Whole batch known: reorder largest first before placing (default false). */
  offline?: boolean;
  /** Size measure for the offline order (default sum). */
  sizeMeasure?: SizeMeasure;
  /** Instances of deployments already placed before this batch, for fault-domain spread. */
  prior?: PriorPlacements;
}

/**
 * Instances already placed, per (deployment, fault domain): entry i says `counts[i]` instances
 * of `deployments[i]` are in fault domain `faultDomains[i]`. For a deployment with n instances
 * in the batch and P prior ones, each domain may then hold ceil((n + P) / F), prior ones
 * included. Entries for deployments not in the batch are ignored; repeated pairs add up.
 */
export interface PriorPlacements {
  /** Deployment ids, integers in [0, 2^32 - 2]; at most 2^24 entries. */
  deployments: Uint32Array | readonly number[];
  /** Fault domains of this fleet, integers in [0, highest fault domain]. */
  faultDomains: Uint32Array | readonly number[];
  /** Instances, integers >= 1; all counts together at most 2^31 - 1. */
  counts: Uint32Array | readonly number[];
}

/** One VM to place. Ids, tenants and deployments are non-negative integers. */
export interface VmRequest {
  id: number;
  demand: readonly number[];
  tenant: number;
  deployment?: number;
  /** Per label key, the values any one of which a host must have (e.g. `{ gpu: ["V100M16", "V100M32"] }`). */
  requires?: Readonly<Record<string, readonly string[]>>;
  /** Taints the VM tolerates: `key` (any value) or `key=value`. */
  tolerates?: readonly string[];
  /** When the VM is expected to leave, an integer in [0, 2^32 - 2] in any time unit the caller
   *  uses throughout (0 or absent: unknown). Only the lifetime policy reads it (README
   *  "Policies"); a move keeps it. */
  expectedEnd?: number;
}

/** Many VMs as typed arrays; `demands` is row-major, n x dimensions. */
export interface VmBatch {
  ids: Uint32Array | readonly number[];
  demands: Int32Array | readonly number[];
  tenants: Uint32Array | readonly number[];
  deployments?: Uint32Array | readonly number[];
  /** Per VM, a constraint id from `engine.constraint({ requires, tolerates })` (default 0: none). */
  constraints?: Uint32Array | readonly number[];
  /** Per VM, its expected end time as `VmRequest.expectedEnd` (default 0: unknown). */
  expectedEnds?: Uint32Array | readonly number[];
}

export type ReasonCode =
  | "NO_CAPACITY"
  | "NO_HOST_IN_SERVICE"
  | "ANTI_AFFINITY"
  | "FAULT_DOMAIN_SPREAD"
  | "DEDICATED_HOST"
  | "NO_MATCHING_HOST";

/** Why a VM was not placed. */
export interface Rejection {
  code: ReasonCode;
  /** For NO_CAPACITY: the dimension the most in-service hosts are short of. */
  dimension?: string;
  message: string;
}

/** Where a VM went: `placed` tells the two cases apart (`if (!p.placed) p.rejection.code`). */
export type Placement =
  | { placed: true; vm: number; host: number; rejection?: undefined }
  | { placed: false; vm: number; host: -1; rejection: Rejection };

export interface BatchResult {
  /** Host per request (input order), -1 when rejected. */
  hosts: Int32Array;
  /** Reason code per request: 0 placed, else an index into REASON_CODES. */
  reasons: Uint8Array;
  /** Dimension index per NO_CAPACITY rejection, 255 otherwise. */
  reasonDims: Uint8Array;
  placed: number;
  rejected: number;
}

export interface EngineStats {
  /** Hosts in the fleet, retired ones left out. */
  hosts: number;
  hostsInService: number;
  /** Hosts holding at least one VM ("hosts in use"), in service or not. */
  hostsUsed: number;
  /** In-service hosts holding no VM. */
  emptyHosts: number;
  retiredHosts: number;
  faultDomains: number;
  vmsPlaced: number;
  /** Per dimension: allocated / effective capacity over in-service hosts. */
  utilization: Record<string, number>;
  /** Per dimension: demand of the placed VMs / effective capacity of the hosts in use. */
  utilizationOfUsedHosts: Record<string, number>;
  /** Per dimension: the summed demand of every placed VM. */
  liveDemand: Record<string, number>;
  /** Fewest in-service hosts that could hold the live demand: per dimension, hosts taken
   *  largest first until their capacity covers it; the max over dimensions (see README). */
  lowerBound: number;
  /** Bytes of linear memory held by the core's tables (capacity reserved up front). */
  coreBytes: number;
  /** Bytes of the per-call scratch region (batch inputs and outputs). */
  scratchBytes: number;
}
