// The measurement core of bench/churn-split.ts: `probe` must be exactly the search of `place`
// (the host it names is the host `place` then takes, or -1 when `place` rejects), or the split
// would time something else. Built from the sources here, as the bench builds it.
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { buildProbeCore, replaceCoreExport } from "../bench/probe-core.js";
import { init } from "../src/core.js";
import { Engine } from "../src/engine.js";
import { rng } from "../src/workload/rng.js";

type ProbingCore = {
  probe(t: number, d: number, c: number, k: number, p: number, w: number, e: number): number;
  place(v: number, t: number, d: number, c: number, k: number, p: number, w: number, e: number): number;
};

describe("bench/probe-core: probe is place's search", () => {
  afterAll(async () => {
    // Engines created later in this worker get the release core again.
    await init(await import("node:fs").then((fs) => fs.readFileSync(fileURLToPath(new URL("../build/vmfabric.wasm", import.meta.url)))));
  });

  it("names the host place takes, through a fill, releases and rejections", async () => {
    await init(await buildProbeCore(fileURLToPath(new URL("..", import.meta.url))));
    const e = Engine.create({ hostTypes: [{ capacity: [16, 64], count: 40, hostsPerFaultDomain: 8 }] }, { dimensions: ["cpu", "memory"], vmCapacity: 4000 });
    // As bench/churn-split.ts does: the core's place, replaced by one that probes first (the
    // facade has written the demand by then).
    let probed = -2;
    const core = replaceCoreExport<ProbingCore>(e, "place", (c) => (v: number, t: number, d: number, con: number, k: number, p: number, w: number, end: number) => {
      probed = c.probe(t, d, con, k, p, w, end);
      return c.place(v, t, d, con, k, p, w, end);
    });
    expect(typeof core.probe).toBe("function");
    const rand = rng(5);
    const sizes = [[1, 2], [2, 8], [4, 16], [8, 32], [3, 5], [16, 64]];
    const live: number[] = [];
    let rejected = 0;
    for (let id = 0; id < 3000; id++) {
      if (live.length > 0 && rand() < 0.4) e.release(live.splice(Math.floor(rand() * live.length), 1)[0]);
      const demand = sizes[Math.floor(rand() * sizes.length)];
      const got = e.place({ id, demand, tenant: 1 }).host;
      expect(got).toBe(probed);
      if (got >= 0) live.push(id); else rejected++;
    }
    expect(rejected).toBeGreaterThan(0);
  }, 60_000);
});
