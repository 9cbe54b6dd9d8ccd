// A compact, canonical serialization of FC state: a JSON header (options, deployments, maps)
// followed by the per-server and per-instance typed arrays. Two FCs in the same state give
// byte-identical snapshots, so tests compare states by comparing snapshots.
import { VmfabricError } from "../errors.js";
import { ServerState } from "./lifecycle.js";
import type { ResolvedOptions } from "./options.js";
import { Rec } from "./records.js";
import type { FcState } from "./state.js";

const MAGIC = 0x534d4656; // "VFMS"
const VERSION = 1;

export interface SnapshotHeader {
  version: number;
  options: ResolvedOptions;
  /** Journal records the state includes: replay resumes from this index. */
  journalLength: number;
  time: number;
  instances: number;
  nextDisk: number;
  deployments: Array<{ tenant: number; model: unknown; vip: number; version: number; upgradeUd: number; deleted: boolean }>;
  tenantStorageGiB: Array<[number, number]>;
  spreadRelaxed: Array<[number, number]>;
  /** Address pools' next-fit cursors. */
  dipCursor: number;
  vipCursor: number;
}

type Column = Uint8Array | Uint16Array | Uint32Array | Int32Array;

function columns(st: FcState, n: number): Column[] {
  return [
    st.serverState, st.serverFailures, st.serverImages,
    st.instHost.subarray(0, n), st.instDip.subarray(0, n), st.instDisk.subarray(0, n), st.instStage.subarray(0, n),
    st.instVersion.subarray(0, n), st.instAcl.subarray(0, n), st.instLb.subarray(0, n), st.instReason.subarray(0, n), st.instHealing.subarray(0, n),
  ];
}

export function encodeSnapshot(st: FcState, options: ResolvedOptions, journalLength: number): Uint8Array {
  const n = st.instances;
  const header: SnapshotHeader = {
    version: VERSION,
    options,
    journalLength,
    time: st.time,
    instances: n,
    nextDisk: st.nextDisk,
    deployments: st.deployments.map((d) => ({ tenant: d.tenant, model: d.model, vip: d.vip, version: d.version, upgradeUd: d.upgradeUd, deleted: d.deleted })),
    tenantStorageGiB: [...st.tenantStorageGiB].sort((a, b) => a[0] - b[0]),
    spreadRelaxed: [...st.spreadRelaxed].sort((a, b) => a[0] - b[0]),
    dipCursor: st.dips.cursor,
    vipCursor: st.vips.cursor,
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const cols = columns(st, n);
  const align = (x: number) => (x + 7) & ~7;
  let size = align(12 + json.length);
  for (const c of cols) size = align(size + c.byteLength);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, MAGIC, true);
  dv.setUint32(4, VERSION, true);
  dv.setUint32(8, json.length, true);
  out.set(json, 12);
  let at = align(12 + json.length);
  for (const c of cols) {
    out.set(new Uint8Array(c.buffer, c.byteOffset, c.byteLength), at);
    at = align(at + c.byteLength);
  }
  return out;
}

export function decodeHeader(bytes: Uint8Array): SnapshotHeader {
  if (!(bytes instanceof Uint8Array) || bytes.length < 12) throw new VmfabricError("SNAPSHOT_INVALID", "snapshot is not a vmfabric snapshot (too short)", "snapshot", bytes?.length);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(0, true) !== MAGIC || dv.getUint32(4, true) !== VERSION) throw new VmfabricError("SNAPSHOT_INVALID", "snapshot has a wrong magic number or version", "snapshot", dv.getUint32(4, true));
  const len = dv.getUint32(8, true);
  if (12 + len > bytes.length) throw new VmfabricError("SNAPSHOT_INVALID", "snapshot is truncated", "snapshot", bytes.length);
  return JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + len))) as SnapshotHeader;
}

/** Fills an empty FC state (built from the header's options) with the snapshot's state.
 *  The engine is rebuilt from where the instances sit, which is all it holds. */
export function loadSnapshot(bytes: Uint8Array, st: FcState, serverInService: (s: number) => void): SnapshotHeader {
  const h = decodeHeader(bytes);
  for (const d of h.deployments) {
    const id = st.deployments.length;
    st.apply(Rec.DeploymentCreated, h.time, id, d.tenant, 0, JSON.stringify(d.model));
    const row = st.deployments[id];
    row.version = d.version;
    row.upgradeUd = d.upgradeUd;
    row.vip = d.vip;
    if (d.deleted) row.deleted = true;
  }
  if (st.instances !== h.instances) throw new VmfabricError("SNAPSHOT_INVALID", `snapshot's deployments give ${st.instances} instances, header says ${h.instances}`, "snapshot", h.instances);
  const cols = columns(st, h.instances);
  const align = (x: number) => (x + 7) & ~7;
  let at = align(12 + new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true));
  for (const c of cols) {
    if (at + c.byteLength > bytes.length) throw new VmfabricError("SNAPSHOT_INVALID", "snapshot is truncated", "snapshot", bytes.length);
    new Uint8Array(c.buffer, c.byteOffset, c.byteLength).set(bytes.subarray(at, at + c.byteLength));
    at = align(at + c.byteLength);
  }
  st.nextDisk = h.nextDisk;
  st.time = h.time;
  st.tenantStorageGiB.clear();
  for (const [t, g] of h.tenantStorageGiB) st.tenantStorageGiB.set(t, g);
  st.spreadRelaxed.clear();
  for (const [i, f] of h.spreadRelaxed) st.spreadRelaxed.set(i, f);
  for (let s = 0; s < st.dc.servers; s++) if (st.serverState[s] === ServerState.InService) serverInService(s);
  h.deployments.forEach((d, id) => { if (d.vip) st.vips.take(d.vip, id); });
  st.rebuildPlacements();
  st.dips.cursor = h.dipCursor;
  st.vips.cursor = h.vipCursor;
  return h;
}
