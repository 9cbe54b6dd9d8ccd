// FC state: what the Fabric Controller knows, in typed arrays, changed only by apply(record).
// The live FC, journal replay and snapshot restore all go through apply, so they cannot drift.
import type { Engine } from "../engine.js";
import { VmfabricError } from "../errors.js";
import { demandOf, type Catalog } from "./catalog.js";
import { serverFleet, type ResolvedDataCenter, type ServerSpec } from "./datacenter.js";
import { ServerState, Stage, holdsHost, isServerTransition, SERVER_STATE_NAMES } from "./lifecycle.js";
import { MIGRATION_SLOTS, MigStep } from "./migration.js";
import type { ResolvedModel } from "./model.js";
import { AddressPool } from "./pool.js";
import { Rec } from "./records.js";

export const NO_UD = 255;

export interface DeploymentRow {
  id: number;
  tenant: number;
  model: ResolvedModel;
  firstRole: number;
  firstInstance: number;
  instanceCount: number;
  /** VIP offset in the VIP pool, 0 when none (no input endpoints) or released. */
  vip: number;
  /** Package version new instances get; an upgrade raises it. */
  version: number;
  /** Update domain an upgrade is walking, NO_UD when none. */
  upgradeUd: number;
  deleted: boolean;
}

export interface RoleRow {
  deployment: number;
  name: string;
  size: number;
  image: number;
  firstInstance: number;
  count: number;
  endpoints: readonly number[];
}

function stateError(msg: string): VmfabricError {
  return new VmfabricError("STATE", msg);
}

/** Instance ids past maxInstances the engine keeps for migration placeholders: one per 8
 *  instance ids, at least 4 and at most MIGRATION_SLOTS (the engine's cost grows with its VM
 *  capacity, so a tiny FC keeps a tiny engine), within the engine's 2^26 VMs. */
export function migrationSlots(maxInstances: number): number {
  return Math.min(MIGRATION_SLOTS, Math.max(4, Math.ceil(maxInstances / 8)), (1 << 26) - maxInstances);
}

function grown<T extends Uint8Array | Uint32Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}

export class FcState {
  /** The data center as it is now: the options' one plus racks added since (RacksAdded). */
  readonly dc: ResolvedDataCenter;
  readonly catalog: Catalog;
  readonly engine: Engine;
  readonly maxInstances: number;
  // Per server; reallocated when racks are added.
  serverState: Uint8Array;
  serverFailures: Uint8Array;
  /** Base images cached on each server's disk, one bit per catalog image. */
  serverImages: Uint32Array;
  /** 0, or the drain in progress: 1 for maintenance, 2 for defragmentation (Rec.ServerDrain). */
  serverDrain: Uint8Array;
  /** NIC of each server, Mbps (the data center's spec, or the spec its rack was added with). */
  serverNic: Uint32Array;
  /** Racks added after the FC was created, in order: [count, server spec]. */
  readonly addedRacks: Array<[number, ServerSpec]> = [];
  readonly deployments: DeploymentRow[] = [];
  readonly roles: RoleRow[] = [];
  instances = 0;
  readonly instRole: Uint32Array;
  readonly instUd: Uint8Array;
  readonly instHost: Int32Array;
  readonly instDip: Uint32Array;
  readonly instDisk: Uint32Array;
  readonly instStage: Uint8Array;
  readonly instVersion: Uint32Array;
  /** 1 while the host's virtual switch has the instance's port (its deployment's ACL). */
  readonly instAcl: Uint8Array;
  /** 1 while the load balancer sends its role's endpoints to the instance. */
  readonly instLb: Uint8Array;
  /** 1 from a healing placement until the instance is ready again (counts against
   *  maxConcurrentHealing, also after a restart). */
  readonly instHealing: Uint8Array;
  /** Live migration (migration.ts): target server (-1 none), step (MigStep), diff disk made on
   *  the target, placeholder slot | relaxed << 16. */
  readonly instMigTarget: Int32Array;
  readonly instMigStep: Uint8Array;
  readonly instMigDisk: Uint32Array;
  readonly instMigSlot: Uint32Array;
  /** Placeholder VM ids past maxInstances; which instance holds each slot (-1 free). */
  readonly migrationSlots: number;
  readonly slotOwner: Int32Array;
  /** Why an instance could not be healed: reason code | dimension << 8 (NO_CAPACITY), 0 otherwise. */
  readonly instReason: Uint16Array;
  /** Diff disks are numbered, never reused: two instances can never share one. */
  nextDisk = 1;
  readonly dips: AddressPool;
  readonly vips: AddressPool;
  readonly tenantStorageGiB = new Map<number, number>();
  /** Instances healed into a fault domain that already had its share of their role, and which. */
  readonly spreadRelaxed = new Map<number, number>();
  /** Virtual time of the last record applied. */
  time = 0;
  private readonly demands: number[][];

