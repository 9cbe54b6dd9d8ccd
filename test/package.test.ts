// The package as a user gets it: `npm pack`, installed (from npm's cache where it can, the
// registry for what a fresh machine's cache lacks) into a fresh strict TypeScript project
// (skipLibCheck false, lib ES2022 only, no Node types), which compiles and runs the
// README's Library API code, imports with ESM and require, and bundles the main entry for a
// browser. npm test builds first; the tarball is packed without re-running the build.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

const ROOT = new URL("../", import.meta.url).pathname;
const built = existsSync(join(ROOT, "dist/src/index.js")) && existsSync(join(ROOT, "build/vmfabric.wasm"));
const TSC = join(ROOT, "node_modules/typescript/bin/tsc");

/** The ```ts blocks of README's "Library API" section, in order. */
export function readmeLibraryBlocks(readme: string): string[] {
  const section = readme.slice(readme.indexOf("## Library API"), readme.indexOf("\n## ", readme.indexOf("## Library API") + 3));
  return [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
}

const run = (cmd: string, args: string[], cwd: string) => {
  const p = spawnSync(cmd, args, { cwd, encoding: "utf8", env: { ...process.env, npm_config_update_notifier: "false" } });
  return { code: p.status, out: `${p.stdout}${p.stderr}` };
};

describe.skipIf(!built)("the packed package in a strict consumer (skipped: run `npm run build` first)", () => {
  const dir = mkdtempSync(join(tmpdir(), "vmf-consumer-"));
  let files: string[] = [];

  beforeAll(() => {
    const packed = JSON.parse(execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], { cwd: ROOT, encoding: "utf8" }));
    files = packed[0].files.map((f: { path: string }) => f.path);
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    const install = run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", join(dir, packed[0].filename)], dir);
    if (install.code !== 0) throw new Error(`npm install of the tarball failed:\n${install.out}`);
    // Node's types only for the README block that uses node:fs; the main entry compiles without them.
    mkdirSync(join(dir, "node_modules/@types"), { recursive: true });
    symlinkSync(join(ROOT, "node_modules/@types/node"), join(dir, "node_modules/@types/node"));
  }, 120_000);

  it("ships the build, the wasm, LICENSE and nothing of the sources or tests", () => {
    for (const f of ["package.json", "README.md", "LICENSE", "build/vmfabric.wasm", "dist/src/index.js", "dist/src/index.d.ts", "dist/src/node.js", "dist/src/node.d.ts", "dist/src/cli.js"]) {
      expect(files, f).toContain(f);
    }
    expect(files.filter((f) => /^(src|test|bench|assembly)\/|^dist\/(test|bench)\//.test(f))).toEqual([]);
    const pkg = JSON.parse(readFileSync(join(dir, "node_modules/vmfabric/package.json"), "utf8"));
    expect(Object.keys(pkg.exports["."])).toEqual(["types", "browser", "node", "default"]);
    expect(pkg.scripts.prepare).toBe("npm run build"); // git installs and `npm pack` from a clean clone build
  });

  it("compiles the README's Library API code under strict, skipLibCheck false, lib ES2022, and runs it", () => {
    const blocks = readmeLibraryBlocks(readFileSync(join(ROOT, "README.md"), "utf8"));
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    // The first block leaves the batch's arrays to the reader; the environment's console is
    // declared here because lib ES2022 alone has none (Node's or the DOM's types would add it).
    const prelude = [
      "declare const console: { log(...args: unknown[]): void };",
      "const ids = [1, 2, 3];",
      "const demands = new Int32Array([1000, 1792, 250, 16, 2000, 3584, 500, 32, 1000, 1792, 250, 16]);",
      "const tenants = [3, 3, 4];",
      "const deployments = [20, 20, 21];",
      "",
    ].join("\n");
    const src = join(dir, "src");
    mkdirSync(src, { recursive: true });
    const usesNode = (b: string) => b.includes('from "node:');
    blocks.forEach((b, i) => writeFileSync(join(src, `readme${i}.ts`), (usesNode(b) ? "" : (i === 0 ? prelude : "declare const console: { log(...args: unknown[]): void };\n")) + b + "\nexport {};\n"));
    // Test hooks are not public: each line must be a type error.
    writeFileSync(join(src, "internal.ts"), [
      'import { Engine } from "vmfabric";',
      "export function hooks(e: Engine): void {",
      "  // @ts-expect-error injectTrapAfter is a test hook, not public API",
      "  e.injectTrapAfter(1);",
      "  // @ts-expect-error runCore is internal",
      "  e.runCore(() => 0);",
      "}",
    ].join("\n"));
    const options = { strict: true, skipLibCheck: false, lib: ["ES2022"], target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", outDir: "out" };
    const browserish = blocks.map((b, i) => (usesNode(b) ? "" : `src/readme${i}.ts`)).filter(Boolean);
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { ...options, types: [] }, files: [...browserish, "src/internal.ts"] }));
    writeFileSync(join(dir, "tsconfig.node.json"), JSON.stringify({ compilerOptions: { ...options, types: ["node"] }, files: blocks.map((b, i) => (usesNode(b) ? `src/readme${i}.ts` : "")).filter(Boolean) }));
    for (const config of ["tsconfig.json", "tsconfig.node.json"]) {
      const tsc = run(process.execPath, [TSC, "-p", config], dir);
      expect(tsc.out, config).toBe("");
      expect(tsc.code, config).toBe(0);
    }
    for (let i = 0; i < blocks.length; i++) {
      const r = run(process.execPath, [join(dir, `out/readme${i}.js`)], dir);
      expect(r.out.includes("Error"), r.out).toBe(false);
      expect(r.code, `README block ${i + 1}: ${r.out}`).toBe(0);
    }
  }, 120_000);

  it("imports with ESM and with require; vmfabric/node and the wasm are reachable through exports", () => {
    const script = (kind: "esm" | "cjs") => [
      kind === "esm" ? 'const m = await import("vmfabric"); const n = await import("vmfabric/node");' : 'const m = require("vmfabric"); const n = require("vmfabric/node");',
      "const e = m.Engine.create([{ capacity: [10, 10, 10, 10] }]);",
      "const p = e.place({ id: 0, demand: [4, 4, 4, 4], tenant: 1 });",
      'if (!p.placed || p.host !== 0) throw new Error("not placed");',
      'if (typeof n.FileJournal !== "function" || typeof n.loadInstance !== "function") throw new Error("vmfabric/node incomplete");',
      'if (typeof m.FileJournal !== "undefined") throw new Error("FileJournal leaked into the main entry");',
      'console.log("ok");',
    ].join("\n");
    const esm = run(process.execPath, ["--input-type=module", "-e", script("esm")], dir);
    expect(esm.out.trim()).toBe("ok");
    const cjs = run(process.execPath, ["--input-type=commonjs", "-e", script("cjs")], dir);
    expect(cjs.out.replace(/^.*ExperimentalWarning.*\n|^\(Use `node --trace-warnings.*\n/gm, "").trim()).toBe("ok");
    const wasm = run(process.execPath, ["--input-type=module", "-e", 'console.log(import.meta.resolve("vmfabric/vmfabric.wasm"))'], dir);
    expect(wasm.out.trim()).toMatch(/node_modules\/vmfabric\/build\/vmfabric\.wasm$/);
  });

  it("the main entry bundles for a browser: no node: module in its graph", async () => {
    const esbuild = await import("esbuild");
    writeFileSync(join(dir, "browser.js"), 'import { Engine, init, FabricController } from "vmfabric";\nawait init();\nconsole.log(Engine, FabricController);\n');
    const r = await esbuild.build({ entryPoints: [join(dir, "browser.js")], bundle: true, platform: "browser", format: "esm", write: false, logLevel: "silent", absWorkingDir: dir });
    expect(r.errors).toEqual([]);
    expect(r.outputFiles[0].text).not.toMatch(/(from\s*|import\s*\(\s*|require\s*\(\s*)["']node:/);
  });
});
