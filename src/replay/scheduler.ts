// The hook for embedders: a Scheduler chooses the host of each arriving VM from a plain-TS view
// of the fleet (FleetState), and the replay commits its choice to an engine, which checks it
// (capacity, anti-affinity). The kube and nomad baselines are Schedulers; so is any scheduler
// that wants to replay itself.
import { expandFleet } from "../fleet.js";
import { AttributeRegistry, admits, constraintOf, type ConstraintSpec } from "../labels.js";
import type { FleetSpec, HostSpec } from "../types.js";
import { hash32 } from "./lifetime.js";
import { DeviceState } from "./device-state.js";

export interface ArrivingVm {
  /** The VM's id in the engine for as long as it lives (slots are reused after departure). */
  slot: number;
  /** Row index in the trace. */
  index: number;
  /** Demand vector (one entry per dimension) and where it starts in `demands`. */
  demands: Int32Array;
  at: number;
  tenant: number;
  /** Deployment, or -1 for none. */
  deployment: number;
  /** Label constraint, an id from `FleetState.constraint` (0 or absent: requires nothing,
   *  tolerates no taint). */
  constraint?: number;
}

export interface Scheduler {
  readonly name: string;
  /** The host for `vm` (one that `fleet.fits`), or -1 to reject it. */
  choose(vm: ArrivingVm, fleet: FleetState): number;
}

/** Hosts' effective capacity, free capacity and VM counts, kept by the replay for a Scheduler.
 *  Anti-affinity: at most one instance of a deployment per host. Labels and taints as the
 *  engine's rule 6: a host's label-and-taint set is a signature, and one table entry per
 *  (constraint, signature) says whether the constraint admits it, so `fits` stays O(D). */
export class FleetState {
  readonly hosts: number;
  readonly D: number;
  /** hosts x D, effective capacity (capacity - reservation). */
  readonly capacity: Int32Array;
  /** hosts x D, capacity not yet allocated. */
  readonly free: Int32Array;
  readonly vmCount: Int32Array;
  /** Per deployment, the hosts holding one of its instances (only when deployments are used). */
  private readonly deploymentHosts = new Map<number, Map<number, number>>();
  /** Per host, its label-and-taint signature (0: none). */
  private readonly signature: Uint16Array;
  private readonly registry = new AttributeRegistry();
  /** constraints x signatures: 1 when the constraint admits the signature. */
  private admitted: Uint8Array;
  /** Per-device free units when dimensions are made of devices (the engine's rule). */
  readonly devices?: DeviceState;

  /** `fleet`: the hosts as given to the engine (for their labels and taints), in host order. */
  constructor(
    effective: ReadonlyArray<ArrayLike<number>>, readonly dimensions: readonly string[], fleet?: readonly HostSpec[] | FleetSpec,
    devices?: Readonly<Record<string, number>>, vmSlots = 0,
  ) {
    this.hosts = effective.length;
    const D = (this.D = dimensions.length);
    this.capacity = new Int32Array(this.hosts * D);
    effective.forEach((e, h) => { for (let d = 0; d < D; d++) this.capacity[h * D + d] = e[d]; });
    this.free = this.capacity.slice();
    this.vmCount = new Int32Array(this.hosts);
    this.signature = fleet ? expandFleet(fleet, D, undefined, this.registry).signature.subarray(0, this.hosts) : new Uint16Array(this.hosts);
    this.admitted = new Uint8Array(0);
    this.admitRow(0);
    if (devices !== undefined && Object.keys(devices).length > 0) this.devices = new DeviceState(effective, dimensions, devices, vmSlots);
  }

  /** The id of a label constraint for `ArrivingVm.constraint` (the same spec, the same id). */
  constraint(spec: ConstraintSpec): number {
    const { id, added } = this.registry.constraint(constraintOf("constraint", spec), "constraint");
    if (added) this.admitRow(id);
    return id;
  }

