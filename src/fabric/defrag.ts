// Which servers a defragmentation period empties. One small function, so a better planner can
// replace the choice without touching the migration machinery.
//
// The rule: take in-service servers that are not draining and hold at least one guest, least
// loaded first (fewest guests, then least cpu in use, then lowest index); empty one if all its
// guests are running, none is migrating, the period's migration budget still covers them, and
// they all fit on the other non-empty servers that stay (moving them onto an empty server frees
// nothing; first fit over those servers' free capacity,
// one instance of a role per server, counting the guests already planned there). Servers
// already chosen are not targets, and servers planned to receive guests are not emptied.
// Tenancy rules are left to the engine at migration time.
import { ServerState, Stage } from "./lifecycle.js";
import type { FcState } from "./state.js";

export function chooseDefragServers(st: FcState, budget: number): number[] {
  const e = st.engine;
  const S = st.dc.servers;
  const open: number[] = [];
  for (let s = 0; s < S; s++) if (st.serverState[s] === ServerState.InService && !st.serverDrain[s]) open.push(s);
  const guests = new Map<number, number[]>();
  for (const s of open) guests.set(s, e.vmsOnHost(s));
  const loaded = open
    .filter((s) => guests.get(s)!.length > 0)
    .map((s) => ({ s, n: guests.get(s)!.length, cpu: e.usedOf(s)[0] }))
    .sort((a, b) => a.n - b.n || a.cpu - b.cpu || a.s - b.s);
  const free = new Map<number, number[]>();
  const roles = new Map<number, Set<number>>();
  const freeOf = (t: number) => {
    let f = free.get(t);
    if (!f) free.set(t, (f = e.freeOf(t)));
    return f;
  };
  const rolesOn = (t: number) => {
    let r = roles.get(t);
    if (!r) roles.set(t, (r = new Set(guests.get(t)!.map((v) => (st.isPlaceholder(v) ? -1 : st.instRole[v])))));
    return r;
  };
  const chosen = new Set<number>();
  const receiving = new Set<number>();
  const out: number[] = [];
  let left = budget;
  for (const { s, n } of loaded) {
    if (n > left || receiving.has(s)) continue;
    const vms = guests.get(s)!;
    if (vms.some((v) => st.isPlaceholder(v) || st.instStage[v] !== Stage.Ready || st.instMigStep[v] !== 0)) continue;
    // Plan every guest on the servers that stay; commit the plan only if all fit.
    const plan: Array<[number, number]> = [];
    const taken = new Map<number, number[]>();
    const ok = vms.every((v) => {
      const demand = st.request(v).demand;
      const role = st.instRole[v];
      for (const t of open) {
        if (t === s || chosen.has(t) || guests.get(t)!.length === 0 || rolesOn(t).has(role) || plan.some(([pv, pt]) => pt === t && st.instRole[pv] === role)) continue;
        const f = taken.get(t) ?? freeOf(t).slice();
        if (f.some((x, d) => x < demand[d])) continue;
        for (let d = 0; d < f.length; d++) f[d] -= demand[d];
        taken.set(t, f);
        plan.push([v, t]);
        return true;
      }
      return false;
    });
    if (!ok) continue;
    for (const [t, f] of taken) free.set(t, f);
    for (const [v, t] of plan) {
      rolesOn(t).add(st.instRole[v]);
      receiving.add(t);
    }
    chosen.add(s);
    out.push(s);
    left -= n;
  }
  return out;
}
