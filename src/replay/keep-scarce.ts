// `--keep-scarce on|off|both`: which engine runs a list of policies makes. `both` puts each
// policy's two runs side by side (`best-fit`, then `best-fit/scarce-off`).
import type { Policy } from "../types.js";
import type { EngineRunSpec } from "./run-spec.js";

export const KEEP_SCARCE = ["on", "off", "both"] as const;
export type KeepScarce = (typeof KEEP_SCARCE)[number];

export function engineRuns(policies: readonly Policy[], keep: KeepScarce): EngineRunSpec[] {
  const ways = keep === "on" ? [true] : keep === "off" ? [false] : [true, false];
  return policies.flatMap((policy) => ways.map((keepScarceHostsFree) => ({ policy, keepScarceHostsFree })));
}
