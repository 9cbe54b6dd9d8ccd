// The replay panel's choices, in a module of their own so the page's bundle needs none of the
// replay code to draw its form (the worker has that).
import type { Policy } from "../../src/types.js";

export const BASELINES = ["kube", "nomad"] as const;
export type Baseline = (typeof BASELINES)[number];
export const PAGE_FORMATS = ["auto", "generic", "azure2017"] as const;
export const DEFAULT_RUNS: ReadonlyArray<Policy | Baseline> = ["best-fit", "first-fit", "kube"];

export interface PageReplayOptions {
  format: (typeof PAGE_FORMATS)[number];
  /** Engine policies and baselines, in the order they run. */
  runs: ReadonlyArray<Policy | Baseline>;
  /** Identical hosts; 0 = ceil(1.3 x the peak lower bound) from the first pass. */
  hosts: number;
  seed: number;
}

/** Why the alibaba format is not on the page: its reader takes both files by path. */
export const ALIBABA_NOTE = "alibaba pod lists need their node list, and the alibaba reader reads both files by path with Node's file system, so this page cannot replay them yet: run `vmfabric replay PODS.csv --nodes NODES.csv --report report.html`.";

