// The Azure 2017 VM-size and deployment-size distributions.
//
// Source: Azure Public Dataset V1 `vmtable` (Cortez et al., "Resource Central", SOSP 2017),
// CC BY 4.0, as re-encoded by github.com/huaweicloud/trace_generation_rnn (dev split:
// 259,159 VMs in 53,109 batches). Read from ../shared/data/azure-2017-vm-arrivals/
// (dev_vms.csv + flav_map.txt) when present; otherwise the embedded copy below, computed from
// the same file, is used (and the caller says so on stderr).

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { dataDirCandidates } from "../data.js";

export interface Flavour {
  /** The trace's letter (flav_map.txt). */
  letter: string;
  vcpu: number;
  memGiB: number;
  /** How many VMs of the dev split have this size. */
  count: number;
}

export interface BatchSize {
  /** VMs in one batch (one tenant, one 5-minute bin). */
  size: number;
  /** How many batches of the dev split have this size. */
  count: number;
}

export interface AzureDistributions {
  flavours: Flavour[];
  batchSizes: BatchSize[];
  /** "data": read from the shared data folder; "embedded": the copy in this file. */
  source: "data" | "embedded";
  /** Where it was read from, or why the embedded copy was used. */
  detail: string;
}

// flav_map.txt letter -> (vCPU, GiB), and the dev split's VM count per flavour.
const EMBEDDED_FLAVOURS: readonly Flavour[] = [
  { letter: "a", vcpu: 1, memGiB: 0.75, count: 4108 },
  { letter: "b", vcpu: 1, memGiB: 1.75, count: 156437 },
  { letter: "c", vcpu: 1, memGiB: 2, count: 10 },
  { letter: "d", vcpu: 16, memGiB: 112, count: 9 },
  { letter: "e", vcpu: 2, memGiB: 14, count: 49 },
  { letter: "f", vcpu: 2, memGiB: 16, count: 3 },
  { letter: "g", vcpu: 2, memGiB: 3.5, count: 48008 },
  { letter: "h", vcpu: 2, memGiB: 4, count: 22 },
  { letter: "i", vcpu: 4, memGiB: 28, count: 49 },
  { letter: "j", vcpu: 4, memGiB: 32, count: 1 },
  { letter: "k", vcpu: 4, memGiB: 7, count: 25700 },
  { letter: "l", vcpu: 4, memGiB: 8, count: 15 },
  { letter: "m", vcpu: 8, memGiB: 14, count: 23315 },
  { letter: "n", vcpu: 8, memGiB: 16, count: 5 },
  { letter: "o", vcpu: 8, memGiB: 56, count: 1427 },
  { letter: "p", vcpu: 8, memGiB: 64, count: 1 },
];

// Batch size, number of batches of that size (dev split, 53,109 batches), flattened pairs.
const EMBEDDED_BATCH_SIZES: readonly number[] = [
  1, 30760, 2, 9826, 3, 3303, 4, 2034, 5, 1198, 6, 738, 7, 584, 8, 506, 9, 384, 10, 368, 11, 301, 12, 237,
  13, 187, 14, 159, 15, 216, 16, 122, 17, 93, 18, 96, 19, 83, 20, 85, 21, 71, 22, 78, 23, 73, 24, 61,
  25, 47, 26, 37, 27, 41, 28, 44, 29, 41, 30, 34, 31, 37, 32, 34, 33, 39, 34, 31, 35, 66, 36, 47,
  37, 29, 38, 26, 39, 23, 40, 27, 41, 22, 42, 22, 43, 17, 44, 19, 45, 19, 46, 19, 47, 27, 48, 12,
  49, 11, 50, 18, 51, 11, 52, 12, 53, 12, 54, 14, 55, 7, 56, 16, 57, 5, 58, 6, 59, 10, 60, 9,
  61, 10, 62, 7, 63, 9, 64, 7, 65, 9, 66, 6, 67, 7, 68, 7, 69, 10, 70, 13, 71, 9, 72, 8,
  73, 18, 74, 9, 75, 8, 76, 5, 77, 7, 78, 1, 79, 4, 80, 5, 81, 6, 82, 4, 83, 4, 84, 5,
  85, 1, 86, 6, 87, 4, 88, 2, 89, 6, 90, 5, 91, 3, 92, 3, 93, 2, 94, 4, 95, 4, 96, 2,
  97, 3, 98, 4, 99, 7, 100, 1, 101, 1, 102, 3, 103, 3, 104, 4, 105, 5, 106, 6, 107, 4, 108, 2,
  109, 2, 110, 5, 111, 4, 112, 4, 113, 1, 114, 4, 115, 4, 116, 7, 117, 3, 118, 2, 119, 1, 120, 8,
  122, 3, 123, 4, 124, 1, 125, 3, 126, 1, 127, 2, 128, 4, 129, 5, 130, 1, 131, 2, 132, 3, 133, 2,
  134, 1, 135, 2, 136, 7, 137, 2, 138, 5, 140, 2, 141, 2, 142, 1, 143, 3, 145, 1, 146, 3, 147, 2,
  148, 1, 149, 3, 150, 3, 152, 2, 153, 3, 154, 1, 155, 5, 156, 1, 157, 4, 158, 1, 160, 1, 161, 1,
  163, 3, 164, 2, 165, 3, 166, 1, 167, 1, 168, 3, 169, 1, 170, 1, 171, 5, 173, 1, 174, 1, 175, 3,
  176, 2, 177, 2, 178, 6, 179, 3, 180, 1, 181, 2, 182, 3, 183, 3, 185, 1, 186, 2, 187, 3, 188, 1,
  189, 2, 191, 2, 192, 1, 193, 1, 194, 1, 195, 1, 196, 1, 197, 1, 199, 3, 201, 6, 202, 2, 203, 1,
  204, 2, 205, 2, 206, 3, 208, 1, 209, 1, 210, 2, 212, 5, 213, 3, 215, 5, 216, 4, 217, 2, 218, 2,
  219, 1, 220, 1, 221, 4, 222, 1, 223, 1, 225, 2, 226, 1, 228, 1, 229, 3, 230, 3, 232, 3, 233, 2,
  234, 1, 235, 1, 236, 1, 239, 2, 241, 1, 242, 2, 243, 3, 244, 2, 245, 1, 246, 2, 247, 2, 248, 1,
  251, 1, 252, 1, 253, 1, 254, 1, 255, 2, 257, 2, 258, 1, 260, 1, 261, 2, 262, 5, 264, 1, 265, 3,
  268, 2, 269, 1, 270, 2, 271, 1, 273, 1, 274, 4, 277, 2, 278, 4, 279, 1, 281, 1, 282, 1, 283, 1,
  284, 1, 288, 2, 289, 1, 291, 1, 293, 2, 294, 4, 295, 2, 297, 1, 301, 1, 304, 2, 305, 1, 306, 1,
  307, 1, 313, 1, 317, 1, 319, 2, 321, 1, 322, 2, 323, 1, 324, 3, 325, 1, 328, 1, 330, 1, 331, 1,
  338, 1, 340, 1, 341, 1, 342, 2, 343, 1, 345, 1, 349, 1, 350, 2, 352, 1, 353, 1, 358, 1, 361, 1,
  363, 2, 365, 1, 366, 1, 369, 1, 372, 1, 373, 4, 378, 2, 390, 1, 394, 1, 404, 1, 436, 1, 535, 1,
  587, 1,
];

