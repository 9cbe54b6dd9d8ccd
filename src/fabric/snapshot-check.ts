// Strict checks of a snapshot's header and columns, as strict as create() is with options:
// a snapshot restores exactly the state it was taken from, or is refused with SNAPSHOT_INVALID
// naming the field. The checksum catches damage; these checks catch a header or column that is
// well-formed JSON or bytes but not a state the FC could have been in.
import { VmfabricError, show } from "../errors.js";
import { canonical } from "./journal-options.js";
import { SERVER_STATE_NAMES, STAGE_NAMES, holdsHost } from "./lifecycle.js";
import { resolveServerSpec, type ServerSpec } from "./datacenter.js";
import { MigStep } from "./migration.js";
import { resolveModel, type ResolvedModel } from "./model.js";
import { resolveOptions, type ResolvedOptions } from "./options.js";
import { NO_UD, type FcState } from "./state.js";

export function snapshotInvalid(field: string, value: unknown, expected: string): VmfabricError {
  return new VmfabricError("SNAPSHOT_INVALID", `snapshot ${field} must be ${expected}, got ${show(value)}`, field, value);
}

export interface DeploymentHeader { tenant: number; model: ResolvedModel; vip: number; version: number; upgradeUd: number; deleted: boolean }

export interface SnapshotHeader {
  version: number;
  options: ResolvedOptions;
  /** Journal records the state includes: replay resumes from this index. */
  journalLength: number;
  /** Racks added to the running FC, in order: [count, server spec]. */
  addedRacks: Array<[number, ServerSpec]>;
  time: number;
  instances: number;
  nextDisk: number;
  deployments: DeploymentHeader[];
  tenantStorageGiB: Array<[number, number]>;
  spreadRelaxed: Array<[number, number]>;
  /** Address pools' next-fit cursors. */
  dipCursor: number;
  vipCursor: number;
}

const HEADER_KEYS = ["version", "options", "journalLength", "addedRacks", "time", "instances", "nextDisk", "deployments", "tenantStorageGiB", "spreadRelaxed", "dipCursor", "vipCursor"];
const DEPLOYMENT_KEYS = ["tenant", "model", "vip", "version", "upgradeUd", "deleted"];
const U32_MAX = 0xffffffff;

function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function exactKeys(field: string, o: unknown, keys: readonly string[]): Record<string, unknown> {
  if (!isObj(o)) throw snapshotInvalid(field, o, `an object {${keys.join(", ")}}`);
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw snapshotInvalid(`${field}.${k}`, o[k], "absent (not a snapshot field)");
  for (const k of keys) if (!(k in o)) throw snapshotInvalid(`${field}${field ? "." : ""}${k}`, undefined, "present");
  return o;
}

function int(field: string, v: unknown, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) throw snapshotInvalid(field, v, `an integer in [${min}, ${max}]`);
  return v;
}

/** Re-resolves what was stored resolved: anything create() would refuse, or anything that is
 *  not exactly in resolved form, is refused. */
function sameWhenResolved<T>(field: string, stored: unknown, resolve: () => T): T {
  let again: T;
  try {
    again = resolve();
  } catch (e) {
    if (e instanceof VmfabricError && e.code === "SNAPSHOT_INVALID") throw e;
    if (e instanceof VmfabricError) {
      const f = e.field === undefined ? field : `${field}.${e.field.replace(/^(options|model)\.?/, "")}`.replace(/\.$/, "");
      throw new VmfabricError("SNAPSHOT_INVALID", `snapshot ${f}: ${e.message}`, f, e.value);
    }
    throw snapshotInvalid(field, stored, "valid");
  }
  if (canonical(again) !== canonical(stored)) throw snapshotInvalid(field, stored, "in the resolved form create() gives");
  return again;
}

