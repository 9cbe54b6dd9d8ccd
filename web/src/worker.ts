// The page's Web Worker: loads the core once, then runs stories and placement checks on
// request, so the page stays responsive while the FC works.
import { init } from "../../src/index.js";
import { placementsForSeed } from "./placements.js";
import type { FromWorker, ToWorker } from "./protocol.js";
import { runStory } from "./story.js";

const post = (m: FromWorker): void => (self as unknown as { postMessage(m: FromWorker): void }).postMessage(m);
// The wasm is copied beside this bundle (dist/web/), so the page needs only its own server.
const ready = init(new URL("./vmfabric.wasm", import.meta.url));
let current = 0;

class Superseded extends Error {}

self.onmessage = async (e: MessageEvent<ToWorker>) => {
  const m = e.data;
  try {
    await ready;
    if (m.type === "placements") {
      post({ type: "placements", seed: m.seed, hosts: placementsForSeed(m.seed) });
      return;
    }
    const run = (current = m.run);
    const pause = () => new Promise<void>((resolve, reject) => setTimeout(() => (run === current ? resolve() : reject(new Superseded())), m.pauseMs));
    const last = await runStory(m.options, (frame) => post({ type: "frame", run, frame }), pause);
    post({ type: "done", run, frame: last });
  } catch (err) {
    if (err instanceof Superseded) return;
    post({ type: "error", run: m.type === "story" ? m.run : undefined, message: err instanceof Error ? err.message : String(err) });
  }
};
