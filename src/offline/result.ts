// What a packing method returns, and helpers every method shares (best.ts, vector.ts).
import type { Instance } from "../instance/types.js";
import type { FleetSpec } from "../types.js";

export interface PackResult {
  /** Host (expanded host order) of each VM (expanded VM order), -1 when rejected. */
  assignment: Int32Array;
  hostsUsed: number;
  placed: number;
  rejected: number;
  /** Wall time of the placement (engines created and placed into), not of reading the file. */
  seconds: number;
  /** Which variant produced the assignment, e.g. "offline best-fit/sum". */
  method: string;
  /** How many variants were tried (methods that did not apply are not counted). */
  tried: number;
  /** packOffline: why a method was skipped or its result discarded, e.g. "tabu skipped: ...". */
  notes?: string[];
}

/** The instance's hosts as the engine's fleet spec (one host type per entry, in order). */
export function fleetOf(inst: Instance): FleetSpec {
  // expandFleet reads a fixed faultDomain from a host-type entry as from a host (it is only
  // omitted from the FleetSpec type because hostsPerFaultDomain usually sets it).
  return { hostTypes: inst.hosts as FleetSpec["hostTypes"] };
}

export function hostsUsedOf(assignment: Int32Array, hostCount: number): number {
  const used = new Uint8Array(hostCount);
  let n = 0;
  for (let i = 0; i < assignment.length; i++) {
    const h = assignment[i];
    if (h >= 0 && used[h] === 0) {
      used[h] = 1;
      n++;
    }
  }
  return n;
}

