// A packing instance as `vmfabric pack` reads it: host entries (each expanded `count` times,
// in order) and VMs as typed arrays, so a million-VM instance holds no per-VM JS objects.
import type { HostSpec } from "../types.js";

/** One host entry of an instance; it stands for `count` identical hosts, in order. */
export interface HostEntry extends HostSpec {
  count: number;
}

export interface Instance {
  /** Where it was read from (for messages). */
  source: string;
  format: "json" | "vbp";
  dimensions: string[];
  /** Host entries; expanded host order is entry by entry, `count` hosts each. */
  hosts: HostEntry[];
  hostCount: number;
  vmCount: number;
  /** Row-major, vmCount x dimensions.length, expanded VM order. */
  demands: Int32Array;
  /** Interned tenant per VM (string ids mapped to 0, 1, 2, ... in order of first appearance). */
  tenants: Uint32Array;
  /** Interned deployment per VM, NO_DEPLOYMENT (0xffffffff) when the VM names none. */
  deployments: Uint32Array;
  /** Interned ids, index = integer id (for messages and round trips). */
  tenantNames: string[];
  deploymentNames: string[];
}

/** The engine's limits, checked by the loaders so errors name the file. */
export const MAX_HOSTS = 1 << 24;
export const MAX_VMS = 1 << 26;

/** Bytes of engine tables n VMs of D dimensions take (a demand vector of 16 bytes per 4
 *  dimensions, and host, tenant, deployment, list link), as Engine.create reckons them; the
 *  engine keeps its tables within 3 GiB. */
export function vmTableBytes(n: number, dims: number): number {
  return n * (Math.ceil(dims / 4) * 16 + 16);
}
export const TABLE_BYTES_MAX = 3 * 2 ** 30;
