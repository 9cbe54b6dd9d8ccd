// Builds the page into dist/web/: page.js, worker.js (the FC story) and replay-worker.js bundled
// by esbuild (browser ESM, the library code included; shared code and the replay charts, which
// bring Observable Plot, in chunks/ loaded when needed), the static files, and the wasm.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readdirSync, rmSync } from "node:fs";

const out = new URL("../dist/web/", import.meta.url);
mkdirSync(out, { recursive: true });
rmSync(new URL("chunks/", out), { recursive: true, force: true }); // old hashes
await build({
  entryPoints: ["page", "worker", "replay-worker"].map((n) => new URL(`src/${n}.ts`, import.meta.url).pathname),
  outdir: out.pathname,
  bundle: true,
  splitting: true,
  minify: true,
  chunkNames: "chunks/[name]-[hash]",
  format: "esm",
  platform: "browser",
  target: "es2022",
  logLevel: "warning",
});
for (const f of readdirSync(new URL("static/", import.meta.url))) copyFileSync(new URL(`static/${f}`, import.meta.url), new URL(f, out));
copyFileSync(new URL("../build/vmfabric.wasm", import.meta.url), new URL("vmfabric.wasm", out));
