// A stratified sample of a real fleet: node types in their real proportions (largest
// remainder), the first nodes of each type in file order. A pod list drawn for a whole cluster
// leaves it nearly idle; on a sample of it, policies compete for the rare node types.
import { VmfabricError } from "../errors.js";
import type { HostSpec } from "../types.js";

/** What makes two nodes the same type: everything but the rack and the service state. */
export function nodeTypeKey(h: HostSpec): string {
  const labels = Object.entries(h.labels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([h.capacity, h.reservation ?? [], h.oversubscription ?? [], labels, [...(h.taints ?? [])].sort()]);
}

/**
 * `n` of `hosts`: each type gets floor(n x its share), the types with the largest remainders one
 * more (ties: the type met first in the file), and keeps its first nodes in file order. The
 * sample keeps the file's order. A type too rare for its share (a remainder below the others')
 * may get no node at all, as in any proportional sample.
 */
export function stratifiedSample(hosts: readonly HostSpec[], n: number): HostSpec[] {
  if (!Number.isInteger(n) || n < 1 || n > hosts.length) {
    throw new VmfabricError("INVALID_INPUT", `--sample: ${n} is not a whole number of nodes from 1 to the fleet's ${hosts.length}`, "--sample", n);
  }
  const members = new Map<string, number[]>();
  hosts.forEach((h, i) => {
    const k = nodeTypeKey(h);
    const list = members.get(k);
    if (list) list.push(i);
    else members.set(k, [i]);
  });
  const N = hosts.length;
  // Integer arithmetic: quota = floor(n c / N), remainder = n c mod N (exact for any fleet size
  // a replay can hold).
  const types = [...members.values()].map((idx, order) => ({ idx, order, quota: Math.floor((n * idx.length) / N), rest: (n * idx.length) % N }));
  let left = n - types.reduce((s, t) => s + t.quota, 0);
  for (const t of [...types].sort((a, b) => b.rest - a.rest || a.order - b.order)) {
    if (left === 0) break;
    t.quota++;
    left--;
  }
  const keep = new Set<number>();
  for (const t of types) for (const i of t.idx.slice(0, t.quota)) keep.add(i);
  return hosts.filter((_, i) => keep.has(i));
}
