// Builds the page into dist/web/: page.js and worker.js bundled by esbuild (browser ESM, the
// library code included), the static files, and the wasm beside the worker.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readdirSync } from "node:fs";

const out = new URL("../dist/web/", import.meta.url);
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [new URL("src/page.ts", import.meta.url).pathname, new URL("src/worker.ts", import.meta.url).pathname],
  outdir: out.pathname,
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  logLevel: "warning",
});
for (const f of readdirSync(new URL("static/", import.meta.url))) copyFileSync(new URL(`static/${f}`, import.meta.url), new URL(f, out));
copyFileSync(new URL("../build/vmfabric.wasm", import.meta.url), new URL("vmfabric.wasm", out));
