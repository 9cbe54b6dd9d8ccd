// The replay: a deterministic, event-driven online replay of a trace on the virtual clock.
// Every arrival is placed at once by each run's policy, every departure released; departures
// go before arrivals at equal times (and among themselves in (time, arrival order)). The trace
// is streamed: memory holds the live VMs (a heap of departures, their demands and slots) and
// the arrivals of one instant, never the whole trace. All runs see the identical stream in
// lockstep, each on its own engine.
import { Engine } from "../engine.js";
import { VmfabricError } from "../errors.js";
import { EXPECTED_END_MAX, NO_DEPLOYMENT, type FleetSpec, type HostSpec } from "../types.js";
import { TraceError } from "./errors.js";
import { DepartureHeap } from "./heap.js";
import type { MetricTracker, RunMetrics } from "./metrics.js";
import { checkRuns, makeRun, type RunSpec } from "./run-spec.js";
import { EngineRun, SchedulerRun, type ArrivalGroup, type Run, type RunSetup } from "./runs.js";
import { Defrag, type DefragOptions } from "./defrag.js";
import { survey as surveyTrace, type Survey } from "./survey.js";
import type { SeriesRow } from "./timeseries.js";
import type { TraceSource, TraceVm } from "./trace.js";

export interface ReplayEvent {
  kind: "arrival" | "departure";
  time: number;
  /** Row index in the trace. */
  index: number;
  /** Engine VM id (slot) while the VM lives. */
  slot: number;
  /** Host it was placed on or left; -1 for a rejected arrival. */
  host: number;
}

/** What an onEvent hook may see and do in one run. */
export interface RunHandle {
  readonly name: string;
  readonly engine: Engine;
  readonly metrics: MetricTracker;
  /** Moves a live VM to `target` (counted as a migration); false if the engine refuses. */
  migrate(slot: number, target: number): boolean;
}

export interface ReplayOptions {
  /** The engine's fleet: a host list or a fleet spec (every host in one fault domain). */
  fleet: readonly HostSpec[] | FleetSpec;
  /** Engine policies by name or as { policy, keepScarceHostsFree }, or Schedulers (baselines,
   *  or an embedder's own). */
  runs: readonly RunSpec[];
  /** The first pass; made here (one more pass over the trace) when absent. */
  survey?: Survey;
  /** Width of the time series buckets, seconds (none: no time series). */
  bucketSeconds?: number;
  /** Engine runs place VM by VM (engine.place) instead of one placeBatch per instant. */
  perVm?: boolean;
  /** Called in each run after each arrival and departure. Engine runs then place VM by VM. */
  onEvent?: (event: ReplayEvent, run: RunHandle) => void;
  /** Periodic consolidation plans in every run, within a migration budget (src/replay/defrag.ts). */
  defrag?: DefragOptions;
  /** Called every few thousand events. */
  onProgress?: (eventsDone: number, eventsTotal: number) => void;
}

export interface RunResult extends RunMetrics {
  policy: string;
  /** Engine runs: whether the policy kept scarce hosts free. */
  keepScarceHostsFree?: boolean;
  migrations: number;
  seconds: number;
  ops: number;
  opsPerSecond: number;
  series?: SeriesRow[];
}

export interface ReplayResult {
  trace: string;
  format: string;
  dimensions: readonly string[];
  hosts: number;
  vms: number;
  events: number;
  /** Wall seconds of the whole replay (all runs, reading included). */
  wallSeconds: number;
  notes: Readonly<Record<string, string>>;
  runs: RunResult[];
}

class Group implements ArrivalGroup {
  n = 0;
  time = NaN;
  slots: Uint32Array;
  index: Float64Array;
  demands: Int32Array;
  tenants: Uint32Array;
  deployments?: Uint32Array;
  constraints?: Uint32Array;
  expectedEnds: Uint32Array;
  departures: Float64Array;
  constructor(cap: number, readonly D: number, withDeployments: boolean, withConstraints = false) {
    this.slots = new Uint32Array(cap);
    this.index = new Float64Array(cap);
    this.demands = new Int32Array(cap * D);
    this.tenants = new Uint32Array(cap);
    this.departures = new Float64Array(cap);
    this.expectedEnds = new Uint32Array(cap);
    if (withDeployments) this.deployments = new Uint32Array(cap);
    if (withConstraints) this.constraints = new Uint32Array(cap);
  }
  grow(): void {
    const cap = this.slots.length * 2;
    const g = <T extends Uint32Array | Float64Array | Int32Array>(a: T, n: number): T => { const b = new (a.constructor as new (n: number) => T)(n); b.set(a); return b; };
    this.slots = g(this.slots, cap);
    this.index = g(this.index, cap);
    this.demands = g(this.demands, cap * this.D);
    this.tenants = g(this.tenants, cap);
    this.departures = g(this.departures, cap);
    this.expectedEnds = g(this.expectedEnds, cap);
    if (this.deployments) this.deployments = g(this.deployments, cap);
    if (this.constraints) this.constraints = g(this.constraints, cap);
  }
}

