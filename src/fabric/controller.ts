// The Fabric Controller: boots servers, provisions guests, programs the network, heals.
// It is the only writer of FC state: every change is a journal record applied through
// FcState.apply (rec() below). It talks to the world only through Commands and Reports.
import { Engine } from "../engine.js";
import { VmfabricError, invalid } from "../errors.js";
import { REASON_CODES, rejection } from "../reasons.js";
import type { Rejection } from "../types.js";
import { demandOf } from "./catalog.js";
import { EventQueue } from "./clock.js";
import { fleetOf, imageServerOf, resolveServerSpec } from "./datacenter.js";
import { chooseDefragServers } from "./defrag.js";
import { planRelieve } from "../plans/relieve.js";
import type { HotHosts, Move, PlanOptions } from "../plans/types.js";
import { reliefRefusal, type ReliefResult, type SkippedMove } from "./relieve.js";
import { Ev } from "./events.js";
import { MemoryJournal, type Journal } from "./journal.js";
import { ServerState, Stage, holdsHost } from "./lifecycle.js";
import type { Command, Report } from "./messages.js";
import { resolveModel, type ServiceModel } from "./model.js";
import { lbBackends, reachable } from "./network.js";
import { appendOptionsRecord, canonical, checkOptionsRecord } from "./journal-options.js";
import { Abort, MigStep } from "./migration.js";
import { chooseTarget, overShare } from "./migration-target.js";
import { healPrior } from "./heal-spread.js";
import { onlyKeys } from "../validate.js";
import { resolveOptions, type FabricOptions, type ResolvedOptions } from "./options.js";
import { Evict, FabricReason, Rec } from "./records.js";
import { decodeHeader, encodeSnapshot, loadSnapshot } from "./snapshot.js";
import { FcState, NO_UD, migrationSlots } from "./state.js";
import { SimulatedDataCenter } from "./world.js";

export interface DeployResult {
  deployment: number;
  /** The deployment's VIP, when a role has input endpoints. */
  vip?: string;
  instances: number;
}

export interface Unhealed {
  instance: number;
  code: string;
  /** For NO_CAPACITY: the dimension most in-service servers were short of. */
  dimension?: string;
  message: string;
}

/** Where the FC thinks a server is, for the boot-step timeouts. */
const STEP_TIMEOUT: Partial<Record<number, keyof ResolvedOptions["timing"]>> = {
  [ServerState.NetworkBoot]: "networkBootTimeoutMs",
  [ServerState.HostPartitioning]: "hostPartitionTimeoutMs",
  [ServerState.Rebooting]: "rebootTimeoutMs",
  [ServerState.HostOSBoot]: "hostOsBootTimeoutMs",
  [ServerState.HostReady]: "hostReadyTimeoutMs",
};

export class FabricController {
  readonly options: ResolvedOptions;
  readonly state: FcState;
  readonly journal: Journal;
  readonly clock: EventQueue;
  readonly world: SimulatedDataCenter;
  // Soft state: rebuilt or re-derived after a restore, never journaled.
  // Per server (grown when racks are added).
  private lastHeartbeat: Float64Array;
  /** When each server last entered InService (NaN: never), for boot timelines. */
  inServiceAt: Float64Array;
  private stepToken: Uint32Array;
  /** Per server, whether its current step timeout is still in the queue; and how many
   *  superseded ones are, so run() can tell when only stale timers are left. */
  private timeoutLive: Uint8Array;
  private staleTimeouts = 0;
  private readonly pendingDisk: Uint32Array;
  private readonly pendingVersion: Uint32Array;
  private healingActive = 0;
  private healQueue: number[] = [];
  private healHead = 0;
  private readonly downloads = new Map<number, number[]>();
  /** Per image server: servers between power-on and their last download (PXE, host OS VHD),
   *  and servers waiting to power on; per server, whether it holds such a slot. */
  private readonly bootSlots: Int32Array;
  private bootSlot: Uint8Array;
  private bootWaiting: number[][];
  /** Index of the first server still waiting in each bootWaiting queue (no O(n) shift). */
  private bootHead: Int32Array;
  private readonly upgradeLeft = new Map<number, number>();
  /** Instances migrating now (soft: re-derived from FC state after a restore). */
  private readonly migrationsActive = new Set<number>();
  /** Servers being drained, in the order their drains began. */
  private draining: number[] = [];
  /** Hot-spot relief moves waiting for a server, a slot or an update domain (soft: a restore
   *  forgets them; the enforcer's next verdict asks again). Skips found later go to reliefLater. */
  private reliefQueue: Move[] = [];
  private reliefLater: SkippedMove[] = [];
  /** When each migrating instance's blackout began, for the blackout statistics. */
  private readonly blackoutAt = new Map<number, number>();
  private readonly demands: number[][];
  private diskSeq: number;
  /** Set by a restore: the healing queue is rebuilt, and the next run() starts pumping it
   *  (restoring itself must not change state, so the restored snapshot equals the original). */
  private resumeHealing = false;
  /** Records before this FC's journal began (a restore without a journal starts a new one). */
  private journalBase = 0;
  /** Counters for reports. */
  readonly counters = {
    evicted: 0, healed: 0, unhealed: 0, serversFailed: 0, imageDownloads: 0, lastHealedAt: 0, lastReadyAt: 0, lastInServiceAt: 0,
    migrationsStarted: 0, migrationsDone: 0, migrationsAborted: 0, blackoutMsTotal: 0, blackoutMsMax: 0, serversDrained: 0,
  };

  private constructor(options: ResolvedOptions, journal: Journal) {
    this.options = options;
    const dc = options.datacenter;
    // Past the instance ids: one placeholder id per migration slot (migration.ts).
    const engine = Engine.create(fleetOf(dc), { vmCapacity: options.maxInstances + migrationSlots(options.maxInstances), policy: options.policy, maxPerHost: 1 });
    this.state = new FcState(dc, options.catalog, engine, options.maxInstances);
    this.journal = journal;
    this.clock = new EventQueue(4096);
    this.world = new SimulatedDataCenter(this.state.dc, options.catalog, options.timing, this.clock, options.seed);
    this.world.migration = options.migration;
    this.world.deliverReport = (r) => this.receive(r);
    this.lastHeartbeat = new Float64Array(dc.servers);
    this.inServiceAt = new Float64Array(dc.servers).fill(NaN);
    this.stepToken = new Uint32Array(dc.servers);
    this.timeoutLive = new Uint8Array(dc.servers);
    const N = options.maxInstances;
    this.pendingDisk = new Uint32Array(N);
    this.pendingVersion = new Uint32Array(N);
    this.bootSlots = new Int32Array(dc.imageServers);
    this.bootSlot = new Uint8Array(dc.servers);
    this.bootWaiting = Array.from({ length: dc.imageServers }, () => []);
    this.bootHead = new Int32Array(dc.imageServers);
    this.demands = options.catalog.sizes.map(demandOf);
    this.diskSeq = 1;
  }

  /** A new FC over a simulated data center whose servers are all powered off. */
  static create(options: FabricOptions, journal: Journal = new MemoryJournal(1 << 16)): FabricController {
    const resolved = resolveOptions(options);
    checkJournal(journal);
    if (journal.length !== 0) throw invalid("journal", journal.length, "an empty journal (use FabricController.replay for a used one)");
    return new FabricController(resolved, journal);
  }

