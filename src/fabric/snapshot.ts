// A compact, canonical serialization of FC state: a JSON header (options, deployments, maps)
// followed by the per-server and per-instance typed arrays, then a CRC-32 of everything before
// it. Two FCs in the same state give byte-identical snapshots, so tests compare states by
// comparing snapshots.
//
//   u32 MAGIC | u32 VERSION | u32 headerLength | header (UTF-8 JSON) | pad to 8 |
//   (column bytes | pad to 8)* | u32 crc32(all bytes before it)
//
// CRC-32 detects every burst of up to 32 flipped bits, so any damaged byte is caught; the
// header and columns are then checked as strictly as create() checks options
// (snapshot-check.ts), so an edited snapshot is refused too, never restored as another state.
import { VmfabricError, show } from "../errors.js";
import { crc32 } from "./journal.js";
import { canonical } from "./journal-options.js";
import { ServerState } from "./lifecycle.js";
import type { ResolvedOptions } from "./options.js";
import { Rec } from "./records.js";
import { checkColumns, checkHeader, snapshotInvalid, type SnapshotHeader } from "./snapshot-check.js";
import type { FcState } from "./state.js";

export type { SnapshotHeader } from "./snapshot-check.js";

const MAGIC = 0x534d4656; // "VFMS"
const VERSION = 3;
const PREFIX = 12;
const CRC_BYTES = 4;

type Column = Uint8Array | Uint16Array | Uint32Array | Int32Array;

function columns(st: FcState, n: number): Column[] {
  return [
    st.serverState, st.serverFailures, st.serverImages, st.serverDrain,
    st.instHost.subarray(0, n), st.instDip.subarray(0, n), st.instDisk.subarray(0, n), st.instStage.subarray(0, n),
    st.instVersion.subarray(0, n), st.instAcl.subarray(0, n), st.instLb.subarray(0, n), st.instReason.subarray(0, n), st.instHealing.subarray(0, n),
    st.instMigTarget.subarray(0, n), st.instMigStep.subarray(0, n), st.instMigDisk.subarray(0, n), st.instMigSlot.subarray(0, n),
  ];
}

const align = (x: number) => (x + 7) & ~7;

export function encodeSnapshot(st: FcState, options: ResolvedOptions, journalLength: number): Uint8Array {
  const n = st.instances;
  const header: SnapshotHeader = {
    version: VERSION,
    options,
    journalLength,
    addedRacks: st.addedRacks.map(([n, spec]) => [n, spec]),
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
  let size = align(PREFIX + json.length);
  for (const c of cols) size = align(size + c.byteLength);
  const out = new Uint8Array(size + CRC_BYTES);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, MAGIC, true);
  dv.setUint32(4, VERSION, true);
  dv.setUint32(8, json.length, true);
  out.set(json, PREFIX);
  let at = align(PREFIX + json.length);
  for (const c of cols) {
    out.set(new Uint8Array(c.buffer, c.byteOffset, c.byteLength), at);
    at = align(at + c.byteLength);
  }
  dv.setUint32(size, crc32(out, 0, size), true);
  return out;
}

/** Checks the frame (type, magic, version, checksum) and the header; returns the header. */
export function decodeHeader(bytes: unknown): SnapshotHeader {
  if (!(bytes instanceof Uint8Array)) throw snapshotInvalid("snapshot", bytes, "a Uint8Array from FabricController.snapshot()");
  if (bytes.length < PREFIX + CRC_BYTES) throw new VmfabricError("SNAPSHOT_INVALID", `snapshot is not a vmfabric snapshot (${bytes.length} bytes, too short)`, "snapshot", bytes.length);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(0, true) !== MAGIC) throw new VmfabricError("SNAPSHOT_INVALID", "snapshot is not a vmfabric snapshot (wrong magic number)", "snapshot", dv.getUint32(0, true));
  const version = dv.getUint32(4, true);
  if (version !== VERSION) throw new VmfabricError("SNAPSHOT_INVALID", `snapshot has format version ${version}; this version reads ${VERSION}`, "version", version);
  const end = bytes.length - CRC_BYTES;
  const stored = dv.getUint32(end, true);
  const actual = crc32(bytes, 0, end);
  if (stored !== actual) {
    throw new VmfabricError("SNAPSHOT_INVALID", `snapshot is damaged or truncated: checksum ${show(actual)} does not match the stored ${show(stored)}`, "snapshot", stored);
  }
  const len = dv.getUint32(8, true);
  if (PREFIX + len > end) throw new VmfabricError("SNAPSHOT_INVALID", `snapshot header length ${len} runs past the end`, "headerLength", len);
  let raw: unknown;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(PREFIX, PREFIX + len));
    raw = JSON.parse(text);
  } catch (e) {
    throw new VmfabricError("SNAPSHOT_INVALID", `snapshot header is not UTF-8 JSON (${(e as Error).message})`, "header", len);
  }
  // As snapshot() writes it (no spaces, shortest number forms): one state, one byte string.
  if (JSON.stringify(raw) !== text) throw new VmfabricError("SNAPSHOT_INVALID", "snapshot header is not in the canonical form snapshot() writes", "header", len);
  return checkHeader(raw, VERSION);
}