/** Checks a parsed header whole; returns it typed. */
export function checkHeader(raw: unknown, version: number): SnapshotHeader {
  const h = exactKeys("", raw, HEADER_KEYS);
  if (h.version !== version) throw snapshotInvalid("version", h.version, String(version));
  const o = h.options;
  if (!isObj(o) || !isObj(o.datacenter)) throw snapshotInvalid("options", o, "resolved FabricController options");
  const { servers, ...spec } = o.datacenter;
  const options = sameWhenResolved("options", o, () => {
    const r = resolveOptions({ ...o, datacenter: spec });
    if (servers !== r.datacenter.servers) throw snapshotInvalid("options.datacenter.servers", servers, String(r.datacenter.servers));
    return r;
  });
  const journalLength = int("journalLength", h.journalLength, 0, Number.MAX_SAFE_INTEGER);
  if (!Array.isArray(h.addedRacks)) throw snapshotInvalid("addedRacks", h.addedRacks, "an array of [racks, server spec]");
  let racks = options.datacenter.racks;
  const addedRacks = h.addedRacks.map((x: unknown, k: number): [number, ServerSpec] => {
    const f = `addedRacks[${k}]`;
    if (!Array.isArray(x) || x.length !== 2) throw snapshotInvalid(f, x, "a [racks, server spec] pair");
    const n = int(`${f}[0]`, x[0], 1, 65_536 - racks);
    racks += n;
    if (racks * options.datacenter.serversPerRack > 1 << 22) throw snapshotInvalid(`${f}[0]`, n, `racks keeping the data center within ${1 << 22} servers`);
    const spec = sameWhenResolved(`${f}[1]`, x[1], () => resolveServerSpec(`${f}[1]`, x[1], options.datacenter.hostReservation));
    return [n, spec];
  });
  if (typeof h.time !== "number" || !Number.isFinite(h.time) || h.time < 0) throw snapshotInvalid("time", h.time, "a finite number >= 0 (virtual ms)");
  const instances = int("instances", h.instances, 0, options.maxInstances);
  const nextDisk = int("nextDisk", h.nextDisk, 1, U32_MAX);
  if (!Array.isArray(h.deployments)) throw snapshotInvalid("deployments", h.deployments, "an array");
  let total = 0;
  const storage = new Map<number, number>();
  const deployments = h.deployments.map((d: unknown, i: number): DeploymentHeader => {
    const f = `deployments[${i}]`;
    const row = exactKeys(f, d, DEPLOYMENT_KEYS);
    const tenant = int(`${f}.tenant`, row.tenant, 0, 0xfffffffe);
    const m = row.model;
    if (!isObj(m) || !Array.isArray(m.roles)) throw snapshotInvalid(`${f}.model`, m, "a resolved service model");
    const sizes = options.catalog.sizes;
    const images = options.catalog.images;
    const model = sameWhenResolved(`${f}.model`, m, () => resolveModel({
      ...m,
      roles: (m.roles as unknown[]).map((r, k) => {
        if (!isObj(r)) throw snapshotInvalid(`${f}.model.roles[${k}]`, r, "a resolved role");
        return {
          ...r,
          size: sizes[int(`${f}.model.roles[${k}].size`, r.size, 0, sizes.length - 1)].name,
          image: images[int(`${f}.model.roles[${k}].image`, r.image, 0, images.length - 1)].name,
        };
      }),
    }, options.catalog));
    if (model.tenant !== tenant) throw snapshotInvalid(`${f}.tenant`, tenant, `the model's tenant ${model.tenant}`);
    const deleted = row.deleted;
    if (typeof deleted !== "boolean") throw snapshotInvalid(`${f}.deleted`, deleted, "a boolean");
    const vip = int(`${f}.vip`, row.vip, 0, deleted ? 0 : options.datacenter.vipPool.size);
    const ver = int(`${f}.version`, row.version, 1, U32_MAX);
    const ud = row.upgradeUd;
    if (ud !== NO_UD) int(`${f}.upgradeUd`, ud, 0, model.updateDomains - 1);
    if (deleted && ud !== NO_UD) throw snapshotInvalid(`${f}.upgradeUd`, ud, `${NO_UD} (a deleted deployment is not upgrading)`);
    for (const r of model.roles) {
      total += r.instances;
      if (!deleted) storage.set(tenant, (storage.get(tenant) ?? 0) + r.instances * sizes[r.size].storageQuotaGiB);
    }
    return { tenant, model, vip, version: ver, upgradeUd: ud as number, deleted };
  });
  if (total !== instances) throw snapshotInvalid("instances", instances, `${total}, the instances of the deployments`);
  const pairs = (field: string, v: unknown, check: (a: unknown, b: unknown, f: string) => void): Array<[number, number]> => {
    if (!Array.isArray(v)) throw snapshotInvalid(field, v, "an array of [key, value] pairs");
    let last = -1;
    return v.map((p: unknown, i: number) => {
      if (!Array.isArray(p) || p.length !== 2) throw snapshotInvalid(`${field}[${i}]`, p, "a [key, value] pair");
      check(p[0], p[1], `${field}[${i}]`);
      if ((p[0] as number) <= last) throw snapshotInvalid(`${field}[${i}]`, p, "keys in increasing order");
      last = p[0] as number;
      return [p[0], p[1]] as [number, number];
    });
  };
  const tenantStorageGiB = pairs("tenantStorageGiB", h.tenantStorageGiB, (t, g, f) => {
    int(`${f}[0]`, t, 0, 0xfffffffe);
    if (storage.get(t as number) !== g) throw snapshotInvalid(`${f}[1]`, g, `${storage.get(t as number) ?? "absent"}, the storage quota of tenant ${t}'s live deployments`);
  });
  if (tenantStorageGiB.length !== storage.size) throw snapshotInvalid("tenantStorageGiB", h.tenantStorageGiB, `one entry per tenant with live deployments (${storage.size})`);
  const spreadRelaxed = pairs("spreadRelaxed", h.spreadRelaxed, (i, fd, f) => {
    int(`${f}[0]`, i, 0, instances - 1);
    int(`${f}[1]`, fd, 0, racks - 1);
  });
  return {
    version,
    options,
    journalLength,
    addedRacks,
    time: h.time,
    instances,
    nextDisk,
    deployments,
    tenantStorageGiB,
    spreadRelaxed,
    dipCursor: int("dipCursor", h.dipCursor, 0, options.datacenter.dipPool.size),
    vipCursor: int("vipCursor", h.vipCursor, 0, options.datacenter.vipPool.size),
  };
}

