import type { ReplayResult } from "./replay.js";
export function renderReport(_r: ReplayResult, _o: { bucketSeconds: number; fleet: string; command: string }): string {
  throw new Error("not yet");
}
