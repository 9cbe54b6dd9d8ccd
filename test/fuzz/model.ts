// Model-based comparison of the Engine against the reference model: a World (the model: the
// reference plus id bookkeeping), one fast-check Command class per operation, and the state
// comparisons. Shared by test/model.test.ts, the property tests and the fuzz runner.

import fc from "fast-check";
import { Engine, REASON_CODES, VmfabricError } from "../../src/index.js";
import type { FleetSpec, HostSpec, Placement } from "../../src/types.js";
import {
  type AddedHosts, type BatchCallOpts, type CallOpts, type FleetCase, type Op, type OpWeights, type ReqSpec, type Scale,
  type OpSources, type SpecLayout, DEFAULT_WEIGHTS, opArbs,
} from "../support/arbitraries.js";
import { DIM_NONE, NO_DEP, OK, RefEngine, type RefConstraint, type RefOutcome } from "../support/reference.js";

export class Mismatch extends Error {
  constructor(message: string) {
    super(message);
    this.name = "Mismatch";
  }
}

const js = (x: unknown) => JSON.stringify(x);

function fail(msg: string): never {
  throw new Mismatch(msg);
}

/** The model: reference engine, free VM ids (lowest first), placed VMs (for selectors). */
export class World {
  readonly ref: RefEngine;
  readonly D: number;
  readonly dims: readonly string[];
  readonly freeIds: number[];
  readonly placed: number[] = [];
  private readonly pos: Int32Array;
  steps = 0;
  /** Outcomes seen (placed / reason codes per operation kind), for coverage reports. */
  readonly tally: Record<string, number> = {};
  /** Compare the full state every `fullEvery` commands (1: after each). */
  fullEvery: number;
  /** Check structural invariants (capacity, anti-affinity, tenancy, spread) on touched hosts. */
  invariants: boolean;
  /** Whether AddHosts may outgrow the engine's room (hostCapacity, host types) and so make it
   *  rebuild its core; when false, AddHosts stays within the room and tests growth in place. */
  readonly rebuilds: boolean;
  /** Fresh host types added so far (without rebuilds, at most FRESH_TYPES: the core has room
   *  for at least 16 types and fleets here have at most 8). */
  freshTypes = 0;

  constructor(readonly fleet: FleetCase, opts: { fullEvery?: number; invariants?: boolean; rebuilds?: boolean } = {}) {
    this.D = fleet.dims;
    this.dims = fleet.options.dimensions ?? ["cpu", "memory", "network", "disk"];
    // The engine names device dimensions; the model numbers them.
    const devices: Record<number, number> = {};
    for (const [name, size] of Object.entries(fleet.options.devices ?? {})) devices[this.dims.indexOf(name)] = size;
    this.ref = new RefEngine(fleet.hosts, {
      dims: fleet.dims,
      vmCapacity: fleet.options.vmCapacity,
      policy: fleet.options.policy,
      maxPerHost: fleet.options.maxPerHost,
      candidates: fleet.options.candidates,
      devices,
    });
    this.ref.smallestFirst = fleet.options.smallestHostsFirst ?? false;
    if (fleet.constraints !== undefined) this.ref.constraints = fleet.constraints;
    this.freeIds = [];
    for (let i = fleet.options.vmCapacity - 1; i >= 0; i--) this.freeIds.push(i);
    this.pos = new Int32Array(fleet.options.vmCapacity).fill(-1);
    this.fullEvery = opts.fullEvery ?? 1;
    this.invariants = opts.invariants ?? true;
    this.rebuilds = opts.rebuilds ?? false;
  }

  /** Whether the fleet has device dimensions (then devicesOf / deviceFreeOf are compared too). */
  get hasDevices(): boolean {
    return this.ref.devDims.length > 0;
  }

  /** Hosts in the fleet, retired ones included. */
  get H(): number {
    return this.ref.H;
  }

  /** Hosts the engine has room for before addHosts rebuilds its core (README: EngineOptions). */
  get hostRoom(): number {
    const n = this.fleet.hosts.length;
    return this.fleet.options.hostCapacity ?? n + Math.max(64, Math.ceil(n / 8));
  }

  /** The engine's id of each of the fleet's constraints (batches name constraints by id). */
  conIds: number[] = [0];

  createEngine(): Engine {
    const e = Engine.create(this.fleet.hosts, this.fleet.options);
    this.conIds = (this.fleet.constraints ?? [{}]).map((c) => e.constraint(c));
    return e;
  }

