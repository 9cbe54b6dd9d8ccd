// The fleet of a generic trace (`--nodes FILE`): a CSV with a header, one row per host type.
//   capacity_<dim>    one column per dimension of the trace, exactly those (integers, engine units)
//   reservation_<dim> optional, taken off for the host VM (integers, at most the capacity; empty 0)
//   count             hosts of this row (default 1), numbered in file order
//   fault_domain      0 to 65535 (default 0)
//   labels            key=value;key=value
//   taints            key;key=value
//   id                any text, ignored
// With device dimensions (--devices), a row's capacity less its reservation must be a whole
// number of devices, 0 to 16, as the engine requires of a host.
import { MAX_DEVICES, isWholeDevices } from "../../devices.js";
import { MAX_SIGNATURES, signatureKey } from "../../labels.js";
import type { HostSpec } from "../../types.js";
import { TraceError } from "../errors.js";
import { readLineChunks, traceName, type TraceFile } from "../lines.js";
import { numberField, readHeader } from "./csv.js";
import { hostLabelsCell, hostSignature, keysCell } from "./generic-labels.js";

/** Hosts a nodes file may list in all (the replay command's --hosts limit). */
export const MAX_NODES = 1 << 22;
const PLAIN = ["count", "fault_domain", "labels", "taints", "id"] as const;
const MAX = 0x7fffffff;

export interface DeviceDimension {
  dim: number;
  name: string;
  size: number;
}

export async function readGenericNodes(input: TraceFile, dimensions: readonly string[], devices: readonly DeviceDimension[] = []): Promise<HostSpec[]> {
  const file = traceName(input);
  const capacityCols = dimensions.map((d) => `capacity_${d}`);
  const reservationCols = dimensions.map((d) => `reservation_${d}`);
  const known = [...capacityCols, ...reservationCols, ...PLAIN];
  let cols: Map<string, number> | undefined;
  const hosts: HostSpec[] = [];
  const signatures = new Set<string>();
  for await (const chunk of readLineChunks(input)) {
    for (let k = 0; k < chunk.lines.length; k++) {
      const text = chunk.lines[k];
      const line = chunk.first + k;
      if (text.trim().length === 0) continue;
      if (cols === undefined) {
        cols = readHeader(file, text, known, capacityCols);
        continue;
      }
      const f = text.split(",");
      const c = cols;
      const get = (name: string) => (c.has(name) ? f[c.get(name)!] : undefined);
      const blank = (v: string | undefined) => v === undefined || v.trim() === "";
      const capacity = capacityCols.map((name) => numberField(file, line, name, get(name), 0, MAX, true));
      const reservation = reservationCols.map((name, d) => (blank(get(name)) ? 0 : numberField(file, line, name, get(name), 0, capacity[d], true)));
      for (const { dim, name, size } of devices) {
        const effective = capacity[dim] - reservation[dim];
        if (!isWholeDevices(effective, size)) {
          throw new TraceError(file, line, capacityCols[dim], get(capacityCols[dim]), `less reservation_${name} (${reservation[dim]}) must be a whole number of ${name} devices of ${size} units, 0 to ${MAX_DEVICES} devices (${name} is a device dimension, --devices)`);
        }
      }
      const count = blank(get("count")) ? 1 : numberField(file, line, "count", get("count"), 0, MAX_NODES, true);
      if (hosts.length + count > MAX_NODES) throw new TraceError(file, line, "count", get("count") ?? "1", `must not bring the nodes past ${MAX_NODES.toLocaleString("en-US")} hosts in all (${hosts.length.toLocaleString("en-US")} before this row)`);
      const faultDomain = blank(get("fault_domain")) ? 0 : numberField(file, line, "fault_domain", get("fault_domain"), 0, 0xffff, true);
      const labelsAt = { file, line, field: "labels", raw: get("labels") ?? "" };
      const taintsAt = { file, line, field: "taints", raw: get("taints") ?? "" };
      const labels = hostLabelsCell(labelsAt, labelsAt.raw);
      const taints = keysCell(taintsAt, taintsAt.raw);
      const sig = hostSignature(labelsAt, labels, taintsAt, taints);
      const host: HostSpec = { capacity };
      if (reservation.some((r) => r > 0)) host.reservation = reservation;
      if (faultDomain > 0) host.faultDomain = faultDomain;
      if (sig.labels.size > 0) host.labels = Object.fromEntries(sig.labels);
      if (sig.taints.length > 0) host.taints = sig.taints;
      if (host.labels !== undefined || host.taints !== undefined) {
        signatures.add(signatureKey(sig));
        // The engine numbers "no labels" 0 and holds MAX_SIGNATURES sets in all.
        if (signatures.size > MAX_SIGNATURES - 1) throw new TraceError(file, line, "labels", labelsAt.raw, `must not make more than ${MAX_SIGNATURES - 1} distinct sets of labels and taints (the engine's limit)`);
      }
      // The row's hosts share one object: the engine and the baselines only read host specs.
      for (let i = 0; i < count; i++) hosts.push(host);
    }
  }
  if (cols === undefined) throw new TraceError(file, 1, "header", "", "must be present (the nodes file is empty)");
  if (hosts.length === 0) throw new TraceError(file, 2, "nodes", "", "must list at least one host");
  return hosts;
}
