// Consolidation: empty as many hosts as the budget allows, nearly empty hosts first, moving
// their VMs onto hosts that stay in use. See README "Plans" for the algorithm and its cost.
import type { Engine } from "../engine.js";
import * as check from "../validate.js";
import { fingerprint } from "./fingerprint.js";
import { resolveOptions, Spend } from "./options.js";
import { PlanState } from "./state.js";
import { TargetIndex } from "./targets.js";
import type { ConsolidateOptions, Plan } from "./types.js";

// Host roles while planning.
const TARGET = 0;
const EMPTYING = 1;
const EMPTIED = 2;
/** Received VMs: stays in use, never emptied (a VM moves at most once). */
const RECEIVER = 3;

export function planConsolidate(engine: Engine, options?: ConsolidateOptions): Plan {
  const o = resolveOptions(engine, options);
  const maxVms = options?.maxVmsPerSource === undefined ? 64 : check.intIn("maxVmsPerSource", options.maxVmsPerSource, 1, 1 << 24);
  const chainTries = options?.chainTries === undefined ? 4 : check.intIn("chainTries", options.chainTries, 0, 1 << 20);
  const attempts = options?.attempts === undefined
    ? (o.budget.moves === Infinity ? Infinity : 2 * o.budget.moves + 100)
    : check.intIn("attempts", options.attempts, 0, Number.MAX_SAFE_INTEGER);
  const st = new PlanState(engine, o.maxPerHost);
  const t = st.t;
  const H = t.hostCount;
  const spend = new Spend(o.budget);
  const emptied: number[] = [];
  const cap = Math.min(maxVms, o.budget.moves);

  // Sources: in-service hosts with 1..cap VMs, fewest VMs first, then most free (counting sort).
  const sources: number[] = [];
  if (cap >= 1 && attempts > 0) {
    const key = new Int32Array(H).fill(-1);
    const buckets = new Int32Array(cap * 64 + 1);
    for (let h = 0; h < H; h++) {
      const n = t.hostVms[h * st.hs];
      if (n === 0 || n > cap || !st.inService(h)) continue;
      const k = (n - 1) * 64 + (63 - st.level(h));
      key[h] = k;
      buckets[k + 1]++;
    }
    for (let k = 1; k < buckets.length; k++) buckets[k] += buckets[k - 1];
    const sorted = new Int32Array(buckets[buckets.length - 1]);
    for (let h = 0; h < H; h++) if (key[h] >= 0) sorted[buckets[key[h]]++] = h;
    const take = Math.min(sorted.length, attempts);
    for (let i = 0; i < take; i++) sources.push(sorted[i]);
  }
  if (sources.length === 0) return done();

  const index = new TargetIndex(st, (h) => st.inService(h) && t.hostVms[h * st.hs] > 0);
  // Fault-domain spread needs per-deployment counts: one pass for the deployments of every VM
  // that may move (on the sources, and on the hosts a chain may take a VM off).
  // Sources are prepared a chunk at a time, as most plans stop long before the last source.
  const spread = spansDomains(st);
  const CHUNK = 512;
  const prepare = (from: number) => {
    const deps = new Set<number>();
    for (let i = from; i < Math.min(sources.length, from + CHUNK); i++) for (const vm of st.vmsOn(sources[i])) deps.add(t.vmDeployment[vm * t.vmStride]);
    if (from === 0 && chainTries > 0) for (let p = 0; p < Math.min(index.order.length, o.scan); p++) for (const vm of st.vmsOn(index.order[p])) deps.add(t.vmDeployment[vm * t.vmStride]);
    st.prepareSpread(deps);
  };
  const role = new Uint8Array(H);
  const usable = (h: number) => role[h] === TARGET || role[h] === RECEIVER;

  // Makes room for `vm` on a host by first moving one of that host's VMs elsewhere.
  const chain = (vm: number): boolean => {
    let tries = 0;
    const scanTo = Math.min(index.order.length, o.scan);
    for (let p = 0; p < scanTo && tries < chainTries; p++) {
      const h = index.order[p];
      if (!usable(h)) continue;
      let candidate = false;
      for (const w of st.vmsOn(h)) {
        if (st.movedTo.has(w)) continue;
        let room = true;
        for (let d = 0; d < st.D && room; d++) room = st.free(h, d) + st.demand(w, d) >= st.demand(vm, d);
        if (!room) continue;
        candidate = true;
        const mark = st.journal.length;
        const u = index.find(w, (x) => x !== h && usable(x) && st.refusal(w, x) === null, o.scan);
        if (u < 0) continue;
        st.move(w, u);
        if (st.refusal(vm, h) === null) {
          st.move(vm, h);
          index.update(h);
          index.update(u);
          return true;
        }
        st.undoTo(mark);
      }
      if (candidate) tries++;
    }
    return false;
  };

  for (let i = 0; i < sources.length; i++) {
    const s = sources[i];
    if (spread && i % CHUNK === 0) prepare(i);
    if (role[s] !== TARGET) continue;
    const n = st.count(s);
    if (spend.moves + n > o.budget.moves) break; // sources come in increasing VM count
    const mark = st.journal.length;
    role[s] = EMPTYING;
    index.exclude(s, true);
    const vms = st.vmsOn(s);
    const size = (vm: number) => {
      const c = st.capacity(s);
      let x = 0;
      for (let d = 0; d < st.D; d++) if (c[d] > 0) x += st.demand(vm, d) / c[d];
      return x;
    };
    vms.sort((a, b) => size(b) - size(a) || a - b);
    let ok = true;
    for (const vm of vms) {
      const h = index.find(vm, (x) => usable(x) && st.refusal(vm, x) === null, o.scan);
      if (h >= 0) {
        st.move(vm, h);
        index.update(h);
      } else if (chainTries === 0 || !chain(vm)) {
        ok = false;
        break;
      }
    }
    let memory = 0;
    for (let i = mark; i < st.journal.length; i++) memory += st.demand(st.journal[i].vm, o.dim);
    const moves = st.journal.length - mark;
    if (ok && spend.allows(moves, memory)) {
      spend.add(moves, memory);
      role[s] = EMPTIED;
      emptied.push(s);
      for (let i = mark; i < st.journal.length; i++) {
        const m = st.journal[i];
        if (m.from !== s) role[m.from] = RECEIVER; // a chain's host: it stays in use
        role[m.to] = RECEIVER;
      }
    } else {
      const touched = st.journal.slice(mark);
      st.undoTo(mark);
      for (const m of touched) { index.update(m.to); if (m.from !== s) index.update(m.from); }
      role[s] = TARGET;
      index.exclude(s, false);
    }
  }
  return done();

  function done(): Plan {
    const moves = st.journal.slice();
    return {
      kind: "consolidate", moves, budget: o.budget, spent: { moves: spend.moves, memory: spend.memory },
      maxPerHost: o.maxPerHost, emptied, left: [], fingerprint: fingerprint(t, st.D, moves),
    };
  }
}

/** Whether in-service hosts lie in more than one fault domain (else spread never binds a move). */
export function spansDomains(st: PlanState): boolean {
  const t = st.t;
  let first = -1;
  for (let h = 0; h < t.hostCount; h++) {
    if (!st.inService(h)) continue;
    if (first < 0) first = t.faultDomain[h];
    else if (t.faultDomain[h] !== first) return true;
  }
  return false;
}