export function embeddedAzure(detail = "embedded copy"): AzureDistributions {
  const batchSizes: BatchSize[] = [];
  for (let i = 0; i < EMBEDDED_BATCH_SIZES.length; i += 2) {
    batchSizes.push({ size: EMBEDDED_BATCH_SIZES[i], count: EMBEDDED_BATCH_SIZES[i + 1] });
  }
  return { flavours: EMBEDDED_FLAVOURS.map((f) => ({ ...f })), batchSizes, source: "embedded", detail };
}

export { dataDirCandidates };

export function findAzureDir(): string | undefined {
  for (const root of dataDirCandidates()) {
    const dir = join(root, "azure-2017-vm-arrivals");
    if (existsSync(join(dir, "dev_vms.csv")) && existsSync(join(dir, "flav_map.txt"))) return dir;
  }
  return undefined;
}

/** Parses flav_map.txt ("vcpu,memGB letter" per line). */
export function parseFlavMap(text: string): Map<string, { vcpu: number; memGiB: number }> {
  const out = new Map<string, { vcpu: number; memGiB: number }>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([\d.]+)\s*,\s*([\d.]+)\s+(\w+)\s*$/.exec(line);
    if (m) out.set(m[3], { vcpu: Number(m[1]), memGiB: Number(m[2]) });
  }
  return out;
}

/** Counts VMs per flavour and batches per size in dev_vms.csv
 *  (`arrival_s,batch,vcpu,mem_gb,flavour,...`). */
export function parseDevVms(text: string, flavMap: Map<string, { vcpu: number; memGiB: number }>): { flavours: Flavour[]; batchSizes: BatchSize[] } {
  const lines = text.split(/\r?\n/);
  const header = lines[0].split(",");
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`dev_vms.csv: no column ${name}`);
    return i;
  };
  const cBatch = col("batch");
  const cFlav = col("flavour");
  const perFlavour = new Map<string, number>();
  const perBatch = new Map<string, number>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line.length === 0) continue;
    const f = line.split(",");
    perFlavour.set(f[cFlav], (perFlavour.get(f[cFlav]) ?? 0) + 1);
    perBatch.set(f[cBatch], (perBatch.get(f[cBatch]) ?? 0) + 1);
  }
  const flavours: Flavour[] = [];
  for (const [letter, size] of flavMap) flavours.push({ letter, ...size, count: perFlavour.get(letter) ?? 0 });
  for (const letter of perFlavour.keys()) {
    if (!flavMap.has(letter)) throw new Error(`dev_vms.csv: flavour ${letter} is not in flav_map.txt`);
  }
  flavours.sort((a, b) => (a.letter < b.letter ? -1 : a.letter > b.letter ? 1 : 0));
  const sizes = new Map<number, number>();
  for (const n of perBatch.values()) sizes.set(n, (sizes.get(n) ?? 0) + 1);
  const batchSizes = [...sizes].map(([size, count]) => ({ size, count })).sort((a, b) => a.size - b.size);
  return { flavours, batchSizes };
}

/** The distributions from the data folder (`dir`, default: found by findAzureDir), or the
 *  embedded copy when it is absent (`null`: the embedded copy, always). */
export function loadAzure(dir: string | null = findAzureDir() ?? null): AzureDistributions {
  if (dir === null) {
    return embeddedAzure(`azure-2017-vm-arrivals not found (looked in ${dataDirCandidates().join(", ")}); using the embedded copy of its 16 flavour and batch-size frequencies`);
  }
  const flavMap = parseFlavMap(readFileSync(join(dir, "flav_map.txt"), "utf8"));
  const { flavours, batchSizes } = parseDevVms(readFileSync(join(dir, "dev_vms.csv"), "utf8"), flavMap);
  return { flavours, batchSizes, source: "data", detail: join(dir, "dev_vms.csv") };
}
