// Live migration: the timing model, its options, and how the target's capacity is held.
//
// Capacity on the target is held by a placeholder: a VM id past the instance ids
// (maxInstances + slot) placed in the engine on the target with the instance's demand, tenant
// and role (so anti-affinity and the tenant rules hold for it as for the instance). Until
// switch-over the engine holds the instance on the source and the placeholder on the target;
// at switch-over the placeholder is released and the instance moved onto the room it left
// (engine.move with the target); an abort just releases the placeholder. The slot is chosen by
// the FC and written in the journal record, so replay and restore put the same placeholder back.
import { invalid } from "../errors.js";
import { intIn, onlyKeys } from "../validate.js";

/** Placeholder ids an engine keeps past maxInstances: at most this many migrations at once. */
export const MIGRATION_SLOTS = 1024;

/** Where a migrating instance is (0: not migrating). */
export const MigStep = {
  None: 0,
  /** Partition and diff disk being made on the target (and its base image fetched if missing). */
  Preparing: 1,
  /** Memory copied over the two servers' NICs while the VM runs on the source. */
  PreCopy: 2,
  /** The VM is paused: the last dirty pages and device state go over, then the switch. */
  Blackout: 3,
} as const;

/** Why a migration was abandoned (the record's b). */
export const Abort = { TargetFailed: 1, Upgrade: 2, TargetDraining: 3, Cancelled: 4 } as const;

export interface MigrationOptions {
  /** Bandwidth a migration may use, megabits per second, also capped by both servers' NICs
   *  (a dedicated live-migration network of 10 Gbps by default). */
  mbps: number;
  /** Pages the running guest dirties, MiB per second (64 MiB/s: a busy web or app server). */
  dirtyMiBps: number;
  /** Pre-copy rounds at most (the first copies all memory, each later one what the previous dirtied). */
  maxRounds: number;
  /** Pre-copy stops once the pages left dirty are at most this many MiB; they go in the blackout. */
  stopCopyMiB: number;
  /** Fixed part of the blackout: pausing, device state, the vswitch and LB switching to the target. */
  switchoverMs: number;
  /** Migrations the FC runs at once (each server also takes part in at most one at a time). */
  maxConcurrent: number;
}

export const DEFAULT_MIGRATION: Readonly<MigrationOptions> = Object.freeze({
  mbps: 10_000,
  dirtyMiBps: 64,
  maxRounds: 5,
  stopCopyMiB: 32,
  switchoverMs: 100,
  maxConcurrent: 64,
});

export function resolveMigration(m: unknown): MigrationOptions {
  if (m === undefined) return { ...DEFAULT_MIGRATION };
  if (typeof m !== "object" || m === null) throw invalid("migration", m, "an object");
  onlyKeys("migration", m, Object.keys(DEFAULT_MIGRATION));
  const o = { ...DEFAULT_MIGRATION, ...Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined)) } as MigrationOptions;
  intIn("migration.mbps", o.mbps, 1, 1 << 30);
  intIn("migration.dirtyMiBps", o.dirtyMiBps, 0, 1 << 30);
  intIn("migration.maxRounds", o.maxRounds, 1, 100);
  intIn("migration.stopCopyMiB", o.stopCopyMiB, 0, 1 << 30);
  intIn("migration.switchoverMs", o.switchoverMs, 0, 3_600_000);
  intIn("migration.maxConcurrent", o.maxConcurrent, 1, MIGRATION_SLOTS);
  return o;
}

export interface PreCopyPlan {
  /** Pre-copy rounds run. */
  rounds: number;
  /** Time of all pre-copy rounds, ms. */
  preCopyMs: number;
  /** MiB still dirty when the VM pauses. */
  leftMiB: number;
  /** The VM's pause: leftMiB over the link plus the fixed switch-over, ms. */
  blackoutMs: number;
}

/** Megabits in a MiB (2^20 bytes x 8 bits / 10^6). */
const MEGABITS_PER_MIB = 8.388608;

/**
 * Pre-copy with dirty-page rounds at `mbps`: round 1 copies all `memoryMiB`; round k+1 copies
 * what the guest dirtied during round k (dirtyMiBps x its time, at most all memory). Rounds stop
 * when at most stopCopyMiB is dirty or after maxRounds; the rest goes in the blackout.
 */
export function preCopyPlan(memoryMiB: number, mbps: number, o: MigrationOptions): PreCopyPlan {
  const msPerMiB = (MEGABITS_PER_MIB / mbps) * 1000;
  let copy = memoryMiB;
  let ms = 0;
  let rounds = 0;
  for (;;) {
    const t = copy * msPerMiB;
    ms += t;
    rounds++;
    copy = Math.min(memoryMiB, (o.dirtyMiBps * t) / 1000);
    if (copy <= o.stopCopyMiB || rounds >= o.maxRounds) break;
  }
  return { rounds, preCopyMs: ms, leftMiB: copy, blackoutMs: copy * msPerMiB + o.switchoverMs };
}