  constructor(dc: ResolvedDataCenter, catalog: Catalog, engine: Engine, maxInstances: number) {
    this.dc = { ...dc };
    this.catalog = catalog;
    this.engine = engine;
    this.maxInstances = maxInstances;
    const S = dc.servers;
    this.serverState = new Uint8Array(S);
    this.serverFailures = new Uint8Array(S);
    this.serverImages = new Uint32Array(S);
    this.serverDrain = new Uint8Array(S);
    this.serverNic = new Uint32Array(S).fill(dc.server.nicMbps);
    const N = maxInstances;
    this.instRole = new Uint32Array(N);
    this.instUd = new Uint8Array(N);
    this.instHost = new Int32Array(N).fill(-1);
    this.instDip = new Uint32Array(N);
    this.instDisk = new Uint32Array(N);
    this.instStage = new Uint8Array(N);
    this.instVersion = new Uint32Array(N);
    this.instAcl = new Uint8Array(N);
    this.instLb = new Uint8Array(N);
    this.instReason = new Uint16Array(N);
    this.instHealing = new Uint8Array(N);
    this.instMigTarget = new Int32Array(N).fill(-1);
    this.instMigStep = new Uint8Array(N);
    this.instMigDisk = new Uint32Array(N);
    this.instMigSlot = new Uint32Array(N);
    this.migrationSlots = migrationSlots(maxInstances);
    this.slotOwner = new Int32Array(this.migrationSlots).fill(-1);
    this.dips = new AddressPool("dipPool", dc.dipPool);
    this.vips = new AddressPool("vipPool", dc.vipPool);
    this.demands = catalog.sizes.map(demandOf);
  }

  tenantOfInstance(i: number): number {
    return this.deployments[this.roles[this.instRole[i]].deployment].tenant;
  }

  deploymentOfInstance(i: number): number {
    return this.roles[this.instRole[i]].deployment;
  }

  /** Applies one journal record. Throws (changing nothing) if the record does not fit the state. */
  apply(kind: number, time: number, a: number, b: number, c: number, blob?: string): void {
    switch (kind) {
      case Rec.ServerState: this.serverTo(a, b, c); break;
      case Rec.DeploymentCreated: this.createDeployment(a, b, blob); break;
      case Rec.VipAssigned: {
        const d = this.dep(a);
        this.vips.take(b, a);
        d.vip = b;
        break;
      }
      case Rec.InstancePlaced: this.place(a, b, c); break;
      case Rec.InstanceStage: this.stage(a, b, c); break;
      case Rec.ImageCached:
        this.server(a);
        this.serverImages[a] |= 1 << b;
        break;
      case Rec.InstanceEvicted:
        this.inst(a);
        if (!holdsHost(this.instStage[a])) throw stateError(`instance ${a} holds no host to be evicted from`);
        this.free(a);
        this.instStage[a] = Stage.Unplaced;
        break;
      case Rec.InstanceUnhealed:
        this.inst(a);
        if (holdsHost(this.instStage[a])) throw stateError(`instance ${a} is placed; it cannot be unhealed`);
        this.instStage[a] = Stage.Unhealed;
        this.instReason[a] = b | (c << 8);
        break;
      case Rec.DeploymentDeleted: this.deleteDeployment(a); break;
      case Rec.UpgradeStarted: this.dep(a).version = b; break;
      case Rec.UpgradeDomain: this.dep(a).upgradeUd = b; break;
      case Rec.HealRetried:
        this.inst(a);
        if (this.instStage[a] !== Stage.Unhealed) throw stateError(`instance ${a} is not unhealed; there is nothing to retry`);
        this.instStage[a] = Stage.Unplaced;
        this.instReason[a] = 0;
        break;
      case Rec.SpreadRelaxed: this.inst(a); this.spreadRelaxed.set(a, b); break;
      case Rec.MigrationStarted: this.migrationStarted(a, b, c); break;
      case Rec.MigrationPrepared:
        this.migrating(a, MigStep.Preparing);
        this.instMigDisk[a] = b;
        if (b >= this.nextDisk) this.nextDisk = b + 1;
        this.instMigStep[a] = MigStep.PreCopy;
        break;
      case Rec.MigrationBlackout: this.migrating(a, MigStep.PreCopy); this.instMigStep[a] = MigStep.Blackout; break;
      case Rec.MigrationDone: this.switchOver(a); break;
      case Rec.MigrationAborted: this.migrating(a, -1); this.dropMigration(a); break;
      case Rec.ServerDrain: this.drain(a, b); break;
      case Rec.RacksAdded: this.addRacks(a, b, blob); break;
      default: throw stateError(`unknown journal record kind ${kind}`);
    }
    this.time = time;
  }

