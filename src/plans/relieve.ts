// Relieve hot hosts: for each host the QuotaEnforcer reports hot (measured demand over its
// physical guest capacity), move the fewest VMs off it so that its measured demand fits, onto
// hosts that are not hot and whose measured demand still fits with the VM added.
import type { Engine } from "../engine.js";
import { invalid } from "../errors.js";
import * as check from "../validate.js";
import { spansDomains } from "./consolidate.js";
import { fingerprint } from "./fingerprint.js";
import { resolveOptions, Spend } from "./options.js";
import { PlanState } from "./state.js";
import { TargetIndex } from "./targets.js";
import type { HotHosts, Plan, PlanOptions } from "./types.js";

export function planRelieve(engine: Engine, input: HotHosts, options?: PlanOptions): Plan {
  if (typeof input !== "object" || input === null) throw invalid("input", input, "an object {hotHosts, demands, stride}");
  const D = engine.dimensions.length;
  const V = engine.vmCapacity;
  const stride = check.intIn("stride", input.stride, D, 1 << 10);
  const hotIn = input.hotHosts;
  if (hotIn === null || typeof hotIn !== "object" || typeof hotIn.length !== "number") throw invalid("hotHosts", hotIn, "an array of host ids");
  const hot = new Set<number>();
  for (let i = 0; i < hotIn.length; i++) hot.add(check.intIn(`hotHosts[${i}]`, hotIn[i], 0, engine.hostCount - 1));
  const o = resolveOptions(engine, options);
  const st = new PlanState(engine, o.maxPerHost);
  const t = st.t;
  const dem = input.demands;
  if (dem === null || typeof dem !== "object" || typeof dem.length !== "number" || dem.length < V * stride) {
    throw invalid("demands", dem, `an array of at least vmCapacity x stride = ${V * stride} integers`);
  }
  // Read once: the placed VMs' measured demands, checked, and each host's sums.
  const H = t.hostCount;
  const m = new Int32Array(V * D);
  const sums = new Float64Array(H * D);
  for (let vm = 0; vm < V; vm++) {
    const h = t.vmHost[vm];
    if (h < 0) continue;
    for (let d = 0; d < D; d++) {
      const x = check.intIn(`demands[${vm * stride + d}]`, dem[vm * stride + d], 0, check.I32_MAX);
      m[vm * D + d] = x;
      sums[h * D + d] += x;
    }
  }
  const physical = (h: number) => {
    const ty = engine.hostTypeOf(h);
    return ty.capacity.map((c, d) => c - ty.reservation[d]);
  };
  const phys = new Map<number, number[]>();
  const physOf = (h: number) => { let p = phys.get(h); if (!p) phys.set(h, (p = physical(h))); return p; };
  const measuredFits = (h: number, vm: number) => {
    const p = physOf(h);
    for (let d = 0; d < D; d++) if (sums[h * D + d] + m[vm * D + d] > p[d]) return false;
    return true;
  };
  const excessShare = (h: number) => {
    const p = physOf(h);
    let worst = 0;
    for (let d = 0; d < D; d++) worst = Math.max(worst, p[d] > 0 ? (sums[h * D + d] - p[d]) / p[d] : sums[h * D + d] > 0 ? Infinity : 0);
    return worst;
  };
  const order = [...hot].sort((a, b) => excessShare(b) - excessShare(a) || a - b);
  const movers: number[] = [];
  for (const h of order) movers.push(...st.vmsOn(h));
  if (movers.length > 0 && spansDomains(st)) st.prepareSpread(movers.map((vm) => t.vmDeployment[vm * t.vmStride]));
  const index = hot.size === 0 ? undefined : new TargetIndex(st, (h) => st.inService(h) && !hot.has(h));
  const spend = new Spend(o.budget);
  const left: number[] = [];
  const excess = new Float64Array(D);
  for (const h of order) {
    const p = physOf(h);
    for (let d = 0; d < D; d++) excess[d] = sums[h * D + d] - p[d];
    const over = () => { for (let d = 0; d < D; d++) if (excess[d] > 0) return true; return false; };
    const candidates = st.vmsOn(h);
    while (over() && candidates.length > 0) {
      // The VM covering most of the remaining excess (exact fewest moves when one dimension is over).
      let best = -1;
      let bestScore = 0;
      for (let i = 0; i < candidates.length; i++) {
        const vm = candidates[i];
        let score = 0;
        for (let d = 0; d < D; d++) if (excess[d] > 0) score += Math.min(m[vm * D + d], excess[d]) / excess[d];
        if (score > bestScore || (score === bestScore && best >= 0 && vm < candidates[best])) { best = i; bestScore = score; }
      }
      if (best < 0) break;
      const vm = candidates[best];
      candidates.splice(best, 1);
      const mem = st.demand(vm, o.dim);
      if (!spend.allows(1, mem)) continue;
      const u = index!.find(vm, (x) => measuredFits(x, vm) && st.refusal(vm, x) === null, o.scan);
      if (u < 0) continue;
      st.move(vm, u);
      index!.update(u);
      spend.add(1, mem);
      for (let d = 0; d < D; d++) {
        const x = m[vm * D + d];
        sums[u * D + d] += x;
        sums[h * D + d] -= x;
        excess[d] -= x;
      }
    }
    if (over()) left.push(h);
  }
  const moves = st.journal.slice();
  return {
    kind: "relieve", moves, budget: o.budget, spent: { moves: spend.moves, memory: spend.memory }, maxPerHost: o.maxPerHost,
    emptied: [], left, fingerprint: fingerprint(t, st.D, moves),
  };
}