  /** Rebuilds the FC state by applying every record of a journal to an empty FC, which then
   *  goes on appending to that journal. */
  static replay(options: FabricOptions, journal: Journal): FabricController {
    const resolved = resolveOptions(options);
    checkJournal(journal);
    const from = checkOptionsRecord(journal, resolved);
    const fc = new FabricController(resolved, journal);
    fc.applyTail(journal, from);
    return fc;
  }

  /** Compact serialization of the FC state (see snapshot.ts); records how far the journal went. */
  snapshot(): Uint8Array {
    return encodeSnapshot(this.state, this.options, this.journalBase + this.journal.length);
  }

  /** Rebuilds an FC from a snapshot, then applies the records of `journal` (the journal the FC
   *  was writing) after the snapshot's position; the restored FC goes on appending to it.
   *  Without a journal it starts a new in-memory one at the snapshot's position. */
  static restore(snapshot: Uint8Array, journal?: Journal): FabricController {
    const h = decodeHeader(snapshot);
    if (journal !== undefined) checkJournal(journal);
    if (journal !== undefined) checkOptionsRecord(journal, h.options);
    if (journal !== undefined && journal.length < h.journalLength) {
      throw invalid("journal", journal.length, `a journal of at least ${h.journalLength} records (the snapshot's position)`);
    }
    const fc = new FabricController(h.options, journal ?? new MemoryJournal(1 << 12));
    loadSnapshot(snapshot, h, fc.state, (s) => fc.state.engine.setHostInService(s, true));
    if (journal !== undefined) fc.applyTail(journal, h.journalLength);
    else {
      fc.journalBase = h.journalLength;
      fc.afterRestore();
    }
    return fc;
  }

  /** Applies records [from, length) of the FC's own journal to its state. */
  private applyTail(journal: Journal, from: number): void {
    for (let i = from; i < journal.length; i++) {
      if (i === 0 && journal.kind(0) === Rec.Options) continue; // checked by the caller; changes no state
      this.state.apply(journal.kind(i), journal.time(i), journal.a(i), journal.b(i), journal.c(i), journal.blob(i));
    }
    this.afterRestore();
  }

  /** Re-derives soft state from FC state and lines the simulated world up with it. */
  private afterRestore(): void {
    const st = this.state;
    this.growServers();
    this.diskSeq = st.nextDisk;
    // The clock resumes where the state ends.
    if (this.clock.size === 0 && st.time > this.clock.now) {
      this.clock.push(st.time, 0, 0, 0);
      this.clock.pop();
    }
    this.world.adopt((s) => st.serverState[s] === ServerState.InService || st.serverState[s] === ServerState.HostReady);
    this.lastHeartbeat.fill(st.time);
    this.healQueue = [];
    this.healHead = 0;
    for (let i = 0; i < st.instances; i++) if (st.instStage[i] === Stage.Unplaced) this.healQueue.push(i);
    this.resumeHealing = this.healQueue.length > 0;
    this.healingActive = 0;
    for (let i = 0; i < st.instances; i++) this.healingActive += st.instHealing[i];
    this.migrationsActive.clear();
    this.blackoutAt.clear();
    for (let i = 0; i < st.instances; i++) if (st.instMigStep[i] !== MigStep.None) this.migrationsActive.add(i);
    this.draining = [];
    for (let s = 0; s < st.dc.servers; s++) if (st.serverDrain[s]) this.draining.push(s);
    if (this.draining.length > 0) this.resumeHealing = true;
    this.bootSlots.fill(0);
    this.bootWaiting = Array.from({ length: st.dc.imageServers }, () => []);
    this.bootHead.fill(0);
    this.bootSlot.fill(0);
    for (let s = 0; s < st.dc.servers; s++) {
      const x = st.serverState[s];
      if (x === ServerState.NetworkBoot || x === ServerState.MaintenanceOS || x === ServerState.HostPartitioning) {
        this.bootSlots[imageServerOf(st.dc, s)]++;
        this.bootSlot[s] = 1;
      }
    }
    this.reconcile();
  }

  /** After a restart the agents' work in flight is lost with the old world: re-arm each booting
   *  server's step timer (a boot step that never reports is retried) and re-issue each
   *  instance's current step. Changes no FC state. */
  private reconcile(): void {
    const st = this.state;
    const now = this.clock.now;
    for (let s = 0; s < st.dc.servers; s++) {
      const t = STEP_TIMEOUT[st.serverState[s]];
      if (t === undefined) continue;
      this.stepToken[s]++;
      this.timeoutLive[s] = 1;
      this.clock.push(now + this.options.timing[t], Ev.StepTimeout, s, this.stepToken[s]);
    }
    for (let i = 0; i < st.instances; i++) {
      const s = st.instHost[i];
      if (s < 0) continue;
      switch (st.instStage[i]) {
        case Stage.Placed: {
          const role = st.roles[st.instRole[i]];
          this.send({ type: "CreateGuestPartition", server: s, instance: i, size: role.size, dip: st.instDip[i], aclTag: role.deployment });
          break;
        }
        case Stage.Partitioned: this.needImage(i, s); break;
        case Stage.ImageReady: {
          const disk = this.diskSeq++;
          this.pendingDisk[i] = disk;
          this.send({ type: "CreateDiffDisk", server: s, instance: i, image: st.roles[st.instRole[i]].image, disk });
          break;
        }
        case Stage.DiskReady: this.deployRole(i, s); break;
        case Stage.Deployed: this.send({ type: "StartRole", server: s, instance: i }); break;
        case Stage.Stopped: this.send({ type: "StopRole", server: s, instance: i }); break;
      }
    }
    // A migration's step in flight is lost with the old world: do it again (pre-copy starts over).
    for (const i of this.migrationsActive) this.migrationStep(i);
    this.upgradeLeft.clear();
    for (const d of st.deployments) {
      if (d.deleted || d.upgradeUd === NO_UD) continue;
      let n = 0;
      for (let i = d.firstInstance; i < d.firstInstance + d.instanceCount; i++) if (st.instStage[i] === Stage.Stopped) n++;
      if (n > 0) this.upgradeLeft.set(d.id, n);
    }
  }

  // ---- the only writer ----

  private rec(kind: number, a: number, b: number, c: number, blob?: string): void {
    // A journal the FC starts begins with the options its records depend on (written with the
    // first change, so an FC that changed nothing leaves its journal empty).
    if (this.journal.length === 0 && this.journalBase === 0) appendOptionsRecord(this.journal, this.options);
    const now = this.clock.now;
    this.state.apply(kind, now, a, b, c, blob);
    this.journal.append(kind, now, a, b, c, blob);
  }

  private send(cmd: Command): void {
    this.world.deliver(cmd);
  }

  // ---- running the clock ----

