// One run of the replay: a policy (the engine's own, or a Scheduler such as a baseline) with
// its own engine and its own metrics, fed the identical stream as every other run.
import { Engine } from "../engine.js";
import { VmfabricError } from "../errors.js";
import type { ConstraintSpec } from "../labels.js";
import { REASON_CODES } from "../reasons.js";
import { NO_DEPLOYMENT, type FleetSpec, type HostSpec, type Policy } from "../types.js";
import { MetricTracker } from "./metrics.js";
import { FleetState, type ArrivingVm, type Scheduler } from "./scheduler.js";
import { SeriesRecorder } from "./timeseries.js";

/** Arrivals at one instant, as the replay hands them to every run. */
export interface ArrivalGroup {
  n: number;
  time: number;
  slots: Uint32Array;
  index: Float64Array;
  /** n x D */
  demands: Int32Array;
  tenants: Uint32Array;
  /** NO_DEPLOYMENT for none; undefined when the trace has no deployments at all. */
  deployments?: Uint32Array;
  /** 0 for none, k for `RunSetup.constraints[k - 1]`; undefined when the trace has none. */
  constraints?: Uint32Array;
  /** Predicted ends (engine expected ends: seconds, 0 = unknown); undefined when none. */
  expectedEnds?: Uint32Array;
}

export interface RunSetup {
  fleet: readonly HostSpec[] | FleetSpec;
  dimensions: readonly string[];
  vmCapacity: number;
  series?: { origin: number; width: number };
  /** Place VM by VM with engine.place instead of one placeBatch per instant (same choices). */
  perVm?: boolean;
  /** The trace's label constraints (TraceSource.constraints): the live array, which a
   *  streaming reader may still be appending to. */
  constraints?: readonly ConstraintSpec[];
  /** Dimensions made of devices (TraceSource.devices). */
  devices?: Readonly<Record<string, number>>;
}

export abstract class Run {
  readonly engine: Engine;
  readonly metrics: MetricTracker;
  readonly series?: SeriesRecorder;
  /** Seconds spent placing and releasing (the policy's own time; see README). */
  seconds = 0;
  /** Placements tried plus releases. */
  ops = 0;
  migrations = 0;
  /** Host per slot, -1 when the slot's VM was rejected by this run (or is not live). */
  readonly slotHost: Int32Array;
  /** Called after each arrival with its host (-1: rejected); set by the replay for onEvent. */
  afterArrival?: (g: ArrivalGroup, i: number, host: number) => void;
  /** The trace's constraint k (0: none) as this run's own id, -1 until first used. Filled on
   *  first use, not up front: a streaming reader adds constraints as it meets them, after the
   *  run was made (the generic reader, replayed with a survey of another pass). */
  private constraintIds = new Int32Array(16).fill(-1);
  /** The source's live constraints (the array the reader appends to). */
  private readonly constraintSpecs: readonly ConstraintSpec[];

  constructor(readonly name: string, setup: RunSetup) {
    this.engine = Engine.create(setup.fleet as HostSpec[], { dimensions: setup.dimensions, devices: setup.devices, vmCapacity: setup.vmCapacity, maxPerHost: 1 });
    const effective = Array.from({ length: this.engine.hostCount }, (_, h) => this.engine.capacityOf(h));
    if (setup.series) this.series = new SeriesRecorder(setup.series.origin, setup.series.width, setup.dimensions.length);
    this.metrics = new MetricTracker(effective, setup.dimensions, this.series);
    this.slotHost = new Int32Array(setup.vmCapacity).fill(-1);
    this.constraintSpecs = setup.constraints ?? [];
    this.constraintIds[0] = 0;
  }

  /** This run's id of the trace's constraint k (0: none), registered on first use. */
  protected constraintId(k: number): number {
    if (k === 0) return 0;
    if (k >= this.constraintIds.length) {
      const grown = new Int32Array(Math.max(k + 1, this.constraintIds.length * 2)).fill(-1);
      grown.set(this.constraintIds);
      this.constraintIds = grown;
    }
    let id = this.constraintIds[k];
    if (id < 0) {
      const spec = this.constraintSpecs[k - 1];
      if (spec === undefined) throw new VmfabricError("INVALID_INPUT", `${this.name}: constraint ${k - 1} is not among the trace's ${this.constraintSpecs.length} constraints`, "constraint", k - 1);
      id = this.constraintIds[k] = this.registerConstraint(spec);
    }
    return id;
  }

  /** Registers a label constraint where this run checks labels (its engine, its fleet view). */
  protected abstract registerConstraint(spec: ConstraintSpec): number;

