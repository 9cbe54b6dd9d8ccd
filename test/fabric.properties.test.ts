// Model-based property tests of the Fabric Controller (fc.commands): after any sequence of
// boot, deploy, delete, upgrade, server failure, run/heal, retryUnhealed and snapshot-restore on
// tiny fleets (biased to boundaries: capacity exactly full, one rack, 1-instance roles, DIP
// pools the size of the instance total), every tenant-isolation and bookkeeping invariant holds.
// The reference model is deliberately simpler than the FC: which deployments exist, their
// tenant, role sizes, package version and VIP, which servers were failed, and how many
// instance ids were handed out. Each invariant is a named helper so a failure says which:
// (a) engine VMs = placed instances, (b) disks and image caches, (c) DIP isolation, (d) load
// balancer, (e) unique DIPs/VIPs, (f) capacity accounting, (g) snapshot/restore/replay bytes,
// (h) fault-domain spread and UDs, (i) server and upgrade history from the journal, (j) after
// run() to the end nothing is half done, (k) live migration: a placeholder holds each migrating
// instance's target, the VM itself is on exactly one host, its DIP and reachability do not change
// across a migration. Commands also migrate, drain, defragment, add racks and fail either host
// of a migration mid-way. FABRIC_PROP_RUNS scales the runs, FABRIC_PROP_STATS=1 prints what they
// reached.
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { VmfabricError } from "../src/errors.js";
import { DEFAULT_CATALOG, demandOf } from "../src/fabric/catalog.js";
import { FabricController } from "../src/fabric/controller.js";
import type { ServerSpec } from "../src/fabric/datacenter.js";
import { SERVER_TRANSITIONS, ServerState, Stage, holdsHost } from "../src/fabric/lifecycle.js";
import type { ServiceModel } from "../src/fabric/model.js";
import type { FabricOptions } from "../src/fabric/options.js";
import { Rec } from "../src/fabric/records.js";
import { MigStep } from "../src/fabric/migration.js";
import { NO_UD, type FcState } from "../src/fabric/state.js";

const RUNS = Number(process.env.FABRIC_PROP_RUNS ?? 150);
/** Generous per-test limit: the default runs take a few seconds, FABRIC_PROP_RUNS scales them. */
const TIMEOUT = Math.max(60_000, RUNS * 200);
const CATALOG = DEFAULT_CATALOG;
const SIZE_NAMES = CATALOG.sizes.map((s) => s.name);
const DEMANDS = CATALOG.sizes.map(demandOf);

// ---- fleets ----

/** Host reservation shared by both server kinds. */
const RESERVATION: ServerSpec = { cores: 1, memoryGiB: 2, nicMbps: 100, diskGiB: 100 };
/** Guests get 4000 mc, 8192 MiB, 400 Mbps, 1000 GiB: exactly 4 Small, 2 Medium or 1 Large
 *  (full in cpu, network and disk at once); ExtraLarge never fits. */
const TINY: ServerSpec = { cores: 5, memoryGiB: 10, nicMbps: 500, diskGiB: 1100 };
/** 12 Small, 6 Medium, 3 Large or 1 ExtraLarge (+ 2 Large), full in cpu, network and disk. */
const ROOMY: ServerSpec = { cores: 13, memoryGiB: 30, nicMbps: 1300, diskGiB: 3100 };

interface Config {
  racks: number;
  serversPerRack: number;
  server: ServerSpec;
  dips: number;
  vips: number;
  maxInstances: number;
  maxConcurrentHealing: number;
  failureRate: number;
  seed: number;
  imageServers?: number;
  maxBootsPerImageServer?: number;
}

const small = (max: number) => fc.oneof({ weight: 2, arbitrary: fc.constant(1) }, { weight: 3, arbitrary: fc.integer({ min: 1, max }) });

const configArb: fc.Arbitrary<Config> = fc.record({
  racks: small(3),
  serversPerRack: small(3),
  server: fc.oneof({ weight: 3, arbitrary: fc.constant(TINY) }, { weight: 1, arbitrary: fc.constant(ROOMY) }),
  dips: fc.oneof(fc.integer({ min: 1, max: 6 }), { weight: 2, arbitrary: fc.integer({ min: 6, max: 16 }) }, fc.constant(64)),
  vips: fc.integer({ min: 1, max: 3 }),
  maxInstances: fc.oneof(fc.integer({ min: 1, max: 10 }), fc.constant(64)),
  maxConcurrentHealing: fc.integer({ min: 1, max: 3 }),
  failureRate: fc.constantFrom(0, 0, 0, 0.05),
  seed: fc.integer({ min: 0, max: 1000 }),
  imageServers: fc.constantFrom(undefined, 1, 2),
  maxBootsPerImageServer: fc.constantFrom(undefined, 1, 2),
}, { requiredKeys: ["racks", "serversPerRack", "server", "dips", "vips", "maxInstances", "maxConcurrentHealing", "failureRate", "seed"] });

function optionsOf(c: Config): FabricOptions {
  return {
    datacenter: {
      racks: c.racks,
      serversPerRack: c.serversPerRack,
      server: c.server,
      hostReservation: RESERVATION,
      dipPool: { base: "10.0.0.0", size: c.dips },
      vipPool: { base: "100.64.0.0", size: c.vips },
      imageServers: c.imageServers,
    },
    maxBootsPerImageServer: c.maxBootsPerImageServer,
    timing: { bootStepFailureRate: c.failureRate },
    seed: c.seed,
    maxInstances: c.maxInstances,
    maxConcurrentHealing: c.maxConcurrentHealing,
  };
}

// ---- service models ----

const roleArb = (k: number) => fc.record({
  name: fc.constant(`r${k}`),
  size: fc.oneof({ weight: 4, arbitrary: fc.constant("Small") }, { weight: 2, arbitrary: fc.constantFrom(...SIZE_NAMES) }),
  instances: fc.oneof({ weight: 3, arbitrary: fc.constant(1) }, { weight: 4, arbitrary: fc.integer({ min: 1, max: 6 }) }),
  image: fc.constantFrom(undefined, "guest-os", "guest-os-core"),
  // Ports unique across the roles of one deployment (they share its VIP).
  endpoints: fc.oneof(fc.constant(undefined), fc.constant([80 + k]), fc.constant([80 + k, 8080 + k])),
}, { requiredKeys: ["name", "instances"] });

const modelArb: fc.Arbitrary<ServiceModel> = fc.record({
  tenant: fc.integer({ min: 0, max: 2 }),
  roles: fc.integer({ min: 1, max: 3 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, k) => roleArb(k)))),
  updateDomains: fc.constantFrom(undefined, 1, 2, 3),
}, { requiredKeys: ["tenant", "roles"] });

// ---- the reference model and the system under test ----

interface DeploymentModel {
  tenant: number;
  counts: number[];
  sizes: number[];
  updateDomains: number;
  version: number;
  vip?: string;
  /** Per role, the fewest fault domains with an in-service server seen since it was deployed
   *  (at deploy time and after every command): no placement ever saw fewer. */
  minF: number[];
}

interface Model {
  servers: number;
  serversPerRack: number;
  racks: number;
  maxInstances: number;
  /** Instance ids handed out (they are never reused). */
  ids: number;
  live: Map<number, DeploymentModel>;
  deleted: Set<number>;
  /** Servers whose hardware the test killed (and the FC's world still knows dead). */
  failed: Set<number>;
  /** VIPs once held by deployments since deleted. */
  oldVips: Set<string>;
}

