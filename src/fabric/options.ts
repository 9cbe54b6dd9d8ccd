// FabricController options, resolved once (a snapshot carries the resolved form).
import { invalid } from "../errors.js";
import { POLICIES, type Policy } from "../types.js";
import { DEFAULT_CATALOG, checkCatalog, type Catalog } from "./catalog.js";
import { resolveMigration, type MigrationOptions } from "./migration.js";
import { resolveDataCenter, type DataCenterSpec, type ResolvedDataCenter } from "./datacenter.js";
import { resolveTiming, type TimingModel } from "./timing.js";
import { intIn, onlyKeys } from "../validate.js";

const OPTION_KEYS = ["datacenter", "catalog", "timing", "seed", "maxConcurrentHealing", "maxInstances", "policy", "maxBootsPerImageServer", "migration"];

export interface FabricOptions {
  datacenter: DataCenterSpec;
  catalog?: Catalog;
  timing?: Partial<TimingModel>;
  /** Seeds the simulated world's randomness (boot-step failures). Default 1. */
  seed?: number;
  /** At most this many instances being healed (placed, not yet ready) at once. Default 100. */
  maxConcurrentHealing?: number;
  /** Instance ids the FC can hand out over its life (ids are not reused). Default 32 per server. */
  maxInstances?: number;
  /** Placement policy for deployments and healing. Default best-fit. */
  policy?: Policy;
  /** Servers the FC lets boot at once per image server (from power-on until the host OS VHD is
   *  down); the rest stay powered off until a slot frees, so a boot storm cannot push every
   *  download past its timeout. Default 64. */
  maxBootsPerImageServer?: number;
  /** Live migration's timing model and concurrency (migration.ts; steers timing only). */
  migration?: Partial<MigrationOptions>;
}

export interface ResolvedOptions {
  datacenter: ResolvedDataCenter;
  catalog: Catalog;
  timing: TimingModel;
  seed: number;
  maxConcurrentHealing: number;
  maxInstances: number;
  policy: Policy;
  maxBootsPerImageServer: number;
  migration: MigrationOptions;
}

export function resolveOptions(o: unknown): ResolvedOptions {
  if (typeof o !== "object" || o === null) throw invalid("options", o, "an object {datacenter, ...}");
  onlyKeys("options", o, OPTION_KEYS);
  const f = o as FabricOptions;
  const datacenter = resolveDataCenter(f.datacenter);
  const catalog = f.catalog === undefined ? DEFAULT_CATALOG : checkCatalog(f.catalog);
  const timing = resolveTiming(f.timing);
  const seed = f.seed ?? 1;
  intIn("seed", seed, 0, 0x7fffffff);
  const heal = f.maxConcurrentHealing ?? 100;
  intIn("maxConcurrentHealing", heal, 1, 1 << 24);
  const maxInstances = f.maxInstances ?? Math.min(1 << 26, Math.max(1024, datacenter.servers * 32));
  intIn("maxInstances", maxInstances, 1, 1 << 26);
  const policy = f.policy ?? "best-fit";
  if (!POLICIES.includes(policy)) throw invalid("policy", policy, `one of ${POLICIES.join(", ")}`);
  const boots = f.maxBootsPerImageServer ?? 64;
  intIn("maxBootsPerImageServer", boots, 1, 1 << 24);
  const migration = resolveMigration(f.migration);
  return { datacenter, catalog, timing, seed, maxConcurrentHealing: heal, maxInstances, policy, maxBootsPerImageServer: boots, migration };
}
