// A measurement-only entry, compiled by bench/churn-split.ts and never part of the release
// core: the whole core plus `probe`, the search of `place` without its commit, so that a
// placement's search and commit can be timed apart.
export * from "../index";
import { ioPtr } from "../index";
import { findHost } from "../search";

/** The host `place` would choose for the demand in io (nothing changes but the class counters). */
export function probe(tenant: u32, deployment: u32, con: i32, k: u32, policy: i32, window: i32, end: u32): i32 {
  return findHost(ioPtr(), tenant, deployment, con, k, policy, window, -1, end);
}
