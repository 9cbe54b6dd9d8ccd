// FC state: what the Fabric Controller knows, in typed arrays, changed only by apply(record).
// The live FC, journal replay and snapshot restore all go through apply, so they cannot drift.
import type { Engine } from "../engine.js";
import { VmfabricError } from "../errors.js";
import { demandOf, type Catalog } from "./catalog.js";
import type { ResolvedDataCenter } from "./datacenter.js";
import { ServerState, Stage, holdsHost, isServerTransition, SERVER_STATE_NAMES } from "./lifecycle.js";
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

export class FcState {
  readonly dc: ResolvedDataCenter;
  readonly catalog: Catalog;
  readonly engine: Engine;
  readonly maxInstances: number;
  readonly serverState: Uint8Array;
  readonly serverFailures: Uint8Array;
  /** Base images cached on each server's disk, one bit per catalog image. */
  readonly serverImages: Uint32Array;
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
    this.dc = dc;
    this.catalog = catalog;
    this.engine = engine;
    this.maxInstances = maxInstances;
    const S = dc.servers;
    this.serverState = new Uint8Array(S);
    this.serverFailures = new Uint8Array(S);
    this.serverImages = new Uint32Array(S);
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
    this.serverState[s] = to;
    this.serverFailures[s] = failures;
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
      const p = this.engine.placeOn({ id: i, demand: this.demands[role.size], tenant: this.deployments[role.deployment].tenant, deployment: this.instRole[i] }, s);
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

  /** After a snapshot load: puts every placed instance back into the engine and the DIP pool. */
  rebuildPlacements(): void {
    for (let i = 0; i < this.instances; i++) {
      const s = this.instHost[i];
      if (s < 0) continue;
      const role = this.roles[this.instRole[i]];
      const p = this.engine.placeOn({ id: i, demand: this.demands[role.size], tenant: this.deployments[role.deployment].tenant, deployment: this.instRole[i] }, s);
      if (p.host < 0) throw stateError(`snapshot: instance ${i} does not fit server ${s}: ${p.rejection?.message}`);
      this.dips.take(this.instDip[i], i);
    }
  }

  /** Gives back everything a placed instance holds: engine slot, DIP, disk, port, LB entry. */
  private free(i: number): void {
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
