// VPSolver `.vbp` vector bin packing files (see /work/shared/data/README.md):
//   line 1: d             line 2: the d bin capacities
//   line 3: m (item types) then m lines: w_1 ... w_d mult   (mult identical items)
// Bins become hosts and items VMs, with ONE BIN AVAILABLE PER ITEM (n hosts for n items), so
// every item that fits an empty bin can be placed. Items are expanded type by type, in order.
// Blank lines are skipped; line numbers in errors are those of the file.
import { NO_DEPLOYMENT } from "../types.js";
import { I32_MAX } from "../validate.js";
import { limitError, loadError, mustBe } from "./errors.js";
import { MAX_HOSTS, MAX_VMS, type Instance } from "./types.js";

export function parseVbp(text: string, file: string): Instance {
  const lines = text.split("\n");
  let li = 0; // index of the next line to read
  // The next non-blank line as tokens, with its 1-based line number.
  const next = (what: string): { tokens: string[]; line: number } => {
    while (li < lines.length) {
      const s = lines[li++].trim();
      if (s.length > 0) return { tokens: s.split(/\s+/), line: li };
    }
    const last = Math.max(1, lines[lines.length - 1] === "" ? lines.length - 1 : lines.length);
    throw loadError(file, last, what, "is missing (unexpected end of file)");
  };
  const int = (tok: string | undefined, line: number, field: string, min: number, max: number): number => {
    const n = tok !== undefined && /^\d+$/.test(tok) ? Number(tok) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) throw mustBe(file, line, field, `an integer in [${min}, ${max}]`, tok ?? "(nothing)");
    return n;
  };
  const count = (tokens: string[], line: number, field: string, want: number): void => {
    if (tokens.length !== want) throw loadError(file, line, field, `must have ${want} number${want === 1 ? "" : "s"}, got ${tokens.length} (${JSON.stringify(tokens.join(" "))})`, tokens.join(" "));
  };

  const l1 = next("d (number of dimensions)");
  count(l1.tokens, l1.line, "d (number of dimensions)", 1);
  const D = int(l1.tokens[0], l1.line, "d (number of dimensions)", 1, 16);

  const l2 = next("bin capacities");
  count(l2.tokens, l2.line, "bin capacities", D);
  const capacity = l2.tokens.map((t, d) => int(t, l2.line, `capacity[${d}]`, 0, I32_MAX));

  const l3 = next("m (number of item types)");
  count(l3.tokens, l3.line, "m (number of item types)", 1);
  const m = int(l3.tokens[0], l3.line, "m (number of item types)", 0, MAX_VMS);

  // One pass; the demand array grows by doubling (no per-item objects are kept).
  let demands = new Int32Array(Math.max(m, 1) * D);
  let n = 0;
  const w = new Array<number>(D);
  for (let i = 0; i < m; i++) {
    const { tokens, line } = next(`item type ${i + 1} of ${m}`);
    count(tokens, line, `item type ${i + 1} (w_1..w_${D} mult)`, D + 1);
    for (let d = 0; d < D; d++) w[d] = int(tokens[d], line, `item type ${i + 1} w_${d + 1}`, 0, I32_MAX);
    const mult = int(tokens[D], line, `item type ${i + 1} mult`, 0, Number.MAX_SAFE_INTEGER);
    if (n + mult > MAX_VMS) throw limitError(file, line, "items", `total ${n + mult}, more than ${MAX_VMS} (2^26, the engine's VM limit)`, n + mult);
    if (n + mult > MAX_HOSTS) throw limitError(file, line, "items", `total ${n + mult}; each needs a bin of its own, more than the engine's ${MAX_HOSTS} (2^24) hosts`, n + mult);
    if ((n + mult) * D > demands.length) {
      const grown = new Int32Array(Math.max(demands.length * 2, (n + mult) * D));
      grown.set(demands);
      demands = grown;
    }
    for (let k = 0; k < mult; k++, n++) for (let d = 0; d < D; d++) demands[n * D + d] = w[d];
  }
  for (; li < lines.length; li++) {
    if (lines[li].trim().length > 0) throw loadError(file, li + 1, "end of file", `expected after ${m} item types, got ${JSON.stringify(lines[li].trim().slice(0, 40))}`);
  }
  demands = demands.length === n * D ? demands : demands.slice(0, n * D);
  return {
    source: file,
    format: "vbp",
    dimensions: Array.from({ length: D }, (_, d) => `d${d}`),
    hosts: n > 0 ? [{ capacity, count: n }] : [{ capacity, count: 1 }],
    hostCount: Math.max(n, 1),
    vmCount: n,
    demands,
    tenants: new Uint32Array(n),
    deployments: new Uint32Array(n).fill(NO_DEPLOYMENT),
    tenantNames: ["0"],
    deploymentNames: [],
  };
}