interface Real {
  fc: FabricController;
  options: FabricOptions;
  /** Instances whose migration the test started: DIP and reachability row when it began. */
  migrating: Map<number, { dip: string; row: string }>;
  /** An earlier snapshot, to restore from with the journal's tail. */
  older?: Uint8Array;
}

function newModel(c: Config): Model {
  return {
    servers: c.racks * c.serversPerRack, serversPerRack: c.serversPerRack, racks: c.racks, maxInstances: c.maxInstances,
    ids: 0, live: new Map(), deleted: new Set(), failed: new Set(), oldVips: new Set(),
  };
}

// ---- invariants ----

class InvariantError extends Error {}

function inv(name: string, ok: boolean, why: () => string): void {
  if (!ok) throw new InvariantError(`invariant ${name} violated: ${why()}`);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** Fault domains (racks) with at least one in-service server taking guests (not draining). */
function inServiceRacks(st: FcState): number {
  const spr = st.dc.serversPerRack;
  const racks = new Set<number>();
  for (let s = 0; s < st.dc.servers; s++) if (st.serverState[s] === ServerState.InService && !st.serverDrain[s]) racks.add(Math.floor(s / spr));
  return racks.size;
}

/** Before a run in which the test's failed servers will be detected: the fewest racks
 *  placements can see during it are those with a server in service, not draining, not failed
 *  (drains only end during a run, so they lower F only at its start). */
function lowerMinF(m: Model, st: FcState): void {
  const spr = st.dc.serversPerRack;
  const racks = new Set<number>();
  for (let s = 0; s < st.dc.servers; s++) if (st.serverState[s] === ServerState.InService && !st.serverDrain[s] && !m.failed.has(s)) racks.add(Math.floor(s / spr));
  if (racks.size > 0) for (const dm of m.live.values()) dm.minF = dm.minF.map((f) => Math.min(f, racks.size));
}

function placed(st: FcState, i: number): boolean {
  return st.instHost[i] >= 0;
}

/** (model) The FC's deployments, tenants, role sizes, versions and VIPs are the model's. */
function checkModelAgreement(m: Model, fcr: FabricController): void {
  const st = fcr.state;
  inv("model.instanceIds", st.instances === m.ids, () => `FC has ${st.instances} instance ids, model ${m.ids}`);
  inv("model.deploymentCount", st.deployments.length === m.live.size + m.deleted.size, () => `FC has ${st.deployments.length} deployments, model ${m.live.size} live + ${m.deleted.size} deleted`);
  for (const d of m.deleted) inv("model.deleted", st.deployments[d].deleted, () => `deployment ${d} was deleted but the FC has it live`);
  for (const [d, dm] of m.live) {
    const row = st.deployments[d];
    inv("model.live", !row.deleted, () => `deployment ${d} is live in the model, deleted in the FC`);
    inv("model.tenant", row.tenant === dm.tenant, () => `deployment ${d}: tenant ${row.tenant}, model ${dm.tenant}`);
    inv("model.version", row.version === dm.version, () => `deployment ${d}: version ${row.version}, model ${dm.version}`);
    inv("model.instances", row.instanceCount === dm.counts.reduce((a, b) => a + b, 0), () => `deployment ${d}: ${row.instanceCount} instances, model ${dm.counts}`);
    dm.counts.forEach((n, r) => {
      const role = st.roles[row.firstRole + r];
      inv("model.roles", role.count === n && role.size === dm.sizes[r], () => `deployment ${d} role ${r}: ${role.count} x size ${role.size}, model ${n} x ${dm.sizes[r]}`);
    });
    inv("model.vip", fcr.vipOf(d) === dm.vip, () => `deployment ${d}: VIP ${fcr.vipOf(d)}, model ${dm.vip}`);
  }
  for (const s of m.failed) {
    inv("model.failedServers", st.serverState[s] !== ServerState.InService && st.engine.vmsOnHost(s).length === 0,
      () => `failed server ${s} is ${st.serverState[s]} with VMs ${st.engine.vmsOnHost(s)}`);
  }
  // Instances of deleted deployments hold nothing.
  for (const d of m.deleted) {
    const row = st.deployments[d];
    for (let i = row.firstInstance; i < row.firstInstance + row.instanceCount; i++) {
      inv("model.deletedHoldsNothing", st.instStage[i] === Stage.Deleted && !placed(st, i) && st.instDip[i] === 0 && st.engine.hostOf(i) === -1,
        () => `instance ${i} of deleted deployment ${d}: stage ${st.instStage[i]}, host ${st.instHost[i]}, dip ${st.instDip[i]}`);
    }
  }
}

/** (a) Every placed instance is an engine VM on its host with its tenant; every engine VM is
 *  exactly one placed instance of one live deployment. */
function checkEngineMatchesInstances(st: FcState): void {
  const e = st.engine;
  for (let i = 0; i < st.instances; i++) {
    const h = st.instHost[i];
    inv("a.placedHoldsHost", (h >= 0) === holdsHost(st.instStage[i]), () => `instance ${i}: host ${h} but stage ${st.instStage[i]}`);
    if (h < 0) {
      inv("a.unplacedNotInEngine", e.hostOf(i) === -1, () => `instance ${i} is unplaced in the FC but on engine host ${e.hostOf(i)}`);
      continue;
    }
    inv("a.engineHost", e.hostOf(i) === h, () => `instance ${i}: FC host ${h}, engine host ${e.hostOf(i)}`);
    inv("a.engineTenant", e.tenantOf(i) === st.tenantOfInstance(i), () => `instance ${i}: tenant ${st.tenantOfInstance(i)}, engine tenant ${e.tenantOf(i)}`);
    inv("a.engineDeployment", e.deploymentOf(i) === st.instRole[i], () => `instance ${i}: role ${st.instRole[i]}, engine deployment ${e.deploymentOf(i)}`);
    inv("a.liveDeployment", !st.deployments[st.deploymentOfInstance(i)].deleted, () => `instance ${i} is placed but its deployment is deleted`);
  }
  const seen = new Set<number>();
  for (let s = 0; s < st.dc.servers; s++) {
    for (const v of e.vmsOnHost(s)) {
      if (v >= st.maxInstances) {
        // (k) A migration placeholder: held for one migrating instance, on its target, as it.
        const i = st.slotOwner[v - st.maxInstances];
        inv("k.placeholderOwned", i >= 0 && st.instMigStep[i] !== MigStep.None && st.instMigTarget[i] === s && st.placeholderOf(i) === v,
          () => `engine VM ${v} on host ${s} is no migrating instance's placeholder (owner ${i})`);
        inv("k.placeholderTenant", e.tenantOf(v) === st.tenantOfInstance(i) && e.deploymentOf(v) === st.instRole[i], () => `placeholder ${v} has tenant ${e.tenantOf(v)}, instance ${i} tenant ${st.tenantOfInstance(i)}`);
        continue;
      }
      inv("a.vmIsInstance", v < st.instances && st.instHost[v] === s, () => `engine VM ${v} on host ${s} is not an instance placed there (FC host ${st.instHost[v]})`);
      inv("a.vmOnce", !seen.has(v), () => `engine VM ${v} is on two hosts`);
      seen.add(v);
    }
  }
  for (let i = 0; i < st.instances; i++) {
    if (st.instMigStep[i] === MigStep.None) {
      inv("k.notMigrating", st.instMigTarget[i] === -1, () => `instance ${i} has target ${st.instMigTarget[i]} but no migration step`);
      continue;
    }
    inv("k.migratingRunning", st.instStage[i] === Stage.Ready && st.instMigTarget[i] !== st.instHost[i], () => `instance ${i} migrates at stage ${st.instStage[i]} from ${st.instHost[i]} to ${st.instMigTarget[i]}`);
    inv("k.placeholderOnTarget", e.hostOf(st.placeholderOf(i)) === st.instMigTarget[i], () => `instance ${i}'s placeholder is on ${e.hostOf(st.placeholderOf(i))}, target ${st.instMigTarget[i]}`);
  }
}

/** (b) Diff disks are unique among live instances; an instance past ImageReady has its image
 *  cached on its own server. */
function checkDisksAndImages(st: FcState): void {
  const disks = new Map<number, number>();
  for (let i = 0; i < st.instances; i++) {
    const disk = st.instDisk[i];
    if (disk !== 0) {
      inv("b.diskOnlyWhenPlaced", placed(st, i), () => `instance ${i} holds disk ${disk} but no host`);
      inv("b.diskUnique", !disks.has(disk), () => `instances ${disks.get(disk)} and ${i} share diff disk ${disk}`);
      disks.set(disk, i);
      inv("b.diskBelowNext", disk < st.nextDisk, () => `instance ${i} holds disk ${disk} >= nextDisk ${st.nextDisk}`);
    }
    const stage = st.instStage[i];
    if (stage >= Stage.ImageReady && stage <= Stage.Stopped) {
      const img = st.roles[st.instRole[i]].image;
      const h = st.instHost[i];
      inv("b.imageCached", (st.serverImages[h] & (1 << img)) !== 0, () => `instance ${i} is at stage ${stage} on server ${h} but image ${img} is not cached there (mask ${st.serverImages[h]})`);
    }
    if (stage >= Stage.DiskReady && stage <= Stage.Stopped) inv("b.diskWhenReady", disk !== 0, () => `instance ${i} at stage ${stage} has no diff disk`);
  }
}

/** (c) DIP-to-DIP reachability: never across tenants (nor across deployments: each port carries
 *  its deployment's ACL), always within a deployment once both ports are programmed; stale or
 *  unused DIPs reach nothing; a guest reaches only its own host VM; nothing comes in from the
 *  internet to a DIP. */
function checkIsolation(st: FcState, fcr: FabricController): void {
  const used: number[] = [];
  for (let i = 0; i < st.instances; i++) if (st.instDip[i] !== 0) used.push(i);
  const dip = (i: number) => st.dips.format(st.instDip[i]);
  for (const i of used) {
    for (const j of used) {
      const r = fcr.reachable({ dip: dip(i) }, { dip: dip(j) });
      const ti = st.tenantOfInstance(i);
      const tj = st.tenantOfInstance(j);
      if (ti !== tj) inv("c.crossTenant", !r, () => `instance ${i} (tenant ${ti}) reaches instance ${j} (tenant ${tj})`);
      const di = st.deploymentOfInstance(i);
      const dj = st.deploymentOfInstance(j);
      if (di !== dj) inv("c.crossDeployment", !r, () => `instance ${i} (deployment ${di}) reaches instance ${j} (deployment ${dj})`);
      else if (st.instAcl[i] && st.instAcl[j]) inv("c.sameDeployment", r, () => `programmed instances ${i} and ${j} of deployment ${di} cannot reach each other`);
      if (!st.instAcl[i] || !st.instAcl[j]) inv("c.unprogrammed", !r, () => `instance ${i} -> ${j} reachable though a port is not programmed`);
    }
    inv("c.internetToDip", !fcr.reachable("internet", { dip: dip(i) }), () => `the internet reaches instance ${i}`);
    for (let s = 0; s < st.dc.servers; s++) {
      const own = s === st.instHost[i] && st.instAcl[i] === 1;
      inv("c.guestToHost", fcr.reachable({ dip: dip(i) }, { host: s }) === own, () => `instance ${i} on ${st.instHost[i]} -> host ${s}: ${!own}`);
      inv("c.hostToGuest", fcr.reachable({ host: s }, { dip: dip(i) }) === own, () => `host ${s} -> instance ${i} on ${st.instHost[i]}: ${!own}`);
    }
    inv("c.guestToInternet", fcr.reachable({ dip: dip(i) }, "internet") === (st.instAcl[i] === 1), () => `instance ${i} outbound`);
  }
  // Every address of the pool nobody holds, plus one outside it, reaches and is reached by nothing.
  const stale: string[] = ["10.255.255.254"];
  for (let off = 1; off <= st.dips.size; off++) if (st.dips.ownerOf(off) === -1) stale.push(st.dips.format(off));
  for (const a of stale) {
    inv("c.staleInternet", !fcr.reachable({ dip: a }, "internet") && !fcr.reachable("internet", { dip: a }), () => `stale DIP ${a} talks to the internet`);
    for (const i of used) {
      inv("c.staleDip", !fcr.reachable({ dip: a }, { dip: dip(i) }) && !fcr.reachable({ dip: dip(i) }, { dip: a }), () => `stale DIP ${a} and instance ${i} reach each other`);
    }
    for (let s = 0; s < st.dc.servers; s++) inv("c.staleHost", !fcr.reachable({ host: s }, { dip: a }) && !fcr.reachable({ dip: a }, { host: s }), () => `stale DIP ${a} and host ${s}`);
  }
}

/** (d) The load balancer sends VIP:port exactly to the Ready instances of that VIP's deployment
 *  whose role has the endpoint; VIPs nobody holds have no backends. */
function checkLoadBalancer(m: Model, st: FcState, fcr: FabricController): void {
  for (const [d, dm] of m.live) {
    if (dm.vip === undefined) continue;
    const row = st.deployments[d];
    const ports = new Set<number>();
    for (const r of row.model.roles) for (const p of r.endpoints) ports.add(p);
    ports.add(1); // a port no role listens on
    for (const port of ports) {
      const got = fcr.lbBackends(dm.vip, port);
      const want: string[] = [];
      for (let r = row.firstRole; r < row.firstRole + row.model.roles.length; r++) {
        const role = st.roles[r];
        if (!role.endpoints.includes(port)) continue;
        for (let i = role.firstInstance; i < role.firstInstance + role.count; i++) if (st.instStage[i] === Stage.Ready) want.push(st.dips.format(st.instDip[i]));
      }
      for (const a of got) {
        const i = st.dips.ownerOf(st.dips.offsetOf(a));
        inv("d.backendIsReadyInstance", i >= 0 && st.instStage[i] === Stage.Ready, () => `VIP ${dm.vip}:${port} sends to ${a} (instance ${i}, stage ${i >= 0 ? st.instStage[i] : "-"})`);
        inv("d.backendDeployment", st.deploymentOfInstance(i) === d, () => `VIP ${dm.vip}:${port} of deployment ${d} sends to instance ${i} of deployment ${st.deploymentOfInstance(i)}`);
        inv("d.backendEndpoint", st.roles[st.instRole[i]].endpoints.includes(port), () => `VIP ${dm.vip}:${port} sends to instance ${i} whose role has no endpoint ${port}`);
      }
      inv("d.backendsComplete", [...got].sort().join() === [...want].sort().join(), () => `VIP ${dm.vip}:${port}: backends ${got}, ready instances ${want}`);
      const r = fcr.reachable("internet", { vip: dm.vip, port });
      inv("d.vipReachable", r === want.length > 0, () => `internet -> ${dm.vip}:${port} is ${r} with ${want.length} ready backends`);
    }
  }
  const held = new Set([...m.live.values()].map((dm) => dm.vip));
  for (const v of m.oldVips) {
    if (held.has(v)) continue;
    for (const p of [80, 81, 82, 8080, 8081, 8082]) inv("d.staleVip", fcr.lbBackends(v, p).length === 0, () => `released VIP ${v}:${p} still has backends ${fcr.lbBackends(v, p)}`);
  }
}

/** (e) No DIP on two instances, no VIP on two deployments; the pools agree with the owners. */
function checkAddressesUnique(st: FcState, fcr: FabricController): void {
  const dips = new Map<number, number>();
  let inUse = 0;
  for (let i = 0; i < st.instances; i++) {
    const d = st.instDip[i];
    inv("e.dipIffPlaced", (d !== 0) === placed(st, i), () => `instance ${i}: DIP offset ${d}, host ${st.instHost[i]}`);
    if (d === 0) continue;
    inUse++;
    inv("e.dipUnique", !dips.has(d), () => `instances ${dips.get(d)} and ${i} share DIP ${st.dips.format(d)}`);
    dips.set(d, i);
    inv("e.dipOwner", st.dips.ownerOf(d) === i, () => `DIP ${st.dips.format(d)} of instance ${i} is owned by ${st.dips.ownerOf(d)} in the pool`);
    inv("e.dipOf", fcr.dipOf(i) === st.dips.format(d), () => `dipOf(${i}) = ${fcr.dipOf(i)}`);
  }
  inv("e.dipPoolCount", st.dips.inUse === inUse, () => `DIP pool counts ${st.dips.inUse} in use, instances hold ${inUse}`);
  const vips = new Map<number, number>();
  let vipsInUse = 0;
  st.deployments.forEach((row, d) => {
    if (row.deleted) {
      inv("e.deletedNoVip", row.vip === 0, () => `deleted deployment ${d} holds VIP offset ${row.vip}`);
      return;
    }
    if (row.vip === 0) return;
    vipsInUse++;
    inv("e.vipUnique", !vips.has(row.vip), () => `deployments ${vips.get(row.vip)} and ${d} share VIP ${st.vips.format(row.vip)}`);
    vips.set(row.vip, d);
    inv("e.vipOwner", st.vips.ownerOf(row.vip) === d, () => `VIP ${st.vips.format(row.vip)} of deployment ${d} is owned by ${st.vips.ownerOf(row.vip)}`);
  });
  inv("e.vipPoolCount", st.vips.inUse === vipsInUse, () => `VIP pool counts ${st.vips.inUse} in use, deployments hold ${vipsInUse}`);
}

/** (f) The engine's used capacity per server is the sum of its instances' size demands. */
function checkCapacity(st: FcState): void {
  const D = DEMANDS[0].length;
  const sum = Array.from({ length: st.dc.servers }, () => new Array<number>(D).fill(0));
  for (let i = 0; i < st.instances; i++) {
    const h = st.instHost[i];
    if (h < 0) continue;
    const dem = DEMANDS[st.roles[st.instRole[i]].size];
    for (let k = 0; k < D; k++) sum[h][k] += dem[k];
    // A migration holds the same room on its target until switch-over.
    const t = st.instMigTarget[i];
    if (t >= 0) for (let k = 0; k < D; k++) sum[t][k] += dem[k];
  }
  for (let s = 0; s < st.dc.servers; s++) {
    const used = st.engine.usedOf(s);
    inv("f.capacity", used.every((u, k) => u === sum[s][k]), () => `server ${s}: engine uses [${used}], instances sum to [${sum[s]}]`);
    const cap = st.engine.capacityOf(s);
    inv("f.withinCapacity", sum[s].every((u, k) => u <= cap[k]), () => `server ${s}: [${sum[s]}] exceeds capacity [${cap}]`);
  }
}

/** (g) Restoring the snapshot (with and without the journal) and replaying the journal from
 *  the start all give the same snapshot bytes. */
function checkSnapshotReplay(real: Real): void {
  const bytes = real.fc.snapshot();
  const restored = FabricController.restore(bytes, real.fc.journal);
  inv("g.restoreWithJournal", sameBytes(restored.snapshot(), bytes), () => "restore(snapshot, journal) gives other snapshot bytes");
  const alone = FabricController.restore(bytes);
  inv("g.restoreAlone", sameBytes(alone.snapshot(), bytes), () => "restore(snapshot) gives other snapshot bytes");
  const replayed = FabricController.replay(real.options, real.fc.journal);
  inv("g.replay", sameBytes(replayed.snapshot(), bytes), () => "replay(options, journal) gives other snapshot bytes");
  if (real.older) {
    const caught = FabricController.restore(real.older, real.fc.journal);
    inv("g.restoreOlderPlusTail", sameBytes(caught.snapshot(), bytes), () => "restore(older snapshot, journal) gives other snapshot bytes");
  }
}

/** (h) Fault-domain spread: per role and rack, at most ceil(count / F) instances not listed in
 *  spreadRelaxed, with F the fewest racks with an in-service server (when there was any) since
 *  the role was deployed (every placement saw at least that many); UD of instance k of a role is k % UDs. */
function checkSpread(m: Model, st: FcState): void {
  const spr = st.dc.serversPerRack;
  for (const [d, dm] of m.live) {
    const row = st.deployments[d];
    for (let r = 0; r < dm.counts.length; r++) {
      const role = st.roles[row.firstRole + r];
      const perRack = new Map<number, number>();
      for (let k = 0; k < role.count; k++) {
        const i = role.firstInstance + k;
        inv("h.updateDomain", st.instUd[i] === k % row.model.updateDomains, () => `instance ${i} (k=${k} of role ${r}, ${row.model.updateDomains} UDs) has UD ${st.instUd[i]}`);
        const h = st.instHost[i];
        if (h < 0) continue;
        if (st.spreadRelaxed.has(i)) {
          inv("h.relaxedRack", st.spreadRelaxed.get(i) === Math.floor(h / spr), () => `instance ${i} is listed relaxed in rack ${st.spreadRelaxed.get(i)} but sits on server ${h}`);
          continue;
        }
        perRack.set(Math.floor(h / spr), (perRack.get(Math.floor(h / spr)) ?? 0) + 1);
      }
      const F = dm.minF[r];
      for (const [rack, n] of perRack) {
        inv("h.faultDomainSpread", F > 0 && n <= Math.ceil(role.count / F), () => `deployment ${d} role ${r} (${role.count} instances): ${n} in rack ${rack}, F=${F}, share ${Math.ceil(role.count / F)}`);
      }
    }
  }
  for (const i of st.spreadRelaxed.keys()) inv("h.relaxedPlaced", i < st.instances && placed(st, i), () => `instance ${i} listed relaxed but not placed`);
}

const ALLOWED = new Set(SERVER_TRANSITIONS.map(([a, b]) => a * 16 + b));

/** (i) From the journal: every server walks SERVER_TRANSITIONS from PoweredOff; an instance
 *  stops only in its deployment's current upgrade domain and the upgrade moves on only when the
 *  previous domain is back (never two update domains down); diff disks are never reused. Now:
 *  every Stopped instance is in its deployment's upgrade domain. */
function checkHistory(st: FcState, fcr: FabricController): void {
  const j = fcr.journal;
  const server = new Uint8Array(st.dc.servers);
  const upgradeUd = new Map<number, number>();
  const stopped = new Map<number, Set<number>>();
  const disks = new Map<number, number>();
  const unstop = (i: number) => stopped.get(st.deploymentOfInstance(i))?.delete(i);
  for (let k = 0; k < j.length; k++) {
    const kind = j.kind(k);
    const a = j.a(k);
    const b = j.b(k);
    if (kind === Rec.ServerState) {
      inv("i.serverTransition", ALLOWED.has(server[a] * 16 + b), () => `record ${k}: server ${a} ${server[a]} -> ${b}`);
      server[a] = b;
    } else if (kind === Rec.UpgradeDomain) {
      const left = stopped.get(a);
      inv("i.oneUpdateDomainDown", !left || left.size === 0, () => `record ${k}: deployment ${a} moves to UD ${b} while instances ${[...left!]} (UD ${upgradeUd.get(a)}) are still stopped`);
      upgradeUd.set(a, b);
    } else if (kind === Rec.InstanceStage) {
      if (b === Stage.Stopped) {
        const d = st.deploymentOfInstance(a);
        inv("i.stopInUpgradeDomain", st.instUd[a] === upgradeUd.get(d), () => `record ${k}: instance ${a} (UD ${st.instUd[a]}) stops while deployment ${d} upgrades UD ${upgradeUd.get(d)}`);
        let set = stopped.get(d);
        if (!set) stopped.set(d, (set = new Set()));
        set.add(a);
      } else unstop(a);
      if (b === Stage.DiskReady) {
        inv("i.diskNeverReused", !disks.has(j.c(k)), () => `record ${k}: disk ${j.c(k)} given to instance ${a}, earlier to instance ${disks.get(j.c(k))}`);
        disks.set(j.c(k), a);
      }
    } else if (kind === Rec.InstanceEvicted) unstop(a);
    else if (kind === Rec.DeploymentDeleted) {
      stopped.delete(a);
      upgradeUd.set(a, NO_UD);
    }
  }
  for (let s = 0; s < st.dc.servers; s++) inv("i.serverStateReplayed", server[s] === st.serverState[s], () => `server ${s}: journal ends at ${server[s]}, state ${st.serverState[s]}`);
  for (let i = 0; i < st.instances; i++) {
    if (st.instStage[i] !== Stage.Stopped) continue;
    const row = st.deployments[st.deploymentOfInstance(i)];
    inv("i.stoppedInUpgradeUd", row.upgradeUd !== NO_UD && st.instUd[i] === row.upgradeUd, () => `instance ${i} is Stopped in UD ${st.instUd[i]}, deployment ${row.id} upgrades UD ${row.upgradeUd}`);
  }
}

/** What the runs reached (printed with FABRIC_PROP_STATS=1), to see the generators hit the boundaries. */
const STATS = new Map<string, number>();
const note = (k: string, n = 1) => STATS.set(k, (STATS.get(k) ?? 0) + n);

/** (j) After run() to the end nothing is left half done: every instance of a live deployment
 *  is Ready (running its deployment's package version) or Unhealed, and no upgrade is open. */
function checkQuiescent(m: Model, st: FcState): void {
  for (let i = 0; i < st.instances; i++) inv("j.noMigration", st.instMigStep[i] === MigStep.None, () => `instance ${i} is still migrating (step ${st.instMigStep[i]}) after run()`);
  for (const d of m.live.keys()) {
    const row = st.deployments[d];
    inv("j.upgradeFinished", row.upgradeUd === NO_UD, () => `deployment ${d} still upgrades UD ${row.upgradeUd} after run()`);
    for (let i = row.firstInstance; i < row.firstInstance + row.instanceCount; i++) {
      const stage = st.instStage[i];
      inv("j.settled", stage === Stage.Ready || stage === Stage.Unhealed, () => `instance ${i} of deployment ${d} is at stage ${stage} after run()`);
      if (stage === Stage.Ready) inv("j.upgraded", st.instVersion[i] === row.version, () => `instance ${i} of deployment ${d} runs version ${st.instVersion[i]}, the deployment is at ${row.version}`);
    }
  }
}

function checkAll(m: Model, real: Real): void {
  const fcr = real.fc;
  const st = fcr.state;
  if (process.env.FABRIC_PROP_STATS) {
    note("checks");
    for (let i = 0; i < st.instances; i++) note(`stage.${st.instStage[i]}`);
    note("relaxed", st.spreadRelaxed.size);
    note("lbBackends", st.instLb.reduce((a, b) => a + b, 0));
  }
  // Nothing is placed while no rack is in service, so such moments do not lower the bound.
  const F = inServiceRacks(st);
  if (F > 0) for (const dm of m.live.values()) dm.minF = dm.minF.map((f) => Math.min(f, F));
  checkModelAgreement(m, fcr);
  checkEngineMatchesInstances(st);
  checkDisksAndImages(st);
  checkIsolation(st, fcr);
  checkLoadBalancer(m, st, fcr);
  checkAddressesUnique(st, fcr);
  checkCapacity(st);
  checkSpread(m, st);
  checkHistory(st, fcr);
  checkMigrations(real);
}

/** Reachability of an instance's DIP: to every DIP in use, the internet, and VIPs it may use. */
function reachRow(fcr: FabricController, i: number): string {
  const st = fcr.state;
  const dip = st.dips.format(st.instDip[i]);
  const out: string[] = [];
  // Each entry carries whether j was ready: an instance still being healed or provisioned gets
  // its port during the migration, which changes its entry without the migration being at fault.
  for (let j = 0; j < st.instances; j++) if (st.instDip[j]) out.push(`${j}:${+fcr.reachable({ dip }, { dip: st.dips.format(st.instDip[j]) })}${+fcr.reachable({ dip: st.dips.format(st.instDip[j]) }, { dip })}${st.instStage[j] === Stage.Ready ? "R" : "-"}`);
  out.push(`net:${+fcr.reachable({ dip }, "internet")}${+fcr.reachable("internet", { dip })}`);
  return out.join(",");
}

/** (k) An instance the test started migrating keeps its DIP and reachability until it is
 *  evicted (its source died) or deleted; entries end with the migration. */
function checkMigrations(real: Real): void {
  const st = real.fc.state;
  for (const [i, was] of [...real.migrating]) {
    if (!holdsHost(st.instStage[i]) || st.instDip[i] === 0 || evictedSince(real, i)) {
      real.migrating.delete(i);
      continue;
    }
    inv("k.dipUnchanged", st.dips.format(st.instDip[i]) === was.dip, () => `instance ${i} migrated from DIP ${was.dip} to ${st.dips.format(st.instDip[i])}`);
    if (st.instStage[i] === Stage.Ready) {
      const row = reachRow(real.fc, i);
      inv("k.reachableUnchanged", sameReach(row, was.row) || !sameDipSet(row, was.row), () => `instance ${i}: reachability ${was.row} became ${row}`);
    }
    if (st.instMigStep[i] === MigStep.None) real.migrating.delete(i);
  }
}

/** Reachability rows agree on every instance that was ready in both, and on the internet. */
function sameReach(a: string, b: string): boolean {
  const parse = (x: string) => new Map(x.split(",").map((e) => e.split(":") as [string, string]));
  const pa = parse(a), pb = parse(b);
  for (const [k, va] of pa) {
    const vb = pb.get(k);
    if (vb === undefined) continue;
    if (k === "net" ? va !== vb : va.endsWith("R") && vb.endsWith("R") && va !== vb) return false;
  }
  return true;
}

/** Rows compare only while the same DIPs are in use (deploys and deletes change the set). */
function sameDipSet(a: string, b: string): boolean {
  const keys = (x: string) => x.split(",").map((e) => e.split(":")[0]).join();
  return keys(a) === keys(b);
}

function evictedSince(real: Real, i: number): boolean {
  const j = real.fc.journal;
  for (let k = j.length - 1; k >= 0; k--) {
    if (j.kind(k) === Rec.MigrationStarted && j.a(k) === i) return false;
    if (j.kind(k) === Rec.InstanceEvicted && j.a(k) === i) return true;
  }
  return false;
}

// ---- commands ----

type Cmd = fc.Command<Model, Real>;

class Boot implements Cmd {
  constructor(readonly servers: number[] | null) {}
  check(): boolean { return true; }
  run(m: Model, r: Real): void {
    r.fc.powerOn(this.servers?.map((s) => s % m.servers));
    r.fc.run();
    checkAll(m, r);
    checkQuiescent(m, r.fc.state);
  }
  toString(): string { return `Boot(${this.servers ? this.servers.join(",") : "all"})`; }
}

class Deploy implements Cmd {
  constructor(readonly model: ServiceModel) {}
  check(): boolean { return true; }
  run(m: Model, r: Real): void {
    const st = r.fc.state;
    const total = this.model.roles.reduce((n, x) => n + x.instances, 0);
    const sizes = this.model.roles.map((x) => SIZE_NAMES.indexOf(x.size ?? "Small"));
    const before = r.fc.snapshot();
    const journalBefore = r.fc.journal.length;
    const F = inServiceRacks(st);
    const overLimit = m.ids + total > m.maxInstances;
    // Must fail: more instances of a role than servers (one per host), or a size no server fits.
    const mustFail = overLimit || this.model.roles.some((x) => x.instances > m.servers) ||
      sizes.some((z) => !Array.from({ length: m.servers }, (_, s) => st.engine.capacityOf(s)).some((cap) => cap.every((c, k) => c >= DEMANDS[z][k])));
    let res;
    try {
      res = r.fc.deploy(this.model);
    } catch (e) {
      expect(e).toBeInstanceOf(VmfabricError);
      const code = (e as VmfabricError).code;
      if (process.env.FABRIC_PROP_STATS) note(`deploy.${code}`);
      expect(["INSUFFICIENT_CAPACITY", "POOL_EXHAUSTED", "LIMIT"]).toContain(code);
      inv("deploy.limit", (code === "LIMIT") === overLimit, () => `deploy threw ${code}; model says over limit: ${overLimit}`);
      inv("deploy.atomic", sameBytes(r.fc.snapshot(), before) && r.fc.journal.length === journalBefore, () => `a deploy that threw ${code} changed FC state`);
      checkAll(m, r);
      return;
    }
    if (process.env.FABRIC_PROP_STATS) note("deploy.ok");
    inv("deploy.mustFail", !mustFail, () => `deploy of ${JSON.stringify(this.model)} succeeded`);
    const d = res.deployment;
    inv("deploy.ids", d === m.live.size + m.deleted.size && res.instances === total, () => `deploy returned ${JSON.stringify(res)}`);
    const wantsVip = this.model.roles.some((x) => (x.endpoints ?? []).length > 0);
    inv("deploy.vip", (res.vip !== undefined) === wantsVip, () => `deploy returned VIP ${res.vip}, endpoints: ${wantsVip}`);
    m.ids += total;
    m.live.set(d, {
      tenant: this.model.tenant, counts: this.model.roles.map((x) => x.instances), sizes,
      updateDomains: this.model.updateDomains ?? 5, version: 1, vip: res.vip, minF: this.model.roles.map(() => F),
    });
    if (res.vip) m.oldVips.add(res.vip);
    checkAll(m, r);
  }
  toString(): string { return `Deploy(${JSON.stringify(this.model)})`; }
}

function pick(m: Model, k: number): number {
  const ids = [...m.live.keys()];
  return ids[k % ids.length];
}

class Delete implements Cmd {
  constructor(readonly k: number) {}
  check(m: Readonly<Model>): boolean { return m.live.size > 0; }
  run(m: Model, r: Real): void {
    const d = pick(m, this.k);
    r.fc.deleteDeployment(d);
    m.live.delete(d);
    m.deleted.add(d);
    checkAll(m, r);
  }
  toString(): string { return `Delete(#${this.k})`; }
}

class Upgrade implements Cmd {
  constructor(readonly k: number) {}
  check(m: Readonly<Model>): boolean { return m.live.size > 0; }
  run(m: Model, r: Real): void {
    const d = pick(m, this.k);
    const dm = m.live.get(d)!;
    if (r.fc.state.deployments[d].upgradeUd !== NO_UD) {
      expect(() => r.fc.upgrade(d)).toThrow(expect.objectContaining({ code: "BUSY" }));
    } else {
      const v = r.fc.upgrade(d);
      dm.version++;
      inv("upgrade.version", v === dm.version, () => `upgrade returned version ${v}, model ${dm.version}`);
    }
    checkAll(m, r);
  }
  toString(): string { return `Upgrade(#${this.k})`; }
}

class FailServer implements Cmd {
  constructor(readonly server: number) {}
  check(): boolean { return true; }
  run(m: Model, r: Real): void {
    const s = this.server % m.servers;
    r.fc.failServer(s);
    m.failed.add(s);
    lowerMinF(m, r.fc.state);
    r.fc.run();
    checkAll(m, r);
    checkQuiescent(m, r.fc.state);
  }
  toString(): string { return `FailServer(${this.server})`; }
}

class Run implements Cmd {
  constructor(readonly ms: number | null) {}
  check(): boolean { return true; }
  run(m: Model, r: Real): void {
    r.fc.run(this.ms === null ? Infinity : r.fc.now + this.ms);
    checkAll(m, r);
    if (this.ms === null) checkQuiescent(m, r.fc.state);
  }
  toString(): string { return `Run(${this.ms ?? "all"})`; }
}

class RetryUnhealed implements Cmd {
  check(): boolean { return true; }
  run(m: Model, r: Real): void {
    const before = r.fc.unhealed().length;
    const n = r.fc.retryUnhealed();
    inv("retry.count", n === before, () => `retryUnhealed() = ${n}, unhealed() had ${before}`);
    checkAll(m, r);
  }
  toString(): string { return "RetryUnhealed"; }
}

class SnapshotRestore implements Cmd {
  constructor(readonly keep: boolean) {}
  check(): boolean { return true; }
  run(m: Model, r: Real): void {
    checkSnapshotReplay(r);
    const bytes = r.fc.snapshot();
    const next = FabricController.restore(bytes, r.fc.journal);
    inv("g.restore", sameBytes(next.snapshot(), bytes), () => "restored FC has other snapshot bytes");
    r.fc = next;
    if (this.keep || !r.older) r.older = bytes;
    // The restored FC's world is new: hardware the old world had dead, and the FC never noticed
    // (a server failed while powered off, in maintenance or retired), is alive again.
    for (const s of [...m.failed]) {
      const x = next.state.serverState[s];
      if (x === ServerState.PoweredOff || x === ServerState.Maintenance || x === ServerState.Retired) m.failed.delete(s);
    }
    checkAll(m, r);
  }
  toString(): string { return `SnapshotRestore(${this.keep ? "keep" : ""})`; }
}

/** Ready instances of live deployments, by id. */
function readyInstances(st: FcState): number[] {
  const out: number[] = [];
  for (let i = 0; i < st.instances; i++) if (st.instStage[i] === Stage.Ready) out.push(i);
  return out;
}

/** A refused call changes nothing: same snapshot, same journal length. */
function refusedUnchanged(r: Real, f: () => unknown, codes: string[]): boolean {
  const before = r.fc.snapshot();
  const len = r.fc.journal.length;
  try {
    f();
    return false;
  } catch (e) {
    expect(e).toBeInstanceOf(VmfabricError);
    expect(codes).toContain((e as VmfabricError).code);
    inv("refused.unchanged", sameBytes(r.fc.snapshot(), before) && r.fc.journal.length === len, () => `a refused call (${(e as VmfabricError).code}) changed FC state`);
    return true;
  }
}

class Migrate implements Cmd {
  constructor(readonly k: number, readonly target: number | null) {}
  check(): boolean { return true; }
  run(m: Model, r: Real): void {
    const st = r.fc.state;
    const ready = readyInstances(st);
    if (ready.length === 0) return;
    const i = ready[this.k % ready.length];
    const dip = r.fc.dipOf(i)!;
    const row = reachRow(r.fc, i);
    const target = this.target === null ? undefined : this.target % m.servers;
    let t = -1;
    const refused = refusedUnchanged(r, () => { t = r.fc.migrate(i, target); }, ["BUSY", "INSUFFICIENT_CAPACITY", "INVALID_INPUT", "LIMIT"]);
    if (!refused) {
      if (process.env.FABRIC_PROP_STATS) note("migrate.ok");
      inv("k.started", st.instMigTarget[i] === t && st.instMigStep[i] !== MigStep.None, () => `migrate(${i}) returned ${t}; state target ${st.instMigTarget[i]}`);
      inv("k.reachableAtStart", reachRow(r.fc, i) === row, () => `instance ${i}: reachability changed when its migration started`);
      r.migrating.set(i, { dip, row });
    }
    checkAll(m, r);
  }
  toString(): string { return `Migrate(#${this.k}, ${this.target ?? "auto"})`; }
}

class FailMidMigration implements Cmd {
  constructor(readonly k: number, readonly source: boolean, readonly ms: number) {}
  check(): boolean { return true; }
  run(m: Model, r: Real): void {
    const st = r.fc.state;
    if (r.fc.migrations().length === 0) {
      const ready = readyInstances(st);
      if (ready.length === 0) return;
      const i = ready[this.k % ready.length];
      try {
        r.fc.migrate(i);
        r.migrating.set(i, { dip: r.fc.dipOf(i)!, row: reachRow(r.fc, i) });
      } catch { return; }
    }
    if (this.ms >= 0) r.fc.run(r.fc.now + this.ms);
    else {
      // Into a blackout (about 100 ms long), stepping the clock 20 ms at a time.
      for (let n = 0; n < 5_000 && r.fc.migrations().length > 0 && !r.fc.migrations().some((x) => x.step === "Blackout"); n++) r.fc.run(r.fc.now + 20);
    }
    const all = r.fc.migrations().filter((x) => this.ms >= 0 || x.step === "Blackout");
    if (all.length === 0 && r.fc.migrations().length > 0) all.push(...r.fc.migrations());
    if (all.length === 0) return checkAll(m, r);
    const mig = all[this.k % all.length];
    const i = mig.instance;
    const dip = r.fc.dipOf(i);
    const s = this.source ? mig.source : mig.target;
    if (process.env.FABRIC_PROP_STATS) note(`failMid.${this.source ? "source" : "target"}.${mig.step}`);
    r.fc.failServer(s);
    m.failed.add(s);
    lowerMinF(m, st);
    r.fc.run();
    if (!this.source && !m.failed.has(mig.source)) {
      // Target died: aborted, the VM runs on with its DIP (on its source, or wherever a drain of
      // the source moved it since), never on the dead target.
      const stayed = st.instHost[i] === mig.source || (st.serverState[mig.source] !== ServerState.InService || st.serverDrain[mig.source] !== 0 || recordsAfterAbort(r, i));
      inv("k.abortKeepsSource", stayed && st.instHost[i] !== s && r.fc.dipOf(i) === dip && st.instStage[i] === Stage.Ready, () => `instance ${i} after its target ${s} died: host ${st.instHost[i]}, DIP ${r.fc.dipOf(i)} (was ${dip}), stage ${st.instStage[i]}`);
    } else if (this.source) {
      inv("k.sourceHealed", st.instHost[i] !== mig.source && (st.instStage[i] === Stage.Ready || st.instStage[i] === Stage.Unhealed || st.instStage[i] === Stage.Deleted), () => `instance ${i} after its source ${s} died: host ${st.instHost[i]}, stage ${st.instStage[i]}`);
    }
    checkAll(m, r);
    checkQuiescent(m, st);
  }
  toString(): string { return `FailMidMigration(#${this.k}, ${this.source ? "source" : "target"}, ${this.ms < 0 ? "blackout" : this.ms})`; }
}

/** Did instance i start another migration after its last abort (a drain moving it on)? */
function recordsAfterAbort(r: Real, i: number): boolean {
  const j = r.fc.journal;
  for (let k = j.length - 1; k >= 0; k--) {
    if (j.a(k) !== i) continue;
    if (j.kind(k) === Rec.MigrationAborted) return false;
    if (j.kind(k) === Rec.MigrationStarted) return true;
  }
  return false;
}

class Drain implements Cmd {
  constructor(readonly server: number) {}
  check(): boolean { return true; }
  run(m: Model, r: Real): void {
    const s = this.server % m.servers;
    const st = r.fc.state;
    const ok = st.serverState[s] === ServerState.InService && st.serverDrain[s] === 0;
    const refused = refusedUnchanged(r, () => r.fc.drain(s), ["BUSY", "INVALID_INPUT"]);
    inv("drain.refusedIff", refused === !ok, () => `drain(${s}) on state ${st.serverState[s]}, drain ${st.serverDrain[s]}: refused ${refused}`);
    if (process.env.FABRIC_PROP_STATS && !refused) note("drain.ok");
    checkAll(m, r);
  }
  toString(): string { return `Drain(${this.server})`; }
}

class Defrag implements Cmd {
  constructor(readonly budget: number) {}
  check(): boolean { return true; }
  run(m: Model, r: Real): void {
    const chosen = r.fc.defrag(this.budget);
    let guests = 0;
    for (const s of chosen) guests += r.fc.state.engine.vmCountOf(s);
    inv("defrag.budget", guests <= this.budget, () => `defrag(${this.budget}) chose servers holding ${guests} guests`);
    if (process.env.FABRIC_PROP_STATS) note("defrag.servers", chosen.length);
    checkAll(m, r);
  }
  toString(): string { return `Defrag(${this.budget})`; }
}

class AddRack implements Cmd {
  constructor(readonly roomy: boolean) {}
  check(m: Readonly<Model>): boolean { return m.racks < 5; }
  run(m: Model, r: Real): void {
    const added = r.fc.addRacks(1, this.roomy ? { server: ROOMY } : undefined);
    inv("addRack.ids", added.length === m.serversPerRack && added[0] === m.servers, () => `addRacks(1) returned ${added}, data center had ${m.servers} servers`);
    m.servers += m.serversPerRack;
    m.racks++;
    if (process.env.FABRIC_PROP_STATS) note("addRack");
    checkAll(m, r);
  }
  toString(): string { return `AddRack(${this.roomy ? "roomy" : "same"})`; }
}

/** Not generated: a check a fixed prefix asserts about the state it reached. */
class Expect implements Cmd {
  constructor(readonly what: string, readonly ok: (r: Real) => boolean) {}
  check(): boolean { return true; }
  run(_m: Model, r: Real): void {
    inv(`prefix.${this.what}`, this.ok(r), () => "the fixed prefix did not reach the state it was written for");
  }
  toString(): string { return `Expect(${this.what})`; }
}

const serverArb = fc.integer({ min: 0, max: 8 });
const commandArbs = [
  fc.oneof(fc.constant(null), fc.array(serverArb, { minLength: 1, maxLength: 4 })).map((s) => new Boot(s)),
  modelArb.map((x) => new Deploy(x)),
  modelArb.map((x) => new Deploy(x)),
  modelArb.map((x) => new Deploy(x)),
  fc.nat(7).map((k) => new Delete(k)),
  fc.nat(7).map((k) => new Upgrade(k)),
  fc.nat(7).map((k) => new Upgrade(k)),
  serverArb.map((s) => new FailServer(s)),
  fc.oneof(fc.constant(null), fc.constantFrom(1_000, 8_000, 30_000, 90_000, 600_000)).map((ms) => new Run(ms)),
  fc.oneof(fc.constant(null), fc.constantFrom(10_000, 60_000)).map((ms) => new Run(ms)),
  fc.constant(new RetryUnhealed()),
  fc.boolean().map((k) => new SnapshotRestore(k)),
  fc.tuple(fc.nat(20), fc.oneof(fc.constant(null), serverArb)).map(([k, t]) => new Migrate(k, t)),
  fc.tuple(fc.nat(20), fc.oneof(fc.constant(null), serverArb)).map(([k, t]) => new Migrate(k, t)),
  fc.tuple(fc.nat(20), fc.boolean(), fc.constantFrom(0, 3_000, 8_000, 8_500, 15_000, 20_000, -1)).map(([k, src, ms]) => new FailMidMigration(k, src, ms)),
  serverArb.map((s) => new Drain(s)),
  fc.nat(6).map((b) => new Defrag(b)),
  fc.boolean().map((roomy) => new AddRack(roomy)),
];

function scenario(c: Config, cmds: Iterable<Cmd>): void {
  const options = optionsOf(c);
  const real: Real = { fc: FabricController.create(options), options, migrating: new Map() };
  const model = newModel(c);
  fc.modelRun(() => ({ model, real }), cmds);
  checkAll(model, real);
  checkSnapshotReplay(real);
}

afterAll(() => {
  if (process.env.FABRIC_PROP_STATS) console.log([...STATS].sort().map(([k, v]) => `${k}: ${v}`).join("\n"));
});

describe("Fabric Controller: tenant isolation and bookkeeping after any command sequence", () => {
  it("holds invariants (a)-(i) after every boot/deploy/delete/upgrade/fail/run/retry/restore", () => {
    fc.assert(
      fc.property(configArb, fc.boolean(), fc.commands(commandArbs, { maxCommands: 30, size: "max" }), (c, booted, cmds) => scenario(c, booted ? [new Boot(null), ...cmds] : cmds)),
      { numRuns: RUNS },
    );
  }, TIMEOUT);

  it("holds them on a booted single-rack fleet filled exactly to capacity and to the DIP pool", () => {
    // 1 rack x 2 tiny servers: 8 Small slots, and 8 DIPs.
    const c: Config = { racks: 1, serversPerRack: 2, server: TINY, dips: 8, vips: 1, maxInstances: 64, maxConcurrentHealing: 1, failureRate: 0, seed: 1 };
    fc.assert(
      fc.property(fc.commands(commandArbs, { maxCommands: 20, size: "max" }), (cmds) => scenario(c, [new Boot(null), ...cmds])),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  }, TIMEOUT);

  it("holds them from a state where healing had to relax the fault-domain spread", () => {
    // 2 racks x 3 tiny servers. Role a (4 instances) sits 2 per rack on servers 0, 1, 3, 4; a
    // Large of another tenant fills server 2. Server 0 dies: rack 0 has no room left and rack 1
    // holds its share, so the instance is healed onto server 5 with the spread relaxed.
    const c: Config = { racks: 2, serversPerRack: 3, server: TINY, dips: 12, vips: 2, maxInstances: 64, maxConcurrentHealing: 2, failureRate: 0, seed: 1 };
    const prefix = (): Cmd[] => [
      new Boot(null),
      new Deploy({ tenant: 0, roles: [{ name: "a", instances: 4, endpoints: [80] }] }),
      new Deploy({ tenant: 1, roles: [{ name: "b", instances: 1, size: "Large" }] }),
      new Run(null),
      new FailServer(0),
      new Expect("spreadRelaxed", (r) => r.fc.state.spreadRelaxed.size === 1),
    ];
    fc.assert(
      fc.property(fc.commands(commandArbs, { maxCommands: 20, size: "max" }), (cmds) => scenario(c, [...prefix(), ...cmds])),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  }, TIMEOUT);
});

// Two FC bugs the properties found, kept as regression tests (each is the shrunk counterexample).
describe("Fabric Controller: bugs found by the properties", () => {
  it("retryUnhealed re-queues an unhealed instance (threw STATE: 'holds no host to be evicted from')", () => {
    // 1 server, 1 instance; the server dies, the instance cannot be healed (nowhere to go).
    const c: Config = { racks: 1, serversPerRack: 1, server: TINY, dips: 1, vips: 1, maxInstances: 1, maxConcurrentHealing: 1, failureRate: 0, seed: 0 };
    const r: Real = { fc: FabricController.create(optionsOf(c)), options: optionsOf(c), migrating: new Map() };
    r.fc.powerOn();
    r.fc.run();
    r.fc.deploy({ tenant: 0, roles: [{ name: "r0", instances: 1 }] });
    r.fc.failServer(0);
    r.fc.run();
    expect(r.fc.unhealed().length).toBe(1);
    // It used to record InstanceEvicted for an instance holding no host, which apply refused.
    expect(r.fc.retryUnhealed()).toBe(1);
    r.fc.run();
    expect(r.fc.unhealed().length).toBe(1); // still nowhere to go, reported again
  });

  it("an upgrade started while an instance is still provisioning still brings it to the new version", () => {
    const c: Config = { racks: 1, serversPerRack: 1, server: TINY, dips: 64, vips: 1, maxInstances: 64, maxConcurrentHealing: 1, failureRate: 0, seed: 0 };
    const r: Real = { fc: FabricController.create(optionsOf(c)), options: optionsOf(c), migrating: new Map() };
    r.fc.powerOn();
    r.fc.run();
    r.fc.deploy({ tenant: 0, roles: [{ name: "r0", instances: 1, image: "guest-os-core" }] });
    r.fc.run(r.fc.now + 60_000); // the instance is past DiskReady: its role deploy is in flight
    expect(r.fc.state.instStage[0]).toBeLessThan(Stage.Ready);
    expect(r.fc.upgrade(0)).toBe(2); // no Ready instance in any UD yet
    r.fc.run();
    const st = r.fc.state;
    expect(st.deployments[0].upgradeUd).toBe(NO_UD);
    expect(st.instStage[0]).toBe(Stage.Ready);
    expect(st.instVersion[0]).toBe(st.deployments[0].version); // was left at 1
  });
});