  /** Processes events until nothing is pending (or the clock passes `until`); returns the time. */
  run(until = Infinity): number {
    if (typeof until !== "number" || Number.isNaN(until) || until < 0) throw invalid("until", until, "a virtual time in ms (a number >= 0, or Infinity)");
    const q = this.clock;
    if (this.resumeHealing) {
      this.resumeHealing = false;
      this.pumpHealing();
    }
    // Drains waiting for a target (or for instances to come up) try again on every run().
    if (this.draining.length > 0) this.pumpMigrations();
    if (this.reliefQueue.length > 0) this.pumpRelief();
    while (q.size > 0 && q.peekTime() <= until) {
      if (q.size - this.staleTimeouts === (this.world.sweeping ? 1 : 0) && !this.failureUndetected()) break;
      q.pop();
      const k = q.kind;
      if (k === Ev.StepTimeout) this.onTimeout(q.a, q.b);
      else {
        this.world.handle(k, q.a, q.b);
        if (k === Ev.HeartbeatSweep) this.checkHeartbeats();
      }
    }
    // Time passes up to `until` even when nothing happens before it.
    if (Number.isFinite(until) && until > q.now && !(q.peekTime() < until)) q.advanceTo(until);
    this.journal.sync();
    return q.now;
  }

  get now(): number {
    return this.clock.now;
  }

  /** A server whose hardware died while the FC still counts on it: keep the clock going. */
  private failureUndetected(): boolean {
    const st = this.state.serverState;
    const alive = this.world.alive;
    for (let s = 0; s < st.length; s++) {
      if (!alive[s] && (st[s] === ServerState.InService || st[s] === ServerState.HostReady)) return true;
    }
    return false;
  }

  // ---- servers ----

  /** Powers servers on (all powered-off ones by default) to start their boot. */
  powerOn(servers?: Iterable<number>): void {
    const S = this.state.dc.servers;
    if (servers !== undefined && (typeof servers !== "object" || servers === null || typeof (servers as Iterable<number>)[Symbol.iterator] !== "function")) {
      throw invalid("servers", servers, "an array (or other iterable) of server indexes");
    }
    const list = servers === undefined ? Array.from({ length: S }, (_, s) => s) : [...servers];
    list.forEach((s, k) => {
      if (typeof s !== "number" || !Number.isInteger(s) || s < 0 || s >= S) throw invalid(`servers[${k}]`, s, `a server index in [0, ${S - 1}]`);
    });
    for (const s of list) {
      if (this.state.serverState[s] === ServerState.Maintenance) this.to(s, ServerState.PoweredOff);
      if (this.state.serverState[s] === ServerState.PoweredOff) this.boot(s);
    }
    this.journal.sync();
  }

  /** Hardware failure of a server now (the simulated world's fault injection). */
  failServer(server: number): void {
    const S = this.state.dc.servers;
    if (typeof server !== "number" || !Number.isInteger(server) || server < 0 || server >= S) throw invalid("server", server, `a server index in [0, ${S - 1}]`);
    this.world.failServer(server);
  }

  private to(s: number, state: number, failures = this.state.serverFailures[s]): void {
    this.rec(Rec.ServerState, s, state, failures);
    // Downloads to a server that stops or reboots never report: forget them, or whoever asks
    // for that image there later would wait for them forever.
    if (state === ServerState.Unhealthy || state === ServerState.Maintenance || state === ServerState.PoweredOff) {
      for (let img = 0; img < this.options.catalog.images.length; img++) this.downloads.delete(s * 32 + img);
    }
    if (this.bootSlot[s] && (state === ServerState.Rebooting || state === ServerState.Unhealthy)) this.releaseBootSlot(s);
    this.stepToken[s]++;
    if (this.timeoutLive[s]) {
      this.timeoutLive[s] = 0;
      this.staleTimeouts++;
    }
    const t = STEP_TIMEOUT[state];
    if (t !== undefined) {
      this.clock.push(this.clock.now + this.options.timing[t], Ev.StepTimeout, s, this.stepToken[s]);
      this.timeoutLive[s] = 1;
    }
    if (state === ServerState.InService) {
      this.counters.lastInServiceAt = this.clock.now;
      this.inServiceAt[s] = this.clock.now;
    }
  }

  private boot(s: number): void {
    const l = imageServerOf(this.state.dc, s);
    if (this.bootSlots[l] >= this.options.maxBootsPerImageServer) {
      this.bootWaiting[l].push(s);
      return;
    }
    this.bootSlots[l]++;
    this.bootSlot[s] = 1;
    this.to(s, ServerState.NetworkBoot);
    this.send({ type: "PowerOn", server: s });
  }

  /** A server's downloads are done (or it failed): the next server waiting on that image
   *  server powers on. */
  private releaseBootSlot(s: number): void {
    const l = imageServerOf(this.state.dc, s);
    this.bootSlot[s] = 0;
    this.bootSlots[l]--;
    const q = this.bootWaiting[l];
    while (this.bootHead[l] < q.length && this.bootSlots[l] < this.options.maxBootsPerImageServer) {
      const next = q[this.bootHead[l]++];
      if (this.state.serverState[next] === ServerState.PoweredOff) this.boot(next);
    }
    if (this.bootHead[l] === q.length) {
      this.bootWaiting[l] = [];
      this.bootHead[l] = 0;
    }
  }

  private onTimeout(s: number, token: number): void {
    if (token !== this.stepToken[s]) {
      this.staleTimeouts--;
      return;
    }
    this.timeoutLive[s] = 0;
    this.serverFailed(s);
  }

  /** A boot step timed out or heartbeats stopped: evict, then retry the boot or give up. */
  private serverFailed(s: number): void {
    const st = this.state;
    const wasInService = st.serverState[s] === ServerState.InService;
    const failures = Math.min(255, st.serverFailures[s] + 1);
    // The target died: the VM runs on on its source.
    for (const i of [...this.migrationsActive]) if (st.instMigTarget[i] === s) this.abortMigration(i, Abort.TargetFailed);
    this.to(s, ServerState.Unhealthy, failures);
    if (wasInService) {
      this.counters.serversFailed++;
      this.evictAll(s);
    }
    if (failures >= this.options.timing.maxBootFailures) {
      this.to(s, ServerState.OutForRepair, failures);
    } else {
      this.to(s, ServerState.PoweredOff, failures);
      this.boot(s);
    }
    this.pumpHealing();
  }

  private checkHeartbeats(): void {
    const st = this.state.serverState;
    const limit = this.options.timing.missedHeartbeats * this.options.timing.heartbeatIntervalMs;
    const now = this.clock.now;
    for (let s = 0; s < st.length; s++) {
      if ((st[s] === ServerState.InService || st[s] === ServerState.HostReady) && now - this.lastHeartbeat[s] > limit) this.serverFailed(s);
    }
  }

  // ---- reports from the agents ----

  receive(r: Report): void {
    const st = this.state;
    const s = r.server;
    const state = st.serverState[s];
    switch (r.type) {
      case "Registered":
        if (r.agent === "maintenance" && state === ServerState.NetworkBoot) {
          this.to(s, ServerState.MaintenanceOS);
          this.to(s, ServerState.HostPartitioning);
          this.send({ type: "CreateHostPartition", server: s });
        } else if (r.agent === "host" && state === ServerState.HostOSBoot) {
          this.lastHeartbeat[s] = this.clock.now;
          this.to(s, ServerState.HostReady);
        }
        return;
      case "HostPartitionCreated":
        if (state !== ServerState.HostPartitioning) return;
        this.to(s, ServerState.Rebooting);
        this.send({ type: "Reboot", server: s });
        return;
      case "HostOSBooting":
        if (state === ServerState.Rebooting) this.to(s, ServerState.HostOSBoot);
        return;
      case "Heartbeat":
        this.lastHeartbeat[s] = this.clock.now;
        if (state === ServerState.HostReady) {
          this.to(s, ServerState.InService, 0);
          this.pumpHealing();
        }
        return;
      case "ImageDownloaded": return this.imageDownloaded(s, r.image);
      case "MigrationPrepared": case "PreCopyDone": case "SwitchedOver": return this.migrationReport(r);
      default: return this.guestReport(r);
    }
  }

