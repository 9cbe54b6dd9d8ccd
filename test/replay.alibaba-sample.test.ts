// Issue 8's Alibaba target on two of the stratified samples where it was once missed (real
// data from ../shared/data/alibaba-gpu-2023, skipped when absent): the default policy rejects no
// pod where least-waste rejects none and uses no more hosts on average. gpushare20 on 100 nodes
// failed while size ranks folded the largest sizes together (19 sizes in that sample: an
// 88-core 8-GPU pod opened a G3 node, and a later 120-core pod found no G3 empty); cpu300 on
// 20 nodes failed before fewest devices first (one-GPU pods opened the 8-GPU nodes).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dataDirCandidates, findDataSet } from "../src/data.js";
import { LeastWasteScheduler } from "../src/replay/index.js";
import { alibaba } from "../src/replay/formats/alibaba.js";
import { replay } from "../src/replay/replay.js";
import { stratifiedSample } from "../src/replay/sample.js";

const DIR = findDataSet("alibaba-gpu-2023") ?? join(dataDirCandidates()[0], "alibaba-gpu-2023");
const NODES = join(DIR, "openb_node_list_all_node.csv");

async function sampleRun(list: string, nodes: number) {
  const src = await alibaba(join(DIR, `openb_pod_list_${list}.csv`), NODES);
  const fleet = stratifiedSample(src.hosts, nodes);
  const r = await replay(src, { fleet, runs: ["best-fit", new LeastWasteScheduler()] });
  const [bestFit, leastWaste] = r.runs;
  return { bestFit, leastWaste };
}

describe.skipIf(!existsSync(NODES))(`the default policy against least-waste on Alibaba samples (skipped: ${NODES} absent)`, () => {
  for (const [list, nodes] of [["gpushare20", 100], ["cpu300", 20]] as const) {
    it(`${list} on ${nodes} nodes: no rejection (least-waste has none), no more hosts on average`, async () => {
      const { bestFit, leastWaste } = await sampleRun(list, nodes);
      expect(leastWaste.rejected).toBe(0);
      expect(bestFit.rejected).toBe(0);
      expect(bestFit.avgHostsInUse).toBeLessThanOrEqual(leastWaste.avgHostsInUse);
    }, 60_000);
  }
});
