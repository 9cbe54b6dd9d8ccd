// Drain: move every VM off the given hosts (maintenance, retirement) onto the rest of the
// fleet. The caller takes the hosts out of service first, so nothing new lands on them while
// the plan is made and applied; planDrain refuses hosts still in service.
import type { Engine } from "../engine.js";
import { VmfabricError, invalid } from "../errors.js";
import * as check from "../validate.js";
import { spansDomains } from "./consolidate.js";
import { fingerprint } from "./fingerprint.js";
import { resolveOptions, Spend } from "./options.js";
import { PlanState } from "./state.js";
import { TargetIndex } from "./targets.js";
import type { Plan, PlanOptions } from "./types.js";

export function planDrain(engine: Engine, hosts: readonly number[], options?: PlanOptions): Plan {
  if (!Array.isArray(hosts)) throw invalid("hosts", hosts, "an array of host ids");
  const drained = new Set<number>();
  for (let i = 0; i < hosts.length; i++) drained.add(check.intIn(`hosts[${i}]`, hosts[i], 0, engine.hostCount - 1));
  const o = resolveOptions(engine, options);
  const st = new PlanState(engine, o.maxPerHost);
  const t = st.t;
  for (const h of drained) {
    if (st.inService(h)) {
      throw new VmfabricError("HOST_IN_SERVICE", `hosts: host ${h} is in service; take it out of service first (setHostInService(${h}, false)) so nothing new lands on it while it drains`, "hosts", h);
    }
  }
  const vms: number[] = [];
  for (const h of drained) vms.push(...st.vmsOn(h));
  // Largest first (share of its host's capacity), as first-fit decreasing packs best.
  const size = new Map<number, number>();
  for (const vm of vms) {
    const c = st.capacity(t.vmHost[vm]);
    let x = 0;
    for (let d = 0; d < st.D; d++) if (c[d] > 0) x += st.demand(vm, d) / c[d];
    size.set(vm, x);
  }
  vms.sort((a, b) => size.get(b)! - size.get(a)! || a - b);
  if (vms.length > 0 && spansDomains(st)) st.prepareSpread(vms.map((vm) => t.vmDeployment[vm * t.vmStride]));
  // Every in-service host may take them, tightest first: empty hosts come last (level 63).
  const index = vms.length === 0 ? undefined : new TargetIndex(st, (h) => st.inService(h));
  const spend = new Spend(o.budget);
  const left: number[] = [];
  for (const vm of vms) {
    const mem = st.demand(vm, o.dim);
    const h = spend.allows(1, mem) ? index!.find(vm, (x) => st.refusal(vm, x) === null, o.scan) : -1;
    if (h < 0) { left.push(vm); continue; }
    st.move(vm, h);
    index!.update(h);
    spend.add(1, mem);
  }
  const moves = st.journal.slice();
  return {
    kind: "drain", moves, budget: o.budget, spent: { moves: spend.moves, memory: spend.memory }, maxPerHost: o.maxPerHost,
    emptied: [...drained].filter((h) => st.count(h) === 0).sort((a, b) => a - b), left,
    fingerprint: fingerprint(t, st.D, moves),
  };
}