  private guestReport(r: Extract<Report, { instance: number }>): void {
    const st = this.state;
    const i = r.instance;
    if (i >= st.instances || st.instHost[i] !== r.server) return; // stale: evicted or deleted since
    const stage = st.instStage[i];
    const s = r.server;
    switch (r.type) {
      case "GuestPartitionCreated":
        if (stage !== Stage.Placed) return;
        this.rec(Rec.InstanceStage, i, Stage.Partitioned, 0);
        this.needImage(i, s);
        return;
      case "DiffDiskCreated":
        if (stage !== Stage.ImageReady) return;
        this.rec(Rec.InstanceStage, i, Stage.DiskReady, this.pendingDisk[i]);
        this.deployRole(i, s);
        return;
      case "RoleDeployed":
        if (stage === Stage.DiskReady) {
          // An upgrade started while this package was on its way: deploy the new one instead.
          if (this.pendingVersion[i] < st.deployments[st.deploymentOfInstance(i)].version) return this.deployRole(i, s);
          this.rec(Rec.InstanceStage, i, Stage.Deployed, this.pendingVersion[i]);
        } else if (stage === Stage.Stopped) this.rec(Rec.InstanceStage, i, Stage.Stopped, this.pendingVersion[i]);
        else return;
        this.send({ type: "StartRole", server: s, instance: i });
        return;
      case "GuestReady":
        if (stage !== Stage.Deployed && stage !== Stage.Stopped) return;
        const wasHealing = st.instHealing[i] === 1;
        this.rec(Rec.InstanceStage, i, Stage.Ready, 0);
        this.counters.lastReadyAt = this.clock.now;
        if (wasHealing) {
          this.healingActive--;
          this.counters.healed++;
          this.counters.lastHealedAt = this.clock.now;
          this.pumpHealing();
        }
        if (stage === Stage.Stopped) this.upgradeStep(st.deploymentOfInstance(i));
        else this.catchUp(i);
        if (st.serverDrain[s] && st.instStage[i] === Stage.Ready) this.pumpMigrations();
        return;
      case "RoleStopped":
        if (stage === Stage.Stopped) this.deployRole(i, s);
        return;
    }
  }

  private deployRole(i: number, s: number): void {
    const v = this.state.deployments[this.state.deploymentOfInstance(i)].version;
    this.pendingVersion[i] = v;
    this.send({ type: "DeployRole", server: s, instance: i, version: v });
  }

  /** A server downloads a base image once; later instances on it reuse the cached copy. */
  private needImage(i: number, s: number): void {
    const st = this.state;
    const img = st.roles[st.instRole[i]].image;
    if (st.serverImages[s] & (1 << img)) return this.imageReady(i, s, img);
    const key = s * 32 + img;
    const waiting = this.downloads.get(key);
    if (waiting) {
      waiting.push(i);
      return;
    }
    this.downloads.set(key, [i]);
    this.counters.imageDownloads++;
    this.send({ type: "DownloadImage", server: s, image: img });
  }

  private imageDownloaded(s: number, img: number): void {
    const st = this.state;
    const key = s * 32 + img;
    const waiting = this.downloads.get(key);
    this.downloads.delete(key);
    const state = st.serverState[s];
    if (state !== ServerState.InService && state !== ServerState.HostReady) return;
    this.rec(Rec.ImageCached, s, img, 0);
    if (!waiting) return;
    for (const x of waiting) {
      if (x < 0) {
        // A migration waiting for its target's copy of the base image.
        const i = -x - 1;
        if (st.instMigStep[i] === MigStep.Preparing && st.instMigTarget[i] === s) this.prepareOnTarget(i);
      } else if (st.instHost[x] === s && st.instStage[x] === Stage.Partitioned) this.imageReady(x, s, img);
    }
  }

  private imageReady(i: number, s: number, img: number): void {
    this.rec(Rec.InstanceStage, i, Stage.ImageReady, 0);
    const disk = this.diskSeq++;
    this.pendingDisk[i] = disk;
    this.send({ type: "CreateDiffDisk", server: s, instance: i, image: img, disk });
  }

  // ---- deployments ----

  /** Places every instance of a service model, or throws and changes nothing. The deployment
   *  is journaled (and synced) before this returns; provisioning then runs on the clock. */
  deploy(model: ServiceModel): DeployResult {
    const st = this.state;
    const m = resolveModel(model, this.options.catalog);
    const total = m.roles.reduce((n, r) => n + r.instances, 0);
    if (st.instances + total > st.maxInstances) {
      throw new VmfabricError("LIMIT", `the deployment needs ${total} instance ids; ${st.maxInstances - st.instances} of maxInstances ${st.maxInstances} are left`, "maxInstances", st.maxInstances);
    }
    if (st.dips.free < total) throw st.dips.exhausted(total);
    const wantsVip = m.roles.some((r) => r.endpoints.length > 0);
    if (wantsVip && st.vips.free < 1) throw st.vips.exhausted(1);
    const engine = st.engine;
    const dep = st.deployments.length;
    const first = st.instances;
    const hosts = new Int32Array(total).fill(-1);
    // Every instance must fit before anything is recorded: on any failure the placements made
    // so far go back and the engine is as it was.
    const undo = () => engine.releaseBatch(Array.from({ length: total }, (_, k) => first + k).filter((_, k) => hosts[k] >= 0));
    let at = 0;
    for (let r = 0; r < m.roles.length; r++) {
      const role = m.roles[r];
      const n = role.instances;
      const ids = new Uint32Array(n);
      for (let k = 0; k < n; k++) ids[k] = first + at + k;
      const demand = this.demands[role.size];
      const demands = new Int32Array(n * demand.length);
      for (let k = 0; k < n; k++) demands.set(demand, k * demand.length);
      let res;
      try {
        res = engine.placeBatch({ ids, demands, tenants: new Uint32Array(n).fill(m.tenant), deployments: new Uint32Array(n).fill(st.roles.length + r) }, { maxPerHost: 1 });
      } catch (e) {
        undo();
        throw e;
      }
      hosts.set(res.hosts, at);
      at += n;
      if (res.rejected > 0) {
        undo();
        const j = res.hosts.findIndex((h) => h < 0);
        const why = engine.explain(res, j) as Rejection;
        throw new VmfabricError("INSUFFICIENT_CAPACITY", `role ${JSON.stringify(role.name)}: ${res.rejected} of ${n} instances could not be placed (${why.code}: ${why.message}); nothing was deployed`, `model.roles[${r}].instances`, n);
      }
    }
    this.rec(Rec.DeploymentCreated, dep, m.tenant, 0, JSON.stringify(m));
    if (wantsVip) this.rec(Rec.VipAssigned, dep, st.vips.peek(), 0);
    for (let k = 0; k < total; k++) this.placed(first + k, hosts[k]);
    this.journal.sync();
    return { deployment: dep, vip: wantsVip ? st.vips.format(st.deployments[dep].vip) : undefined, instances: total };
  }

