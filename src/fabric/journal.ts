// The Fabric Controller's append-only journal: every change of FC state is one record.
// Records arrive by the millions, so they live column-wise in growable typed arrays (one slot
// per column per record, no JS object per record); the rare blob sits in a Map by index.
// FileJournal adds a durable on-disk log with a checksum per record, so a crash mid-append
// costs at most the unsynced tail and never silently yields a damaged record.
//
// On-disk format, little-endian:
//   file   = MAGIC ("VMFJ0001", 8 bytes) record*
//   record = u32 payloadLength | u32 crc32(payload) | payload
//   payload = u32 kind | f64 time | u32 a | u32 b | u32 c | utf8 blob (rest of payload, may be empty)
import * as fs from "node:fs";
import * as path from "node:path";
import { VmfabricError, invalid, show } from "../errors.js";

export interface JournalRecord {
  kind: number;
  time: number;
  a: number;
  b: number;
  c: number;
  blob?: string;
}

export interface Journal {
  readonly length: number;
  append(kind: number, time: number, a: number, b: number, c: number, blob?: string): void;
  kind(i: number): number;
  time(i: number): number;
  a(i: number): number;
  b(i: number): number;
  c(i: number): number;
  blob(i: number): string | undefined;
  /** Convenience for tests and tooling; allocates, so hot loops use the column accessors. */
  get(i: number): JournalRecord;
  /** Durable point: everything appended so far survives a crash once this returns. */
  sync(): void;
  close(): void;
}

/** "VMFJ0001": tells a journal from any other file and versions the record format. */
export const JOURNAL_MAGIC: Uint8Array = Uint8Array.from([0x56, 0x4d, 0x46, 0x4a, 0x30, 0x30, 0x30, 0x31]);
/** u32 payloadLength + u32 crc32. */
export const RECORD_HEADER_BYTES = 8;
/** kind + time + a + b + c: a payload can never be shorter. */
export const FIXED_PAYLOAD_BYTES = 24;

// ---------------------------------------------------------------------------------------------
// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320): the same checksum as zlib/gzip/PNG, so
// a record can be checked with any standard tool. Table-driven, one byte per step.

const CRC_TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 of bytes[start, end). crc32(utf8("123456789")) === 0xcbf43926. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// ---------------------------------------------------------------------------------------------
// Validation: a bad value is refused at append, before anything is stored, so the journal never
// holds a record it could not write or read back exactly.

const U32_MAX = 0xffffffff;
// A lone surrogate has no UTF-8 form: it would come back from disk as U+FFFD, not as written.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function checkU32(field: string, value: unknown): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > U32_MAX) {
    throw invalid(field, value, "an integer in 0..4294967295");
  }
}

function checkRecord(kind: number, time: number, a: number, b: number, c: number, blob: string | undefined): void {
  checkU32("kind", kind);
  if (typeof time !== "number" || !Number.isFinite(time) || time < 0) {
    throw invalid("time", time, "a finite number >= 0 (virtual ms)");
  }
  checkU32("a", a);
  checkU32("b", b);
  checkU32("c", c);
  if (blob !== undefined) {
    if (typeof blob !== "string") throw invalid("blob", blob, "a string or undefined");
    if (LONE_SURROGATE.test(blob)) throw invalid("blob", blob, "well-formed UTF-16 (no lone surrogates)");
  }
}

function corrupt(message: string, value?: unknown): VmfabricError {
  return new VmfabricError("JOURNAL_CORRUPT", message, "journal", value);
}

// ---------------------------------------------------------------------------------------------

const encoder = new TextEncoder();
// fatal: a payload whose checksum matched yet is not UTF-8 was never written by us.
const decoder = new TextDecoder("utf-8", { fatal: true });

/** Writes one record (header + payload) at `at`; the caller guarantees room for
 *  RECORD_HEADER_BYTES + FIXED_PAYLOAD_BYTES + 3 * blob.length bytes. Returns the bytes written. */
function encodeInto(
  out: Uint8Array, view: DataView, at: number,
  kind: number, time: number, a: number, b: number, c: number, blob: string | undefined,
): number {
  const p = at + RECORD_HEADER_BYTES;
  view.setUint32(p, kind, true);
  view.setFloat64(p + 4, time, true);
  view.setUint32(p + 12, a, true);
  view.setUint32(p + 16, b, true);
  view.setUint32(p + 20, c, true);
  let blobBytes = 0;
  if (blob) blobBytes = encoder.encodeInto(blob, out.subarray(p + FIXED_PAYLOAD_BYTES)).written;
  const payload = FIXED_PAYLOAD_BYTES + blobBytes;
  view.setUint32(at, payload, true);
  view.setUint32(at + 4, crc32(out, p, p + payload), true);
  return RECORD_HEADER_BYTES + payload;
}

/** One record as it goes on disk (validated like append). For tests and tools; the journal
 *  itself encodes straight into its write buffer. */
export function encodeRecord(kind: number, time: number, a: number, b: number, c: number, blob?: string): Uint8Array {
  checkRecord(kind, time, a, b, c, blob);
  const room = new Uint8Array(RECORD_HEADER_BYTES + FIXED_PAYLOAD_BYTES + 3 * (blob?.length ?? 0));
  const n = encodeInto(room, new DataView(room.buffer), 0, kind, time, a, b, c, blob);
  return room.slice(0, n);
}

// ---------------------------------------------------------------------------------------------

/** The journal in memory only: columns in typed arrays that double when full. sync() is a no-op
 *  (nothing here survives a crash anyway). */