  /** VM i's requirements and tolerations, for the engine's single-VM calls. */
  protected specOf(g: ArrivalGroup, i: number): ConstraintSpec {
    const k = g.constraints?.[i] ?? 0;
    return k === 0 ? {} : this.constraintSpecs[k - 1];
  }

  abstract placeGroup(g: ArrivalGroup): void;
  abstract release(slot: number, demands: Int32Array, at: number, deployment: number): void;

  // Departures reach the metrics at their own times, but the engine only needs them before the
  // next placement: those in between are released there in one releaseBatch call.
  private pending = new Uint32Array(1024);
  private pendingN = 0;

  protected deferRelease(slot: number): void {
    if (this.pendingN === this.pending.length) {
      const p = new Uint32Array(this.pending.length * 2);
      p.set(this.pending);
      this.pending = p;
    }
    this.pending[this.pendingN++] = slot;
  }

  /** Releases the deferred departures in the engine; returns the seconds it took. */
  syncEngine(): number {
    if (this.pendingN === 0) return 0;
    const t0 = performance.now();
    this.engine.releaseBatch(this.pending.subarray(0, this.pendingN));
    this.pendingN = 0;
    return (performance.now() - t0) / 1000;
  }

  protected recordPlaced(slot: number, host: number, demands: Int32Array, at: number): void {
    this.slotHost[slot] = host;
    this.metrics.placed(host, demands, at);
  }
}

/** Candidates the lifetime run ranks: more than the engine's default 16, since on the Azure
 *  dev split a wider choice of departure times empties more hosts (README, "Lifetime-aware
 *  placement": 1.075 vs 1.079 x the bound averaged over seeds 1-3). */
export const LIFETIME_CANDIDATES = 64;

/** The engine's own policies. One placeBatch per instant: with every host in one fault domain,
 *  the batch places exactly as the same VMs one by one would (a test checks it). */
export class EngineRun extends Run {
  private readonly perVm: boolean;
  private readonly options: { policy: Policy; keepScarceHostsFree: boolean; smallestHostsFirst: boolean; candidates?: number };
  private ids?: Uint32Array;
  private readonly withEnds: boolean;
  constructor(readonly policy: Policy, setup: RunSetup, readonly keepScarceHostsFree = true, readonly smallestHostsFirst = false) {
    super(engineRunName(policy, keepScarceHostsFree, smallestHostsFirst), setup);
    this.perVm = setup.perVm ?? false;
    this.options = { policy, keepScarceHostsFree, smallestHostsFirst };
    if (policy === "lifetime") this.options.candidates = LIFETIME_CANDIDATES;
    // Only lifetime reads predictions; the other policies are spared copying them.
    this.withEnds = policy === "lifetime";
  }

  protected registerConstraint(spec: ConstraintSpec): number {
    return this.engine.constraint(spec);
  }

  /** The group's constraints as engine ids (the trace's numbering is not the engine's). */
  private engineConstraints(g: ArrivalGroup): Uint32Array | undefined {
    if (!g.constraints) return undefined;
    if (!this.ids || this.ids.length < g.n) this.ids = new Uint32Array(Math.max(g.n, 2 * (this.ids?.length ?? 128)));
    for (let i = 0; i < g.n; i++) this.ids[i] = this.constraintId(g.constraints[i]);
    return this.ids.subarray(0, g.n);
  }

  placeGroup(g: ArrivalGroup): void {
    const D = this.metrics.dimensions.length;
    this.seconds += this.syncEngine();
    if (this.perVm) {
      for (let i = 0; i < g.n; i++) {
        const demand = Array.from(g.demands.subarray(i * D, i * D + D));
        const dep = g.deployments?.[i];
        const t0 = performance.now();
        const expectedEnd = this.withEnds ? g.expectedEnds?.[i] : undefined;
        const p = this.engine.place({ id: g.slots[i], demand, tenant: g.tenants[i], deployment: dep === NO_DEPLOYMENT ? undefined : dep, expectedEnd, ...this.specOf(g, i) }, this.options);
        this.seconds += (performance.now() - t0) / 1000;
        this.ops++;
        if (p.host >= 0) this.recordPlaced(g.slots[i], p.host, g.demands, i * D);
        else this.metrics.rejected(p.rejection!.code, g.time);
        this.afterArrival?.(g, i, p.host);
      }
      return;
    }
    const t0 = performance.now();
    const constraints = this.engineConstraints(g);
    const r = this.engine.placeBatch({ ids: g.slots.subarray(0, g.n), demands: g.demands.subarray(0, g.n * D), tenants: g.tenants.subarray(0, g.n), deployments: g.deployments?.subarray(0, g.n), constraints, expectedEnds: this.withEnds ? g.expectedEnds?.subarray(0, g.n) : undefined }, this.options);
    this.seconds += (performance.now() - t0) / 1000;
    this.ops += g.n;
    for (let i = 0; i < g.n; i++) {
      const h = r.hosts[i];
      if (h >= 0) this.recordPlaced(g.slots[i], h, g.demands, i * D);
      else this.metrics.rejected(String(REASON_CODES[r.reasons[i]]), g.time);
    }
    if (this.afterArrival) for (let i = 0; i < g.n; i++) this.afterArrival(g, i, r.hosts[i]);
  }

