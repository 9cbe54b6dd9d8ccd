// The simulated data center the FC drives: servers' hardware, PXE, the three agents and the
// image servers. It answers each Command by scheduling its Report on the virtual clock after
// the step's duration from the timing model; it never touches FC state.
import { rng, type Rng } from "../workload/rng.js";
import type { Catalog } from "./catalog.js";
import type { EventQueue } from "./clock.js";
import { imageServerOf, type ResolvedDataCenter } from "./datacenter.js";
import { Ev } from "./events.js";
import { SharedLink } from "./link.js";
import type { Command, Report } from "./messages.js";
import { preCopyPlan, type MigrationOptions } from "./migration.js";
import type { TimingModel } from "./timing.js";

const PURPOSE_MAINTENANCE_OS = 0;
const PURPOSE_HOST_VHD = 1;
const PURPOSE_IMAGE = 2; // + image index

const MEGABITS_PER_MB = 8;

export class SimulatedDataCenter {
  readonly dc: ResolvedDataCenter;
  /** 0 once the server's hardware has died (it never reports again). */
  alive: Uint8Array;
  /** Bumped by every PowerOn: reports from an earlier boot attempt are dropped. */
  incarnation: Uint32Array;
  /** 1 while the host OS runs its host agent (and so sends heartbeats and serves guests). */
  hostUp: Uint8Array;
  readonly links: SharedLink[];
  /** Receives every report; set by the FC that owns this world. */
  deliverReport: (r: Report) => void = () => {};
  private readonly clock: EventQueue;
  private readonly catalog: Catalog;
  private readonly timing: TimingModel;
  private readonly random: Rng;
  // Active downloads: flow id -> server, purpose, incarnation (free list of ids).
  private flowServer = new Uint32Array(1024);
  private flowPurpose = new Uint8Array(1024);
  private flowIncarnation = new Uint32Array(1024);
  private freeFlows: number[] = [];
  private nextFlow = 0;
  private sweepAt = -1;
  private readonly heartbeat = { type: "Heartbeat" as const, server: 0 };
  /** Migration options (the FC's); the pre-copy model runs here, on the hosts. */
  migration: MigrationOptions | undefined;
  /** Per migrating instance: source, target, pre-copy rounds and a generation that every new
   *  migration command bumps, so the steps of an abandoned migration report nothing. */
  private readonly migrations = new Map<number, { source: number; target: number; rounds: number; gen: number }>();
  private migrationGen = 0;

  constructor(dc: ResolvedDataCenter, catalog: Catalog, timing: TimingModel, clock: EventQueue, seed: number) {
    this.dc = dc;
    this.catalog = catalog;
    this.timing = timing;
    this.clock = clock;
    this.random = rng(seed ^ 0x5eed);
    this.alive = new Uint8Array(dc.servers).fill(1);
    this.incarnation = new Uint32Array(dc.servers);
    this.hostUp = new Uint8Array(dc.servers);
    this.links = Array.from({ length: dc.imageServers }, () => new SharedLink(dc.imageServerMbps, dc.server.nicMbps));
  }

  /** The image server a rack boots from. */
  linkOf(server: number): number {
    return imageServerOf(this.dc, server);
  }

  /** Hardware failure now: the server stops answering and stops heartbeating, for good. */
  failServer(server: number): void {
    this.alive[server] = 0;
    this.hostUp[server] = 0;
  }

  /** Is a heartbeat sweep scheduled (it keeps rescheduling itself while any host is up)? */
  get sweeping(): boolean {
    return this.sweepAt >= 0;
  }

  // ---- commands from the FC ----

