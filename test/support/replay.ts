// Helpers for the replay tests: fixture paths, slices of the real data files, temporary traces.
import { closeSync, mkdtempSync, openSync, readSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { findDataSet } from "../../src/data.js";
import type { NamedBlob } from "../../src/replay/lines.js";

export const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/replay/${name}`, import.meta.url));

const dir = mkdtempSync(join(tmpdir(), "vmfabric-replay-"));
let count = 0;

/** Writes `text` to a fresh temporary file and returns its path. */
export function tempTrace(text: string, ext = "csv"): string {
  const p = join(dir, `trace-${count++}.${ext}`);
  writeFileSync(p, text);
  return p;
}

/** The first `lines` lines of a data file (read from its start only), or undefined when the
 *  data set is absent. */
export function dataSlice(set: string, file: string, lines: number): string | undefined {
  const d = findDataSet(set);
  if (d === undefined) return undefined;
  const fd = openSync(join(d, file), "r");
  try {
    const buf = Buffer.alloc(Math.max(4096, lines * 200));
    const n = readSync(fd, buf, 0, buf.length, 0);
    const all = buf.subarray(0, n).toString("utf8").split("\n");
    if (all.length <= lines) throw new Error(`${file}: read too little for ${lines} lines`);
    return all.slice(0, lines).join("\n") + "\n";
  } finally {
    closeSync(fd);
  }
}

export const azurePresent = findDataSet("azure-2017-vm-arrivals") !== undefined;
export const alibabaPresent = findDataSet("alibaba-gpu-2023") !== undefined;
/** Test-name suffix for tests that read ../shared/data (they skip when it is absent). */
export const absent = (set: string) => `(reads ${set}; skipped when the data set is absent)`;

/** Collects every VM of a trace source. */
export async function allVms<T>(src: { vms(): AsyncIterable<readonly T[]> }): Promise<T[]> {
  const out: T[] = [];
  for await (const chunk of src.vms()) out.push(...chunk);
  return out;
}

/** A named blob (a file picked in a browser) whose stream hands out `piece` bytes at a time,
 *  cutting lines and UTF-8, so a reader meets its lines in many chunks. */
export function blobInPieces(name: string, bytes: Uint8Array, piece: number): NamedBlob {
  return {
    name,
    stream: () => new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < bytes.length; i += piece) c.enqueue(bytes.slice(i, i + piece));
        c.close();
      },
    }),
  };
}