  /** Records a placement the engine has made and starts provisioning. */
  private placed(i: number, host: number): void {
    const st = this.state;
    this.rec(Rec.InstancePlaced, i, host, st.dips.peek());
    const role = st.roles[st.instRole[i]];
    this.send({ type: "CreateGuestPartition", server: host, instance: i, size: role.size, dip: st.instDip[i], aclTag: role.deployment });
  }

  private liveDeployment(field: string, d: unknown): number {
    const st = this.state;
    if (typeof d !== "number" || !Number.isInteger(d) || d < 0 || d >= st.deployments.length || st.deployments[d].deleted) {
      throw invalid(field, d, "the id of a live deployment");
    }
    return d;
  }

  /** Deletes a deployment: frees its hosts' slots, DIPs, disks, VIP and LB entries. */
  deleteDeployment(deployment: number): void {
    const d = this.liveDeployment("deployment", deployment);
    const st = this.state;
    const dep = st.deployments[d];
    const held: Array<[number, number]> = [];
    for (let i = dep.firstInstance; i < dep.firstInstance + dep.instanceCount; i++) {
      if (holdsHost(st.instStage[i])) held.push([i, st.instHost[i]]);
      if (st.instHealing[i]) this.healingActive--;
      if (st.instMigStep[i] !== MigStep.None) {
        held.push([i, st.instMigTarget[i]]);
        this.migrationsActive.delete(i);
      }
    }
    this.rec(Rec.DeploymentDeleted, d, 0, 0);
    this.upgradeLeft.delete(d);
    for (const [i, s] of held) this.send({ type: "DestroyGuestPartition", server: s, instance: i });
    this.pumpHealing();
    this.pumpMigrations();
    this.journal.sync();
  }

  /** Rolls a new package version out one update domain at a time. */
  upgrade(deployment: number): number {
    const d = this.liveDeployment("deployment", deployment);
    const dep = this.state.deployments[d];
    if (dep.upgradeUd !== NO_UD) throw new VmfabricError("BUSY", `deployment ${d} is already upgrading (update domain ${dep.upgradeUd})`, "deployment", d);
    this.rec(Rec.UpgradeStarted, d, dep.version + 1, 0);
    this.startUpdateDomain(d, 0);
    this.journal.sync();
    return dep.version;
  }

  private startUpdateDomain(d: number, ud: number): void {
    const st = this.state;
    const dep = st.deployments[d];
    for (; ud < dep.model.updateDomains; ud++) {
      this.rec(Rec.UpgradeDomain, d, ud, 0);
      let n = 0;
      for (let i = dep.firstInstance; i < dep.firstInstance + dep.instanceCount; i++) {
        if (st.instUd[i] !== ud || st.instStage[i] !== Stage.Ready || st.instVersion[i] >= dep.version) continue;
        if (st.instMigStep[i] !== MigStep.None) this.abortMigration(i, Abort.Upgrade);
        this.rec(Rec.InstanceStage, i, Stage.Stopped, 0); // out of the LB before it stops
        this.send({ type: "StopRole", server: st.instHost[i], instance: i });
        n++;
      }
      if (n > 0) {
        this.upgradeLeft.set(d, n);
        return;
      }
    }
    // Instances that came up on the old version after their update domain had passed (they
    // were starting when it came): one more pass takes them, still one domain at a time.
    for (let i = dep.firstInstance; i < dep.firstInstance + dep.instanceCount; i++) {
      if (st.instStage[i] === Stage.Ready && st.instVersion[i] < dep.version) return this.startUpdateDomain(d, 0);
    }
    this.upgradeLeft.delete(d);
    this.rec(Rec.UpgradeDomain, d, NO_UD, 0);
  }

  /** A first start finished on an old version (an upgrade began while it was starting). */
  private catchUp(i: number): void {
    const st = this.state;
    const d = st.deploymentOfInstance(i);
    const dep = st.deployments[d];
    if (st.instVersion[i] >= dep.version) return;
    if (dep.upgradeUd === NO_UD) return this.startUpdateDomain(d, 0);
    if (st.instUd[i] !== dep.upgradeUd) return; // a later domain takes it when it starts; an earlier one, the last check
    this.rec(Rec.InstanceStage, i, Stage.Stopped, 0);
    this.send({ type: "StopRole", server: st.instHost[i], instance: i });
    this.upgradeLeft.set(d, (this.upgradeLeft.get(d) ?? 0) + 1);
  }

  /** One instance of the update domain being upgraded is back (or gone): maybe move on. */
  private upgradeStep(d: number): void {
    const left = (this.upgradeLeft.get(d) ?? 1) - 1;
    if (left > 0) {
      this.upgradeLeft.set(d, left);
      return;
    }
    const dep = this.state.deployments[d];
    if (!dep.deleted && dep.upgradeUd !== NO_UD) this.startUpdateDomain(d, dep.upgradeUd + 1);
  }

  // ---- healing ----

  private evictAll(s: number): void {
    const st = this.state;
    const vms = st.engine.vmsOnHost(s).filter((v) => !st.isPlaceholder(v)).sort((x, y) => x - y);
    const upgrading: number[] = [];
    for (const i of vms) {
      // Its source died mid-migration: the target's placeholder goes with the eviction, and the
      // instance is healed as any other.
      if (this.migrationsActive.delete(i)) {
        this.blackoutAt.delete(i);
        this.counters.migrationsAborted++;
        this.send({ type: "DestroyGuestPartition", server: st.instMigTarget[i], instance: i });
      }
      if (st.instStage[i] === Stage.Stopped) upgrading.push(st.deploymentOfInstance(i));
      if (st.instHealing[i]) this.healingActive--;
      this.rec(Rec.InstanceEvicted, i, Evict.HostFailed, 0);
      this.counters.evicted++;
      this.healQueue.push(i);
    }
    for (const d of upgrading) this.upgradeStep(d);
  }

  /** Re-places evicted instances, at most maxConcurrentHealing in flight. */
  private pumpHealing(): void {
    const st = this.state;
    const q = this.healQueue;
    while (this.healingActive < this.options.maxConcurrentHealing && this.healHead < q.length) {
      const i = q[this.healHead++];
      if (st.instStage[i] !== Stage.Unplaced) continue;
      this.heal(i);
    }
    if (this.healHead === q.length) {
      this.healQueue = [];
      this.healHead = 0;
    }
  }

  private heal(i: number): void {
    const st = this.state;
    const engine = st.engine;
    const role = st.instRole[i];
    const r = st.roles[role];
    const tenant = st.tenantOfInstance(i);
    const batch = { ids: [i], demands: this.demands[r.size], tenants: [tenant], deployments: [role] };
    // The whole role's spread counts: its other instances already sit in these fault domains.
    const prior = healPrior(st, i);
    let res = prior === null ? undefined : engine.placeBatch(batch, { maxPerHost: 1, prior });
    let relaxed = false;
    if (res === undefined || (res.placed === 0 && REASON_CODES[res.reasons[0]] === "FAULT_DOMAIN_SPREAD")) {
      res = engine.placeBatch(batch, { maxPerHost: 1 });
      relaxed = res.placed === 1;
    }
    if (res.placed === 0) {
      this.rec(Rec.InstanceUnhealed, i, res.reasons[0], res.reasonDims[0]);
      this.counters.unhealed++;
      return;
    }
    const host = res.hosts[0];
    if (st.dips.free < 1) {
      engine.release(i);
      this.rec(Rec.InstanceUnhealed, i, FabricReason.DipPoolExhausted, 255);
      this.counters.unhealed++;
      return;
    }
    this.placed(i, host);
    if (relaxed) this.rec(Rec.SpreadRelaxed, i, Math.floor(host / st.dc.serversPerRack), 0);
    this.healingActive++;
  }

