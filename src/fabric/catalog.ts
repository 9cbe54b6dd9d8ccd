// VM sizes a service model may ask for, and base images a role may boot from.
import { invalid } from "../errors.js";
import { intIn, onlyKeys } from "../validate.js";

/** One VM size. Units match the FC engine's dimensions: millicores, MiB, Mbps, GiB. */
export interface VmSize {
  name: string;
  cpuMillicores: number;
  memoryMiB: number;
  networkMbps: number;
  localDiskGiB: number;
  /** Cloud storage quota the FC holds for the tenant per instance (not on the host). */
  storageQuotaGiB: number;
  /** Nominal core clock, for reports only (the engine reserves cores, not GHz). */
  coreGHz: string;
}

export interface BaseImage {
  name: string;
  /** Download size, MB (megabytes). */
  sizeMB: number;
}

export interface Catalog {
  sizes: readonly VmSize[];
  images: readonly BaseImage[];
}

/** The classic FC slice: Small is a 64-bit guest with 1 core at 1.5-1.7 GHz, 1.7 GB memory,
 *  100 Mbps, 250 GB local disk and 50 GB of cloud storage; Medium, Large and ExtraLarge double it
 *  step by step. 1.7 GB is taken as 1.7 GiB = 1741 MiB. */
export const DEFAULT_CATALOG: Catalog = Object.freeze({
  sizes: Object.freeze((["Small", "Medium", "Large", "ExtraLarge"] as const).map((name, i) => Object.freeze({
    name,
    cpuMillicores: 1000 << i,
    memoryMiB: 1741 << i,
    networkMbps: 100 << i,
    localDiskGiB: 250 << i,
    storageQuotaGiB: 50 << i,
    coreGHz: "1.5-1.7",
  }))),
  images: Object.freeze([
    Object.freeze({ name: "guest-os", sizeMB: 4096 }),
    Object.freeze({ name: "guest-os-core", sizeMB: 2048 }),
  ]),
});

/** At most 32 base images: a server's image cache is one 32-bit mask. */
export const MAX_IMAGES = 32;

export function checkCatalog(c: unknown): Catalog {
  if (typeof c !== "object" || c === null) throw invalid("catalog", c, "an object with sizes and images");
  onlyKeys("catalog", c, ["sizes", "images"]);
  const cat = c as Catalog;
  if (!Array.isArray(cat.sizes) || cat.sizes.length < 1 || cat.sizes.length > 255) throw invalid("catalog.sizes", cat.sizes, "an array of 1 to 255 sizes");
  if (!Array.isArray(cat.images) || cat.images.length < 1 || cat.images.length > MAX_IMAGES) throw invalid("catalog.images", cat.images, `an array of 1 to ${MAX_IMAGES} images`);
  const names = new Set<string>();
  cat.sizes.forEach((s, i) => {
    const f = `catalog.sizes[${i}]`;
    if (typeof s !== "object" || s === null) throw invalid(f, s, "a VM size object");
    onlyKeys(f, s, ["name", "cpuMillicores", "memoryMiB", "networkMbps", "localDiskGiB", "storageQuotaGiB", "coreGHz"]);
    if (typeof s.name !== "string" || s.name === "" || names.has(s.name)) throw invalid(`${f}.name`, s.name, "a unique non-empty string");
    if (typeof s.coreGHz !== "string") throw invalid(`${f}.coreGHz`, s.coreGHz, "a string (for reports)");
    names.add(s.name);
    for (const k of ["cpuMillicores", "memoryMiB", "networkMbps", "localDiskGiB", "storageQuotaGiB"] as const) {
      const v = s[k];
      intIn(`${f}.${k}`, v, 0, 0x7fffffff);
    }
  });
  const images = new Set<string>();
  cat.images.forEach((im, i) => {
    const f = `catalog.images[${i}]`;
    if (typeof im !== "object" || im === null) throw invalid(f, im, "a base image object");
    onlyKeys(f, im, ["name", "sizeMB"]);
    if (typeof im.name !== "string" || im.name === "" || images.has(im.name)) throw invalid(`${f}.name`, im.name, "a unique non-empty string");
    images.add(im.name);
    if (typeof im.sizeMB !== "number" || !(im.sizeMB > 0) || !Number.isFinite(im.sizeMB)) throw invalid(`${f}.sizeMB`, im.sizeMB, "a positive number");
  });
  return cat;
}

/** A size's demand vector in the engine's dimension order (cpu, memory, network, disk). */
export function demandOf(s: VmSize): number[] {
  return [s.cpuMillicores, s.memoryMiB, s.networkMbps, s.localDiskGiB];
}