  release(slot: number, demands: Int32Array, at: number): void {
    const h = this.slotHost[slot];
    if (h < 0) return;
    if (this.perVm) {
      const t0 = performance.now();
      this.engine.release(slot);
      this.seconds += (performance.now() - t0) / 1000;
    } else this.deferRelease(slot);
    this.ops++;
    this.slotHost[slot] = -1;
    this.metrics.released(h, demands, at);
  }
}

/** A Scheduler (a baseline, or an embedder's own). Its time is its decision and the fleet
 *  bookkeeping it needs; the engine it commits to, which checks every choice, is not counted. */
export class SchedulerRun extends Run {
  readonly fleetState: FleetState;
  private readonly vm: ArrivingVm = { slot: 0, index: 0, demands: new Int32Array(0), at: 0, tenant: 0, deployment: -1, constraint: 0 };
  private readonly perVm: boolean;

  constructor(readonly scheduler: Scheduler, setup: RunSetup) {
    super(scheduler.name, setup);
    this.perVm = setup.perVm ?? false;
    this.fleetState = new FleetState(Array.from({ length: this.engine.hostCount }, (_, h) => this.engine.capacityOf(h)), setup.dimensions, setup.fleet, setup.devices, setup.vmCapacity);
  }

  protected registerConstraint(spec: ConstraintSpec): number {
    return this.fleetState.constraint(spec);
  }

  placeGroup(g: ArrivalGroup): void {
    const D = this.metrics.dimensions.length;
    this.syncEngine();
    const vm = this.vm;
    vm.demands = g.demands;
    for (let i = 0; i < g.n; i++) {
      vm.slot = g.slots[i];
      vm.index = g.index[i];
      vm.at = i * D;
      vm.tenant = g.tenants[i];
      const dep = g.deployments?.[i] ?? NO_DEPLOYMENT;
      vm.deployment = dep === NO_DEPLOYMENT ? -1 : dep;
      vm.constraint = this.constraintId(g.constraints?.[i] ?? 0);
      const t0 = performance.now();
      const h = this.scheduler.choose(vm, this.fleetState);
      if (h >= 0) {
        if (!Number.isInteger(h) || h >= this.fleetState.hosts) throw new VmfabricError("INVALID_INPUT", `scheduler ${this.name} chose host ${h}, not a host of the fleet`, "host", h);
        this.fleetState.place(h, vm);
      }
      this.seconds += (performance.now() - t0) / 1000;
      this.ops++;
      if (h < 0) {
        this.metrics.rejected(this.fleetState.reasonFor(vm), g.time);
        this.afterArrival?.(g, i, -1);
        continue;
      }
      const p = this.engine.placeOn({ id: vm.slot, demand: Array.from(g.demands.subarray(vm.at, vm.at + D)), tenant: vm.tenant, deployment: vm.deployment < 0 ? undefined : vm.deployment, ...this.specOf(g, i) }, h);
      if (p.host < 0) throw new VmfabricError("SCHEDULER_CHOICE", `scheduler ${this.name} chose host ${h} for vm ${vm.slot} (trace row ${vm.index}), which the engine refuses: ${p.rejection?.message}`, "host", h);
      this.recordPlaced(vm.slot, h, g.demands, vm.at);
      this.afterArrival?.(g, i, h);
    }
  }

  release(slot: number, demands: Int32Array, at: number, deployment: number): void {
    const h = this.slotHost[slot];
    if (h < 0) return;
    const t0 = performance.now();
    this.fleetState.release(h, demands, at, deployment, slot);
    this.seconds += (performance.now() - t0) / 1000;
    this.ops++;
    // VM by VM (an onEvent hook may look at the engine): released at once.
    if (this.perVm) this.engine.release(slot);
    else this.deferRelease(slot);
    this.slotHost[slot] = -1;
    this.metrics.released(h, demands, at);
  }
}

/** A run of an engine policy: its name, "/scarce-off" when keeping scarce hosts free is off,
 *  "/smallest-first" when it opens the smallest host type first. */
export function engineRunName(policy: Policy, keepScarceHostsFree: boolean, smallestHostsFirst = false): string {
  return `${policy}${keepScarceHostsFree ? "" : "/scarce-off"}${smallestHostsFirst ? "/smallest-first" : ""}`;
}
