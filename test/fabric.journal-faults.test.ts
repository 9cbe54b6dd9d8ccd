// Journal faults: one writer per file (a lock, stale when its holder died), and every file
// system failure as a VmfabricError naming the path and what to do, never a raw Node error.
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { FileJournal } from "../src/fabric/file-journal.js";
import { lockPathOf } from "../src/fabric/journal-lock.js";
import { vmfabricErrorOf } from "./support/errors.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vmfabric-jfault-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
const tmp = () => path.join(dir, `j${fileNo++}.vmfj`);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const built = path.join(root, "dist/src/fabric/file-journal.js");

/** A child process that opens the journal, appends one synced record, says "ready" and waits. */
function holder(file: string): Promise<ChildProcess> {
  if (!fs.existsSync(built)) throw new Error(`${built} is missing: run npm run build first (npm test does)`);
  const script = `import(${JSON.stringify(built)}).then(({ FileJournal }) => {
    const { journal } = FileJournal.open(${JSON.stringify(file)});
    journal.append(1, 0, 1, 2, 3); journal.sync();
    process.stdout.write("ready\\n"); setInterval(() => {}, 1000);
  }).catch((e) => { process.stdout.write("error " + e.code + "\\n"); process.exit(3); });`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (b: Buffer) => {
      out += b.toString();
      if (out.includes("ready")) resolve(child);
      if (out.includes("error")) reject(new Error(`child failed: ${out}`));
    });
    child.on("exit", (code) => reject(new Error(`child exited ${code} before it was ready: ${out}`)));
  });
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.on("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

describe("one writer per journal", () => {
  it("a second opener in the same process gets JOURNAL_LOCKED naming the file and the holder", () => {
    const file = tmp();
    const { journal } = FileJournal.open(file);
    journal.append(1, 0, 1, 2, 3);
    const e = vmfabricErrorOf(() => FileJournal.open(file));
    expect(e.code).toBe("JOURNAL_LOCKED");
    expect(e.field).toBe("journal");
    expect(e.value).toBe(file);
    expect(e.message).toContain(file);
    expect(e.message).toContain(`pid ${process.pid} on ${os.hostname()}`);
    // the refused opener changed nothing: the holder goes on and its records are intact
    journal.append(2, 1, 4, 5, 6);
    journal.close();
    expect(fs.existsSync(lockPathOf(file))).toBe(false);
    const back = FileJournal.open(file);
    expect(back.journal.length).toBe(2);
    expect(back.journal.get(1)).toMatchObject({ kind: 2, a: 4 });
    back.journal.close();
  });

  it("close releases the lock, also after a failed open", () => {
    const file = tmp();
    FileJournal.open(file).journal.close();
    FileJournal.open(file).journal.close();
    fs.writeFileSync(file, "not a journal at all");
    expect(vmfabricErrorOf(() => FileJournal.open(file)).code).toBe("JOURNAL_CORRUPT");
    expect(fs.existsSync(lockPathOf(file))).toBe(false);
  });

  it("a live holder in another process locks the file; once it is killed with SIGKILL its lock is stale and taken over", async () => {
    const file = tmp();
    const child = await holder(file);
    try {
      const e = vmfabricErrorOf(() => FileJournal.open(file));
      expect(e.code).toBe("JOURNAL_LOCKED");
      expect(e.message).toContain(`pid ${child.pid}`);
    } finally {
      await killed(child);
    }
    // the dead holder's lock is still there...
    const lock = JSON.parse(fs.readFileSync(lockPathOf(file), "utf8"));
    expect(lock.pid).toBe(child.pid);
    // ...and recognised as stale: the journal opens with the record the child synced
    const { journal } = FileJournal.open(file);
    expect(journal.length).toBe(1);
    expect(journal.get(0)).toMatchObject({ kind: 1, a: 1, b: 2, c: 3 });
    expect(JSON.parse(fs.readFileSync(lockPathOf(file), "utf8")).pid).toBe(process.pid);
    journal.close();
  });

  it("a lock from another host, or one that cannot be read, is never taken over", () => {
    const file = tmp();
    fs.writeFileSync(lockPathOf(file), JSON.stringify({ pid: 999999999, hostname: `not-${os.hostname()}`, since: "2026-01-01T00:00:00Z" }));
    const e = vmfabricErrorOf(() => FileJournal.open(file));
    expect(e.code).toBe("JOURNAL_LOCKED");
    expect(e.message).toContain(`not-${os.hostname()}`);
    fs.writeFileSync(lockPathOf(file), "garbage");
    expect(vmfabricErrorOf(() => FileJournal.open(file)).message).toContain("unknown holder");
    expect(fs.existsSync(file)).toBe(false); // refused before the journal was created
  });
});

describe("file system failures are VmfabricErrors naming the path", () => {
  const cases: Array<[string, () => string, RegExp]> = [
    ["a folder", () => fs.mkdtempSync(path.join(dir, "folder-")), /not a regular file/],
    ["a file in a missing folder", () => path.join(dir, "no-such-folder", "j.vmfj"), /ENOENT.*create the folder/],
    ["a path through a file", () => { const f = tmp(); fs.writeFileSync(f, ""); return path.join(f, "j.vmfj"); }, /ENOTDIR/],
    ["a device", () => "/dev/null", /not a regular file/],
  ];
  for (const [what, make, message] of cases) {
    it(`${what}: JOURNAL_IO`, () => {
      const file = make();
      const e = vmfabricErrorOf(() => FileJournal.open(file));
      expect(e.code).toBe("JOURNAL_IO");
      expect(e.value).toBe(file);
      expect(e.message).toContain(file);
      expect(e.message).toMatch(message);
    });
  }

  it("a named pipe is refused at once (no hang waiting for a writer)", () => {
    const fifo = path.join(dir, "pipe.vmfj");
    const made = spawn("mkfifo", [fifo]);
    return new Promise<void>((resolve) => made.on("exit", () => resolve())).then(() => {
      if (!fs.existsSync(fifo)) return; // no mkfifo on this machine
      const e = vmfabricErrorOf(() => FileJournal.open(fifo));
      expect(e.code).toBe("JOURNAL_IO");
      expect(e.message).toMatch(/not a regular file/);
    });
  });

  it("a bad path argument is INVALID_INPUT", () => {
    for (const bad of ["", 42, undefined, "a\0b"]) {
      expect(vmfabricErrorOf(() => FileJournal.open(bad as string)).code).toBe("INVALID_INPUT");
    }
  });
});
