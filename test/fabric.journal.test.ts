// The FC journal: memory and file round trips, the on-disk format, torn tails at every byte,
// flipped bytes, nothing synced ever lost, input validation.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  JOURNAL_MAGIC, MemoryJournal, crc32, encodeRecord,
  type Journal, type JournalRecord,
} from "../src/fabric/journal.js";
import { FileJournal } from "../src/fabric/file-journal.js";
import { vmfabricErrorOf } from "./support/errors.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vmfabric-journal-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
const tmp = () => path.join(dir, `j${fileNo++}.vmfj`);

const SAMPLE: JournalRecord[] = [
  { kind: 0, time: 0, a: 0, b: 0, c: 0 },
  { kind: 1, time: 0.5, a: 7, b: 0xffffffff, c: 3, blob: JSON.stringify({ service: "web", roles: [{ n: 3 }] }) },
  { kind: 0xffffffff, time: 1e12 + 0.25, a: 1, b: 2, c: 0xffffffff },
  { kind: 2, time: 12.75, a: 3, b: 4, c: 5, blob: "unicode: é 漢字 🚀 \u0000 end" },
  { kind: 3, time: 13, a: 9, b: 9, c: 9 },
  { kind: 4, time: 14, a: 10, b: 11, c: 12, blob: "last 🧪 record ✓" },
];

function appendAll(j: Journal, records: JournalRecord[]): void {
  for (const r of records) j.append(r.kind, r.time, r.a, r.b, r.c, r.blob);
}

function all(j: Journal): JournalRecord[] {
  return Array.from({ length: j.length }, (_, i) => j.get(i));
}

/** Writes records to a fresh journal file and closes it; returns the file and each record's
 *  [start, end) byte range. */
function written(records: JournalRecord[]): { file: string; bytes: Uint8Array; ranges: Array<[number, number]> } {
  const file = tmp();
  const { journal } = FileJournal.open(file);
  appendAll(journal, records);
  journal.close();
  const ranges: Array<[number, number]> = [];
  let p = JOURNAL_MAGIC.length;
  for (const r of records) {
    const n = encodeRecord(r.kind, r.time, r.a, r.b, r.c, r.blob).length;
    ranges.push([p, p + n]);
    p += n;
  }
  return { file, bytes: new Uint8Array(fs.readFileSync(file)), ranges };
}

function withBytes(bytes: Uint8Array): string {
  const file = tmp();
  fs.writeFileSync(file, bytes);
  return file;
}

function reopen(file: string): { records: JournalRecord[]; droppedBytes: number; journal: FileJournal } {
  const { journal, droppedBytes } = FileJournal.open(file);
  return { records: all(journal), droppedBytes, journal };
}


