// The readers on a picked file (a Blob with a name, as the page's worker gets it) give exactly
// the VMs they give from the same file's path, wherever the stream cuts lines and characters.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { azure2017 } from "../src/replay/formats/azure2017.js";
import { generic } from "../src/replay/formats/generic.js";
import { readLineChunks } from "../src/replay/lines.js";
import { blobInPieces } from "./support/replay.js";
import { detectFormat } from "../src/replay/sources.js";
import type { TraceSource, TraceVm } from "../src/replay/trace.js";

const fixture = (name: string) => new URL(`fixtures/replay/${name}`, import.meta.url).pathname;

const blob = blobInPieces;

async function all(source: TraceSource): Promise<TraceVm[]> {
  const out: TraceVm[] = [];
  for await (const chunk of source.vms()) out.push(...chunk);
  return out;
}

describe("trace readers on a Blob", () => {
  for (const name of ["page-small.csv", "tiny.csv", "tiny.jsonl"]) {
    it(`generic ${name}: the same VMs, dimensions and format as from the path`, async () => {
      const path = fixture(name);
      const fromPath = await generic(path);
      for (const piece of [1, 3, 64, 1 << 20]) {
        const fromBlob = await generic(blob(name, readFileSync(path), piece));
        expect(fromBlob.name).toBe(name);
        expect(fromBlob.dimensions).toEqual(fromPath.dimensions);
        expect(await all(fromBlob)).toEqual(await all(fromPath));
      }
      expect((await all(fromPath)).length).toBeGreaterThan(3);
    });
  }

  it("azure2017: the same VMs (lifetimes drawn from the same seed) as from the path", async () => {
    const path = fixture("azure-tiny.csv");
    const vms = await all(azure2017(path, { seed: 7 }));
    expect(await all(azure2017(blob("azure-tiny.csv", readFileSync(path), 5), { seed: 7 }))).toEqual(vms);
    expect(await detectFormat(blob("a", readFileSync(path), 7))).toBe("azure2017");
  });

  it("splits lines the same with CRLF and multi-byte characters cut across pieces", async () => {
    const text = "a,é\r\nb,ü€\r\n\r\nlast";
    const want = [["a,é", "b,ü€", "", "last"]];
    for (const piece of [1, 2, 5]) {
      const lines: string[] = [];
      for await (const c of readLineChunks(blob("x", new TextEncoder().encode(text), piece))) lines.push(...c.lines);
      expect([lines]).toEqual(want);
    }
  });

  it("a bad line names the picked file and its line", async () => {
    const bad = new TextEncoder().encode("arrival,duration,demand_cpu\n5,1,1\n4,1,1\n");
    await expect(generic(blob("mine.csv", bad, 4)).then(all)).rejects.toMatchObject({ code: "INVALID_TRACE", file: "mine.csv", line: 3, field: "arrival" });
  });
});
