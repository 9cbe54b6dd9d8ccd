// Disk faults that a test cannot cause for real (fsync EIO, EACCES as root): node:fs is
// wrapped so the next call of one function fails with a given errno.
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";

const fault = vi.hoisted(() => ({ fn: "", code: "", after: 0 }));
vi.mock("node:fs", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs")>();
  const wrap = <F extends (...a: never[]) => unknown>(name: string, f: F): F =>
    ((...args: never[]) => {
      if (fault.fn === name && fault.after-- <= 0) {
        fault.fn = "";
        throw Object.assign(new Error(`${fault.code}: injected`), { code: fault.code });
      }
      return f(...args);
    }) as F;
  const fs = { ...real, fsyncSync: wrap("fsyncSync", real.fsyncSync), openSync: wrap("openSync", real.openSync), writeSync: wrap("writeSync", real.writeSync) };
  return { ...fs, default: fs };
});

const fs = await import("node:fs");
const { FileJournal } = await import("../src/fabric/file-journal.js");
const { FabricController } = await import("../src/fabric/controller.js");
const { vmfabricErrorOf } = await import("./support/errors.js");

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vmfabric-jeio-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
const tmp = () => path.join(dir, `j${fileNo++}.vmfj`);
beforeEach(() => { fault.fn = ""; });
const failNext = (fn: string, code: string, after = 0) => Object.assign(fault, { fn, code, after });

describe("injected disk faults", () => {
  it("EACCES on open: JOURNAL_IO naming the path and what to do; no lock left behind", () => {
    const file = tmp();
    failNext("openSync", "EACCES");
    const e = vmfabricErrorOf(() => FileJournal.open(file));
    expect(e.code).toBe("JOURNAL_IO");
    expect(e.message).toContain(file);
    expect(e.message).toMatch(/EACCES.*permission/);
    FileJournal.open(file).journal.close(); // the lock was released
  });

  it("a failed fsync fails sync() with JOURNAL_FAILED and stops the journal (no silent retry)", () => {
    const file = tmp();
    const { journal } = FileJournal.open(file);
    journal.append(1, 0, 1, 1, 1);
    journal.sync();
    journal.append(1, 1, 2, 2, 2);
    failNext("fsyncSync", "EIO");
    const e = vmfabricErrorOf(() => journal.sync());
    expect(e.code).toBe("JOURNAL_FAILED");
    expect(e.message).toContain(file);
    expect(e.message).toContain("EIO");
    // fail-stop: later appends and syncs are refused with the same error, even though the disk
    // would now work
    expect(vmfabricErrorOf(() => journal.append(1, 2, 3, 3, 3)).code).toBe("JOURNAL_FAILED");
    expect(vmfabricErrorOf(() => journal.sync()).code).toBe("JOURNAL_FAILED");
    journal.close();
    const back = FileJournal.open(file);
    expect(back.journal.length).toBeGreaterThanOrEqual(1); // the synced record is kept
    expect(back.journal.get(0)).toMatchObject({ a: 1 });
    back.journal.close();
  });

  it("a failed write (ENOSPC) is JOURNAL_FAILED too", () => {
    const { journal } = FileJournal.open(tmp());
    journal.append(1, 0, 1, 1, 1);
    failNext("writeSync", "ENOSPC");
    const e = vmfabricErrorOf(() => journal.sync());
    expect(e.code).toBe("JOURNAL_FAILED");
    expect(e.message).toContain("ENOSPC");
    journal.close();
  });

  it("fsync EIO during deploy: deploy throws JOURNAL_FAILED, the FC refuses to go on, replay keeps what was acknowledged", () => {
    const file = tmp();
    const options = { datacenter: { racks: 2, serversPerRack: 2 }, seed: 3 };
    const { journal } = FileJournal.open(file);
    const fc = FabricController.create(options, journal);
    fc.powerOn();
    fc.run();
    const acknowledged = fc.snapshot();
    failNext("fsyncSync", "EIO");
    const e = vmfabricErrorOf(() => fc.deploy({ tenant: 1, roles: [{ name: "web", instances: 2 }] }));
    expect(e.code).toBe("JOURNAL_FAILED");
    expect(vmfabricErrorOf(() => fc.deploy({ tenant: 2, roles: [{ name: "w", instances: 1 }] })).code).toBe("JOURNAL_FAILED");
    journal.close();
    const back = FileJournal.open(file);
    const replayed = FabricController.replay(options, back.journal);
    // everything acknowledged is there; the failed deploy may or may not have reached the disk
    const st = replayed.state;
    expect(st.deployments.length).toBeLessThanOrEqual(1);
    if (st.deployments.length === 0) expect(Buffer.from(replayed.snapshot()).equals(Buffer.from(acknowledged))).toBe(true);
    back.journal.close();
  });
});