  /** The request fields for constraint index c (none for 0), as `place` takes them. */
  constraintFields(c: number | undefined): { requires?: RefConstraint["requires"]; tolerates?: RefConstraint["tolerates"] } {
    return c === undefined || c === 0 ? {} : (this.fleet.constraints ?? [])[c];
  }

  takeId(): number {
    const id = this.freeIds.pop();
    if (id === undefined) fail("no free VM id");
    return id;
  }

  markPlaced(id: number): void {
    this.pos[id] = this.placed.length;
    this.placed.push(id);
  }

  markReleased(id: number): void {
    const i = this.pos[id];
    const last = this.placed.pop()!;
    if (last !== id) {
      this.placed[i] = last;
      this.pos[last] = i;
    }
    this.pos[id] = -1;
    this.freeIds.push(id);
  }

  /** Ids the engine must not have placed again: unplaced ones go back on the free list. */
  giveBack(id: number): void {
    this.freeIds.push(id);
  }

  count(kind: string, r: RefOutcome): void {
    const k = `${kind}:${r.host >= 0 ? "placed" : REASON_CODES[r.reason]}`;
    this.tally[k] = (this.tally[k] ?? 0) + 1;
  }
}

// ---- comparisons ----

function refCode(r: RefOutcome): string {
  return REASON_CODES[r.reason] as string;
}

function describe(r: RefOutcome, dims: readonly string[]): string {
  if (r.host >= 0) return `host ${r.host}`;
  return `rejected ${refCode(r)}${r.dim !== DIM_NONE ? `(${dims[r.dim]})` : ""}`;
}

function describeP(p: Placement): string {
  if (p.host >= 0) return `host ${p.host}`;
  const j = p.rejection!;
  return `rejected ${j.code}${j.dimension !== undefined ? `(${j.dimension})` : ""}`;
}

export function samePlacement(what: string, p: Placement, r: RefOutcome, dims: readonly string[]): void {
  const j = p.rejection;
  const ok = p.host === r.host && (j === undefined
    ? r.reason === OK
    : j.code === refCode(r) && j.dimension === (r.dim === DIM_NONE ? undefined : dims[r.dim]));
  if (!ok) fail(`${what}: engine ${describeP(p)}, reference ${describe(r, dims)}`);
}

/** Full state: every VM's host, every host's free vector, VM count and service state, stats. */
export function compareFull(w: World, e: Engine, where = ""): void {
  const ref = w.ref;
  const at = where ? ` (${where})` : "";
  for (let vm = 0; vm < ref.vmCapacity; vm++) {
    const a = e.hostOf(vm);
    if (a !== ref.vmHost[vm]) fail(`hostOf(${vm}): engine ${a}, reference ${ref.vmHost[vm]}${at}`);
    if (a >= 0 && e.expectedEndOf(vm) !== (ref.vmEnd.get(vm) ?? 0)) fail(`expectedEndOf(${vm}): engine ${e.expectedEndOf(vm)}, reference ${ref.vmEnd.get(vm)}${at}`);
    if (a >= 0 && w.hasDevices) compareDevicesOf(w, e, vm, at);
  }
  if (e.hostCount !== w.H) fail(`hostCount: engine ${e.hostCount}, reference ${w.H}${at}`);
  for (let h = 0; h < w.H; h++) compareHost(w, e, h, at);
  compareStats(w, e, at);
  if (w.invariants) for (let h = 0; h < w.H; h++) hostInvariants(w, e, h, at);
}

export function compareHost(w: World, e: Engine, h: number, at = ""): void {
  const ref = w.ref;
  const f = e.freeOf(h);
  for (let d = 0; d < w.D; d++) {
    if (f[d] !== ref.free[h * w.D + d]) fail(`freeOf(${h}): engine [${f}], reference [${ref.freeOf(h)}]${at}`);
  }
  if (e.vmCountOf(h) !== ref.count[h]) fail(`vmCountOf(${h}): engine ${e.vmCountOf(h)}, reference ${ref.count[h]}${at}`);
  if (e.isHostInService(h) !== (ref.inService[h] === 1)) fail(`isHostInService(${h}) differs${at}`);
  if (e.isHostRetired(h) !== (ref.retired[h] === 1)) fail(`isHostRetired(${h}): engine ${e.isHostRetired(h)}${at}`);
  if (w.hasDevices) {
    const got = e.deviceFreeOf(h);
    const want = byName(w, ref.deviceFreeOf(h));
    if (js(got) !== js(want)) fail(`deviceFreeOf(${h}): engine ${js(got)}, reference ${js(want)}${at}`);
  }
}