export class MemoryJournal implements Journal {
  private len = 0;
  private cap: number;
  private kinds: Uint32Array;
  private times: Float64Array;
  private as: Uint32Array;
  private bs: Uint32Array;
  private cs: Uint32Array;
  // Most records have no blob; a Map keeps the common case at zero bytes per record.
  private readonly blobs = new Map<number, string>();
  private blobChars = 0;
  protected closed = false;

  constructor(initialCapacity = 1024) {
    checkU32("initialCapacity", initialCapacity);
    this.cap = Math.max(16, initialCapacity);
    this.kinds = new Uint32Array(this.cap);
    this.times = new Float64Array(this.cap);
    this.as = new Uint32Array(this.cap);
    this.bs = new Uint32Array(this.cap);
    this.cs = new Uint32Array(this.cap);
  }

  get length(): number {
    return this.len;
  }

  append(kind: number, time: number, a: number, b: number, c: number, blob?: string): void {
    this.checkOpen();
    checkRecord(kind, time, a, b, c, blob);
    this.push(kind, time, a, b, c, blob);
  }

  /** Stores an already-validated record; shared by append and by loading from disk (which must
   *  not go through a subclass's append and write the record again). */
  protected push(kind: number, time: number, a: number, b: number, c: number, blob: string | undefined): void {
    if (this.len === this.cap) this.grow(this.len + 1);
    const i = this.len;
    this.kinds[i] = kind;
    this.times[i] = time;
    this.as[i] = a;
    this.bs[i] = b;
    this.cs[i] = c;
    // "" and "no blob" are the same on disk (an empty rest of payload), so they are here too.
    if (blob) {
      this.blobs.set(i, blob);
      this.blobChars += blob.length;
    }
    this.len = i + 1;
  }

  private grow(needed: number): void {
    // Doubling keeps appends amortised O(1) across millions of records.
    const cap = Math.max(needed, this.cap * 2);
    const k = new Uint32Array(cap); k.set(this.kinds); this.kinds = k;
    const t = new Float64Array(cap); t.set(this.times); this.times = t;
    const a = new Uint32Array(cap); a.set(this.as); this.as = a;
    const b = new Uint32Array(cap); b.set(this.bs); this.bs = b;
    const c = new Uint32Array(cap); c.set(this.cs); this.cs = c;
    this.cap = cap;
  }

  // Reads past `length` would silently return stale zeros from spare capacity: refuse them.
  private at(i: number): number {
    if (!Number.isInteger(i) || i < 0 || i >= this.len) {
      throw invalid("index", i, `an integer in 0..${this.len - 1}`);
    }
    return i;
  }

  kind(i: number): number { return this.kinds[this.at(i)]; }
  time(i: number): number { return this.times[this.at(i)]; }
  a(i: number): number { return this.as[this.at(i)]; }
  b(i: number): number { return this.bs[this.at(i)]; }
  c(i: number): number { return this.cs[this.at(i)]; }
  blob(i: number): string | undefined { return this.blobs.get(this.at(i)); }

  get(i: number): JournalRecord {
    const j = this.at(i);
    const r: JournalRecord = { kind: this.kinds[j], time: this.times[j], a: this.as[j], b: this.bs[j], c: this.cs[j] };
    const blob = this.blobs.get(j);
    if (blob !== undefined) r.blob = blob;
    return r;
  }

  sync(): void {
    this.checkOpen();
  }

  /** Refuses further appends; what was appended stays readable. */
  close(): void {
    this.closed = true;
  }

  /** Approximate memory held: the column arrays at full capacity plus the blobs (2 bytes per
   *  UTF-16 unit and a rough per-entry Map overhead). */
  bytes(): number {
    return this.cap * (4 * 4 + 8) + this.blobChars * 2 + this.blobs.size * 64;
  }

  protected checkOpen(): void {
    if (this.closed) throw new VmfabricError("JOURNAL_CLOSED", "journal is closed", "journal");
  }
}

// ---------------------------------------------------------------------------------------------

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
  private failed: unknown = undefined;

  private constructor(fd: number, filePos: number, initialCapacity: number) {
    super(initialCapacity);
    this.fd = fd;
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
    const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
    try {
      const size = fs.fstatSync(fd).size;
      const data = new Uint8Array(size);
      for (let got = 0; got < size;) {
        const n = fs.readSync(fd, data, got, size - got, got);
        if (n === 0) throw corrupt(`journal ${show(file)} shrank while being read`);
        got += n;
      }
      const magic = JOURNAL_MAGIC.length;
      let good: number;
      const journal = new FileJournal(fd, 0, Math.max(16, Math.floor(size / (RECORD_HEADER_BYTES + FIXED_PAYLOAD_BYTES))));
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
        fs.ftruncateSync(fd, 0);
        writeAll(fd, JOURNAL_MAGIC, JOURNAL_MAGIC.length, 0);
        fs.fsyncSync(fd);
        syncDir(file);
        good = magic;
      } else if (droppedBytes > 0) {
        // Cut the torn tail durably before appending, so old garbage can never reappear beyond
        // the new records after a second crash.
        fs.ftruncateSync(fd, good);
        fs.fsyncSync(fd);
      }
      journal.filePos = good;
      return { journal, droppedBytes };
    } catch (e) {
      fs.closeSync(fd);
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
      this.failed = e;
      throw e;
    }
  }

  /** sync, then close the file. Safe to call twice. */
  override close(): void {
    if (this.closed) return;
    try {
      if (this.failed === undefined) this.sync();
    } finally {
      this.closed = true;
      fs.closeSync(this.fd);
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
      this.failed = e;
      throw e;
    }
    this.filePos += this.pending;
    this.pending = 0;
  }

  private checkUsable(): void {
    this.checkOpen();
    if (this.failed !== undefined) {
      throw new VmfabricError("JOURNAL_FAILED", `journal write failed earlier: ${String(this.failed)}`, "journal");
    }
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
