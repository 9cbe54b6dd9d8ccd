// The physical data center the FC runs: racks of identical servers, image servers, address pools.
import { invalid } from "../errors.js";
import type { FleetSpec } from "../types.js";
import { intIn, onlyKeys } from "../validate.js";

const DATACENTER_KEYS = ["racks", "serversPerRack", "server", "hostReservation", "imageServers", "imageServerMbps", "dipPool", "vipPool"];
const SERVER_KEYS = ["cores", "memoryGiB", "nicMbps", "diskGiB"];

export interface ServerSpec {
  cores: number;
  memoryGiB: number;
  nicMbps: number;
  diskGiB: number;
}

export interface AddressPoolSpec {
  /** First address, dotted IPv4. */
  base: string;
  /** How many consecutive addresses the pool holds. */
  size: number;
}

export interface DataCenterSpec {
  racks: number;
  serversPerRack: number;
  server?: ServerSpec;
  /** Kept for the host VM (root partition) on every server; guests never get it. */
  hostReservation?: ServerSpec;
  /** Image servers, each serving the racks r with r % imageServers == its index. */
  imageServers?: number;
  /** Uplink of one image server; its concurrent downloads share it equally. */
  imageServerMbps?: number;
  dipPool?: AddressPoolSpec;
  vipPool?: AddressPoolSpec;
}

export type ResolvedDataCenter = Required<DataCenterSpec> & { servers: number };

/** A two-socket 2026 server: 64 cores, 256 GiB, 25 Gbps, 16 TiB local disk; the host VM keeps
 *  4 cores, 16 GiB, 1 Gbps and 512 GiB. One image server per 8 racks at 40 Gbps. */
export const DEFAULT_SERVER: ServerSpec = Object.freeze({ cores: 64, memoryGiB: 256, nicMbps: 25_000, diskGiB: 16_384 });
export const DEFAULT_HOST_RESERVATION: ServerSpec = Object.freeze({ cores: 4, memoryGiB: 16, nicMbps: 1000, diskGiB: 512 });

/** A server's NIC carries its boot downloads, so it needs at least 1 Mbps; the host VM's
 *  reservation of it may be 0. */
function server(field: string, v: unknown, minNic: number): ServerSpec {
  if (typeof v !== "object" || v === null) throw invalid(field, v, "an object {cores, memoryGiB, nicMbps, diskGiB}");
  onlyKeys(field, v, SERVER_KEYS);
  const s = v as ServerSpec;
  return {
    cores: intIn(`${field}.cores`, s.cores, 0, 1 << 20),
    memoryGiB: intIn(`${field}.memoryGiB`, s.memoryGiB, 0, 1 << 20),
    nicMbps: intIn(`${field}.nicMbps`, s.nicMbps, minNic, 1 << 30),
    diskGiB: intIn(`${field}.diskGiB`, s.diskGiB, 0, 1 << 30),
  };
}

export function parseIPv4(field: string, s: unknown): number {
  const m = typeof s === "string" ? /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s) : null;
  if (!m || m.slice(1).some((x) => Number(x) > 255)) throw invalid(field, s, "a dotted IPv4 address like 10.0.0.0");
  return ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
}

export function formatIPv4(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

function pool(field: string, v: unknown, def: AddressPoolSpec): AddressPoolSpec {
  if (v === undefined) return def;
  if (typeof v !== "object" || v === null) throw invalid(field, v, "an object {base, size}");
  onlyKeys(field, v, ["base", "size"]);
  const p = v as AddressPoolSpec;
  const base = parseIPv4(`${field}.base`, p.base);
  const size = intIn(`${field}.size`, p.size, 1, 1 << 26);
  if (base + size > 2 ** 32) throw invalid(`${field}.size`, size, `at most ${2 ** 32 - base} from ${p.base}`);
  return { base: p.base, size };
}

export function resolveDataCenter(spec: unknown): ResolvedDataCenter {
  if (typeof spec !== "object" || spec === null) throw invalid("datacenter", spec, "an object {racks, serversPerRack, ...}");
  onlyKeys("datacenter", spec, DATACENTER_KEYS);
  const d = spec as DataCenterSpec;
  const racks = intIn("datacenter.racks", d.racks, 1, 65_536);
  const serversPerRack = intIn("datacenter.serversPerRack", d.serversPerRack, 1, 4096);
  const servers = racks * serversPerRack;
  if (servers > 1 << 22) throw invalid("datacenter.racks", racks, `at most ${1 << 22} servers in all (racks x serversPerRack)`);
  const srv = d.server === undefined ? DEFAULT_SERVER : server("datacenter.server", d.server, 1);
  const res = d.hostReservation === undefined ? DEFAULT_HOST_RESERVATION : server("datacenter.hostReservation", d.hostReservation, 0);
  for (const k of ["cores", "memoryGiB", "nicMbps", "diskGiB"] as const) {
    if (res[k] > srv[k]) throw invalid(`datacenter.hostReservation.${k}`, res[k], `at most the server's ${srv[k]}`);
  }
  return {
    racks,
    serversPerRack,
    servers,
    server: srv,
    hostReservation: res,
    imageServers: d.imageServers === undefined ? Math.max(1, Math.ceil(racks / 8)) : intIn("datacenter.imageServers", d.imageServers, 1, 65_536),
    imageServerMbps: d.imageServerMbps === undefined ? 40_000 : intIn("datacenter.imageServerMbps", d.imageServerMbps, 1, 1 << 30),
    // Enough DIPs for 32 guests per server plus healing headroom by default.
    dipPool: pool("datacenter.dipPool", d.dipPool, { base: "10.0.0.0", size: Math.min(1 << 26, Math.max(1024, servers * 40)) }),
    vipPool: pool("datacenter.vipPool", d.vipPool, { base: "100.64.0.0", size: 1 << 20 }),
  };
}

/** The image server a server's rack boots from. */
export function imageServerOf(dc: ResolvedDataCenter, server: number): number {
  return Math.floor(server / dc.serversPerRack) % dc.imageServers;
}

/** The engine fleet: one host per server, rack = fault domain, servers numbered rack by rack. */
export function fleetOf(dc: ResolvedDataCenter): FleetSpec {
  return serverFleet(dc.server, dc.hostReservation, dc.servers, dc.serversPerRack);
}

/** `count` servers of one spec, `perRack` to a fault domain, out of service until they boot. */
export function serverFleet(s: ServerSpec, r: ServerSpec, count: number, perRack: number): FleetSpec {
  return {
    hostTypes: [{
      capacity: [s.cores * 1000, s.memoryGiB * 1024, s.nicMbps, s.diskGiB],
      reservation: [r.cores * 1000, r.memoryGiB * 1024, r.nicMbps, r.diskGiB],
      count,
      hostsPerFaultDomain: perRack,
      inService: false,
    }],
  };
}

/** A rack's server spec for addRacks: as checked as the data center's own, and able to hold
 *  the host reservation. */
export function resolveServerSpec(field: string, v: unknown, reservation: ServerSpec): ServerSpec {
  const spec = server(field, v, 1);
  for (const k of ["cores", "memoryGiB", "nicMbps", "diskGiB"] as const) {
    if (reservation[k] > spec[k]) throw invalid(`${field}.${k}`, spec[k], `at least the host reservation's ${reservation[k]}`);
  }
  return spec;
}