/** A model answer keyed by user dimension index, keyed by dimension name as the engine answers. */
function byName(w: World, x: Record<number, number[]>): Record<string, number[]> {
  return Object.fromEntries(w.ref.devDims.map((d) => [w.dims[d], x[d]]));
}

export function compareDevicesOf(w: World, e: Engine, vm: number, at = ""): void {
  const got = e.devicesOf(vm);
  const want = byName(w, w.ref.devicesOf(vm));
  if (js(got) !== js(want)) fail(`devicesOf(${vm}) on host ${w.ref.vmHost[vm]}: engine ${js(got)}, reference ${js(want)}${at}`);
}

/** Per device dimension name, the units of each device of host h the VMs there hold, from the
 *  engine's own devicesOf and demandOf: a whole-device VM holds all of each device it lists,
 *  a fraction its demand on its one device. */
function deviceUse(w: World, e: Engine, h: number): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [j, d] of w.ref.devDims.entries()) {
    const name = w.dims[d];
    const size = w.ref.devSize[j];
    const used = new Array<number>(e.capacityOf(h)[d] / size).fill(0);
    for (const vm of e.vmsOnHost(h)) {
      const demand = e.demandOf(vm)[d];
      // A device index past the host's devices makes NaN, which no free value matches.
      for (const i of e.devicesOf(vm)[name]) used[i] = (used[i] ?? NaN) + (demand >= size ? size : demand);
    }
    out[name] = used;
  }
  return out;
}

/** Every field of stats() against the reference's recomputation (floats to the last bit: both
 *  divide the same integer sums). */
export function compareStats(w: World, e: Engine, at = ""): void {
  const s = e.stats();
  const r = w.ref.stats();
  const same = (field: string, a: unknown, b: unknown) => {
    if (!Object.is(a, b)) fail(`stats().${field}: engine ${String(a)}, reference ${String(b)}${at}`);
  };
  for (const k of ["hosts", "hostsInService", "hostsUsed", "emptyHosts", "retiredHosts", "faultDomains", "vmsPlaced", "lowerBound"] as const) {
    same(k, s[k], r[k]);
  }
  w.dims.forEach((name, d) => {
    same(`liveDemand.${name}`, s.liveDemand[name], r.liveDemand[d]);
    same(`utilization.${name}`, s.utilization[name], r.utilization[d]);
    same(`utilizationOfUsedHosts.${name}`, s.utilizationOfUsedHosts[name], r.utilizationOfUsedHosts[d]);
  });
}

/**
 * Invariants from the engine's own state, independent of the reference: free within
 * [0, effective capacity] in every dimension, used == sum of the demands of the VMs on the
 * host, VM count == VMs listed, and a host holding a dedicated tenant's VM holds no other tenant's.
 */
export function hostInvariants(w: World, e: Engine, h: number, at = ""): void {
  const cap = e.capacityOf(h);
  const free = e.freeOf(h);
  const vms = e.vmsOnHost(h);
  if (vms.length !== e.vmCountOf(h)) fail(`host ${h}: vmsOnHost lists ${vms.length}, vmCountOf says ${e.vmCountOf(h)}${at}`);
  const used = new Array<number>(w.D).fill(0);
  const deps = new Map<number, number>();
  const tenants = new Set<number>();
  for (const vm of vms) {
    if (e.hostOf(vm) !== h) fail(`vm ${vm} listed on host ${h} but hostOf says ${e.hostOf(vm)}${at}`);
    e.demandOf(vm).forEach((x, d) => { used[d] += x; });
    const dep = e.deploymentOf(vm);
    if (dep !== undefined) deps.set(dep, (deps.get(dep) ?? 0) + 1);
    tenants.add(e.tenantOf(vm));
  }
  for (let d = 0; d < w.D; d++) {
    if (free[d] < 0) fail(`host ${h} exceeds its effective capacity in ${w.dims[d]}: free ${free[d]}${at}`);
    if (cap[d] - free[d] !== used[d]) fail(`host ${h} ${w.dims[d]}: used ${cap[d] - free[d]} but its VMs demand ${used[d]}${at}`);
  }
  if (tenants.size > 1) {
    for (const t of tenants) if (e.isTenantDedicated(t)) fail(`host ${h} holds dedicated tenant ${t} with others [${[...tenants]}]${at}`);
  }
  if (w.hasDevices) {
    // Each device: used by the VMs listing it == size - free, and free within [0, size].
    const free = e.deviceFreeOf(h);
    const use = deviceUse(w, e, h);
    for (const [j, d] of w.ref.devDims.entries()) {
      const name = w.dims[d];
      const size = w.ref.devSize[j];
      const f = free[name];
      if (f.length !== use[name].length) fail(`host ${h} ${name}: ${f.length} devices listed, capacity makes ${use[name].length}${at}`);
      f.forEach((x, i) => {
        if (x < 0 || x > size || size - x !== use[name][i]) fail(`host ${h} ${name} device ${i}: free ${x} of ${size}, but its VMs hold ${use[name][i]}${at}`);
      });
    }
  }
}