  /** Puts instances that could not be healed back in the healing queue (e.g. after repairs). */
  retryUnhealed(): number {
    const st = this.state;
    let n = 0;
    for (let i = 0; i < st.instances; i++) {
      if (st.instStage[i] === Stage.Unhealed) {
        this.rec(Rec.HealRetried, i, 0, 0);
        this.healQueue.push(i);
        n++;
      }
    }
    this.pumpHealing();
    this.journal.sync();
    return n;
  }

  // ---- live migration (migration.ts: the timing model and how the target's room is held) ----

  /** Starts a live migration of a running instance to `target`, or to the server the FC
   *  chooses (migration-target.ts). Returns the target. The migration then runs on the clock;
   *  the instance keeps its DIP, port, load-balancer entry, role instance and update domain. */
  migrate(instance: number, target?: number): number {
    const st = this.state;
    const i = this.instanceId(instance);
    if (st.instStage[i] !== Stage.Ready) throw invalid("instance", instance, "a running (Ready) instance");
    if (st.instMigStep[i] !== MigStep.None) throw new VmfabricError("BUSY", `instance ${i} is already migrating to server ${st.instMigTarget[i]}`, "instance", instance);
    const S = st.dc.servers;
    const source = st.instHost[i];
    if (target !== undefined) {
      if (typeof target !== "number" || !Number.isInteger(target) || target < 0 || target >= S) throw invalid("target", target, `a server index in [0, ${S - 1}]`);
      if (target === source) throw invalid("target", target, `a server other than the instance's own (${source})`);
      if (st.serverState[target] !== ServerState.InService || st.serverDrain[target]) throw invalid("target", target, "an in-service server that is not draining");
    }
    const busy = this.busyServers();
    if (this.migrationsActive.size >= this.options.migration.maxConcurrent) throw new VmfabricError("BUSY", `${this.migrationsActive.size} migrations are running, the most migration.maxConcurrent allows`, "instance", instance);
    if (busy[source]) throw new VmfabricError("BUSY", `server ${source} is already in a migration (one at a time per server)`, "instance", instance);
    if (target !== undefined && busy[target]) throw new VmfabricError("BUSY", `server ${target} is already in a migration (one at a time per server)`, "target", target);
    const slot = this.freeSlot();
    if (slot < 0) throw new VmfabricError("LIMIT", `all ${st.migrationSlots} migration slots are in use`, "instance", instance);
    const ph = st.maxInstances + slot;
    let chosen: { server: number; relaxed: boolean } | undefined;
    if (target !== undefined) {
      const p = st.engine.placeOn(st.request(i, ph), target);
      if (!p.placed) throw new VmfabricError("INSUFFICIENT_CAPACITY", `instance ${i} cannot go to server ${target} (${p.rejection.code}: ${p.rejection.message})`, "target", target);
      chosen = { server: target, relaxed: overShare(st, i, target) };
    } else {
      chosen = chooseTarget(st, i, ph, busy);
      if (!chosen) throw new VmfabricError("INSUFFICIENT_CAPACITY", `no in-service server can take instance ${i} now`, "instance", instance);
    }
    this.beginMigration(i, chosen.server, slot, chosen.relaxed);
    this.journal.sync();
    return chosen.server;
  }

  /** Servers taking part in a migration now, as source or target. */
  private busyServers(): Uint8Array {
    const st = this.state;
    const busy = new Uint8Array(st.dc.servers);
    for (const i of this.migrationsActive) {
      busy[st.instHost[i]] = 1;
      busy[st.instMigTarget[i]] = 1;
    }
    return busy;
  }

  private freeSlot(): number {
    const owner = this.state.slotOwner;
    for (let k = 0; k < owner.length; k++) if (owner[k] === -1) return k;
    return -1;
  }

  /** The placeholder already holds the target; record the start and prepare the target. */
  private beginMigration(i: number, target: number, slot: number, relaxed: boolean): void {
    this.rec(Rec.MigrationStarted, i, target, slot | (relaxed ? 1 << 16 : 0));
    this.migrationsActive.add(i);
    this.counters.migrationsStarted++;
    this.migrationStep(i);
  }

  /** Issues the command for a migration's current step (also after a restore). */
  private migrationStep(i: number): void {
    const st = this.state;
    switch (st.instMigStep[i]) {
      case MigStep.Preparing: {
        // The target needs the role's base image first, as provisioning does.
        const t = st.instMigTarget[i];
        const img = st.roles[st.instRole[i]].image;
        if (st.serverImages[t] & (1 << img)) return this.prepareOnTarget(i);
        const key = t * 32 + img;
        const waiting = this.downloads.get(key);
        if (waiting) waiting.push(-i - 1);
        else {
          this.downloads.set(key, [-i - 1]);
          this.counters.imageDownloads++;
          this.send({ type: "DownloadImage", server: t, image: img });
        }
        return;
      }
      case MigStep.PreCopy: return this.send({ type: "PreCopy", ...this.migrationLink(i) });
      case MigStep.Blackout:
        this.blackoutAt.set(i, this.clock.now);
        return this.send({ type: "SwitchOver", ...this.migrationLink(i) });
    }
  }

  private prepareOnTarget(i: number): void {
    const disk = this.diskSeq++;
    this.pendingDisk[i] = disk;
    this.send({ type: "PrepareMigration", server: this.state.instMigTarget[i], instance: i, disk });
  }

  /** Source, target, memory and the rate both NICs and the migration network allow. */
  private migrationLink(i: number): { server: number; target: number; instance: number; memoryMiB: number; mbps: number } {
    const st = this.state;
    const source = st.instHost[i];
    const target = st.instMigTarget[i];
    const mbps = Math.min(this.options.migration.mbps, st.serverNic[source], st.serverNic[target]);
    return { server: source, target, instance: i, memoryMiB: this.options.catalog.sizes[st.roles[st.instRole[i]].size].memoryMiB, mbps };
  }