  private server(s: number): void {
    if (!(s >= 0 && s < this.dc.servers)) throw stateError(`no server ${s}`);
  }

  private inst(i: number): void {
    if (!(i >= 0 && i < this.instances)) throw stateError(`no instance ${i}`);
  }

  private dep(d: number): DeploymentRow {
    const row = this.deployments[d];
    if (!row || row.deleted) throw stateError(`no live deployment ${d}`);
    return row;
  }

  private serverTo(s: number, to: number, failures: number): void {
    this.server(s);
    const from = this.serverState[s];
    if (!isServerTransition(from, to)) {
      throw stateError(`server ${s}: ${SERVER_STATE_NAMES[from]} -> ${SERVER_STATE_NAMES[to] ?? to} is not a transition of the server state machine`);
    }
    if (to === ServerState.Maintenance && this.engine.vmCountOf(s) > 0) throw stateError(`server ${s} still holds ${this.engine.vmCountOf(s)} VMs; it cannot go into maintenance`);
    this.serverState[s] = to;
    this.serverFailures[s] = failures;
    if (from === ServerState.InService) this.serverDrain[s] = 0;
    if (to === ServerState.Retired) this.engine.retireHost(s);
    // Laying down the host partition wipes the disk, cached base images included.
    if (to === ServerState.HostPartitioning) this.serverImages[s] = 0;
    if (to === ServerState.InService || from === ServerState.InService) this.engine.setHostInService(s, to === ServerState.InService);
  }

  private createDeployment(id: number, tenant: number, blob: string | undefined): void {
    if (id !== this.deployments.length) throw stateError(`deployment ${id} out of order (next is ${this.deployments.length})`);
    if (blob === undefined) throw stateError(`deployment ${id} has no service model`);
    const model = JSON.parse(blob) as ResolvedModel;
    const total = model.roles.reduce((n, r) => n + r.instances, 0);
    if (this.instances + total > this.maxInstances) throw stateError(`deployment ${id} needs ${total} instances; only ${this.maxInstances - this.instances} instance ids are left`);
    const row: DeploymentRow = {
      id, tenant, model, firstRole: this.roles.length, firstInstance: this.instances, instanceCount: total,
      vip: 0, version: 1, upgradeUd: NO_UD, deleted: false,
    };
    for (const r of model.roles) {
      const role = this.roles.length;
      this.roles.push({ deployment: id, name: r.name, size: r.size, image: r.image, firstInstance: this.instances, count: r.instances, endpoints: r.endpoints });
      for (let k = 0; k < r.instances; k++) {
        const i = this.instances++;
        this.instRole[i] = role;
        this.instUd[i] = k % model.updateDomains; // round-robin over update domains
        this.instStage[i] = Stage.Pending;
      }
      this.tenantStorageGiB.set(tenant, (this.tenantStorageGiB.get(tenant) ?? 0) + r.instances * this.catalog.sizes[r.size].storageQuotaGiB);
    }
    this.deployments.push(row);
  }

  private place(i: number, s: number, dip: number): void {
    this.inst(i);
    this.server(s);
    const st = this.instStage[i];
    if (st !== Stage.Pending && st !== Stage.Unplaced) throw stateError(`instance ${i} is ${st}; only a pending or unplaced instance can be placed`);
    if (this.dips.ownerOf(dip) !== -1) throw stateError(`instance ${i}: DIP offset ${dip} is not free`);
    const role = this.roles[this.instRole[i]];
    // Live, the FC's placeBatch already committed the VM in the engine; on replay it has not.
    if (this.engine.hostOf(i) !== s) {
      const p = this.engine.placeOn(this.request(i), s);
      if (p.host < 0) throw stateError(`instance ${i} does not fit server ${s} on replay: ${p.rejection?.message}`);
    }
    this.dips.take(dip, i);
    this.instHealing[i] = st === Stage.Unplaced ? 1 : 0;
    this.instHost[i] = s;
    this.instDip[i] = dip;
    this.instStage[i] = Stage.Placed;
  }

