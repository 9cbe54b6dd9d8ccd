// Reason codes as the core returns them (assembly/reasons.ts), and the messages they become.
import type { Rejection, ReasonCode } from "./types.js";

export const REASON_CODES: readonly (ReasonCode | "OK")[] = [
  "OK",
  "NO_CAPACITY",
  "NO_HOST_IN_SERVICE",
  "ANTI_AFFINITY",
  "FAULT_DOMAIN_SPREAD",
  "DEDICATED_HOST",
  "NO_MATCHING_HOST",
];
export const DIM_NONE = 255;

/** `rule`: for NO_MATCHING_HOST, the VM's label rule in words (labels.ts describe()). */
export function rejection(code: number, dim: number, dimensions: readonly string[], demand?: ArrayLike<number>, rule?: string): Rejection {
  const name = REASON_CODES[code];
  switch (name) {
    case "NO_CAPACITY": {
      const dimension = dimensions[dim];
      const asked = demand && dimension !== undefined ? ` (requested ${dimension}=${demand[dim]})` : "";
      return {
        code: name,
        dimension,
        message: `no in-service host has room for the VM in every dimension; most hosts are short of ${dimension}${asked}`,
      };
    }
    case "NO_HOST_IN_SERVICE":
      return { code: name, message: "no host is in service" };
    case "ANTI_AFFINITY":
      return { code: name, message: "every host with room already holds the most instances of this deployment allowed per host" };
    case "FAULT_DOMAIN_SPREAD":
      return { code: name, message: "every allowed host with room is in a fault domain that already holds its share of this deployment's instances (those in the batch, plus any placed before it given as prior)" };
    case "DEDICATED_HOST":
      return { code: name, message: "the only hosts with room are held by (or shared with) other tenants, and dedicated hosts are not shared" };
    case "NO_MATCHING_HOST":
      return { code: name, message: rule ?? "hosts have room, but none whose labels the VM requires and whose taints it tolerates" };
    default:
      throw new Error(`core returned unknown reason code ${code}`);
  }
}
