// Summarises a V8 CPU profile (node --cpu-prof) by self time, naming wasm functions.
//
//   node --cpu-prof --cpu-prof-dir=/tmp/prof dist/src/cli.js bench --hosts 50000 --vms 200000 --quiet
//   npx asc assembly/index.ts --target release --outFile /tmp/prof/x.wasm --textFile /tmp/prof/x.wat
//   node dist/bench/profile.js /tmp/prof/CPU.*.cpuprofile /tmp/prof/x.wat
//
// The release wasm has no name section, so V8 reports `wasm-function[i]`; a text file from the
// same sources (byte-identical wasm: check with cmp) gives the i-th function's name.

import { readFileSync } from "node:fs";

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[] }

export function wasmNames(wat: string): string[] {
  const names: string[] = [];
  let imports = 0;
  for (const line of wat.split("\n")) {
    if (/^ \(import .*\(func/.test(line)) imports++;
    const m = /^ \(func (\$\S+)/.exec(line);
    if (m) names.push(m[1]);
  }
  return [...new Array<string>(imports).fill("(import)"), ...names];
}

export function selfTimes(p: Profile, names: string[] = []): Array<[string, number]> {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  p.samples.forEach((id, i) => {
    const n = byId.get(id)!;
    let k = n.callFrame.functionName || "(anonymous)";
    const w = /^wasm-function\[(\d+)\]$/.exec(k);
    if (w && names[Number(w[1])]) k = `wasm ${names[Number(w[1])]}`;
    else if (n.callFrame.url) k += ` ${n.callFrame.url.split("/").slice(-2).join("/")}:${n.callFrame.lineNumber + 1}`;
    self.set(k, (self.get(k) ?? 0) + (p.timeDeltas[i] ?? 0));
  });
  return [...self].sort((a, b) => b[1] - a[1]);
}

function main(): void {
  const [file, wat] = process.argv.slice(2);
  if (!file) {
    console.error("usage: node dist/bench/profile.js FILE.cpuprofile [names.wat]");
    process.exitCode = 2;
    return;
  }
  const names = wat ? wasmNames(readFileSync(wat, "utf8")) : [];
  const rows = selfTimes(JSON.parse(readFileSync(file, "utf8")) as Profile, names);
  const total = rows.reduce((s, [, t]) => s + t, 0);
  for (const [k, t] of rows.slice(0, 30)) console.log(`${(t / 1000).toFixed(0).padStart(8)} ms ${((100 * t) / total).toFixed(1).padStart(5)}%  ${k}`);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop()!)) main();
