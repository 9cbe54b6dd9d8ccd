// What a journal's records mean depends on the options the FC ran under: the data center
// (servers, racks, pools), the catalog, the timing model and the instance id limit. A journal
// written for 2 x 4 servers replayed under 4 x 4 would rebuild some other state without a
// word, so the first record of every journal the FC starts records them (a canonical JSON
// summary and its CRC-32 digest), and replay or restore under other options is refused with
// the first option that differs.
import { VmfabricError } from "../errors.js";
import { crc32, type Journal } from "./journal.js";
import type { ResolvedOptions } from "./options.js";
import { Rec } from "./records.js";

/** Format of the options record's blob; a later format may record more. */
export const OPTIONS_RECORD_VERSION = 1;

/** JSON with object keys sorted at every level: equal options give equal text. */
export function canonical(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(canonical).join(",")}]`;
  if (typeof x === "object" && x !== null) {
    return `{${Object.keys(x).sort().map((k) => `${JSON.stringify(k)}:${canonical((x as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(x);
}

/** The options FC state depends on, as the options record stores them. */
function dependsOn(o: ResolvedOptions) {
  return { datacenter: o.datacenter, catalog: o.catalog, timing: o.timing, maxInstances: o.maxInstances };
}

export function dependencies(o: ResolvedOptions): { blob: string; digest: number } {
  const blob = canonical(dependsOn(o));
  return { blob, digest: crc32(new TextEncoder().encode(blob)) };
}

/** Appends the options record (the journal must be empty). */
export function appendOptionsRecord(journal: Journal, o: ResolvedOptions): void {
  const { blob, digest } = dependencies(o);
  journal.append(Rec.Options, 0, OPTIONS_RECORD_VERSION, digest, 0, blob);
}

/** The first leaf where two JSON values differ: its path and both values. */
function firstDifference(a: unknown, b: unknown, at: string): { path: string; journal: unknown; options: unknown } | undefined {
  const isObj = (x: unknown) => typeof x === "object" && x !== null;
  if (isObj(a) && isObj(b) && Array.isArray(a) === Array.isArray(b)) {
    const ka = Object.keys(a as object);
    const kb = Object.keys(b as object);
    // In the options' own key order (racks before the servers derived from them), then keys
    // only the journal has.
    for (const k of new Set([...kb, ...ka])) {
      const p = Array.isArray(a) ? `${at}[${k}]` : at ? `${at}.${k}` : k;
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], p);
      if (d) return d;
    }
    if (Array.isArray(a) && ka.length !== kb.length) return { path: `${at}.length`, journal: ka.length, options: kb.length };
    return undefined;
  }
  return canonical(a) === canonical(b) ? undefined : { path: at, journal: a, options: b };
}

const showValue = (x: unknown) => (x === undefined ? "absent" : canonical(x));

/**
 * Number of leading records that are the options record (0 or 1) after checking it against
 * `o`. A journal that does not start with one (empty, or written before the record existed)
 * cannot be checked and is taken as it is.
 */
export function checkOptionsRecord(journal: Journal, o: ResolvedOptions): number {
  if (journal.length === 0 || journal.kind(0) !== Rec.Options) return 0;
  const version = journal.a(0);
  if (version !== OPTIONS_RECORD_VERSION) {
    throw new VmfabricError("JOURNAL_MISMATCH", `the journal's options record has format ${version}; this version reads format ${OPTIONS_RECORD_VERSION}`, "journal", version);
  }
  const mine = dependencies(o);
  const blob = journal.blob(0) ?? "";
  if (journal.b(0) === mine.digest && blob === mine.blob) return 1;
  let recorded: unknown;
  try {
    recorded = JSON.parse(blob);
  } catch {
    throw new VmfabricError("JOURNAL_MISMATCH", "the journal's options record is not readable JSON", "journal", blob.slice(0, 80));
  }
  const d = firstDifference(recorded, JSON.parse(JSON.stringify(dependsOn(o))), "");
  if (d === undefined) {
    throw new VmfabricError("JOURNAL_MISMATCH", `the journal's options digest ${journal.b(0)} does not match its own summary`, "journal", journal.b(0));
  }
  throw new VmfabricError(
    "JOURNAL_MISMATCH",
    `the journal was written under other options: ${d.path}: journal ${showValue(d.journal)}, options ${showValue(d.options)}; ` +
      "replay it with the options it was written under",
    d.path,
    d.options,
  );
}
