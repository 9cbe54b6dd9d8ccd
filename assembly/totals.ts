// Fleet totals kept up to date on every change, so statistics cost O(dimensions), not a scan:
// per dimension, in i64 so sums over millions of hosts stay exact,
//   live:         demand of every placed VM;
//   usedCapacity: effective capacity of the hosts holding at least one VM;
//   inServiceUsed / inServiceCapacity: allocated and effective capacity of in-service hosts.
// And the count of in-service hosts holding VMs (empty in-service hosts follow from it).

import { UDIMS } from "./devices";
import { STATE_IN_SERVICE, capPtr, freePtr, hostState, hostType, hostVmCount } from "./state";

export let totals: usize = 0;             // 4 x 16 i64
export let inServiceUsedHosts: i32 = 0;

const LIVE = 0;
const USED_CAP = 16;
const IS_USED = 32;
const IS_CAP = 48;

export function totalsInit(region: usize): void {
  totals = region;
  inServiceUsedHosts = 0;
}

export function totalsBytes(): usize { return 64 * 8; }

@inline function add(slot: i32, d: i32, x: i64): void {
  const p = totals + (<usize>(slot + d) << 3);
  store<i64>(p, load<i64>(p) + x);
}

/** A VM with `demand` was put on host h (its VM count already includes it). */
export function totalsCommit(h: i32, demand: usize): void {
  const inService = hostState(h) == STATE_IN_SERVICE;
  const first = hostVmCount(h) == 1;
  const cap = capPtr(hostType(h));
  for (let d = 0; d < UDIMS; d++) {
    const x = <i64>load<i32>(demand + (<usize>d << 2));
    add(LIVE, d, x);
    if (inService) add(IS_USED, d, x);
    if (first) add(USED_CAP, d, <i64>load<i32>(cap + (<usize>d << 2)));
  }
  if (first && inService) inServiceUsedHosts++;
}

/** A VM with `demand` left host h (its VM count already excludes it). */
export function totalsRelease(h: i32, demand: usize): void {
  const inService = hostState(h) == STATE_IN_SERVICE;
  const last = hostVmCount(h) == 0;
  const cap = capPtr(hostType(h));
  for (let d = 0; d < UDIMS; d++) {
    const x = <i64>load<i32>(demand + (<usize>d << 2));
    add(LIVE, d, -x);
    if (inService) add(IS_USED, d, -x);
    if (last) add(USED_CAP, d, -<i64>load<i32>(cap + (<usize>d << 2)));
  }
  if (last && inService) inServiceUsedHosts--;
}

/** Host h enters (sign 1) or leaves (sign -1) service with what it holds. */
export function totalsService(h: i32, sign: i64): void {
  const cap = capPtr(hostType(h));
  const free = freePtr(h);
  for (let d = 0; d < UDIMS; d++) {
    const c = <i64>load<i32>(cap + (<usize>d << 2));
    add(IS_CAP, d, sign * c);
    add(IS_USED, d, sign * (c - <i64>load<i32>(free + (<usize>d << 2))));
  }
  if (hostVmCount(h) > 0) inServiceUsedHosts += <i32>sign;
}
