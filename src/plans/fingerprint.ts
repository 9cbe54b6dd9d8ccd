// A plan's fingerprint: FNV-1a over what its steps depend on directly (the touched hosts'
// service states, free vectors and VM lists, the moved VMs' hosts, the dedicated tenants).
// A change to any of these makes applyPlan refuse the plan before moving anything; rules that
// depend on the rest of the fleet (fault-domain spread) are re-checked step by step instead.
import type { EngineTables } from "../engine.js";
import type { Move } from "./types.js";

export function fingerprint(t: EngineTables, D: number, moves: readonly Move[]): number {
  let x = 0x811c9dc5;
  const mix = (v: number) => { x = Math.imul(x ^ (v | 0), 0x01000193); };
  const hosts = new Set<number>();
  for (const m of moves) { hosts.add(m.from); hosts.add(m.to); }
  const s = t.hostStride;
  for (const h of [...hosts].sort((a, b) => a - b)) {
    if (h < 0 || h >= t.hostCount) { mix(-1); continue; }
    mix(h);
    mix(t.hostState[h * s]);
    mix(t.hostVms[h * s]);
    for (let d = 0; d < D; d++) mix(t.free[h * s + d]);
    for (let vm = t.hostVmHead[h * s]; vm >= 0; vm = t.vmNext[vm * t.vmStride]) mix(vm);
  }
  for (const m of moves) mix(m.vm >= 0 && m.vm < t.vmHost.length ? t.vmHost[m.vm] : -2);
  mix(t.dedicated.size);
  for (const tenant of t.dedicated) mix(tenant);
  return x >>> 0;
}
