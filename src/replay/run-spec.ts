// What ReplayOptions.runs may name: an engine policy (keeping scarce hosts free, the engine's
// default), an engine policy with that choice spelled out, or a Scheduler.
import { VmfabricError } from "../errors.js";
import { POLICIES, type Policy } from "../types.js";
import { EngineRun, SchedulerRun, type Run, type RunSetup } from "./runs.js";
import type { Scheduler } from "./scheduler.js";

export interface EngineRunSpec {
  policy: Policy;
  /** PlaceOptions.keepScarceHostsFree for every placement of the run (default true). A run
   *  with it off is named `<policy>/scarce-off`. */
  keepScarceHostsFree?: boolean;
  /** PlaceOptions.smallestHostsFirst for every placement of the run (default false). A run
   *  with it on is named `<policy>/smallest-first`. */
  smallestHostsFirst?: boolean;
}

export type RunSpec = Policy | EngineRunSpec | Scheduler;

function isScheduler(r: RunSpec): r is Scheduler {
  return typeof r === "object" && r !== null && typeof (r as Scheduler).choose === "function";
}

/** Checks every entry before any engine is made. */
export function checkRuns(runs: readonly RunSpec[]): void {
  if (!Array.isArray(runs) || runs.length === 0) throw new VmfabricError("INVALID_INPUT", "runs must name at least one policy or scheduler", "runs", runs);
  for (const r of runs) {
    if (isScheduler(r)) continue;
    const policy = typeof r === "string" ? r : typeof r === "object" && r !== null ? r.policy : undefined;
    if (!POLICIES.includes(policy as Policy)) throw new VmfabricError("INVALID_INPUT", `runs: unknown policy ${JSON.stringify(policy ?? r)} (one of ${POLICIES.join(", ")}, { policy, keepScarceHostsFree, smallestHostsFirst }, or a Scheduler)`, "runs", r);
    const keep = typeof r === "object" ? r.keepScarceHostsFree : undefined;
    if (keep !== undefined && typeof keep !== "boolean") throw new VmfabricError("INVALID_INPUT", `runs: keepScarceHostsFree of ${policy} must be true or false, got ${JSON.stringify(keep)}`, "runs.keepScarceHostsFree", keep);
    const smallest = typeof r === "object" ? r.smallestHostsFirst : undefined;
    if (smallest !== undefined && typeof smallest !== "boolean") throw new VmfabricError("INVALID_INPUT", `runs: smallestHostsFirst of ${policy} must be true or false, got ${JSON.stringify(smallest)}`, "runs.smallestHostsFirst", smallest);
  }
}

export function makeRun(r: RunSpec, setup: RunSetup): Run {
  if (isScheduler(r)) return new SchedulerRun(r, setup);
  if (typeof r === "string") return new EngineRun(r, setup);
  return new EngineRun(r.policy, setup, r.keepScarceHostsFree ?? true, r.smallestHostsFirst ?? false);
}
