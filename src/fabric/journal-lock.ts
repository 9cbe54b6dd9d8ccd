// One writer per journal file: an exclusive lock file beside it, `<journal>.lock`, holding the
// holder's pid, hostname and start time. Two FabricControllers appending to one file would
// interleave records and make every acknowledged operation unreadable, so a second opener is
// refused (JOURNAL_LOCKED, naming the holder). A lock left by a process that died (kill -9, a
// crash) is stale when its pid no longer exists on this host, and is then taken over.
//
// The lock is created whole or not at all: its content is written to a private temporary file
// which is then hard-linked to the lock's name (link fails if the name exists), so no opener
// ever sees a half-written lock.
import * as fs from "node:fs";
import * as os from "node:os";
import { VmfabricError, show } from "../errors.js";

export interface LockHolder {
  pid: number;
  hostname: string;
  /** When the holder took the lock (ISO 8601). */
  since: string;
}

export function lockPathOf(journalFile: string): string {
  return `${journalFile}.lock`;
}

function describe(h: LockHolder | undefined): string {
  return h === undefined ? "an unknown holder (unreadable lock file)" : `pid ${h.pid} on ${h.hostname} since ${h.since}`;
}

function readHolder(lockFile: string): { holder: LockHolder | undefined; ino: number } | undefined {
  let text: string;
  let ino: number;
  try {
    ino = fs.statSync(lockFile).ino;
    text = fs.readFileSync(lockFile, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  try {
    const h = JSON.parse(text) as LockHolder;
    if (Number.isInteger(h.pid) && h.pid > 0 && typeof h.hostname === "string" && typeof h.since === "string") return { holder: h, ino };
  } catch {
    // fall through: unreadable
  }
  return { holder: undefined, ino };
}

/** Whether a lock's holder is known to be gone: same host, and no process with its pid. */
function isStale(h: LockHolder | undefined): boolean {
  if (h === undefined || h.hostname !== os.hostname() || h.pid === process.pid) return false;
  try {
    process.kill(h.pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ESRCH";
  }
}

export class JournalLock {
  private constructor(readonly file: string, private readonly ino: number) {}

  /** Takes the lock of `journalFile`, or throws JOURNAL_LOCKED naming the file and the holder. */
  static acquire(journalFile: string): JournalLock {
    const lockFile = lockPathOf(journalFile);
    const me: LockHolder = { pid: process.pid, hostname: os.hostname(), since: new Date().toISOString() };
    const tmp = `${lockFile}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(me) + "\n", { flag: "wx", mode: 0o644 });
    try {
      // A few rounds: each either takes the lock, or removes one stale lock and tries again.
      for (let round = 0; round < 4; round++) {
        try {
          fs.linkSync(tmp, lockFile);
          return new JournalLock(lockFile, fs.statSync(lockFile).ino);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
        }
        const seen = readHolder(lockFile);
        if (seen === undefined) continue; // released meanwhile
        if (!isStale(seen.holder)) {
          throw new VmfabricError(
            "JOURNAL_LOCKED",
            `journal ${show(journalFile)} is in use by ${describe(seen.holder)} (lock file ${show(lockFile)}); ` +
              "close that FabricController first, or, if no process uses the journal, delete the lock file",
            "journal",
            journalFile,
          );
        }
        // Take the stale lock aside under a private name, then make sure it is the one judged
        // stale (a live opener may have replaced it in between) before deleting it.
        const aside = `${tmp}.stale`;
        try {
          fs.renameSync(lockFile, aside);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === "ENOENT") continue;
          throw e;
        }
        if (fs.statSync(aside).ino === seen.ino) fs.unlinkSync(aside);
        else {
          // Not the stale lock: put the live one back (if the name is free again) and retry.
          try { fs.linkSync(aside, lockFile); } catch { /* another opener took the name */ }
          fs.unlinkSync(aside);
        }
      }
      throw new VmfabricError("JOURNAL_LOCKED", `journal ${show(journalFile)}: could not take its lock ${show(lockFile)} (openers keep racing for it)`, "journal", journalFile);
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }

  /** Gives the lock up, if it is still ours (never deletes a lock another opener took over). */
  release(): void {
    try {
      if (fs.statSync(this.file).ino === this.ino) fs.unlinkSync(this.file);
    } catch {
      // already gone: nothing to release
    }
  }
}
