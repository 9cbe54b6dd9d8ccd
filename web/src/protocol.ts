// Messages between the page and its worker.
import type { Frame, StoryOptions } from "./story.js";

export type ToWorker =
  | { type: "story"; run: number; options: StoryOptions; pauseMs: number }
  | { type: "placements"; seed: number };

export type FromWorker =
  | { type: "frame"; run: number; frame: Frame }
  | { type: "done"; run: number; frame: Frame }
  | { type: "placements"; seed: number; hosts: number[] }
  | { type: "error"; run?: number; message: string };