/** Anti-affinity for a VM just placed on h: at most k instances of its deployment there. */
function antiAffinityHolds(e: Engine, h: number, dep: number | undefined, k: number, what: string): void {
  if (dep === undefined) return;
  let n = 0;
  for (const vm of e.vmsOnHost(h)) if (e.deploymentOf(vm) === dep) n++;
  if (n > k) fail(`${what}: host ${h} holds ${n} instances of deployment ${dep} (maxPerHost ${k})`);
}

function maybeFull(w: World, e: Engine): void {
  w.steps++;
  if (w.fullEvery > 0 && w.steps % w.fullEvery === 0) compareFull(w, e, `after command ${w.steps}`);
}

function resolveK(w: World, opts?: CallOpts): number {
  return opts?.maxPerHost ?? w.fleet.options.maxPerHost ?? 1;
}

// ---- operations (shared by the commands and the plain property tests) ----

export function doPlace(w: World, e: Engine, req: ReqSpec, opts?: CallOpts): void {
  const id = w.takeId();
  const wasInService = (h: number) => w.ref.inService[h] === 1;
  const r = w.ref.place({ id, ...req }, opts);
  // Optional fields only when set: the engine must treat "absent" as the defaults.
  const request = { id, demand: req.demand, tenant: req.tenant,
    ...(req.deployment === undefined ? {} : { deployment: req.deployment }),
    ...(req.expectedEnd === undefined ? {} : { expectedEnd: req.expectedEnd }),
    ...w.constraintFields(req.constraint) };
  const p = opts === undefined ? e.place(request) : e.place(request, opts);
  w.count("place", r);
  samePlacement(`place(vm ${id} ${JSON.stringify(req)}${opts ? " " + JSON.stringify(opts) : ""})`, p, r, w.dims);
  if (p.host >= 0) {
    w.markPlaced(id);
    if (w.hasDevices) compareDevicesOf(w, e, id, ` after place(vm ${id})`);
    if (!wasInService(p.host)) fail(`vm ${id} placed on out-of-service host ${p.host}`);
    compareHost(w, e, p.host);
    if (w.invariants) {
      hostInvariants(w, e, p.host);
      antiAffinityHolds(e, p.host, req.deployment, resolveK(w, opts), `place(vm ${id})`);
    }
  } else {
    w.giveBack(id);
    if (e.hostOf(id) !== -1) fail(`rejected vm ${id} is on host ${e.hostOf(id)}`);
  }
  maybeFull(w, e);
}

