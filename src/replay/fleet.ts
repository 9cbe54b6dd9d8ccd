// The replay's fleet when the trace brings none: identical hosts, by default the README's
// Azure Dsv3-Type3 host, as many as ceil(1.3 x the peak lower bound) of the first pass.
import { VmfabricError } from "../errors.js";
import type { FleetSpec } from "../types.js";
import { HOST_TYPE } from "../workload/fleet.js";

export const DEFAULT_HEADROOM = 1.3;
const DSV3_DIMENSIONS = ["cpu", "memory", "network", "disk"];

export interface HostShape {
  capacity: number[];
  reservation: number[];
  /** Where the numbers come from, for messages and the JSON. */
  source: string;
}

/** The Dsv3-Type3 host restricted to the trace's dimensions (cpu, memory, network, disk only). */
export function defaultHost(dimensions: readonly string[]): HostShape {
  const idx = dimensions.map((d) => DSV3_DIMENSIONS.indexOf(d));
  const missing = dimensions.filter((_, i) => idx[i] < 0);
  if (missing.length > 0) {
    throw new VmfabricError("INVALID_INPUT", `the trace has dimensions the default host (${HOST_TYPE.name}) does not (${missing.join(", ")}): give --hosts N --host-capacity with one number per dimension (${dimensions.join(", ")})`, "--host-capacity", undefined);
  }
  return {
    capacity: idx.map((i) => HOST_TYPE.capacity[i]),
    reservation: idx.map((i) => HOST_TYPE.reservation[i]),
    source: `${HOST_TYPE.name} (${HOST_TYPE.vcpu} vCPUs, ${HOST_TYPE.memGiB} GiB; host-VM reservation taken off)`,
  };
}

/** Hosts needed for the peak live demand (per dimension, ceil(peak / effective capacity)). */
export function peakLowerBound(peakDemand: readonly number[], effective: readonly number[]): number {
  let lb = 0;
  peakDemand.forEach((p, d) => {
    if (p > 0) lb = Math.max(lb, effective[d] > 0 ? Math.ceil(p / effective[d]) : Infinity);
  });
  return lb;
}

export function defaultHostCount(peakDemand: readonly number[], effective: readonly number[], headroom = DEFAULT_HEADROOM): number {
  const lb = peakLowerBound(peakDemand, effective);
  if (!Number.isFinite(lb)) throw new VmfabricError("INVALID_INPUT", "the hosts have no capacity in a dimension the trace asks for; give --host-capacity", "--host-capacity", effective);
  return Math.max(1, Math.ceil(headroom * lb));
}

/** `count` identical hosts in one fault domain (the replay places VM by VM: no spread rule). */
export function identicalFleet(shape: Pick<HostShape, "capacity" | "reservation">, count: number): FleetSpec {
  return { hostTypes: [{ capacity: shape.capacity, reservation: shape.reservation, count }] };
}
