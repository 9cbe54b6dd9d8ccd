// A plain restatement of README's placement rules for plans, independent of src/plans: the
// fleet as plain objects read through the Engine's public queries, and every step of a plan
// checked against it (capacity, in service, dedicated tenants, anti-affinity, fault-domain
// spread as README states plans keep it).
import type { Engine } from "../../src/index.js";
import type { Plan } from "../../src/plans/index.js";

export interface RefVm { host: number; demand: number[]; tenant: number; deployment?: number }
export interface RefFleet {
  cap: number[][];
  inService: boolean[];
  faultDomain: number[];
  vms: Map<number, RefVm>;
  dedicated: Set<number>;
}

export function snapshot(e: Engine, tenants: Iterable<number>): RefFleet {
  const H = e.hostCount;
  const vms = new Map<number, RefVm>();
  for (let vm = 0; vm < e.vmCapacity; vm++) {
    const host = e.hostOf(vm);
    if (host >= 0) vms.set(vm, { host, demand: e.demandOf(vm), tenant: e.tenantOf(vm), deployment: e.deploymentOf(vm) });
  }
  const dedicated = new Set<number>();
  for (const t of tenants) if (e.isTenantDedicated(t)) dedicated.add(t);
  return {
    cap: Array.from({ length: H }, (_, h) => e.capacityOf(h)),
    inService: Array.from({ length: H }, (_, h) => e.isHostInService(h)),
    faultDomain: Array.from({ length: H }, (_, h) => e.faultDomainOf(h)),
    vms,
    dedicated,
  };
}

const on = (f: RefFleet, h: number) => [...f.vms.values()].filter((v) => v.host === h);

/** Why moving vm to `to` breaks a rule in fleet f, or null. */
export function refusal(f: RefFleet, vm: number, to: number, maxPerHost: number): string | null {
  const v = f.vms.get(vm);
  if (v === undefined) return "NOT_PLACED";
  if (v.host === to) return "SAME_HOST";
  if (!f.inService[to]) return "NOT_IN_SERVICE";
  const there = on(f, to);
  const used = f.cap[to].map((_, d) => there.reduce((s, w) => s + w.demand[d], 0));
  if (v.demand.some((x, d) => used[d] + x > f.cap[to][d])) return "NO_CAPACITY";
  if (f.dedicated.has(v.tenant) ? there.some((w) => w.tenant !== v.tenant) : there.some((w) => f.dedicated.has(w.tenant))) return "DEDICATED_HOST";
  if (v.deployment === undefined) return null;
  if (there.filter((w) => w.deployment === v.deployment).length >= maxPerHost) return "ANTI_AFFINITY";
  const fdTo = f.faultDomain[to];
  if (fdTo !== f.faultDomain[v.host]) {
    const domains = new Set(f.faultDomain.filter((_, h) => f.inService[h]));
    const all = [...f.vms.values()].filter((w) => w.deployment === v.deployment);
    const share = Math.ceil(all.length / domains.size);
    if (all.filter((w) => f.faultDomain[w.host] === fdTo).length + 1 > share) return "FAULT_DOMAIN_SPREAD";
  }
  return null;
}

/** Runs the plan's steps on a copy of f; throws naming the first step that breaks a rule. Returns the final fleet. */
export function replaySteps(f0: RefFleet, plan: Plan): RefFleet {
  const f: RefFleet = { ...f0, vms: new Map([...f0.vms].map(([k, v]) => [k, { ...v }])) };
  const moved = new Set<number>();
  plan.moves.forEach((m, i) => {
    const v = f.vms.get(m.vm);
    if (v === undefined || v.host !== m.from) throw new Error(`step ${i}: vm ${m.vm} is not on host ${m.from}`);
    if (moved.has(m.vm)) throw new Error(`step ${i}: vm ${m.vm} moves twice`);
    const why = refusal(f, m.vm, m.to, plan.maxPerHost);
    if (why !== null) throw new Error(`step ${i}: vm ${m.vm} ${m.from} -> ${m.to}: ${why}`);
    v.host = m.to;
    moved.add(m.vm);
  });
  return f;
}

export function hostsInUse(f: RefFleet): Set<number> {
  return new Set([...f.vms.values()].map((v) => v.host));
}

/** The budget holds and `spent` is what the moves cost. */
export function spentOf(f0: RefFleet, plan: Plan, dim: number): { moves: number; memory: number } {
  return { moves: plan.moves.length, memory: plan.moves.reduce((s, m) => s + f0.vms.get(m.vm)!.demand[dim], 0) };
}
