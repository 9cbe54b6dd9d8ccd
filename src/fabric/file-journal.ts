// The journal on disk: a MemoryJournal whose records also go to an append-only file with a
// CRC per record. Node-only (node:fs), so it lives apart from what a browser loads.
import * as fs from "node:fs";
import * as path from "node:path";
import { VmfabricError, show } from "../errors.js";
import { JournalLock } from "./journal-lock.js";
import {
  FIXED_PAYLOAD_BYTES, JOURNAL_MAGIC, MemoryJournal, RECORD_HEADER_BYTES, corrupt, crc32, decoder, encodeInto, encodeRecord,
} from "./journal.js";

/** Above this many buffered bytes append writes them out (without fsync), so the buffer stays
 *  small during million-record runs; only sync() promises durability. */
const FLUSH_BYTES = 1 << 20;

/** A MemoryJournal backed by an append-only file. append() keeps the record in memory and
 *  encodes it into a write buffer; sync() writes the buffer and fsyncs. */
export class FileJournal extends MemoryJournal {
  private fd: number;
  /** File offset where the next buffered byte goes: positional writes do not depend on the
   *  fd's own position or on O_APPEND. */
  private filePos: number;
  private buf = new Uint8Array(64 * 1024);
  private view = new DataView(this.buf.buffer);
  private pending = 0;
  /** Set when a write or fsync failed: what reached the disk is then unknown, so the journal
   *  refuses to go on rather than claim durability it may not have. */
  private failed: VmfabricError | undefined = undefined;
  readonly file: string;
  private readonly lock: JournalLock;

  private constructor(file: string, fd: number, lock: JournalLock, filePos: number, initialCapacity: number) {
    super(initialCapacity);
    this.file = file;
    this.fd = fd;
    this.lock = lock;
    this.filePos = filePos;
  }

