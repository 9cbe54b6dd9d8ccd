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

export function corrupt(message: string, value?: unknown): VmfabricError {
  return new VmfabricError("JOURNAL_CORRUPT", message, "journal", value);
}

// ---------------------------------------------------------------------------------------------

const encoder = new TextEncoder();
// fatal: a payload whose checksum matched yet is not UTF-8 was never written by us.
/** @internal (its type would tie the published declarations to Node's or the DOM's types) */
export const decoder = new TextDecoder("utf-8", { fatal: true });

/** Writes one record (header + payload) at `at`; the caller guarantees room for
 *  RECORD_HEADER_BYTES + FIXED_PAYLOAD_BYTES + 3 * blob.length bytes. Returns the bytes written. */
export function encodeInto(
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