  deliver(cmd: Command): void {
    const s = cmd.server;
    const now = this.clock.now;
    const t = this.timing;
    if (!this.alive[s]) return; // a dead server hears nothing
    switch (cmd.type) {
      case "PowerOn":
        this.hostUp[s] = 0;
        this.incarnation[s]++;
        if (this.stalls()) return;
        this.clock.push(now + t.dhcpMs, Ev.DhcpDone, s, this.incarnation[s]);
        return;
      case "CreateHostPartition":
        if (this.stalls()) return;
        this.download(s, PURPOSE_HOST_VHD, t.hostOsVhdMB);
        return;
      case "Reboot":
        this.hostUp[s] = 0;
        if (this.stalls()) return;
        this.clock.push(now + t.rebootMs, Ev.HostOSBooting, s, this.incarnation[s]);
        return;
      case "CreateGuestPartition": return this.guest(Ev.GuestPartitionCreated, t.guestPartitionMs, cmd.instance, s);
      case "DownloadImage":
        if (this.hostUp[s]) this.download(s, PURPOSE_IMAGE + cmd.image, this.catalog.images[cmd.image].sizeMB);
        return;
      case "CreateDiffDisk": return this.guest(Ev.DiffDiskCreated, t.diffDiskMs, cmd.instance, s);
      case "DeployRole": return this.guest(Ev.RoleDeployed, t.deployRoleMs, cmd.instance, s);
      case "StartRole": return this.guest(Ev.GuestReady, t.startRoleMs, cmd.instance, s);
      case "StopRole": return this.guest(Ev.RoleStopped, t.stopRoleMs, cmd.instance, s);
      case "DestroyGuestPartition": return; // fire and forget: nothing to report
      case "PowerOff":
        this.hostUp[s] = 0;
        this.incarnation[s]++;
        return;
      case "PrepareMigration": return this.migrationStep(Ev.MigrationPrepared, t.guestPartitionMs + t.diffDiskMs, cmd.instance, -1, s, 0);
      case "PreCopy": {
        const plan = preCopyPlan(cmd.memoryMiB, cmd.mbps, this.migration!);
        return this.migrationStep(Ev.PreCopyDone, plan.preCopyMs, cmd.instance, s, cmd.target, plan.rounds);
      }
      case "SwitchOver": {
        const plan = preCopyPlan(cmd.memoryMiB, cmd.mbps, this.migration!);
        return this.migrationStep(Ev.SwitchedOver, plan.blackoutMs, cmd.instance, s, cmd.target, plan.rounds);
      }
    }
  }

  private migrationStep(kind: number, ms: number, instance: number, source: number, target: number, rounds: number): void {
    if (!this.hostUp[target] || (source >= 0 && !this.hostUp[source])) return;
    const gen = ++this.migrationGen >>> 0;
    this.migrations.set(instance, { source, target, rounds, gen });
    this.clock.push(this.clock.now + ms, kind, instance, gen);
  }

  private migrationReport(kind: number, instance: number, gen: number): void {
    const m = this.migrations.get(instance);
    if (!m || m.gen !== gen) return; // superseded by a later migration command
    this.migrations.delete(instance);
    // Both hosts must still run: a dead source cannot send, a dead target cannot take the VM.
    if (!this.hostUp[m.target] || (m.source >= 0 && !this.hostUp[m.source])) return;
    if (kind === Ev.MigrationPrepared) this.deliverReport({ type: "MigrationPrepared", server: m.target, instance });
    else if (kind === Ev.PreCopyDone) this.deliverReport({ type: "PreCopyDone", server: m.target, instance, rounds: m.rounds });
    else this.deliverReport({ type: "SwitchedOver", server: m.target, instance });
  }

  /** Room for servers added to the data center (racks added to a running FC). */
  grow(servers: number): void {
    if (servers <= this.alive.length) return;
    const g = <T extends Uint8Array | Uint32Array>(a: T, fill: number): T => {
      const b = new (a.constructor as new (n: number) => T)(servers);
      b.fill(fill);
      b.set(a);
      return b;
    };
    this.alive = g(this.alive, 1);
    this.incarnation = g(this.incarnation, 0);
    this.hostUp = g(this.hostUp, 0);
  }

  private stalls(): boolean {
    return this.timing.bootStepFailureRate > 0 && this.random() < this.timing.bootStepFailureRate;
  }

  private guest(kind: number, ms: number, instance: number, server: number): void {
    if (this.hostUp[server]) this.clock.push(this.clock.now + ms, kind, instance, server);
  }

  private download(server: number, purpose: number, sizeMB: number): void {
    let f = this.freeFlows.pop();
    if (f === undefined) {
      f = this.nextFlow++;
      if (f >= this.flowServer.length) {
        const grow = <T extends Uint32Array | Uint8Array>(a: T): T => { const b = new (a.constructor as new (n: number) => T)(a.length * 2); b.set(a); return b; };
        this.flowServer = grow(this.flowServer);
        this.flowPurpose = grow(this.flowPurpose);
        this.flowIncarnation = grow(this.flowIncarnation);
      }
    }
    this.flowServer[f] = server;
    this.flowPurpose[f] = purpose;
    this.flowIncarnation[f] = this.incarnation[server];
    const l = this.linkOf(server);
    const link = this.links[l];
    link.start(this.clock.now, f, sizeMB * MEGABITS_PER_MB);
    this.clock.push(link.nextCompletion(), Ev.LinkDone, l, link.version);
  }

  // ---- the world's own events ----