  /** Opens (creating if absent) a journal file and loads its records. A torn LAST record (short
   *  length/header, or checksum mismatch) is dropped and the file truncated to the last good
   *  record; damage before the last record is an error (VmfabricError code "JOURNAL_CORRUPT").
   *  "Last" means: no intact (checksum-valid) record starts anywhere after the damage, so
   *  dropping it loses nothing else; a zero-filled or garbage tail after a crash is dropped
   *  whole. A file shorter than the header is a torn header only if its bytes are a prefix of
   *  the magic (or zeros); anything else is not ours to overwrite and is JOURNAL_CORRUPT. */
  static open(file: string): { journal: FileJournal; droppedBytes: number } {
    if (typeof file !== "string" || file.length === 0 || file.includes("\0")) {
      throw new VmfabricError("INVALID_INPUT", `journal file must be a non-empty path, got ${show(file)}`, "file", file);
    }
    checkPath(file);
    const lock = io(file, "take the lock of", () => JournalLock.acquire(file));
    let fd: number;
    try {
      // O_NONBLOCK: opening a named pipe must not wait for a writer; it is refused just below.
      fd = io(file, "open", () => fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_NONBLOCK, 0o644));
    } catch (e) {
      lock.release();
      throw e;
    }
    try {
      const st = io(file, "stat", () => fs.fstatSync(fd));
      if (!st.isFile()) throw notRegular(file);
      const size = st.size;
      const data = new Uint8Array(size);
      for (let got = 0; got < size;) {
        const n = io(file, "read", () => fs.readSync(fd, data, got, size - got, got));
        if (n === 0) throw corrupt(`journal ${show(file)} shrank while being read`);
        got += n;
      }
      const magic = JOURNAL_MAGIC.length;
      let good: number;
      const journal = new FileJournal(file, fd, lock, 0, Math.max(16, Math.floor(size / (RECORD_HEADER_BYTES + FIXED_PAYLOAD_BYTES))));
      if (size < magic) {
        for (let i = 0; i < size; i++) {
          if (data[i] !== JOURNAL_MAGIC[i] && data[i] !== 0) throw corrupt(`${show(file)} is not a vmfabric journal (bad magic)`);
        }
        good = 0;
      } else {
        for (let i = 0; i < magic; i++) {
          if (data[i] !== JOURNAL_MAGIC[i]) throw corrupt(`${show(file)} is not a vmfabric journal (bad magic)`);
        }
        good = journal.load(data, file);
      }
      const droppedBytes = size - good;
      if (good === 0) {
        // New (or torn-header) file: write the header and make it, and the file's name, durable.
        io(file, "write the header of", () => {
          fs.ftruncateSync(fd, 0);
          writeAll(fd, JOURNAL_MAGIC, JOURNAL_MAGIC.length, 0);
          fs.fsyncSync(fd);
        });
        syncDir(file);
        good = magic;
      } else if (droppedBytes > 0) {
        // Cut the torn tail durably before appending, so old garbage can never reappear beyond
        // the new records after a second crash.
        io(file, "cut the torn tail of", () => {
          fs.ftruncateSync(fd, good);
          fs.fsyncSync(fd);
        });
      }
      journal.filePos = good;
      return { journal, droppedBytes };
    } catch (e) {
      fs.closeSync(fd);
      lock.release();
      throw e;
    }
  }

  /** Loads the records of data (after the magic); returns the end of the last good record. */
  private load(data: Uint8Array, file: string): number {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const size = data.length;
    let p = JOURNAL_MAGIC.length;
    while (p < size) {
      const len = intactAt(data, view, p);
      if (len < 0) {
        // Damaged or torn. Tolerable only if it is the tail: no intact record after it.
        for (let q = p + 1; q + RECORD_HEADER_BYTES + FIXED_PAYLOAD_BYTES <= size; q++) {
          if (intactAt(data, view, q) >= 0) {
            throw corrupt(
              `journal ${show(file)} is damaged at byte ${p} (record ${this.length}), before intact data at byte ${q}`,
              p,
            );
          }
        }
        return p;
      }
      const s = p + RECORD_HEADER_BYTES;
      let blob: string | undefined;
      if (len > FIXED_PAYLOAD_BYTES) {
        try {
          blob = decoder.decode(data.subarray(s + FIXED_PAYLOAD_BYTES, s + len));
        } catch {
          throw corrupt(`journal ${show(file)}: record ${this.length} at byte ${p} has a blob that is not UTF-8`, p);
        }
      }
      this.push(
        view.getUint32(s, true), view.getFloat64(s + 4, true),
        view.getUint32(s + 12, true), view.getUint32(s + 16, true), view.getUint32(s + 20, true), blob,
      );
      p = s + len;
    }
    return p;
  }

  override append(kind: number, time: number, a: number, b: number, c: number, blob?: string): void {
    this.checkUsable();
    super.append(kind, time, a, b, c, blob);
    const room = RECORD_HEADER_BYTES + FIXED_PAYLOAD_BYTES + 3 * (blob?.length ?? 0);
    if (this.pending + room > this.buf.length) {
      if (this.pending >= FLUSH_BYTES) this.flush();
      if (this.pending + room > this.buf.length) {
        const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.pending + room));
        bigger.set(this.buf.subarray(0, this.pending));
        this.buf = bigger;
        this.view = new DataView(bigger.buffer);
      }
    }
    this.pending += encodeInto(this.buf, this.view, this.pending, kind, time, a, b, c, blob);
  }

  sync(): void {
    this.checkUsable();
    this.flush();
    try {
      fs.fsyncSync(this.fd);
    } catch (e) {
      throw this.fail("fsync", e);
    }
  }

  /** sync, then close the file and release its lock. Safe to call twice. */
  override close(): void {
    if (this.closed) return;
    try {
      if (this.failed === undefined) this.sync();
    } finally {
      this.closed = true;
      try { fs.closeSync(this.fd); } catch { /* the fd is gone either way */ }
      this.lock.release();
    }
  }

  override bytes(): number {
    return super.bytes() + this.buf.length;
  }

  /** Writes the buffer out (no fsync). */
  private flush(): void {
    if (this.pending === 0) return;
    try {
      writeAll(this.fd, this.buf, this.pending, this.filePos);
    } catch (e) {
      throw this.fail("write", e);
    }
    this.filePos += this.pending;
    this.pending = 0;
  }

  /** Fail-stop: after a failed write or fsync what reached the disk is unknown, so the journal
   *  refuses every later append and sync (never retried silently). */
  private fail(what: string, e: unknown): VmfabricError {
    const code = (e as NodeJS.ErrnoException)?.code ?? String(e);
    this.failed = new VmfabricError(
      "JOURNAL_FAILED",
      `journal ${show(this.file)}: ${what} failed (${code}); records since the last successful sync may not be on disk. ` +
        "The journal is stopped: close it, check the disk, then reopen it and replay (acknowledged records are kept)",
      "journal",
      this.file,
    );
    return this.failed;
  }

  private checkUsable(): void {
    this.checkOpen();
    if (this.failed !== undefined) throw this.failed;
  }
}

