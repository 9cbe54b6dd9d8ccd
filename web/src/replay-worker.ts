// The replay panel's Web Worker: reads the picked file (File API, streamed), runs the replay
// and posts progress and the result, so the page stays responsive however long the trace is.
// One worker per replay: the panel ends it to cancel.
import { init } from "../../src/index.js";
import type { FromReplayWorker, ReplayRequest } from "./replay-protocol.js";
import { replayPicked } from "./replay-job.js";

const post = (m: FromReplayWorker): void => (self as unknown as { postMessage(m: FromReplayWorker): void }).postMessage(m);
const ready = init(new URL("./vmfabric.wasm", import.meta.url));

self.onmessage = async (e: MessageEvent<ReplayRequest>) => {
  try {
    await ready;
    let last = 0;
    const replay = await replayPicked(e.data.file, e.data.options, (phase, done, total) => {
      // At most ~20 progress messages a second; the page redraws one bar.
      const now = performance.now();
      if (done !== 0 && done !== total && now - last < 50) return;
      last = now;
      post({ type: "progress", phase, done, total });
    });
    post({ type: "done", replay });
  } catch (err) {
    post({ type: "error", message: err instanceof Error ? err.message : String(err) });
  }
};