export function doBatch(w: World, e: Engine, reqs: ReqSpec[], opts?: BatchCallOpts): void {
  const ids = reqs.map(() => w.takeId());
  const F = Math.max(1, w.ref.faultDomainsInService());
  const rr = w.ref.placeBatch(reqs.map((q, i) => ({ id: ids[i], ...q })), opts);
  const hasDeps = reqs.some((q) => q.deployment !== undefined);
  const batch = {
    ids,
    demands: reqs.flatMap((q) => q.demand),
    tenants: reqs.map((q) => q.tenant),
    ...(hasDeps ? { deployments: reqs.map((q) => q.deployment ?? NO_DEP) } : {}),
    ...(reqs.some((q) => q.expectedEnd !== undefined) ? { expectedEnds: reqs.map((q) => q.expectedEnd ?? 0) } : {}),
    ...(reqs.some((q) => q.constraint !== undefined) ? { constraints: reqs.map((q) => w.conIds[q.constraint ?? 0]) } : {}),
  };
  const res = opts === undefined ? e.placeBatch(batch) : e.placeBatch(batch, opts);
  const what = `placeBatch(${JSON.stringify(reqs)}${opts ? " " + JSON.stringify(opts) : ""})`;
  let placed = 0;
  for (let i = 0; i < reqs.length; i++) {
    const r = rr[i];
    w.count(opts?.offline ? "offline" : "batch", r);
    if (res.hosts[i] !== r.host || res.reasons[i] !== r.reason || res.reasonDims[i] !== r.dim) {
      fail(`${what}: entry ${i} (vm ${ids[i]}): engine host ${res.hosts[i]} reason ${REASON_CODES[res.reasons[i]]} dim ${res.reasonDims[i]}, ` +
        `reference ${describe(r, w.dims)} (dim ${r.dim})`);
    }
    if (res.hosts[i] >= 0) placed++;
  }
  if (res.placed !== placed || res.rejected !== reqs.length - placed) fail(`${what}: placed/rejected counts ${res.placed}/${res.rejected}`);
  // Ids go back in reverse so the lowest comes out first next time.
  for (let i = reqs.length - 1; i >= 0; i--) if (res.hosts[i] < 0) w.giveBack(ids[i]);
  for (let i = 0; i < reqs.length; i++) if (res.hosts[i] >= 0) w.markPlaced(ids[i]);
  // Fault-domain spread within the batch (prior instances included), from the engine's answer alone.
  const perDep = new Map<number, number>();
  const perPair = new Map<string, number>();
  reqs.forEach((q) => { if (q.deployment !== undefined) perDep.set(q.deployment, (perDep.get(q.deployment) ?? 0) + 1); });
  const pr = opts?.prior;
  if (pr) pr.deployments.forEach((d, j) => {
    if (!perDep.has(d)) return;
    perDep.set(d, perDep.get(d)! + pr.counts[j]);
    const key = `${d}:${pr.faultDomains[j]}`;
    perPair.set(key, (perPair.get(key) ?? 0) + pr.counts[j]);
  });
  reqs.forEach((q, i) => {
    if (q.deployment === undefined || res.hosts[i] < 0) return;
    const key = `${q.deployment}:${e.faultDomainOf(res.hosts[i])}`;
    const n = (perPair.get(key) ?? 0) + 1;
    perPair.set(key, n);
    if (n > Math.ceil(perDep.get(q.deployment)! / F)) fail(`${what}: fault domain spread broken for ${key} (${n} > ceil(${perDep.get(q.deployment)}/${F}))`);
  });
  const touched = new Set<number>();
  for (let i = 0; i < reqs.length; i++) if (res.hosts[i] >= 0) touched.add(res.hosts[i]);
  for (const h of touched) {
    compareHost(w, e, h);
    if (w.invariants) hostInvariants(w, e, h);
  }
  if (w.invariants) {
    for (let i = 0; i < reqs.length; i++) {
      if (res.hosts[i] >= 0) antiAffinityHolds(e, res.hosts[i], reqs[i].deployment, resolveK(w, opts), `${what} entry ${i}`);
    }
  }
  maybeFull(w, e);
}

export function doRelease(w: World, e: Engine, sel: number): void {
  const vm = w.placed[sel % w.placed.length];
  const h = w.ref.vmHost[vm];
  const before = e.freeOf(h);
  const demand = e.demandOf(vm);
  // Release gives back exactly the units the VM held, device by device (from the engine alone).
  const devExpected = w.hasDevices ? giveBack(w, e.deviceFreeOf(h), e.devicesOf(vm), demand) : undefined;
  w.ref.release(vm);
  e.release(vm);
  w.markReleased(vm);
  const after = e.freeOf(h);
  for (let d = 0; d < w.D; d++) {
    if (after[d] !== before[d] + demand[d]) fail(`release(${vm}) from host ${h}: free [${before}] + demand [${demand}] != [${after}]`);
  }
  if (e.hostOf(vm) !== -1) fail(`release(${vm}): still on host ${e.hostOf(vm)}`);
  if (devExpected !== undefined && js(e.deviceFreeOf(h)) !== js(devExpected)) {
    fail(`release(${vm}) from host ${h}: deviceFreeOf ${js(e.deviceFreeOf(h))}, expected ${js(devExpected)} (what it held given back)`);
  }
  compareHost(w, e, h);
  maybeFull(w, e);
}

export function moveTarget(w: World, vm: number, target?: number): number | undefined {
  if (target === undefined || w.H < 2) return undefined;
  let t = target % w.H;
  if (t === w.ref.vmHost[vm]) t = (t + 1) % w.H;
  return t;
}