  /** Handles a world event: an agent report to deliver (or drop), or the world's own step. */
  handle(kind: number, a: number, b: number): void {
    const now = this.clock.now;
    switch (kind) {
      case Ev.DhcpDone:
        if (this.current(a, b)) this.download(a, PURPOSE_MAINTENANCE_OS, this.timing.maintenanceOsMB);
        return;
      case Ev.LinkDone: return this.linkDone(a, b);
      case Ev.HostOSUp:
        if (!this.current(a, b)) return;
        this.hostUp[a] = 1;
        this.ensureSweep();
        this.deliverReport({ type: "Registered", server: a, agent: "host" });
        return;
      case Ev.HeartbeatSweep: return this.sweep();
      case Ev.HostPartitionCreated:
        if (this.current(a, b)) this.deliverReport({ type: "HostPartitionCreated", server: a });
        return;
      case Ev.HostOSBooting:
        if (!this.current(a, b)) return;
        this.deliverReport({ type: "HostOSBooting", server: a });
        if (!this.stalls()) this.clock.push(now + this.timing.hostOsBootMs, Ev.HostOSUp, a, b);
        return;
      // Guest-level reports: a instance, b server; only a running host answers.
      case Ev.GuestPartitionCreated: if (this.hostUp[b]) this.deliverReport({ type: "GuestPartitionCreated", server: b, instance: a }); return;
      case Ev.DiffDiskCreated: if (this.hostUp[b]) this.deliverReport({ type: "DiffDiskCreated", server: b, instance: a }); return;
      case Ev.RoleDeployed: if (this.hostUp[b]) this.deliverReport({ type: "RoleDeployed", server: b, instance: a }); return;
      case Ev.GuestReady: if (this.hostUp[b]) this.deliverReport({ type: "GuestReady", server: b, instance: a }); return;
      case Ev.RoleStopped: if (this.hostUp[b]) this.deliverReport({ type: "RoleStopped", server: b, instance: a }); return;
      case Ev.MigrationPrepared: case Ev.PreCopyDone: case Ev.SwitchedOver: return this.migrationReport(kind, a, b);
    }
  }

  private current(server: number, incarnation: number): boolean {
    return this.alive[server] === 1 && this.incarnation[server] === incarnation;
  }

  private linkDone(l: number, version: number): void {
    const link = this.links[l];
    if (link.version !== version) return; // superseded by a later start or finish
    const now = this.clock.now;
    const f = link.finish(now);
    if (link.active > 0) this.clock.push(link.nextCompletion(), Ev.LinkDone, l, link.version);
    this.freeFlows.push(f);
    const s = this.flowServer[f];
    const purpose = this.flowPurpose[f];
    if (!this.current(s, this.flowIncarnation[f])) return;
    if (purpose === PURPOSE_MAINTENANCE_OS) {
      this.deliverReport({ type: "Registered", server: s, agent: "maintenance" });
    } else if (purpose === PURPOSE_HOST_VHD) {
      this.clock.push(now + this.timing.hostPartitionMs, Ev.HostPartitionCreated, s, this.incarnation[s]);
    } else if (this.hostUp[s]) {
      this.deliverReport({ type: "ImageDownloaded", server: s, image: purpose - PURPOSE_IMAGE });
    }
  }

  private ensureSweep(): void {
    if (this.sweepAt >= 0) return;
    this.sweepAt = this.clock.now + this.timing.heartbeatIntervalMs;
    this.clock.push(this.sweepAt, Ev.HeartbeatSweep, 0, 0);
  }

  /** Every running host agent heartbeats once per interval; one sweep delivers them all. */
  private sweep(): void {
    this.sweepAt = -1;
    const hb = this.heartbeat;
    let any = false;
    for (let s = 0; s < this.dc.servers; s++) {
      if (this.hostUp[s]) {
        any = true;
        hb.server = s;
        this.deliverReport(hb);
      }
    }
    // Keep sweeping while hosts run, so the FC's heartbeat check runs too; the run loop stops
    // the clock when nothing else is pending.
    this.sweepAt = this.clock.now + this.timing.heartbeatIntervalMs;
    this.clock.push(this.sweepAt, Ev.HeartbeatSweep, any ? 1 : 0, 0);
  }

  /** Brings the world in line with a restored FC's state: hosts the FC has in service run. */
  adopt(serverUp: (s: number) => boolean): void {
    for (let s = 0; s < this.dc.servers; s++) this.hostUp[s] = this.alive[s] && serverUp(s) ? 1 : 0;
    if (this.hostUp.some((x) => x === 1)) this.ensureSweep();
  }
}