/** A predicted end in seconds as the engine's expected end: a positive integer (0 is
 *  "unknown"), capped at the engine's largest (2^32 - 2 s, 136 years: only ties past it). */
function engineEnd(t: number | undefined): number {
  if (t === undefined || !Number.isFinite(t) || t < 0) return 0;
  return Math.min(EXPECTED_END_MAX, Math.max(1, Math.round(t)));
}

/** Effective capacity vectors of the fleet's distinct host types. */
function hostTypes(engine: Engine): number[][] {
  const seen = new Map<string, number[]>();
  for (let h = 0; h < engine.hostCount; h++) {
    const c = engine.capacityOf(h);
    seen.set(c.join(","), c);
  }
  return [...seen.values()];
}

/** Whether some host of these types could hold `demand` on an empty fleet. */
export function fitsSomeType(types: readonly number[][], demand: ArrayLike<number>): boolean {
  return types.some((c) => c.every((x, d) => demand[d] <= x));
}

export async function replay(source: TraceSource, options: ReplayOptions): Promise<ReplayResult> {
  const wall0 = performance.now();
  const dims = source.dimensions;
  const D = dims.length;
  checkRuns(options.runs);
  // A probe engine tells the host types (and checks the fleet) before the survey needs them.
  const probe = Engine.create(options.fleet as HostSpec[], { dimensions: dims, devices: source.devices, vmCapacity: 1 });
  const types = hostTypes(probe);
  const fits = (d: ArrayLike<number>) => fitsSomeType(types, d);
  const plan = options.survey ?? (await surveyTrace(source, (d) => fits(d)));
  const cap = Math.max(1, plan.peakLive);
  const width = options.bucketSeconds;
  const setup: RunSetup = {
    fleet: options.fleet,
    dimensions: dims,
    vmCapacity: cap,
    perVm: options.perVm || options.onEvent !== undefined,
    series: width ? { origin: plan.firstTime, width } : undefined,
    constraints: source.constraints,
    devices: source.devices,
  };
  const runs: Run[] = options.runs.map((r) => makeRun(r, setup));

  const slotDemand = new Int32Array(cap * D);
  const slotDeployment = new Int32Array(cap).fill(-1);
  const slotIndex = new Float64Array(cap);
  const freeSlots = new Int32Array(cap);
  for (let i = 0; i < cap; i++) freeSlots[i] = cap - 1 - i;
  let freeTop = cap;
  const heap = new DepartureHeap();
  let withDeployments = false;
  // Defined but still empty is no proof of none: a streaming reader appends as it reads.
  const withConstraints = source.constraints !== undefined;
  let group = new Group(256, D, false, withConstraints);
  let vms = 0;
  let events = 0;
  let lastProgress = 0;
  const progress = () => {
    if (options.onProgress && events - lastProgress >= 4096) { lastProgress = events; options.onProgress(events, plan.events); }
  };

  const onEvent = options.onEvent;
  const handles: RunHandle[] = runs.map((run) => ({
    name: run.name,
    engine: run.engine,
    metrics: run.metrics,
    migrate(slot: number, target: number): boolean {
      const from = run.slotHost[slot];
      if (from < 0) throw new VmfabricError("UNKNOWN_VM", `migrate: slot ${slot} holds no VM placed by ${run.name}`, "slot", slot);
      run.syncEngine();
      const p = run.engine.move(slot, { target });
      if (p.host < 0) return false;
      moved(run, slot, from, target);
      return true;
    },
  }));
  /** Bookkeeping after the engine moved a VM: metrics, the scheduler's fleet view, the count. */
  const moved = (run: Run, slot: number, from: number, target: number) => {
    run.metrics.moved(from, target, slotDemand, slot * D);
    if (run instanceof SchedulerRun) {
      const dep = slotDeployment[slot];
      run.fleetState.release(from, slotDemand, slot * D, dep, slot);
      run.fleetState.place(target, { slot, index: slotIndex[slot], demands: slotDemand, at: slot * D, tenant: 0, deployment: dep });
    }
    run.slotHost[slot] = target;
    run.migrations++;
  };
  const defrag = options.defrag === undefined ? undefined : new Defrag(options.defrag, runs.length);
  if (onEvent) {
    runs.forEach((run, r) => {
      run.afterArrival = (g, i, host) => onEvent({ kind: "arrival", time: g.time, index: g.index[i], slot: g.slots[i], host }, handles[r]);
    });
  }

  const departUntil = (until: number) => {
    while (heap.size > 0 && heap.peekTime() <= until) {
      const t = heap.peekTime();
      for (const run of runs) run.metrics.advance(t);
      while (heap.size > 0 && heap.peekTime() === t) {
        const slot = heap.pop();
        const dep = slotDeployment[slot];
        for (let r = 0; r < runs.length; r++) {
          const run = runs[r];
          const host = run.slotHost[slot];
          run.release(slot, slotDemand, slot * D, dep);
          if (onEvent && host >= 0) onEvent({ kind: "departure", time: t, index: slotIndex[slot], slot, host }, handles[r]);
        }
        freeSlots[freeTop++] = slot;
        events++;
      }
      progress();
    }
  };

  const flush = () => {
    const g = group;
    if (g.n === 0) return;
    departUntil(g.time);
    for (const run of runs) run.metrics.advance(g.time);
    if (defrag?.due(g.time)) runs.forEach((run, r) => defrag.run(run, r, moved));
    for (let i = 0; i < g.n; i++) {
      if (freeTop === 0) throw new VmfabricError("LIMIT", `more VMs live at once than the survey counted (${cap}); was the survey made from another trace?`, "survey", cap);
      const slot = freeSlots[--freeTop];
      g.slots[i] = slot;
      slotDemand.set(g.demands.subarray(i * D, i * D + D), slot * D);
      const dep = g.deployments?.[i];
      slotDeployment[slot] = dep === undefined || dep === NO_DEPLOYMENT ? -1 : dep;
      slotIndex[slot] = g.index[i];
    }
    for (const run of runs) run.placeGroup(g);
    for (let i = 0; i < g.n; i++) {
      const slot = g.slots[i];
      if (g.departures[i] === Infinity) continue;
      heap.push(g.departures[i], g.index[i], slot);
    }
    defrag?.arrived(g.n);
    events += g.n;
    g.n = 0;
    progress();
  };

  const add = (vm: TraceVm) => {
    if (vm.deployment !== undefined && !withDeployments) {
      if (group.n > 0) flush();
      withDeployments = true;
      group = new Group(group.slots.length, D, true, withConstraints);
    }
    if (group.n > 0 && vm.arrival !== group.time) flush();
    const g = group;
    if (g.n === g.slots.length) g.grow();
    const i = g.n++;
    g.time = vm.arrival;
    g.index[i] = vm.index;
    for (let d = 0; d < D; d++) g.demands[i * D + d] = vm.demand[d];
    g.tenants[i] = vm.tenant;
    g.departures[i] = vm.departure;
    if (g.deployments) g.deployments[i] = vm.deployment ?? NO_DEPLOYMENT;
    if (g.constraints) g.constraints[i] = vm.constraint === undefined ? 0 : vm.constraint + 1;
    g.expectedEnds[i] = engineEnd(vm.expectedEnd);
  };

  let previous = -Infinity;
  for await (const chunk of source.vms()) for (const vm of chunk) {
    // The readers check these; a TraceSource of an embedder's own may not.
    if (vm.demand.length !== D) throw new TraceError(source.name, vm.line, "demand", vm.demand, `must have one entry per dimension (${dims.join(", ")})`);
    if (vm.arrival < previous) throw new TraceError(source.name, vm.line, "arrival", vm.arrival, `must not be before the previous arrival (${previous})`);
    if (!(vm.departure > vm.arrival)) throw new TraceError(source.name, vm.line, "departure", vm.departure, `must be after the arrival (${vm.arrival})`);
    if (vm.constraint !== undefined && !(Number.isInteger(vm.constraint) && vm.constraint >= 0 && vm.constraint < (source.constraints?.length ?? 0))) throw new TraceError(source.name, vm.line, "constraint", vm.constraint, `must index the source's constraints (${source.constraints?.length ?? 0} of them)`);
    previous = vm.arrival;
    vms++;
    if (!fits(vm.demand)) {
      // No host type can ever hold it: a counted rejection in every run, no slot, no departure.
      if (group.n > 0 && vm.arrival !== group.time) flush();
      departUntil(vm.arrival);
      for (const run of runs) { run.metrics.advance(vm.arrival); run.metrics.rejected("NO_HOST_TYPE", vm.arrival); }
      events++;
      continue;
    }
    add(vm);
  }
  flush();
  departUntil(Infinity);
  for (const run of runs) {
    const s = run.syncEngine();
    if (run instanceof EngineRun) run.seconds += s;
  }
  options.onProgress?.(events, plan.events);

  return {
    trace: source.name,
    format: source.format,
    dimensions: dims,
    hosts: probe.hostCount,
    vms,
    events,
    wallSeconds: (performance.now() - wall0) / 1000,
    notes: source.notes ?? {},
    runs: runs.map((run) => ({
      policy: run.name,
      ...(run instanceof EngineRun ? { keepScarceHostsFree: run.keepScarceHostsFree } : {}),
      ...run.metrics.result(),
      migrations: run.migrations,
      seconds: run.seconds,
      ops: run.ops,
      opsPerSecond: run.seconds > 0 ? run.ops / run.seconds : 0,
      series: run.series?.rows(),
    })),
  };
}