/** Checks the loaded columns: every value one the FC itself could have written. */
export function checkColumns(st: FcState, h: SnapshotHeader): void {
  const o = h.options;
  const col = (name: string, i: number, v: number, ok: boolean, expected: string) => {
    if (!ok) throw snapshotInvalid(`${name}[${i}]`, v, expected);
  };
  const images = o.catalog.images.length;
  for (let s = 0; s < st.dc.servers; s++) {
    col("serverState", s, st.serverState[s], st.serverState[s] < SERVER_STATE_NAMES.length, "a server state");
    const drain = st.serverDrain[s];
    col("serverDrain", s, drain, drain === 0 || ((drain === 1 || drain === 2) && st.serverState[s] === SERVER_STATE_NAMES.indexOf("InService")), "0, or 1 or 2 on an in-service server");
    col("serverFailures", s, st.serverFailures[s], st.serverFailures[s] <= o.timing.maxBootFailures, `at most maxBootFailures ${o.timing.maxBootFailures}`);
    col("serverImages", s, st.serverImages[s], images >= 32 || st.serverImages[s] >>> images === 0, `a mask of the catalog's ${images} images`);
  }
  for (let i = 0; i < h.instances; i++) {
    const stage = st.instStage[i];
    col("instStage", i, stage, stage < STAGE_NAMES.length, "an instance stage");
    const held = holdsHost(stage);
    const host = st.instHost[i];
    col("instHost", i, host, held ? host >= 0 && host < st.dc.servers : host === -1, held ? "a server index" : "-1 (the instance holds no host)");
    const dip = st.instDip[i];
    col("instDip", i, dip, held ? dip >= 1 && dip <= o.datacenter.dipPool.size : dip === 0, held ? "an offset in the DIP pool" : "0");
    col("instDisk", i, st.instDisk[i], st.instDisk[i] < h.nextDisk, `below nextDisk ${h.nextDisk}`);
    const dep = h.deployments[st.roles[st.instRole[i]].deployment];
    col("instVersion", i, st.instVersion[i], st.instVersion[i] <= dep.version, `at most the deployment's version ${dep.version}`);
    for (const [name, arr] of [["instAcl", st.instAcl], ["instLb", st.instLb], ["instHealing", st.instHealing]] as const) {
      col(name, i, arr[i], arr[i] <= 1 && (held || arr[i] === 0), held ? "0 or 1" : "0 (the instance holds no host)");
    }
    const step = st.instMigStep[i];
    const target = st.instMigTarget[i];
    const slot = st.instMigSlot[i];
    const disk = st.instMigDisk[i];
    col("instMigStep", i, step, step <= MigStep.Blackout && (step === MigStep.None || stage === STAGE_NAMES.indexOf("Ready")), "a migration step (only for a Ready instance)");
    if (step === MigStep.None) {
      col("instMigTarget", i, target, target === -1, "-1 (not migrating)");
      col("instMigSlot", i, slot, slot === 0, "0 (not migrating)");
      col("instMigDisk", i, disk, disk === 0, "0 (not migrating)");
    } else {
      const inService = SERVER_STATE_NAMES.indexOf("InService");
      col("instMigTarget", i, target, target >= 0 && target < st.dc.servers && target !== host && st.serverState[target] === inService && st.serverDrain[target] === 0, "an in-service server other than the instance's, not draining");
      col("instMigSlot", i, slot, (slot & 0xffff) < st.migrationSlots && slot >>> 16 <= 1, `a slot below ${st.migrationSlots} | relaxed << 16`);
      col("instMigDisk", i, disk, step === MigStep.Preparing ? disk === 0 : disk >= 1 && disk < h.nextDisk, step === MigStep.Preparing ? "0 (no disk yet)" : `a disk below nextDisk ${h.nextDisk}`);
    }
  }
  for (const [i] of h.spreadRelaxed) {
    if (!holdsHost(st.instStage[i])) throw snapshotInvalid("spreadRelaxed", i, "instances that hold a host");
  }
}