/** Payload length of the intact record at p, or -1 if there is none (short, implausible length,
 *  past the end, or checksum mismatch). */
function intactAt(data: Uint8Array, view: DataView, p: number): number {
  if (p + RECORD_HEADER_BYTES > data.length) return -1;
  const len = view.getUint32(p, true);
  if (len < FIXED_PAYLOAD_BYTES || p + RECORD_HEADER_BYTES + len > data.length) return -1;
  const s = p + RECORD_HEADER_BYTES;
  return crc32(data, s, s + len) === view.getUint32(p + 4, true) ? len : -1;
}

/** writeSync may write less than asked; loop until all of bytes[0, n) is at `position`. */
function writeAll(fd: number, bytes: Uint8Array, n: number, position: number): void {
  for (let done = 0; done < n;) done += fs.writeSync(fd, bytes, done, n - done, position + done);
}

/** fsync the directory so a newly created journal's name survives a crash too. Not possible on
 *  every platform (Windows cannot open a directory), where it is skipped. */
function syncDir(file: string): void {
  let dfd: number | undefined;
  try {
    dfd = fs.openSync(path.dirname(path.resolve(file)), "r");
    fs.fsyncSync(dfd);
  } catch {
    // best effort
  } finally {
    if (dfd !== undefined) fs.closeSync(dfd);
  }
}

/** What to do about a system error on a journal path, by errno code. */
const ADVICE: Record<string, string> = {
  ENOENT: "its folder does not exist: create the folder first",
  ENOTDIR: "a part of the path is not a folder",
  EISDIR: "it is a folder: give a file name inside it",
  EACCES: "permission denied: choose a writable location or fix the permissions",
  EPERM: "operation not permitted: choose a writable location or fix the permissions",
  EROFS: "the file system is read-only: choose a writable location",
  ENOSPC: "the disk is full: free space",
  EDQUOT: "the disk quota is exhausted: free space",
  EIO: "the disk reported an I/O error: check the device",
  EINVAL: "the file does not support this (not a regular file?): use a regular file",
  ENAMETOOLONG: "the path is too long",
  ELOOP: "the path has a symbolic link loop",
  EMFILE: "too many open files in this process",
};

/** Runs a file system call on a journal path; a raw Node error becomes JOURNAL_IO naming the
 *  path and what to do. */
function io<T>(file: string, what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof VmfabricError) throw e;
    const code = (e as NodeJS.ErrnoException)?.code ?? "ERROR";
    const advice = ADVICE[code] ?? String((e as Error)?.message ?? e);
    throw new VmfabricError("JOURNAL_IO", `journal ${show(file)}: cannot ${what} the file (${code}): ${advice}`, "journal", file);
  }
}

function notRegular(file: string): VmfabricError {
  return new VmfabricError("JOURNAL_IO", `journal ${show(file)} is not a regular file (a folder, device or pipe): give the path of a regular file`, "journal", file);
}

/** Refuses, before any lock file is made beside it, a path that is a folder, device or pipe,
 *  or whose folder is missing. */
function checkPath(file: string): void {
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "ENOENT") io(file, "inspect", () => { throw e; });
    io(file, "create", () => {
      if (!fs.statSync(path.dirname(path.resolve(file))).isDirectory()) {
        throw Object.assign(new Error("not a folder"), { code: "ENOTDIR" });
      }
    });
    return;
  }
  if (!st.isFile()) throw notRegular(file);
}