  private stage(i: number, stage: number, c: number): void {
    this.inst(i);
    if (this.instMigStep[i] !== MigStep.None) throw stateError(`instance ${i} is migrating; end or abort the migration first`);
    if (!holdsHost(this.instStage[i]) || !holdsHost(stage)) throw stateError(`instance ${i}: stage ${this.instStage[i]} -> ${stage} needs a placed instance`);
    this.instStage[i] = stage;
    switch (stage) {
      case Stage.Partitioned: this.instAcl[i] = 1; break;
      case Stage.DiskReady: this.instDisk[i] = c; if (c >= this.nextDisk) this.nextDisk = c + 1; break;
      case Stage.Deployed: this.instVersion[i] = c; break;
      case Stage.Ready: this.instHealing[i] = 0; this.instLb[i] = this.roles[this.instRole[i]].endpoints.length > 0 ? 1 : 0; break;
      case Stage.Stopped: this.instLb[i] = 0; if (c > 0) this.instVersion[i] = c; break;
    }
  }

  /** The engine request of an instance, or of its migration placeholder (same demand, tenant, role). */
  request(i: number, id = i): { id: number; demand: number[]; tenant: number; deployment: number } {
    const role = this.roles[this.instRole[i]];
    return { id, demand: this.demands[role.size], tenant: this.deployments[role.deployment].tenant, deployment: this.instRole[i] };
  }

  /** Engine VM id of the placeholder holding instance i's room on its migration target. */
  placeholderOf(i: number): number {
    return this.maxInstances + (this.instMigSlot[i] & 0xffff);
  }

  /** Is this engine VM id a migration placeholder (not an instance)? */
  isPlaceholder(vm: number): boolean {
    return vm >= this.maxInstances;
  }

  private migrating(i: number, step: number): void {
    this.inst(i);
    if (step < 0 ? this.instMigStep[i] === MigStep.None : this.instMigStep[i] !== step) {
      throw stateError(`instance ${i} is at migration step ${this.instMigStep[i]}${step < 0 ? "; it is not migrating" : `, not ${step}`}`);
    }
  }

  private migrationStarted(i: number, target: number, c: number): void {
    this.inst(i);
    this.server(target);
    const slot = c & 0xffff;
    if (this.instStage[i] !== Stage.Ready || this.instMigStep[i] !== MigStep.None) throw stateError(`instance ${i} is not a running instance that is not migrating already`);
    if (target === this.instHost[i]) throw stateError(`instance ${i} is already on server ${target}`);
    if (this.serverState[target] !== ServerState.InService || this.serverDrain[target]) throw stateError(`server ${target} is not in service; it cannot take a migration`);
    if (slot >= this.migrationSlots || this.slotOwner[slot] !== -1 || c >>> 17 !== 0) throw stateError(`migration slot ${c} is not a free slot below ${this.migrationSlots}`);
    const ph = this.maxInstances + slot;
    // Live, the FC may have let the engine choose the target with the placeholder already.
    if (this.engine.hostOf(ph) !== target) {
      if (this.engine.hostOf(ph) >= 0) throw stateError(`placeholder ${ph} is on server ${this.engine.hostOf(ph)}, not ${target}`);
      const p = this.engine.placeOn(this.request(i, ph), target);
      if (p.host < 0) throw stateError(`instance ${i} does not fit server ${target}: ${p.rejection?.message}`);
    }
    this.slotOwner[slot] = i;
    this.instMigTarget[i] = target;
    this.instMigSlot[i] = c;
    this.instMigStep[i] = MigStep.Preparing;
  }

  private switchOver(i: number): void {
    this.migrating(i, MigStep.Blackout);
    const target = this.instMigTarget[i];
    const relaxed = this.instMigSlot[i] >>> 16 === 1;
    this.engine.release(this.placeholderOf(i));
    const p = this.engine.move(i, { target });
    if (p.host !== target) throw stateError(`instance ${i} cannot move to server ${target}: ${p.rejection?.message}`);
    this.slotOwner[this.instMigSlot[i] & 0xffff] = -1;
    this.instHost[i] = target;
    this.instDisk[i] = this.instMigDisk[i];
    this.instMigTarget[i] = -1;
    this.instMigStep[i] = MigStep.None;
    this.instMigDisk[i] = 0;
    this.instMigSlot[i] = 0;
    this.spreadRelaxed.delete(i);
    if (relaxed) this.spreadRelaxed.set(i, Math.floor(target / this.dc.serversPerRack));
  }

  /** Gives back what a migration held: the placeholder on the target and its disk. */
  private dropMigration(i: number): void {
    if (this.instMigStep[i] === MigStep.None) return;
    const ph = this.placeholderOf(i);
    if (this.engine.hostOf(ph) >= 0) this.engine.release(ph);
    this.slotOwner[this.instMigSlot[i] & 0xffff] = -1;
    this.instMigTarget[i] = -1;
    this.instMigStep[i] = MigStep.None;
    this.instMigDisk[i] = 0;
    this.instMigSlot[i] = 0;
  }