/** Fills an empty FC state (built from the header's options) with the snapshot's state. The
 *  engine is rebuilt from where the instances sit, which is all it holds. Anything that does
 *  not fit is SNAPSHOT_INVALID; the state is then half-filled and must be dropped (restore
 *  builds it fresh, so nothing the caller holds changes). */
export function loadSnapshot(bytes: Uint8Array, h: SnapshotHeader, st: FcState, serverInService: (s: number) => void): void {
  try {
    load(bytes, h, st, serverInService);
  } catch (e) {
    if (e instanceof VmfabricError && e.code === "SNAPSHOT_INVALID") throw e;
    const why = e instanceof Error ? e.message : String(e);
    throw new VmfabricError("SNAPSHOT_INVALID", `snapshot does not describe a state the FC can be in: ${why}`, e instanceof VmfabricError ? (e.field ?? "snapshot") : "snapshot", e instanceof VmfabricError ? e.value : undefined);
  }
}

function load(bytes: Uint8Array, h: SnapshotHeader, st: FcState, serverInService: (s: number) => void): void {
  // The data center as it had grown: columns are sized for it.
  for (const [n, spec] of h.addedRacks) st.apply(Rec.RacksAdded, h.time, n, st.dc.servers, 0, canonical(spec));
  for (const d of h.deployments) {
    const id = st.deployments.length;
    st.apply(Rec.DeploymentCreated, h.time, id, d.tenant, 0, JSON.stringify(d.model));
    const row = st.deployments[id];
    row.version = d.version;
    row.upgradeUd = d.upgradeUd;
    row.vip = d.vip;
    if (d.deleted) row.deleted = true;
  }
  const cols = columns(st, h.instances);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.length - CRC_BYTES;
  // Padding is zero as written: a snapshot that differs from what snapshot() gives is refused.
  const padding = (from: number, to: number) => {
    for (let p = from; p < Math.min(to, end); p++) if (bytes[p] !== 0) throw snapshotInvalid(`padding byte ${p}`, bytes[p], "0");
  };
  let at = PREFIX + dv.getUint32(8, true);
  padding(at, align(at));
  at = align(at);
  for (const c of cols) {
    if (at + c.byteLength > end) throw snapshotInvalid("snapshot", bytes.length, `at least ${at + c.byteLength + CRC_BYTES} bytes for its columns`);
    new Uint8Array(c.buffer, c.byteOffset, c.byteLength).set(bytes.subarray(at, at + c.byteLength));
    padding(at + c.byteLength, align(at + c.byteLength));
    at = align(at + c.byteLength);
  }
  if (at !== end) throw snapshotInvalid("snapshot", bytes.length, `${at + CRC_BYTES} bytes (its header and columns)`);
  checkColumns(st, h);
  st.nextDisk = h.nextDisk;
  st.time = h.time;
  st.tenantStorageGiB.clear();
  for (const [t, g] of h.tenantStorageGiB) st.tenantStorageGiB.set(t, g);
  st.spreadRelaxed.clear();
  for (const [i, f] of h.spreadRelaxed) st.spreadRelaxed.set(i, f);
  for (let s = 0; s < st.dc.servers; s++) if (st.serverState[s] === ServerState.InService) serverInService(s);
  h.deployments.forEach((d, id) => { if (d.vip) st.vips.take(d.vip, id); });
  st.rebuildPlacements();
  // Guests were put back on draining servers; now they take no new ones. Retired stays retired.
  for (let s = 0; s < st.dc.servers; s++) {
    if (st.serverDrain[s]) st.engine.setHostInService(s, false);
    if (st.serverState[s] === ServerState.Retired) st.engine.retireHost(s);
  }
  st.dips.cursor = h.dipCursor;
  st.vips.cursor = h.vipCursor;
}