/** A host's per-device free units once a VM holding `held` (with this demand) is gone. */
function giveBack(w: World, free: Record<string, number[]>, held: Record<string, number[]>, demand: readonly number[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [j, d] of w.ref.devDims.entries()) {
    const name = w.dims[d];
    const size = w.ref.devSize[j];
    out[name] = [...free[name]];
    for (const i of held[name]) out[name][i] += demand[d] >= size ? size : demand[d];
  }
  return out;
}

export function doMove(w: World, e: Engine, sel: number, target?: number, opts?: CallOpts): void {
  const vm = w.placed[sel % w.placed.length];
  const from = w.ref.vmHost[vm];
  const srcExpected = w.hasDevices ? giveBack(w, e.deviceFreeOf(from), e.devicesOf(vm), e.demandOf(vm)) : undefined;
  const srcBefore = w.hasDevices ? e.deviceFreeOf(from) : undefined;
  const t = moveTarget(w, vm, target);
  const o = t === undefined ? opts : { ...(opts ?? {}), target: t };
  const r = w.ref.move(vm, o);
  const p = o === undefined ? e.move(vm) : e.move(vm, o);
  w.count(t === undefined ? "move" : "moveTo", r);
  samePlacement(`move(vm ${vm} from host ${from}${o ? " " + JSON.stringify(o) : ""})`, p, r, w.dims);
  const now = e.hostOf(vm);
  if (p.host >= 0 && w.hasDevices) compareDevicesOf(w, e, vm, ` after move(vm ${vm})`);
  if (p.host >= 0) {
    if (now !== p.host) fail(`move(${vm}): hostOf ${now}, move said ${p.host}`);
    if (p.host === from) fail(`move(${vm}) stayed on host ${from}`);
    compareHost(w, e, p.host);
    if (w.invariants) {
      hostInvariants(w, e, p.host);
      antiAffinityHolds(e, p.host, e.deploymentOf(vm), resolveK(w, opts), `move(vm ${vm})`);
    }
  } else if (now !== from) fail(`rejected move(${vm}) left it on ${now}, not ${from}`);
  if (w.hasDevices) {
    // The source gets back exactly what the VM held; a rejected move changes nothing there.
    const want = p.host >= 0 ? srcExpected : srcBefore;
    if (js(e.deviceFreeOf(from)) !== js(want)) fail(`move(${vm}) from host ${from}: source deviceFreeOf ${js(e.deviceFreeOf(from))}, expected ${js(want)}`);
  }
  compareHost(w, e, from);
  maybeFull(w, e);
}

export function doService(w: World, e: Engine, host: number, on: boolean): void {
  const h = host % w.H;
  if (w.ref.setHostInService(h, on)) e.setHostInService(h, on);
  else expectError(() => e.setHostInService(h, on), "HOST_RETIRED", "host", h, `setHostInService(${h}, true) on a retired host`);
  compareHost(w, e, h);
  maybeFull(w, e);
}

/** f must throw a VmfabricError with this code, field and value. */
function expectError(f: () => unknown, code: string, field: string, value: unknown, what: string): VmfabricError {
  let err: unknown;
  try {
    f();
  } catch (x) {
    err = x;
  }
  if (!(err instanceof VmfabricError) || err.code !== code || err.field !== field || !Object.is(err.value, value)) {
    fail(`${what}: expected VmfabricError ${code} on ${field}=${String(value)}, got ${err instanceof VmfabricError ? `${err.code} ${err.field}=${String(err.value)}: ${err.message}` : String(err)}`);
  }
  return err;
}

const FRESH_TYPES = 4;

/** The hosts an AddHosts operation adds, as the engine is given them (a host list or a fleet spec). */
export function addedHostsInput(w: World, hosts: readonly AddedHosts[], asSpec?: SpecLayout): { input: HostSpec[] | FleetSpec; total: number } {
  const specs = hosts.map((a) => {
    if (a.fresh !== null && (w.rebuilds || w.freshTypes < FRESH_TYPES)) {
      w.freshTypes++;
      return a.fresh;
    }
    return w.fleet.hosts[a.pick % w.fleet.hosts.length];
  });
  const total = hosts.reduce((n, a) => n + a.count, 0);
  if (asSpec === undefined) return { input: specs.flatMap((h, i) => Array.from({ length: hosts[i].count }, () => ({ ...h }))), total };
  return {
    input: {
      hostTypes: specs.map((h, i) => ({
        ...h,
        count: hosts[i].count,
        ...(asSpec.perFd === undefined ? {} : { hostsPerFaultDomain: asSpec.perFd }),
        ...(asSpec.interleaved === undefined ? {} : { faultDomainLayout: asSpec.interleaved ? "interleaved" as const : "contiguous" as const }),
      })),
    },
    total,
  };
}