  private migrationReport(r: Extract<Report, { type: "MigrationPrepared" | "PreCopyDone" | "SwitchedOver" }>): void {
    const st = this.state;
    const i = r.instance;
    if (i >= st.instances || st.instMigTarget[i] !== r.server) return; // stale: aborted or ended since
    const step = st.instMigStep[i];
    if (r.type === "MigrationPrepared" && step === MigStep.Preparing) {
      this.rec(Rec.MigrationPrepared, i, this.pendingDisk[i], 0);
      this.migrationStep(i);
    } else if (r.type === "PreCopyDone" && step === MigStep.PreCopy) {
      this.rec(Rec.MigrationBlackout, i, r.rounds, 0);
      this.migrationStep(i);
    } else if (r.type === "SwitchedOver" && step === MigStep.Blackout) {
      const source = st.instHost[i];
      this.rec(Rec.MigrationDone, i, 0, 0);
      this.send({ type: "DestroyGuestPartition", server: source, instance: i });
      this.migrationsActive.delete(i);
      this.counters.migrationsDone++;
      const began = this.blackoutAt.get(i);
      this.blackoutAt.delete(i);
      if (began !== undefined) {
        const ms = this.clock.now - began;
        this.counters.blackoutMsTotal += ms;
        if (ms > this.counters.blackoutMsMax) this.counters.blackoutMsMax = ms;
      }
      this.pumpMigrations();
      this.pumpRelief();
    }
  }

  /** Abandons a migration: the target's placeholder, partition and disk go; the VM runs on. */
  private abortMigration(i: number, why: number): void {
    const target = this.state.instMigTarget[i];
    this.rec(Rec.MigrationAborted, i, why, 0);
    this.send({ type: "DestroyGuestPartition", server: target, instance: i });
    this.migrationsActive.delete(i);
    this.blackoutAt.delete(i);
    this.counters.migrationsAborted++;
  }

  /** Migrations in flight: instance, source, target and step name. */
  migrations(): Array<{ instance: number; source: number; target: number; step: "Preparing" | "PreCopy" | "Blackout" }> {
    const st = this.state;
    const names = ["", "Preparing", "PreCopy", "Blackout"] as const;
    return [...this.migrationsActive].sort((a, b) => a - b)
      .map((i) => ({ instance: i, source: st.instHost[i], target: st.instMigTarget[i], step: names[st.instMigStep[i]] as "Preparing" }));
  }

  // ---- drains, defragmentation ----

  /** Drains a server for maintenance: it takes no new guests, its guests migrate off (one
   *  update domain of a role at a time), and once empty it goes to Maintenance and shuts down.
   *  `powerOn([server])` boots it again; `retire(server)` retires it for good. */
  drain(server: number): void {
    this.startDrain(this.serverId("server", server), 1);
    this.journal.sync();
  }

  /** Retires a server in Maintenance for good (its engine host is retired). */
  retire(server: number): void {
    const s = this.serverId("server", server);
    if (this.state.serverState[s] !== ServerState.Maintenance) throw invalid("server", server, "a server in Maintenance (drain it first)");
    this.to(s, ServerState.Retired);
    this.journal.sync();
  }

  /** One defragmentation period: empties the servers chooseDefragServers picks within `budget`
   *  migrations, by drains that leave them in service and empty. Returns those servers. */
  defrag(budget: number): number[] {
    if (typeof budget !== "number" || !Number.isInteger(budget) || budget < 0 || budget > 1 << 24) throw invalid("budget", budget, "an integer number of migrations in [0, 16777216]");
    const chosen = chooseDefragServers(this.state, budget);
    for (const s of chosen) this.startDrain(s, 2);
    this.journal.sync();
    return chosen;
  }

  /** Hot-spot relief: asks planRelieve (src/plans/relieve.ts) for the fewest VMs to move off
   *  each of the QuotaEnforcer's hot servers onto servers whose measured demand still fits, and
   *  carries each move out as a live migration to the plan's target. Moves whose source or
   *  target is already migrating (one migration per server at a time), or that wait for a slot
   *  or the role's update domain, start as those free up; moves the FC cannot make are skipped
   *  (relieve.ts says why). `options`: the plan's `budget` and `scan`. */
  relieve(hot: HotHosts, options?: Pick<PlanOptions, "budget" | "scan">): ReliefResult {
    if (options !== undefined && (typeof options !== "object" || options === null)) throw invalid("options", options, "an object {budget?, scan?}");
    if (options !== undefined) onlyKeys("options", options, ["budget", "scan"]);
    // The engine's own anti-affinity limit (one instance of a deployment per server), so the
    // plan's targets are ones the FC's placeOn accepts.
    const plan = planRelieve(this.state.engine, hot, { budget: options?.budget, scan: options?.scan, maxPerHost: 1 });
    const result: ReliefResult = { started: [], waiting: [], skipped: [], left: plan.left };
    const busy = this.busyServers();
    for (const m of plan.moves) {
      const skip = reliefRefusal(this.state, m) ?? this.startRelief(m, busy);
      if (skip === "started") result.started.push(m);
      else if (skip === "wait") {
        result.waiting.push(m);
        this.reliefQueue.push(m);
      } else result.skipped.push(skip);
    }
    this.journal.sync();
    return result;
  }

  /** Relief moves still waiting, and those skipped after they had waited. */
  reliefs(): { waiting: Move[]; skipped: SkippedMove[] } {
    return { waiting: this.reliefQueue.slice(), skipped: this.reliefLater.slice() };
  }

  /** Starts move m now if its servers, a slot and the role's update domain allow. */
  private startRelief(m: Move, busy: Uint8Array): "started" | "wait" | SkippedMove {
    const st = this.state;
    const i = m.vm;
    if (busy[m.from] || busy[m.to] || this.migrationsActive.size >= this.options.migration.maxConcurrent || !this.updateDomainAllows(i)) return "wait";
    const slot = this.freeSlot();
    if (slot < 0) return "wait";
    const p = st.engine.placeOn(st.request(i, st.maxInstances + slot), m.to);
    if (!p.placed) return { ...m, code: "TARGET_REFUSED", message: `instance ${i} cannot go to server ${m.to} (${p.rejection.code}: ${p.rejection.message})` };
    this.beginMigration(i, m.to, slot, overShare(st, i, m.to));
    busy[m.from] = 1;
    busy[m.to] = 1;
    return "started";
  }

  /** Starts the waiting relief moves that can start now, in plan order. */
  private pumpRelief(): void {
    if (this.reliefQueue.length === 0) return;
    const busy = this.busyServers();
    const keep: Move[] = [];
    for (const m of this.reliefQueue) {
      const skip = reliefRefusal(this.state, m) ?? this.startRelief(m, busy);
      if (skip === "wait") keep.push(m);
      else if (skip !== "started") this.reliefLater.push(skip);
    }
    this.reliefQueue = keep;
  }

  /** Servers being drained and how many guests each still holds. */
  drains(): Array<{ server: number; mode: "maintenance" | "defrag"; guests: number }> {
    const st = this.state;
    return this.draining.map((s) => ({ server: s, mode: st.serverDrain[s] === 1 ? "maintenance" as const : "defrag" as const, guests: st.engine.vmCountOf(s) }));
  }

  private serverId(field: string, server: unknown): number {
    const S = this.state.dc.servers;
    if (typeof server !== "number" || !Number.isInteger(server) || server < 0 || server >= S) throw invalid(field, server, `a server index in [0, ${S - 1}]`);
    return server;
  }

  private startDrain(s: number, mode: number): void {
    const st = this.state;
    if (st.serverState[s] !== ServerState.InService) throw invalid("server", s, "an in-service server");
    if (st.serverDrain[s]) throw new VmfabricError("BUSY", `server ${s} is already draining`, "server", s);
    // Migrations coming in would only have to leave again.
    for (const i of [...this.migrationsActive]) if (st.instMigTarget[i] === s) this.abortMigration(i, Abort.TargetDraining);
    this.rec(Rec.ServerDrain, s, mode, 0);
    this.draining.push(s);
    this.pumpMigrations();
  }

