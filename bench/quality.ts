// Packing quality of `vmfabric pack` (packOffline, default options: exactly what the command
// runs) on the published vector bin packing sets in ../shared/data (see its README.md):
//
//   npm run bench:quality [-- --online] [-- --panigrahy] [-- --data DIR]
//
// - Caprara & Toth (2001), 400 2-D instances with known optima (optimal_values.csv): per class,
//   the sum of optima, the core's plain first-fit decreasing by sum (placeBatch offline:true,
//   first-fit/sum), the best of the core's offline variants, pack's result, pack/optimum, how
//   many instances pack solves optimally, pack's seconds; --online adds the online result (input
//   order, best-fit) for reference. The target is pack <= 1.02 x the sum of optima.
// - --panigrahy: the Panigrahy et al. (2011) generator's d = 3, 5, 10 set (Mommessin, Erlebach &
//   Shakhlevich 2025, MIT), per d: pack against the proven optimum (where known) and against
//   best_overall, the best of the paper's heuristic families (Panigrahy_summary_known.csv).
// Every instance is read with the command's loader; pack never below a known optimum (checked).
import { existsSync, readFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseFlags } from "../src/cli/flags.js";
import { loadInstance } from "../src/instance/load.js";
import { better, offlineVariants, packOffline, packOnline, runVariant, type PackResult } from "../src/offline/best.js";
import { dataDirCandidates, findDataSet } from "../src/data.js";

const DEFAULT_DATA = dirname(findDataSet("vbp-caprara-toth-2d") ?? join(dataDirCandidates()[0], "x"));

const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(4) : "-");

