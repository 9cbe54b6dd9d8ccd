// Size checks made before a command allocates anything: a run the machine cannot hold is
// refused up front with the flag, the limit and what to change, instead of failing minutes in
// with an out-of-memory crash (which no handler can turn into a message).
import { totalmem } from "node:os";
import { getHeapStatistics } from "node:v8";
import { VmfabricError } from "../errors.js";

const MiB = 2 ** 20;
const mib = (bytes: number): string => Math.ceil(bytes / MiB).toLocaleString("en-US");

/** The JavaScript heap this process may grow to (node's --max-old-space-size). */
export function heapLimitBytes(): number {
  return getHeapStatistics().heap_size_limit;
}

/** Refuses a run whose JavaScript objects would need more than 80% of the heap limit. */
export function requireHeap(what: string, field: string, value: number, bytes: number, limit = heapLimitBytes()): void {
  if (bytes <= 0.8 * limit) return;
  throw new VmfabricError("LIMIT",
    `${what} needs about ${mib(bytes)} MiB of JavaScript heap, more than 80% of this node's limit of ${mib(limit)} MiB (LIMIT on ${field}); ` +
    `use a smaller ${field}, or raise the limit with node --max-old-space-size=${Math.ceil((bytes / 0.8) / MiB)}`, field, value);
}

/** Refuses a run whose buffers and tables would need more than 75% of the machine's memory. */
export function requireMemory(what: string, field: string, value: number, bytes: number, total = totalmem()): void {
  if (bytes <= 0.75 * total) return;
  throw new VmfabricError("LIMIT",
    `${what} needs about ${mib(bytes)} MiB of memory, more than 75% of this machine's ${mib(total)} MiB (LIMIT on ${field}); use a smaller ${field}`, field, value);
}