  private admitRow(c: number): void {
    const sigs = this.registry.signatures;
    const S = sigs.length;
    if (this.admitted.length < (c + 1) * S) {
      const grown = new Uint8Array(Math.max((c + 1) * S, this.admitted.length * 2));
      grown.set(this.admitted);
      this.admitted = grown;
    }
    const con = this.registry.constraints[c];
    for (let s = 0; s < S; s++) this.admitted[c * S + s] = admits(con, sigs[s]) ? 1 : 0;
  }

  /** Whether the host's labels and taints admit the VM's constraint (engine rule 6). */
  matches(host: number, vm: ArrivingVm): boolean {
    return this.admitted[(vm.constraint ?? 0) * this.registry.signatures.length + this.signature[host]] === 1;
  }

  /** Room in every dimension, labels and taints that admit the VM, and no instance of its
   *  deployment on the host. */
  fits(host: number, vm: ArrivingVm): boolean {
    const D = this.D;
    const base = host * D;
    for (let d = 0; d < D; d++) if (this.free[base + d] < vm.demands[vm.at + d]) return false;
    if (this.devices && !this.devices.fits(host, vm.demands, vm.at)) return false;
    if (!this.matches(host, vm)) return false;
    return vm.deployment < 0 || !(this.deploymentHosts.get(vm.deployment)?.has(host) ?? false);
  }

  /** Why no host can take `vm`, in the engine's precedence: NO_CAPACITY (no host has room),
   *  NO_MATCHING_HOST (hosts have room, none the VM's labels and taints admit), else
   *  ANTI_AFFINITY. */
  reasonFor(vm: ArrivingVm): string {
    const D = this.D;
    let room = false;
    for (let h = 0; h < this.hosts; h++) {
      let r = true;
      for (let d = 0; d < D && r; d++) r = this.free[h * D + d] >= vm.demands[vm.at + d];
      if (!r || (this.devices && !this.devices.fits(h, vm.demands, vm.at))) continue;
      room = true;
      if (this.matches(h, vm)) return "ANTI_AFFINITY";
    }
    return room ? "NO_MATCHING_HOST" : "NO_CAPACITY";
  }

  place(host: number, vm: ArrivingVm): void {
    const D = this.D;
    for (let d = 0; d < D; d++) this.free[host * D + d] -= vm.demands[vm.at + d];
    this.devices?.take(host, vm.slot, vm.demands, vm.at);
    this.vmCount[host]++;
    if (vm.deployment >= 0) {
      let m = this.deploymentHosts.get(vm.deployment);
      if (!m) this.deploymentHosts.set(vm.deployment, (m = new Map()));
      m.set(host, (m.get(host) ?? 0) + 1);
    }
  }

  /** `slot`: the VM's slot, whose devices (if any) go back. */
  release(host: number, demands: ArrayLike<number>, at: number, deployment: number, slot: number): void {
    const D = this.D;
    for (let d = 0; d < D; d++) this.free[host * D + d] += demands[at + d];
    this.devices?.give(host, slot, demands, at);
    this.vmCount[host]--;
    if (deployment >= 0) {
      const m = this.deploymentHosts.get(deployment)!;
      const c = m.get(host)! - 1;
      if (c === 0) m.delete(host); else m.set(host, c);
      if (m.size === 0) this.deploymentHosts.delete(deployment);
    }
  }
}

/** Dimensions a baseline scores: cpu and memory when the trace has them (the resources both
 *  kube-scheduler's and Nomad's default scoring use), else every dimension. */
export function scoredDimensions(dimensions: readonly string[]): number[] {
  const named = ["cpu", "memory"].map((n) => dimensions.indexOf(n)).filter((i) => i >= 0);
  return named.length > 0 ? named : dimensions.map((_, i) => i);
}

/** A seeded counter-based random source (deterministic per seed, no state but a counter). */
export class Draws {
  private n = 0;
  constructor(private readonly seed: number, private readonly lane: number) {}
  /** A uniform integer in [0, m). */
  below(m: number): number {
    return Math.floor((hash32(this.seed, this.n++, this.lane) / 4294967296) * m);
  }
}
