// The replay library (`import { replay, azure2017 } from "vmfabric/replay"`): Node only (it
// reads files), so it is a subpath of its own and the main entry stays free of node: modules
// it does not already use. The HTML report (Observable Plot) is not imported here.
export { replay, fitsSomeType } from "./replay.js";
export type { ReplayOptions, ReplayResult, ReplayEvent, RunHandle, RunResult } from "./replay.js";
export { survey } from "./survey.js";
export type { Survey } from "./survey.js";
export type { TraceSource, TraceVm } from "./trace.js";
export type { TraceFile, NamedBlob } from "./lines.js";
export { TraceError } from "./errors.js";
export { azure2017 } from "./formats/azure2017.js";
export { generic, type GenericOptions } from "./formats/generic.js";
export { readGenericNodes, MAX_NODES } from "./formats/generic-nodes.js";
export { alibaba, readNodes, GPU_LABEL } from "./formats/alibaba.js";
export { openTrace, detectFormat, FORMATS } from "./sources.js";
export { FleetState, type Scheduler, type ArrivingVm } from "./scheduler.js";
export { KubeScheduler, numFeasibleNodesToFind, mostAllocatedScore } from "./baselines/kube.js";
export { NomadScheduler, nomadLimit, bestFitV3 } from "./baselines/nomad.js";
export { LeastWasteScheduler, leftoverAfter } from "./baselines/least-waste.js";
export type { EngineRunSpec, RunSpec } from "./run-spec.js";
export { engineRunName } from "./runs.js";
export { MetricTracker, type RunMetrics } from "./metrics.js";
export { LowerBound } from "./lower-bound.js";
export { drawLifetime, uniformInt } from "./lifetime.js";
export { defaultHost, defaultHostCount, identicalFleet, DEFAULT_HEADROOM } from "./fleet.js";
export { summary, seriesCsv, table } from "./summary.js";
export type { ReplaySummary, RunSummary } from "./summary.js";
export type { SeriesRow } from "./timeseries.js";