  private drain(s: number, mode: number): void {
    this.server(s);
    if (mode === 0) {
      if (!this.serverDrain[s]) throw stateError(`server ${s} is not draining`);
    } else if (mode !== 1 && mode !== 2) throw stateError(`drain mode ${mode} is not 0, 1 or 2`);
    else if (this.serverState[s] !== ServerState.InService || this.serverDrain[s]) throw stateError(`server ${s} is not an in-service server that is not draining`);
    this.serverDrain[s] = mode;
    this.engine.setHostInService(s, mode === 0);
  }

  private addRacks(racks: number, first: number, blob: string | undefined): void {
    if (!(Number.isInteger(racks) && racks >= 1 && racks <= 65_536) || this.dc.racks + racks > 65_536) throw stateError(`cannot add ${racks} racks to ${this.dc.racks}`);
    if (first !== this.dc.servers) throw stateError(`racks added from server ${first}; the data center has ${this.dc.servers}`);
    if (blob === undefined) throw stateError("racks added without a server spec");
    const spec = JSON.parse(blob) as ServerSpec;
    const n = racks * this.dc.serversPerRack;
    const S = this.dc.servers + n;
    const got = this.engine.addHosts(serverFleet(spec, this.dc.hostReservation, n, this.dc.serversPerRack));
    if (got !== first) throw stateError(`the engine numbered the new servers from ${got}, not ${first}`);
    this.serverState = grown(this.serverState, S);
    this.serverFailures = grown(this.serverFailures, S);
    this.serverImages = grown(this.serverImages, S);
    this.serverDrain = grown(this.serverDrain, S);
    this.serverNic = grown(this.serverNic, S);
    this.serverNic.fill(spec.nicMbps, first);
    this.dc.racks += racks;
    this.dc.servers = S;
    this.addedRacks.push([racks, spec]);
  }

  /** After a snapshot load: puts every placed instance and migration placeholder back into the
   *  engine and the DIP pool. */
  rebuildPlacements(): void {
    for (let i = 0; i < this.instances; i++) {
      const s = this.instHost[i];
      if (s < 0) continue;
      const p = this.engine.placeOn(this.request(i), s);
      if (p.host < 0) throw stateError(`snapshot: instance ${i} does not fit server ${s}: ${p.rejection?.message}`);
      this.dips.take(this.instDip[i], i);
    }
    for (let i = 0; i < this.instances; i++) {
      if (this.instMigStep[i] === MigStep.None) continue;
      const slot = this.instMigSlot[i] & 0xffff;
      if (this.slotOwner[slot] !== -1) throw stateError(`snapshot: migration slot ${slot} held twice`);
      const p = this.engine.placeOn(this.request(i, this.placeholderOf(i)), this.instMigTarget[i]);
      if (p.host < 0) throw stateError(`snapshot: instance ${i}'s migration does not fit server ${this.instMigTarget[i]}: ${p.rejection?.message}`);
      this.slotOwner[slot] = i;
    }
  }

  /** Gives back everything a placed instance holds: engine slot, DIP, disk, port, LB entry. */
  private free(i: number): void {
    this.dropMigration(i);
    if (this.engine.hostOf(i) >= 0) this.engine.release(i);
    this.dips.release(this.instDip[i]);
    this.instDip[i] = 0;
    this.instDisk[i] = 0;
    this.instAcl[i] = 0;
    this.instLb[i] = 0;
    this.instHealing[i] = 0;
    this.instHost[i] = -1;
    this.spreadRelaxed.delete(i);
  }

  private deleteDeployment(id: number): void {
    const d = this.dep(id);
    for (let i = d.firstInstance; i < d.firstInstance + d.instanceCount; i++) {
      if (holdsHost(this.instStage[i])) this.free(i);
      this.instStage[i] = Stage.Deleted;
    }
    if (d.vip) this.vips.release(d.vip);
    d.vip = 0;
    d.deleted = true;
    d.upgradeUd = NO_UD;
    let gib = 0;
    for (const r of d.model.roles) gib += r.instances * this.catalog.sizes[r.size].storageQuotaGiB;
    const left = (this.tenantStorageGiB.get(d.tenant) ?? 0) - gib;
    if (left > 0) this.tenantStorageGiB.set(d.tenant, left);
    else this.tenantStorageGiB.delete(d.tenant);
  }
}
