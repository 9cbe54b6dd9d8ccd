// The fault-domain spread a healed instance must keep, as the engine's `prior` option.
//
// The engine lets each fault domain hold ceil((1 + P) / F) of a role when healing one instance
// with P prior ones, F being the racks with a server taking guests. Each of the role's other
// instances must count once in P: a migration in flight counted twice (once on its source, once
// on its target) raised that limit and let a heal fill a rack past its share without recording
// the relaxation. A migrating instance still holds room in both racks (it runs on the source
// until MigrationDone, its placeholder holds the target from MigrationStarted), so when its two
// racks differ the FC works out which racks are full itself and hands the engine only those.
import type { PriorPlacements } from "../types.js";
import type { FcState } from "./state.js";

/** The prior to heal instance i with, or null when every rack taking guests already holds the
 *  role's share (the heal can only relax spread). */
export function healPrior(st: FcState, i: number): PriorPlacements | null {
  const spr = st.dc.serversPerRack;
  const role = st.instRole[i];
  const r = st.roles[role];
  const perFd = new Map<number, number>();
  const add = (fd: number) => perFd.set(fd, (perFd.get(fd) ?? 0) + 1);
  let others = 0;
  let crossRack = false;
  for (let k = r.firstInstance; k < r.firstInstance + r.count; k++) {
    const h = st.instHost[k];
    if (k === i || h < 0) continue;
    others++;
    add(Math.floor(h / spr));
    const t = st.instMigTarget[k];
    if (t >= 0 && Math.floor(t / spr) !== Math.floor(h / spr)) {
      add(Math.floor(t / spr));
      crossRack = true;
    }
  }
  const fds = [...perFd.keys()].sort((x, y) => x - y);
  // Each instance counted once: the engine's own limit is the share.
  if (!crossRack) return { deployments: fds.map(() => role), faultDomains: fds, counts: fds.map((f) => perFd.get(f)!) };
  const F = st.engine.stats().faultDomains;
  const share = Math.ceil((others + 1) / Math.max(1, F));
  const full = fds.filter((f) => perFd.get(f)! >= share && takesGuests(st, f));
  if (full.length >= F) return null;
  // One entry per full rack: with k < F entries the engine's limit is ceil((1 + k) / F) = 1, so
  // it keeps out of exactly those racks.
  return { deployments: full.map(() => role), faultDomains: full, counts: full.map(() => 1) };
}

/** Does a rack have a server the engine places guests on (in service, not draining)? */
function takesGuests(st: FcState, rack: number): boolean {
  const spr = st.dc.serversPerRack;
  for (let s = rack * spr; s < (rack + 1) * spr; s++) if (st.engine.isHostInService(s)) return true;
  return false;
}