export function doAddHosts(w: World, e: Engine, hosts: readonly AddedHosts[], asSpec?: SpecLayout): void {
  const { input, total } = addedHostsInput(w, hosts, asSpec);
  const what = `addHosts(${js(input)})`;
  if (total === 0) {
    expectError(() => e.addHosts(input), "INVALID_INPUT", "hosts", 0, what);
  } else if (w.rebuilds || w.H + total <= w.hostRoom) {
    const first = w.ref.addHosts(input);
    const got = e.addHosts(input);
    if (got !== first) fail(`${what}: first new id ${got}, reference ${first}`);
    if (e.hostCount !== w.H) fail(`${what}: hostCount ${e.hostCount}, reference ${w.H}`);
    for (let h = first; h < w.H; h++) {
      if (e.faultDomainOf(h) !== w.ref.fd[h]) fail(`${what}: faultDomainOf(${h}) ${e.faultDomainOf(h)}, reference ${w.ref.fd[h]}`);
      const cap = e.capacityOf(h);
      if (cap.some((c, d) => c !== w.ref.cap[h * w.D + d])) fail(`${what}: capacityOf(${h}) [${cap}], reference [${w.ref.capOf(h)}]`);
      compareHost(w, e, h);
    }
  }
  maybeFull(w, e);
}

/** Retires a host: with `empty`, one holding no VM (when there is one), else any. */
export function doRetire(w: World, e: Engine, host: number, empty: boolean): void {
  let h = host % w.H;
  if (empty) {
    const empties = [...Array(w.H).keys()].filter((x) => w.ref.count[x] === 0);
    if (empties.length > 0) h = empties[host % empties.length];
  }
  const n = w.ref.count[h];
  if (!w.ref.retireHost(h)) {
    const err = expectError(() => e.retireHost(h), "HOST_NOT_EMPTY", "host", h, `retireHost(${h}) holding ${n} VMs`);
    if (!err.message.includes(`${n} VM`)) fail(`retireHost(${h}): message does not say it holds ${n} VMs: ${err.message}`);
  } else {
    e.retireHost(h);
    if (!e.isHostRetired(h) || e.isHostInService(h)) fail(`retireHost(${h}): retired ${e.isHostRetired(h)}, in service ${e.isHostInService(h)}`);
  }
  compareHost(w, e, h);
  maybeFull(w, e);
}

export function doDedicate(w: World, e: Engine, tenant: number): void {
  const was = w.ref.dedicated.has(tenant);
  const busy = !was && w.ref.tenantHasVms(tenant);
  let err: unknown;
  try {
    e.setTenantDedicated(tenant);
  } catch (x) {
    err = x;
  }
  if (busy) {
    if (!(err instanceof VmfabricError) || err.code !== "TENANT_HAS_VMS") fail(`setTenantDedicated(${tenant}) with VMs placed: expected TENANT_HAS_VMS, got ${String(err)}`);
    if (e.isTenantDedicated(tenant)) fail(`setTenantDedicated(${tenant}) failed but the tenant is dedicated`);
  } else {
    if (err !== undefined) throw err;
    w.ref.setTenantDedicated(tenant);
    if (!e.isTenantDedicated(tenant)) fail(`tenant ${tenant} not dedicated after setTenantDedicated`);
  }
  maybeFull(w, e);
}

/** Applies one plain-data operation (selectors resolved against the world); false if not applicable. */
export function applyOp(w: World, e: Engine, op: Op): boolean {
  switch (op.t) {
    case "place":
      if (w.freeIds.length === 0) return false;
      doPlace(w, e, op.req, op.opts);
      return true;
    case "batch":
      if (w.freeIds.length < op.reqs.length) return false;
      doBatch(w, e, op.reqs, op.opts);
      return true;
    case "release":
      if (w.placed.length === 0) return false;
      doRelease(w, e, op.sel);
      return true;
    case "move":
      if (w.placed.length === 0) return false;
      doMove(w, e, op.sel, op.target, op.opts);
      return true;
    case "service":
      doService(w, e, op.host, op.on);
      return true;
    case "dedicate":
      doDedicate(w, e, op.tenant);
      return true;
    case "addHosts":
      doAddHosts(w, e, op.hosts, op.asSpec);
      return true;
    case "retire":
      doRetire(w, e, op.host, op.empty);
      return true;
  }
}

// ---- fast-check commands: one class per operation ----

