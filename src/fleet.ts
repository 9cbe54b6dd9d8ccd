// Expands host lists and fleet specs into the core's form: one entry per host, with hosts of
// identical capacity, reservation and oversubscription sharing a host type.
import { VmfabricError, invalid } from "./errors.js";
import type { FleetSpec, HostSpec } from "./types.js";
import { I32_MAX, intIn, vector } from "./validate.js";
import { signatureOf, type AttributeRegistry } from "./labels.js";

export interface HostType {
  capacity: number[];
  reservation: number[];
  oversubscription: number[];
  /** floor((capacity - reservation) x oversubscription): what guests may use. */
  effective: number[];
}

export interface ExpandedFleet {
  types: HostType[];
  hostType: Uint16Array;
  faultDomain: Uint16Array;
  inService: Uint8Array;
  /** Hosts retired for good (retireHost): never in service again. */
  retired: Uint8Array;
  /** Hosts in the fleet; the arrays may be longer (room for addHosts). */
  count: number;
  /** Host type by its capacity|reservation|oversubscription key. */
  typeIndex: Map<string, number>;
  /** Per host, its label-and-taint signature in the engine's AttributeRegistry (0 = none). */
  signature: Uint16Array;
}

/** Most hosts one engine holds (the documented maximum). */
export const MAX_HOSTS = 1 << 24;

/** A size: an integer in [min, max]; above max it is a LIMIT (a valid number the engine
 *  cannot hold), checked before anything of that size is allocated. */
export function sizeIn(field: string, value: unknown, min: number, max: number, what: string): number {
  if (typeof value === "number" && Number.isInteger(value) && value > max) {
    throw new VmfabricError("LIMIT", `${field} is ${value}; at most ${max} ${what}`, field, value);
  }
  return intIn(field, value, min, max);
}

export function isFleetSpec(x: unknown): x is FleetSpec {
  return typeof x === "object" && x !== null && !Array.isArray(x) && "hostTypes" in x;
}

function hostType(field: string, h: HostSpec, dims: number): HostType {
  if (typeof h !== "object" || h === null) throw invalid(field, h, "a host object");
  const capacity = vector(`${field}.capacity`, h.capacity, dims);
  const reservation = h.reservation === undefined ? new Array<number>(dims).fill(0) : vector(`${field}.reservation`, h.reservation, dims);
  for (let d = 0; d < dims; d++) {
    if (reservation[d] > capacity[d]) {
      throw new VmfabricError(
        "INVALID_INPUT",
        `${field}.reservation[${d}] (${reservation[d]}) exceeds ${field}.capacity[${d}] (${capacity[d]})`,
        `${field}.reservation[${d}]`,
        reservation[d],
      );
    }
  }
  let oversubscription: number[];
  if (h.oversubscription === undefined) oversubscription = new Array<number>(dims).fill(1);
  else {
    const o = h.oversubscription as unknown;
    if (!Array.isArray(o) || o.length !== dims) throw invalid(`${field}.oversubscription`, o, `an array of ${dims} ratios`);
    oversubscription = o.map((r, d) => {
      if (typeof r !== "number" || !Number.isFinite(r) || r <= 0 || r > 1000) {
        throw invalid(`${field}.oversubscription[${d}]`, r, "a ratio in (0, 1000]");
      }
      return r;
    });
  }
  const effective = capacity.map((c, d) => Math.floor((c - reservation[d]) * oversubscription[d]));
  for (let d = 0; d < dims; d++) {
    if (effective[d] > I32_MAX) throw invalid(`${field}.oversubscription[${d}]`, oversubscription[d], `small enough that capacity stays <= ${I32_MAX}`);
  }
  return { capacity, reservation, oversubscription, effective };
}

/** The fleet a spec describes, or, with `into`, `into` grown by the spec's hosts (new host ids
 *  follow the existing ones; a fleet spec's racks are numbered after the highest fault domain so
 *  far). Everything is checked before `into` changes. */
