// A replay as `vmfabric replay` makes it with its defaults, for a trace file the user picked:
// the same readers, fleet rule (identical Dsv3-Type3 hosts, ceil(1.3 x the peak lower bound)
// unless a host count is given), bucket width and runs. Runs in the page's replay worker, and in
// Node for the tests.
import { POLICIES, type Policy } from "../../src/types.js";
import { KubeScheduler } from "../../src/replay/baselines/kube.js";
import { NomadScheduler } from "../../src/replay/baselines/nomad.js";
import { VmfabricError } from "../../src/errors.js";
import { DEFAULT_HEADROOM, defaultHost, defaultHostCount, identicalFleet } from "../../src/replay/fleet.js";
import { azure2017 } from "../../src/replay/formats/azure2017.js";
import { generic } from "../../src/replay/formats/generic.js";
import type { TraceFile } from "../../src/replay/lines.js";
import { replay, type ReplayResult } from "../../src/replay/replay.js";
import type { Scheduler } from "../../src/replay/scheduler.js";
import { detectFormat } from "../../src/replay/detect.js";
import { survey, type Survey } from "../../src/replay/survey.js";
import { ALIBABA_NOTE, BASELINES, type PageReplayOptions } from "./replay-options.js";

export type { PageReplayOptions };

export interface PageReplay {
  result: ReplayResult;
  /** The fleet, in words (as `vmfabric replay` prints it). */
  fleet: string;
  bucketSeconds: number;
  survey: Survey;
}

function check(o: PageReplayOptions): void {
  if (o.runs.length === 0) throw new VmfabricError("INVALID_INPUT", "pick at least one policy or baseline", "runs", o.runs);
  for (const r of o.runs) {
    if (!(POLICIES as readonly string[]).includes(r) && !(BASELINES as readonly string[]).includes(r)) throw new VmfabricError("INVALID_INPUT", `unknown run ${JSON.stringify(r)}`, "runs", r);
  }
  if (!Number.isInteger(o.hosts) || o.hosts < 0 || o.hosts > 1 << 22) throw new VmfabricError("INVALID_INPUT", `hosts must be an integer in [0, ${1 << 22}] (0: from the trace), got ${o.hosts}`, "hosts", o.hosts);
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 0x7fffffff) throw new VmfabricError("INVALID_INPUT", `seed must be an integer in [0, ${0x7fffffff}], got ${o.seed}`, "seed", o.seed);
}

export async function replayPicked(file: TraceFile, o: PageReplayOptions, onPhase: (phase: "survey" | "replay", done: number, total: number) => void): Promise<PageReplay> {
  check(o);
  const format = o.format === "auto" ? await detectFormat(file) : o.format;
  if (format === "alibaba") throw new VmfabricError("INVALID_INPUT", ALIBABA_NOTE, "format", format);
  const source = format === "azure2017" ? azure2017(file, { seed: o.seed }) : await generic(file);
  const shape = defaultHost(source.dimensions);
  const effective = shape.capacity.map((c, d) => c - shape.reservation[d]);
  onPhase("survey", 0, 0);
  const plan = await survey(source, (d) => effective.every((x, i) => d[i] <= x));
  const count = o.hosts || defaultHostCount(plan.peakDemand, effective);
  const span = plan.lastTime - plan.firstTime;
  const bucketSeconds = Math.max(60, Math.ceil(span / 250 / 60) * 60);
  const runs: Array<Policy | Scheduler> = o.runs.map((r) => (r === "kube" ? new KubeScheduler(o.seed) : r === "nomad" ? new NomadScheduler(o.seed) : r));
  onPhase("replay", 0, plan.events);
  const result = await replay(source, {
    fleet: identicalFleet(shape, count), runs, survey: plan, bucketSeconds,
    onProgress: (done, total) => onPhase("replay", done, total),
  });
  const fleet = `${count.toLocaleString("en-US")} hosts of ${shape.source} [${effective.join(", ")}]${o.hosts ? "" : ` = ceil(${DEFAULT_HEADROOM} x peak lower bound)`}`;
  return { result, fleet, bucketSeconds, survey: plan };
}