function table(head: string[], rows: Array<Array<string | number>>): string {
  return [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

interface Tally {
  n: number; opt: number; ffd: number; core: number; pack: number; optimal: number; seconds: number; online: number; tabuWins: number;
}
const tally = (): Tally => ({ n: 0, opt: 0, ffd: 0, core: 0, pack: 0, optimal: 0, seconds: 0, online: 0, tabuWins: 0 });

/** Notes of discarded tabu candidates (engine rejected a placement: a bug if it ever shows). */
const discarded: string[] = [];

function packChecked(file: string, known: number): PackResult {
  const r = packOffline(loadInstance(file));
  if (r.rejected > 0) throw new Error(`${file}: pack rejected ${r.rejected} VMs`);
  if (known > 0 && r.hostsUsed < known) throw new Error(`${file}: ${r.hostsUsed} hosts, below the optimum ${known}?!`);
  for (const note of r.notes ?? []) if (note.includes("discarded")) discarded.push(`${file}: ${note}`);
  return r;
}

function capraraToth(dir: string, online: boolean): void {
  const rows = readFileSync(join(dir, "optimal_values/optimal_values.csv"), "utf8").trim().split("\n").slice(1)
    .map((l) => l.split(";").map(Number)).filter((r) => r[0] === 2);
  const byClass = new Map<number, Tally>();
  const t0 = performance.now();
  for (const [, cls, items, id, , , , opt] of rows) {
    const file = join(dir, `CT01_demand1/CL_${cls}_${items}_${id}.vbp`);
    const inst = loadInstance(file);
    if (inst.vmCount !== items) throw new Error(`${file}: ${inst.vmCount} items, optimal_values.csv says ${items}`);
    const ffd = runVariant(inst, "first-fit", true, "sum").hostsUsed;
    let core: PackResult | undefined;
    for (const v of offlineVariants(inst.vmCount)) {
      const r = runVariant(inst, v.policy, true, v.sizeMeasure);
      if (core === undefined || better(r, core)) core = r;
    }
    const r = packChecked(file, opt);
    const t = byClass.get(cls) ?? tally();
    t.n++;
    t.opt += opt;
    t.ffd += ffd;
    t.core += core!.hostsUsed;
    t.pack += r.hostsUsed;
    t.optimal += r.hostsUsed === opt ? 1 : 0;
    t.seconds += r.seconds;
    t.tabuWins += r.method === "offline tabu" ? 1 : 0;
    if (online) t.online += packOnline(inst).hostsUsed;
    byClass.set(cls, t);
  }
  const wall = (performance.now() - t0) / 1000;
  const all = tally();
  const head = ["class", "instances", "sum of optima", "FFD-sum (core first-fit/sum)", "best core variant", "pack", "pack / optimum", "#optimal", "tabu won", "pack seconds"];
  if (online) head.push("online best-fit");
  const line = (label: string, t: Tally) => {
    const row: Array<string | number> = [label, t.n, t.opt, t.ffd, t.core, t.pack, ratio(t.pack, t.opt), t.optimal, t.tabuWins, t.seconds.toFixed(2)];
    if (online) row.push(t.online);
    return row;
  };
  const out: Array<Array<string | number>> = [];
  for (const cls of [...byClass.keys()].sort((a, b) => a - b)) {
    const t = byClass.get(cls)!;
    for (const k of Object.keys(all) as Array<keyof Tally>) all[k] += t[k];
    out.push(line(String(cls), t));
  }
  const total = line("all", all);
  total[3] = `${all.ffd} (${ratio(all.ffd, all.opt)})`;
  total[4] = `${all.core} (${ratio(all.core, all.opt)})`;
  if (online) total[10] = `${all.online} (${ratio(all.online, all.opt)})`;
  out.push(total);
  console.log(`Caprara-Toth 2-D (${rows.length} instances; ${join(dir, "CT01_demand1")}):`);
  console.log(table(head, out));
  const target = Math.floor(1.02 * all.opt);
  console.log(`target: pack <= 1.02 x ${all.opt} = ${target}: ${all.pack <= target ? "MET" : "NOT MET"} (${all.pack}, ${ratio(all.pack, all.opt)} x optimum)`);
  console.log(`wall time incl. loading, baselines${online ? ", online" : ""}: ${wall.toFixed(2)} s; pack alone: ${all.seconds.toFixed(2)} s\n`);
}

interface PTally {
  n: number; lb: number; best: number; pack: number; better: number; worse: number; nOpt: number; opt: number; packOnOpt: number; hitOpt: number; seconds: number;
}

function panigrahy(dir: string): void {
  const lines = readFileSync(join(dir, "Panigrahy_summary_known.csv"), "utf8").trim().split("\n");
  const header = lines[0].split("\t");
  const col = (name: string) => {
    const c = header.indexOf(name);
    if (c < 0) throw new Error(`Panigrahy_summary_known.csv: no column ${name}`);
    return c;
  };
  const [cName, cLb, cOpt, cBest] = [col("instance_name"), col("LB"), col("OPT"), col("best_overall")];
  const byDim = new Map<number, PTally>();
  const t0 = performance.now();
  for (const l of lines.slice(1)) {
    const f = l.split("\t");
    const name = f[cName];
    const m = /^class(\d+)_(\d+)_(\d+)_(\d+)$/.exec(name);
    if (!m) throw new Error(`Panigrahy_summary_known.csv: odd instance name ${name}`);
    const d = Number(m[3]);
    const lb = Number(f[cLb]), opt = Number(f[cOpt]), best = Number(f[cBest]);
    const r = packChecked(join(dir, `Panigrahy_instances_multidim/class${m[1]}/${name}.vbp`), Math.max(opt, lb));
    const t = byDim.get(d) ?? { n: 0, lb: 0, best: 0, pack: 0, better: 0, worse: 0, nOpt: 0, opt: 0, packOnOpt: 0, hitOpt: 0, seconds: 0 };
    t.n++;
    t.lb += lb;
    t.best += best;
    t.pack += r.hostsUsed;
    t.better += r.hostsUsed < best ? 1 : 0;
    t.worse += r.hostsUsed > best ? 1 : 0;
    if (opt > 0) {
      t.nOpt++;
      t.opt += opt;
      t.packOnOpt += r.hostsUsed;
      t.hitOpt += r.hostsUsed === opt ? 1 : 0;
    }
    t.seconds += r.seconds;
    byDim.set(d, t);
  }
  const wall = (performance.now() - t0) / 1000;
  const all: PTally = { n: 0, lb: 0, best: 0, pack: 0, better: 0, worse: 0, nOpt: 0, opt: 0, packOnOpt: 0, hitOpt: 0, seconds: 0 };
  const row = (label: string, t: PTally) => [label, t.n, t.lb, t.best, t.pack, ratio(t.pack, t.best), `${t.better}/${t.worse}`, t.nOpt, t.opt, t.packOnOpt, ratio(t.packOnOpt, t.opt), t.hitOpt, t.seconds.toFixed(2)];
  const out: Array<Array<string | number>> = [];
  for (const d of [...byDim.keys()].sort((a, b) => a - b)) {
    const t = byDim.get(d)!;
    for (const k of Object.keys(all) as Array<keyof PTally>) all[k] += t[k];
    out.push(row(`d=${d}`, t));
  }
  out.push(row("all", all));
  console.log(`Panigrahy multi-dimensional (${lines.length - 1} instances; ${dir}):`);
  console.log(table(["d", "instances", "sum LB", "sum best_overall", "pack", "pack / best_overall", "#better/#worse than best_overall", "#with OPT", "sum OPT", "pack on those", "pack / OPT", "#=OPT", "pack seconds"], out));
  console.log(`wall time incl. loading: ${wall.toFixed(2)} s\n`);
}

export function main(argv: string[]): number {
  const { flags } = parseFlags("bench:quality", {
    panigrahy: { type: "boolean", help: "also the Panigrahy sets" },
    online: { type: "boolean", help: "add the online column" },
    data: { type: "string", help: "data folder" },
  } as const, undefined, argv);
  const data = flags.data ?? process.env.VMFABRIC_DATA ?? DEFAULT_DATA;
  const cpu = cpus();
  console.log(`machine: ${cpu[0]?.model ?? "unknown cpu"}, ${cpu.length} cores, node ${process.version}`);
  const ct = join(data, "vbp-caprara-toth-2d");
  if (!existsSync(join(ct, "optimal_values/optimal_values.csv"))) {
    console.log(`skipped: ${ct} is absent (the Caprara-Toth set; see ../shared/data/README.md, or pass --data DIR)`);
    return 0;
  }
  capraraToth(ct, flags.online);
  if (flags.panigrahy) {
    const p = join(data, "vbp-panigrahy-multidim");
    if (!existsSync(join(p, "Panigrahy_summary_known.csv"))) console.log(`panigrahy skipped: ${p} is absent`);
    else panigrahy(p);
  }
  if (discarded.length > 0) {
    console.log(`BUG: the core rejected ${discarded.length} tabu packings:\n${discarded.join("\n")}`);
    return 1;
  }
  console.log("tabu packings the core rejected: none");
  return 0;
}

process.exitCode = main(process.argv.slice(2));