export function expandFleet(
  spec: readonly HostSpec[] | FleetSpec, dims: number, into?: ExpandedFleet, registry?: AttributeRegistry,
  checkType?: (field: string, t: HostType) => void,
): ExpandedFleet {
  const entries: Array<{ field: string; spec: HostSpec; count: number; perFd?: number; interleaved?: boolean }> = [];
  if (isFleetSpec(spec)) {
    if (!Array.isArray(spec.hostTypes) || spec.hostTypes.length === 0) throw invalid("hostTypes", spec.hostTypes, "a non-empty array");
    spec.hostTypes.forEach((t, i) => {
      const count = sizeIn(`hostTypes[${i}].count`, t.count, 0, MAX_HOSTS, "hosts in a fleet");
      const perFd = t.hostsPerFaultDomain === undefined ? undefined : intIn(`hostTypes[${i}].hostsPerFaultDomain`, t.hostsPerFaultDomain, 1, 1 << 24);
      const layout = t.faultDomainLayout ?? "contiguous";
      if (layout !== "contiguous" && layout !== "interleaved") throw invalid(`hostTypes[${i}].faultDomainLayout`, layout, '"contiguous" or "interleaved"');
      entries.push({ field: `hostTypes[${i}]`, spec: t, count, perFd, interleaved: layout === "interleaved" });
    });
  } else {
    if (!Array.isArray(spec)) throw invalid("hosts", spec, "an array of hosts or a fleet spec");
    spec.forEach((h, i) => entries.push({ field: `hosts[${i}]`, spec: h, count: 1 }));
  }
  const added = entries.reduce((s, e) => s + e.count, 0);
  const before = into?.count ?? 0;
  const total = before + added;
  if (total > MAX_HOSTS) {
    throw new VmfabricError("LIMIT", `the fleet would have ${total} hosts; an engine holds at most ${MAX_HOSTS} (2^24)`, "hosts", total);
  }
  if (added < 1) throw invalid("hosts", added, into ? "at least one more host" : "a fleet of 1 to 16777216 hosts");

  const types: HostType[] = into ? [...into.types] : [];
  const typeIndex = new Map(into?.typeIndex);
  const hostTypeOf = new Uint16Array(total);
  const faultDomain = new Uint16Array(total);
  const inService = new Uint8Array(total);
  const retired = new Uint8Array(total);
  const signature = new Uint16Array(total);
  if (into) {
    signature.set(into.signature.subarray(0, before));
    hostTypeOf.set(into.hostType.subarray(0, before));
    faultDomain.set(into.faultDomain.subarray(0, before));
    inService.set(into.inService.subarray(0, before));
    retired.set(into.retired.subarray(0, before));
  }
  let h = before;
  let fdBase = 0;
  if (into) for (let i = 0; i < before; i++) if (into.faultDomain[i] >= fdBase) fdBase = into.faultDomain[i] + 1;
  for (const e of entries) {
    const t = hostType(e.field, e.spec, dims);
    checkType?.(e.field, t);
    // An entry with no hosts is checked but adds no type: types set the offline size scale.
    if (e.count === 0) continue;
    const key = `${t.capacity}|${t.reservation}|${t.oversubscription}`;
    let ti = typeIndex.get(key);
    if (ti === undefined) {
      ti = types.length;
      if (ti > 0xffff) throw invalid(e.field, e.spec, "one of at most 65536 distinct host types");
      types.push(t);
      typeIndex.set(key, ti);
    }
    const labelled = e.spec.labels !== undefined || e.spec.taints !== undefined;
    if (labelled && !registry) throw invalid(`${e.field}.labels`, e.spec.labels, "no labels here (this fleet does not take them)");
    const sig = labelled ? registry!.signature(signatureOf(e.field, e.spec.labels, e.spec.taints), e.field).id : 0;
    const fixedFd = e.spec.faultDomain === undefined ? undefined : intIn(`${e.field}.faultDomain`, e.spec.faultDomain, 0, 0xffff);
    if (e.spec.inService !== undefined && typeof e.spec.inService !== "boolean") throw invalid(`${e.field}.inService`, e.spec.inService, "a boolean");
    for (let i = 0; i < e.count; i++, h++) {
      hostTypeOf[h] = ti;
      let fd = fixedFd ?? 0;
      if (e.perFd !== undefined) {
        const racks = Math.ceil(e.count / e.perFd);
        fd = fdBase + (e.interleaved ? i % racks : Math.floor(i / e.perFd));
        if (fd > 0xffff) throw invalid(`${e.field}.hostsPerFaultDomain`, e.perFd, "large enough for at most 65536 fault domains");
      }
      faultDomain[h] = fd;
      inService[h] = e.spec.inService === false ? 0 : 1;
      signature[h] = sig;
    }
    if (e.perFd !== undefined) fdBase += Math.ceil(e.count / e.perFd);
  }
  return { types, hostType: hostTypeOf, faultDomain, inService, retired, count: total, typeIndex, signature };
}
