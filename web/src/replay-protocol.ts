// Messages between the page's replay panel and its replay worker.
import type { PageReplay, PageReplayOptions } from "./replay-job.js";

export interface ReplayRequest { file: File; options: PageReplayOptions }

export type FromReplayWorker =
  | { type: "progress"; phase: "survey" | "replay"; done: number; total: number }
  | { type: "done"; replay: PageReplay }
  | { type: "error"; message: string };