type Cmd = fc.Command<World, Engine>;


export class PlaceCommand implements Cmd {
  constructor(readonly req: ReqSpec, readonly opts?: CallOpts) {}
  check(m: Readonly<World>): boolean { return m.freeIds.length > 0; }
  run(m: World, r: Engine): void { doPlace(m, r, this.req, this.opts); }
  toString(): string { return `Place(${js(this.req)}${this.opts ? ", " + js(this.opts) : ""})`; }
}

export class PlaceBatchCommand implements Cmd {
  constructor(readonly reqs: ReqSpec[], readonly opts?: BatchCallOpts) {}
  check(m: Readonly<World>): boolean { return m.freeIds.length >= this.reqs.length; }
  run(m: World, r: Engine): void { doBatch(m, r, this.reqs, this.opts); }
  toString(): string { return `PlaceBatch(${js(this.reqs)}${this.opts ? ", " + js(this.opts) : ""})`; }
}

export class ReleaseCommand implements Cmd {
  constructor(readonly sel: number) {}
  check(m: Readonly<World>): boolean { return m.placed.length > 0; }
  run(m: World, r: Engine): void { doRelease(m, r, this.sel); }
  toString(): string { return `Release(${this.sel})`; }
}

export class MoveCommand implements Cmd {
  constructor(readonly sel: number, readonly target?: number, readonly opts?: CallOpts) {}
  check(m: Readonly<World>): boolean { return m.placed.length > 0; }
  run(m: World, r: Engine): void { doMove(m, r, this.sel, this.target, this.opts); }
  toString(): string { return `Move(${this.sel}, ${this.target ?? "policy"}${this.opts ? ", " + js(this.opts) : ""})`; }
}

export class SetInServiceCommand implements Cmd {
  constructor(readonly host: number, readonly on: boolean) {}
  check(): boolean { return true; }
  run(m: World, r: Engine): void { doService(m, r, this.host, this.on); }
  toString(): string { return `SetInService(${this.host}, ${this.on})`; }
}

export class SetDedicatedCommand implements Cmd {
  constructor(readonly tenant: number) {}
  check(): boolean { return true; }
  run(m: World, r: Engine): void { doDedicate(m, r, this.tenant); }
  toString(): string { return `SetDedicated(${this.tenant})`; }
}

export class AddHostsCommand implements Cmd {
  constructor(readonly hosts: AddedHosts[], readonly asSpec?: SpecLayout) {}
  check(): boolean { return true; }
  run(m: World, r: Engine): void { doAddHosts(m, r, this.hosts, this.asSpec); }
  toString(): string { return `AddHosts(${js(this.hosts)}${this.asSpec ? ", " + js(this.asSpec) : ""})`; }
}

export class RetireHostCommand implements Cmd {
  constructor(readonly host: number, readonly empty: boolean) {}
  check(): boolean { return true; }
  run(m: World, r: Engine): void { doRetire(m, r, this.host, this.empty); }
  toString(): string { return `RetireHost(${this.host}${this.empty ? ", an empty one" : ""})`; }
}

export function toCommand(op: Op): Cmd {
  switch (op.t) {
    case "place": return new PlaceCommand(op.req, op.opts);
    case "batch": return new PlaceBatchCommand(op.reqs, op.opts);
    case "release": return new ReleaseCommand(op.sel);
    case "move": return new MoveCommand(op.sel, op.target, op.opts);
    case "service": return new SetInServiceCommand(op.host, op.on);
    case "dedicate": return new SetDedicatedCommand(op.tenant);
    case "addHosts": return new AddHostsCommand(op.hosts, op.asSpec);
    case "retire": return new RetireHostCommand(op.host, op.empty);
  }
}

/** The command arbitraries for fc.commands, weighted by repetition. */
export function commandArbs(dims: number, s: Scale, w: OpWeights = DEFAULT_WEIGHTS, src: OpSources = {}): Array<fc.Arbitrary<Cmd>> {
  const a = opArbs(dims, s, w, src);
  const out: Array<fc.Arbitrary<Cmd>> = [];
  const add = (arb: fc.Arbitrary<Op>, n: number) => { for (let i = 0; i < n; i++) out.push(arb.map(toCommand)); };
  add(a.place, w.place);
  add(a.batch, w.batch);
  add(a.release, w.release);
  add(a.move, w.move);
  add(a.service, w.service);
  add(a.dedicate, w.dedicate);
  add(a.addHosts, w.addHosts);
  add(a.retire, w.retire);
  return out;
}
