// Where a migrating instance goes: an in-service server that is not draining and not already
// taking part in a migration, where the instance's role has no instance yet (anti-affinity),
// preferring servers whose rack keeps the role's fault-domain spread, then the best fit (least
// capacity left over, summed over the dimensions as fractions of the server's capacity).
import { ServerState } from "./lifecycle.js";
import type { FcState } from "./state.js";

export interface Target {
  server: number;
  /** The target's rack already had its share of the role (spread relaxed, as healing does). */
  relaxed: boolean;
}

/** Racks with at least one in-service server taking guests (not draining), as the engine counts. */
function inServiceRacks(st: FcState): number {
  const spr = st.dc.serversPerRack;
  let n = 0;
  for (let r = 0; r < st.dc.racks; r++) {
    for (let s = r * spr; s < (r + 1) * spr; s++) {
      if (st.serverState[s] === ServerState.InService && !st.serverDrain[s]) {
        n++;
        break;
      }
    }
  }
  return n;
}

/** Would instance i on `server` put more of its role in that rack than its share? */
export function overShare(st: FcState, i: number, server: number): boolean {
  const spr = st.dc.serversPerRack;
  const role = st.roles[st.instRole[i]];
  const rack = Math.floor(server / spr);
  let n = 1;
  for (let k = role.firstInstance; k < role.firstInstance + role.count; k++) {
    if (k === i) continue;
    // Another migration of the role into this rack counts already: it will land there.
    if ((st.instHost[k] >= 0 && !st.spreadRelaxed.has(k) && Math.floor(st.instHost[k] / spr) === rack) ||
      (st.instMigTarget[k] >= 0 && Math.floor(st.instMigTarget[k] / spr) === rack)) n++;
  }
  return n > Math.ceil(role.count / Math.max(1, inServiceRacks(st)));
}

/**
 * Places instance i's placeholder (engine VM id `placeholder`) on the best target and returns
 * it, or undefined when no server can take it now. `busy` marks servers already migrating;
 * `avoidEmpty` (defragmentation) leaves servers without guests out: moving onto one frees nothing.
 */
export function chooseTarget(st: FcState, i: number, placeholder: number, busy: Uint8Array, avoidEmpty = false): Target | undefined {
  const e = st.engine;
  const source = st.instHost[i];
  const demand = st.request(i).demand;
  const fits: Array<{ server: number; relaxed: boolean; waste: number }> = [];
  for (let s = 0; s < st.dc.servers; s++) {
    if (s === source || busy[s] || st.serverState[s] !== ServerState.InService || st.serverDrain[s]) continue;
    if (avoidEmpty && e.vmCountOf(s) === 0) continue;
    const free = e.freeOf(s);
    if (free.some((f, d) => f < demand[d])) continue;
    const cap = e.capacityOf(s);
    let waste = 0;
    for (let d = 0; d < free.length; d++) waste += cap[d] > 0 ? (free[d] - demand[d]) / cap[d] : 0;
    fits.push({ server: s, relaxed: overShare(st, i, s), waste });
  }
  fits.sort((a, b) => Number(a.relaxed) - Number(b.relaxed) || a.waste - b.waste || a.server - b.server);
  const request = st.request(i, placeholder);
  for (const f of fits) {
    // The engine checks what the free vectors cannot: anti-affinity and dedicated tenants.
    if (e.placeOn(request, f.server).placed) return { server: f.server, relaxed: f.relaxed };
  }
  return undefined;
}