describe("crc32", () => {
  it("is the standard IEEE CRC-32", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
});

describe("MemoryJournal", () => {
  it("round trips records through the columns, growing past its initial capacity", () => {
    const j = new MemoryJournal(1);
    const before = j.bytes();
    const many: JournalRecord[] = [];
    for (let i = 0; i < 5000; i++) many.push({ kind: i % 7, time: i * 0.5, a: i, b: 0xffffffff - i, c: i * 3, ...(i % 100 === 0 ? { blob: `b${i}é` } : {}) });
    appendAll(j, many);
    expect(j.length).toBe(5000);
    expect(all(j)).toEqual(many);
    expect(j.kind(8)).toBe(1);
    expect(j.time(9)).toBe(4.5);
    expect(j.a(10)).toBe(10);
    expect(j.b(10)).toBe(0xffffffff - 10);
    expect(j.c(10)).toBe(30);
    expect(j.blob(200)).toBe("b200é");
    expect(j.blob(201)).toBeUndefined();
    expect("blob" in j.get(201)).toBe(false);
    expect(j.bytes()).toBeGreaterThan(before);
    expect(j.bytes()).toBeGreaterThanOrEqual(5000 * 24);
  });

  it("treats an empty blob as no blob (they are the same on disk)", () => {
    const j = new MemoryJournal();
    j.append(1, 1, 1, 1, 1, "");
    expect(j.blob(0)).toBeUndefined();
  });

  it("refuses reads outside 0..length-1", () => {
    const j = new MemoryJournal();
    appendAll(j, SAMPLE);
    for (const i of [-1, SAMPLE.length, 1.5, NaN]) {
      const e = vmfabricErrorOf(() => j.kind(i));
      expect(e.code).toBe("INVALID_INPUT");
      expect(e.field).toBe("index");
    }
  });

  it("refuses appends after close, keeps what it has readable", () => {
    const j = new MemoryJournal();
    appendAll(j, SAMPLE);
    j.close();
    expect(vmfabricErrorOf(() => j.append(1, 1, 1, 1, 1)).code).toBe("JOURNAL_CLOSED");
    expect(all(j)).toEqual(SAMPLE);
  });
});

describe("bad input", () => {
  const bad: Array<[string, unknown[]]> = [
    ["kind", [-1, 1.5, 2 ** 32, NaN, Infinity, "1", undefined]],
    ["time", [-1, -Infinity, Infinity, NaN, "0", null]],
    ["a", [-1, 0.1, 2 ** 32, NaN]],
    ["b", [-2, 2 ** 40, Infinity]],
    ["c", [-0.5, 4294967296, "x"]],
    ["blob", [5, {}, "lone \uD800 high", "lone \uDC00 low", "\uDFFF\uD800"]],
  ];
  const fields = ["kind", "time", "a", "b", "c", "blob"];

  for (const make of [() => new MemoryJournal(), () => FileJournal.open(tmp()).journal]) {
    it(`names the field and value, and stores nothing (${make().constructor.name})`, () => {
      const j = make();
      for (const [field, values] of bad) {
        for (const value of values) {
          const args: unknown[] = [1, 2, 3, 4, 5, "ok"];
          args[fields.indexOf(field)] = value;
          const e = vmfabricErrorOf(() => (j.append as (...x: unknown[]) => void)(...args));
          expect(e.code).toBe("INVALID_INPUT");
          expect(e.field).toBe(field);
          expect(Object.is(e.value, value)).toBe(true);
          expect(e.message).toContain(field);
        }
      }
      expect(j.length).toBe(0);
      j.append(0xffffffff, 0, 0xffffffff, 0, 0xffffffff, "paired surrogates 🚀 are fine");
      expect(j.length).toBe(1);
      j.close();
    });
  }

  it("encodeRecord validates too", () => {
    expect(vmfabricErrorOf(() => encodeRecord(1, -1, 1, 1, 1)).field).toBe("time");
  });
});

describe("FileJournal round trip and format", () => {
  it("reopens to identical records, blobs and unicode included", () => {
    const file = tmp();
    const first = FileJournal.open(file);
    expect(first.droppedBytes).toBe(0);
    expect(first.journal.length).toBe(0);
    appendAll(first.journal, SAMPLE.slice(0, 3));
    first.journal.sync();
    appendAll(first.journal, SAMPLE.slice(3));
    expect(all(first.journal)).toEqual(SAMPLE);
    first.journal.close();
    first.journal.close(); // twice is fine

    const again = reopen(file);
    expect(again.droppedBytes).toBe(0);
    expect(again.records).toEqual(SAMPLE);
    expect(again.journal.blob(3)).toBe(SAMPLE[3].blob);
    // Appending after a reopen continues the same file.
    again.journal.append(9, 99, 9, 9, 9, "more ☃");
    again.journal.close();
    expect(reopen(file).records).toEqual([...SAMPLE, { kind: 9, time: 99, a: 9, b: 9, c: 9, blob: "more ☃" }]);
  });

  it("writes exactly MAGIC then u32 length | u32 crc32 | payload per record, little-endian", () => {
    const { bytes } = written(SAMPLE);
    const expected = [JOURNAL_MAGIC, ...SAMPLE.map((r) => encodeRecord(r.kind, r.time, r.a, r.b, r.c, r.blob))];
    expect(Buffer.from(bytes).equals(Buffer.concat(expected))).toBe(true);
    expect(Buffer.from(JOURNAL_MAGIC).toString("latin1")).toBe("VMFJ0001");

    const r = encodeRecord(7, 1.5, 0x01020304, 2, 3, "hé");
    const v = new DataView(r.buffer, r.byteOffset, r.byteLength);
    expect(v.getUint32(0, true)).toBe(24 + 3);
    expect(v.getUint32(4, true)).toBe(crc32(r, 8));
    expect(v.getUint32(8, true)).toBe(7);
    expect(v.getFloat64(12, true)).toBe(1.5);
    expect([...r.subarray(20, 24)]).toEqual([4, 3, 2, 1]);
    expect(v.getUint32(24, true)).toBe(2);
    expect(v.getUint32(28, true)).toBe(3);
    expect(new TextDecoder().decode(r.subarray(32))).toBe("hé");
  });

  it("survives many records and a write buffer that flushes on its own", () => {
    const file = tmp();
    const { journal } = FileJournal.open(file);
    const blob = "x".repeat(1000);
    const n = 40_000;
    for (let i = 0; i < n; i++) journal.append(i & 15, i, i, i * 2, i * 3, i % 1000 === 0 ? blob : undefined);
    journal.close();
    const back = reopen(file);
    expect(back.records.length).toBe(n);
    for (let i = 0; i < n; i += 997) {
      expect(back.journal.get(i)).toEqual({ kind: i & 15, time: i, a: i, b: i * 2, c: i * 3, ...(i % 1000 === 0 ? { blob } : {}) });
    }
    back.journal.close();
  });

  it("refuses appends after close", () => {
    const { journal } = FileJournal.open(tmp());
    journal.close();
    expect(vmfabricErrorOf(() => journal.append(1, 1, 1, 1, 1)).code).toBe("JOURNAL_CLOSED");
    expect(vmfabricErrorOf(() => journal.sync()).code).toBe("JOURNAL_CLOSED");
  });
});

describe("header", () => {
  it("creates the file with the magic; an empty or torn-header file opens empty", () => {
    const file = tmp();
    FileJournal.open(file).journal.close();
    expect(Buffer.from(fs.readFileSync(file)).equals(Buffer.from(JOURNAL_MAGIC))).toBe(true);

    for (let n = 0; n < JOURNAL_MAGIC.length; n++) {
      const f = withBytes(JOURNAL_MAGIC.subarray(0, n));
      const { journal, droppedBytes } = FileJournal.open(f);
      expect(droppedBytes).toBe(n);
      expect(journal.length).toBe(0);
      journal.append(1, 2, 3, 4, 5);
      journal.close();
      expect(reopen(f).records).toEqual([{ kind: 1, time: 2, a: 3, b: 4, c: 5 }]);
    }
  });

  it("refuses a file that is not a journal, and leaves it alone", () => {
    for (const text of ["hello", "VMFJ0002 and more", "not a journal at all"]) {
      const f = withBytes(new TextEncoder().encode(text));
      expect(vmfabricErrorOf(() => FileJournal.open(f)).code).toBe("JOURNAL_CORRUPT");
      expect(fs.readFileSync(f, "utf8")).toBe(text);
    }
  });
});

describe("torn and damaged records", () => {
  const { bytes, ranges } = written(SAMPLE);
  const [lastStart, lastEnd] = ranges[ranges.length - 1];
  const kept = SAMPLE.slice(0, -1);
  const extra: JournalRecord = { kind: 42, time: 4242, a: 1, b: 2, c: 3, blob: "after the tear ✂" };

  it("a tear at every byte inside the last record drops exactly that record; appending then works", () => {
    for (let off = lastStart; off < lastEnd; off++) {
      const file = withBytes(bytes.subarray(0, off));
      const { records, droppedBytes, journal } = reopen(file);
      expect(records).toEqual(kept);
      expect(droppedBytes).toBe(off - lastStart);
      expect(fs.statSync(file).size).toBe(lastStart);
      appendAll(journal, [extra]);
      journal.close();
      const again = reopen(file);
      expect(again.droppedBytes).toBe(0);
      expect(again.records).toEqual([...kept, extra]);
      again.journal.close();
    }
  });

  it("a flipped byte anywhere in the last record drops it", () => {
    for (let at = lastStart; at < lastEnd; at++) {
      const damaged = bytes.slice();
      damaged[at] ^= 0xff;
      const file = withBytes(damaged);
      const { records, droppedBytes, journal } = reopen(file);
      expect(records).toEqual(kept);
      expect(droppedBytes).toBe(lastEnd - lastStart);
      expect(fs.statSync(file).size).toBe(lastStart);
      journal.close();
    }
  });

  it("a flipped byte anywhere in an earlier record is JOURNAL_CORRUPT, and the file is left alone", () => {
    for (const [start, end] of [ranges[0], ranges[1], ranges[ranges.length - 2]]) {
      for (let at = start; at < end; at++) {
        const damaged = bytes.slice();
        damaged[at] ^= 0xff;
        const file = withBytes(damaged);
        const e = vmfabricErrorOf(() => FileJournal.open(file));
        expect(e.code).toBe("JOURNAL_CORRUPT");
        expect(fs.statSync(file).size).toBe(bytes.length);
      }
    }
  });

  it("a zero-filled or garbage tail left by a crash is dropped whole", () => {
    for (const tail of [new Uint8Array(100), Uint8Array.from({ length: 300 }, (_, i) => (i * 37 + 11) & 0xff)]) {
      const file = withBytes(Buffer.concat([bytes, tail]));
      const { records, droppedBytes, journal } = reopen(file);
      expect(records).toEqual(SAMPLE);
      expect(droppedBytes).toBe(tail.length);
      journal.close();
    }
  });
});

describe("nothing acknowledged is lost", () => {
  it("records appended before sync() survive when the unsynced tail is torn anywhere", () => {
    const file = tmp();
    const { journal } = FileJournal.open(file);
    appendAll(journal, SAMPLE);
    journal.sync();
    const synced = fs.statSync(file).size;
    // Crash right now: only the synced bytes are certainly on disk.
    const unsyncedRecords: JournalRecord[] = [];
    for (let i = 0; i < 12; i++) unsyncedRecords.push({ kind: 100 + i, time: 100 + i, a: i, b: i, c: i, ...(i % 3 ? {} : { blob: `unsynced ${i} ❄` }) });
    appendAll(journal, unsyncedRecords);
    const atCrash = withBytes(fs.readFileSync(file));
    expect(reopen(atCrash).records).toEqual(SAMPLE);

    // Or some of the unsynced bytes made it: every cut point after the sync keeps SAMPLE.
    journal.close();
    const full = new Uint8Array(fs.readFileSync(file));
    const everything = [...SAMPLE, ...unsyncedRecords];
    for (let cut = synced; cut <= full.length; cut++) {
      const { records, journal: j } = reopen(withBytes(full.subarray(0, cut)));
      expect(records.length).toBeGreaterThanOrEqual(SAMPLE.length);
      expect(records).toEqual(everything.slice(0, records.length));
      j.close();
    }
  }, 30_000);

  it("property: any records, syncs and crash point → exactly the whole records before the cut, all synced ones included", () => {
    const record = fc.record({
      kind: fc.integer({ min: 0, max: 0xffffffff }),
      time: fc.double({ min: 0, max: 1e15, noNaN: true }),
      a: fc.integer({ min: 0, max: 0xffffffff }),
      b: fc.integer({ min: 0, max: 0xffffffff }),
      c: fc.integer({ min: 0, max: 0xffffffff }),
      blob: fc.option(fc.oneof(fc.string(), fc.string({ unit: "grapheme" }), fc.json()), { nil: undefined }),
    });
    const op = fc.oneof({ weight: 5, arbitrary: record }, { weight: 1, arbitrary: fc.constant("sync" as const) });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), fc.double({ min: 0, max: 1, noNaN: true }), (ops, where) => {
        const file = tmp();
        const { journal } = FileJournal.open(file);
        const records: JournalRecord[] = [];
        const ends: number[] = [];
        let end = JOURNAL_MAGIC.length;
        let syncedCount = 0;
        let syncedBytes = fs.statSync(file).size;
        for (const o of ops) {
          if (o === "sync") {
            journal.sync();
            syncedCount = records.length;
            syncedBytes = fs.statSync(file).size;
            expect(syncedBytes).toBe(end);
            continue;
          }
          journal.append(o.kind, o.time, o.a, o.b, o.c, o.blob);
          const r: JournalRecord = { kind: o.kind, time: o.time, a: o.a, b: o.b, c: o.c };
          if (o.blob) r.blob = o.blob;
          records.push(r);
          end += encodeRecord(o.kind, o.time, o.a, o.b, o.c, o.blob).length;
          ends.push(end);
        }
        journal.close();
        const full = new Uint8Array(fs.readFileSync(file));
        expect(full.length).toBe(end);
        fs.rmSync(file);

        const cut = syncedBytes + Math.floor(where * (full.length - syncedBytes));
        const crashed = withBytes(full.subarray(0, cut));
        const back = reopen(crashed);
        back.journal.close();
        fs.rmSync(crashed);
        const whole = ends.filter((e) => e <= cut).length;
        const goodEnd = whole === 0 ? JOURNAL_MAGIC.length : ends[whole - 1];
        expect(back.records.length).toBe(whole);
        expect(back.records.length).toBeGreaterThanOrEqual(syncedCount);
        expect(back.records).toEqual(records.slice(0, whole));
        expect(back.droppedBytes).toBe(cut - goodEnd);
      }),
      { numRuns: 150 },
    );
  }, 30_000);
});