  /** Starts what migrations the drains allow now; ends drains whose server is empty. */
  private pumpMigrations(): void {
    const st = this.state;
    if (this.draining.length === 0) return;
    const busy = this.busyServers();
    const max = this.options.migration.maxConcurrent;
    const keep: number[] = [];
    for (const s of this.draining) {
      if (!st.serverDrain[s]) continue; // failed meanwhile: its guests were healed
      const vms = st.engine.vmsOnHost(s).sort((a, b) => a - b);
      if (vms.length === 0) {
        this.finishDrain(s);
        continue;
      }
      keep.push(s);
      if (busy[s] || this.migrationsActive.size >= max) continue;
      let waiting = false;
      let started = false;
      for (const i of vms) {
        if (st.instStage[i] !== Stage.Ready || !this.updateDomainAllows(i)) {
          waiting = true;
          continue;
        }
        const slot = this.freeSlot();
        if (slot < 0) break;
        const t = chooseTarget(st, i, st.maxInstances + slot, busy, st.serverDrain[s] === 2);
        if (!t) continue;
        this.beginMigration(i, t.server, slot, t.relaxed);
        busy[s] = 1;
        busy[t.server] = 1;
        started = true;
        break; // one migration per server at a time
      }
      // A defragmentation drain that cannot move a guest anywhere, with no migration running
      // that could be in its way, gives up and leaves the server in service; a maintenance
      // drain waits (later runs try again).
      if (!started && !waiting && st.serverDrain[s] === 2 && this.migrationsActive.size === 0) {
        this.rec(Rec.ServerDrain, s, 0, 0);
        keep.pop();
      }
    }
    this.draining = keep;
  }

  private finishDrain(s: number): void {
    const st = this.state;
    this.counters.serversDrained++;
    if (st.serverDrain[s] === 1) {
      this.to(s, ServerState.Maintenance);
      this.send({ type: "PowerOff", server: s });
    } else this.rec(Rec.ServerDrain, s, 0, 0);
  }

  /** A role's migrations stay inside one update domain at a time, so no more of the role is
   *  away at once than an upgrade takes down (a one-instance role has nothing to keep). */
  private updateDomainAllows(i: number): boolean {
    const st = this.state;
    const role = st.roles[st.instRole[i]];
    for (let k = role.firstInstance; k < role.firstInstance + role.count; k++) {
      if (k !== i && st.instMigStep[k] !== MigStep.None && st.instUd[k] !== st.instUd[i]) return false;
    }
    return true;
  }

  // ---- growing the data center ----

  /** Adds racks to the running data center (servers like the data center's, or `spec.server`)
   *  and powers their servers on; they boot like the others. Returns the new servers' indexes. */
  addRacks(racks: number, spec?: { server?: unknown }): number[] {
    const st = this.state;
    const dc = st.dc;
    if (typeof racks !== "number" || !Number.isInteger(racks) || racks < 1 || dc.racks + racks > 65_536 || (dc.racks + racks) * dc.serversPerRack > 1 << 22) {
      throw invalid("racks", racks, `an integer >= 1 keeping the data center within 65536 racks and ${1 << 22} servers (it has ${dc.racks} racks of ${dc.serversPerRack})`);
    }
    if (spec !== undefined && (typeof spec !== "object" || spec === null)) throw invalid("spec", spec, "an object {server?}");
    if (spec !== undefined) onlyKeys("spec", spec, ["server"]);
    const server = spec?.server === undefined ? dc.server : resolveServerSpec("spec.server", spec.server, dc.hostReservation);
    const first = dc.servers;
    this.rec(Rec.RacksAdded, racks, first, 0, canonical(server));
    this.growServers();
    const added = Array.from({ length: dc.servers - first }, (_, k) => first + k);
    for (const s of added) this.boot(s);
    this.journal.sync();
    return added;
  }

  /** Soft per-server arrays (and the world's) follow the data center's size. */
  private growServers(): void {
    const S = this.state.dc.servers;
    this.world.grow(S);
    if (this.stepToken.length >= S) return;
    const f64 = (a: Float64Array, fill: number) => { const b = new Float64Array(S).fill(fill); b.set(a); return b; };
    this.lastHeartbeat = f64(this.lastHeartbeat, this.clock.now);
    this.inServiceAt = f64(this.inServiceAt, NaN);
    const t = new Uint32Array(S); t.set(this.stepToken); this.stepToken = t;
    const l = new Uint8Array(S); l.set(this.timeoutLive); this.timeoutLive = l;
    const b = new Uint8Array(S); b.set(this.bootSlot); this.bootSlot = b;
  }

  // ---- queries ----

  /** Instances the FC could not heal, and why. */
  unhealed(): Unhealed[] {
    const st = this.state;
    const out: Unhealed[] = [];
    for (let i = 0; i < st.instances; i++) {
      if (st.instStage[i] !== Stage.Unhealed) continue;
      const code = st.instReason[i] & 0xff;
      const dim = st.instReason[i] >> 8;
      if (code === FabricReason.DipPoolExhausted) out.push({ instance: i, code: "DIP_POOL_EXHAUSTED", message: `${st.dips.name} has no free address` });
      else {
        const rj = rejection(code, dim, st.engine.dimensions);
        out.push({ instance: i, code: rj.code, ...(rj.dimension === undefined ? {} : { dimension: rj.dimension }), message: rj.message });
      }
    }
    return out;
  }

  reachable(from: unknown, to: unknown): boolean {
    return reachable(this.state, from, to);
  }

  /** DIPs behind VIP:port (ready instances of the role with that endpoint). */
  lbBackends(vip: string, port: number): string[] {
    if (typeof vip !== "string") throw invalid("vip", vip, "a dotted IPv4 address");
    if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) throw invalid("port", port, "a port, an integer in [1, 65535]");
    const st = this.state;
    return lbBackends(st, vip, port).map((i) => st.dips.format(st.instDip[i]));
  }

  dipOf(instance: number): string | undefined {
    const st = this.state;
    const i = this.instanceId(instance);
    return st.instDip[i] ? st.dips.format(st.instDip[i]) : undefined;
  }

  vipOf(deployment: number): string | undefined {
    const d = this.liveDeployment("deployment", deployment);
    const v = this.state.deployments[d].vip;
    return v ? this.state.vips.format(v) : undefined;
  }

  private instanceId(i: unknown): number {
    if (typeof i !== "number" || !Number.isInteger(i) || i < 0 || i >= this.state.instances) throw invalid("instance", i, `an instance id in [0, ${this.state.instances - 1}]`);
    return i;
  }
}

const JOURNAL_METHODS = ["append", "kind", "time", "a", "b", "c", "blob", "get", "sync", "close"] as const;

/** A journal argument must be one (a MemoryJournal, a FileJournal or the same interface). */
function checkJournal(journal: unknown): void {
  const j = journal as Record<string, unknown>;
  if (typeof journal !== "object" || journal === null || typeof j.length !== "number" || JOURNAL_METHODS.some((m) => typeof j[m] !== "function")) {
    throw invalid("journal", journal, "a Journal (MemoryJournal or FileJournal)");
  }
}
