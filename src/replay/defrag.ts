// `--defrag`: every `periodSeconds` of trace time, each run makes a consolidation plan on its
// own engine and applies it, spending at most `per100` migrations per 100 arrivals. The
// allowance accrues with arrivals; what a round does not use carries over, so at every instant
// a run's migrations are at most floor(per100 x arrivals so far / 100).
import { VmfabricError } from "../errors.js";
import { applyPlan, planConsolidate } from "../plans/index.js";
import type { Run } from "./runs.js";

export interface DefragOptions {
  /** Migrations allowed per 100 arrivals (0 to 100). */
  per100: number;
  /** Trace seconds between two rounds (default 300). */
  periodSeconds?: number;
}

export const DEFAULT_DEFRAG_PERIOD = 300;

export class Defrag {
  private readonly per100: number;
  private readonly period: number;
  private arrivals = 0;
  private next = -Infinity;
  /** Migrations made per run. */
  private readonly spent: Float64Array;

  constructor(o: DefragOptions, runs: number) {
    if (typeof o !== "object" || o === null) throw new VmfabricError("INVALID_INPUT", "defrag must be an object {per100, periodSeconds?}", "defrag", o);
    if (typeof o.per100 !== "number" || !(o.per100 >= 0 && o.per100 <= 100)) throw new VmfabricError("INVALID_INPUT", `defrag.per100 must be a number in [0, 100], got ${String(o.per100)}`, "defrag.per100", o.per100);
    const p = o.periodSeconds ?? DEFAULT_DEFRAG_PERIOD;
    if (typeof p !== "number" || !(p > 0 && p < Infinity)) throw new VmfabricError("INVALID_INPUT", `defrag.periodSeconds must be a positive number, got ${String(p)}`, "defrag.periodSeconds", p);
    this.per100 = o.per100;
    this.period = p;
    this.spent = new Float64Array(runs);
  }

  arrived(n: number): void {
    this.arrivals += n;
  }

  /** Whether a round is due at trace time `time` (then the next one is a period later). */
  due(time: number): boolean {
    if (time < this.next) return false;
    const first = this.next === -Infinity;
    this.next = time + this.period;
    return !first; // the first arrivals open the clock; nothing to consolidate yet
  }

  /** One round in run r: plan within the allowance, apply, report each move. */
  run(run: Run, r: number, moved: (run: Run, slot: number, from: number, to: number) => void): void {
    // The allowance so far (1e-9 absorbs the rounding of e.g. 0.1 x 1000 / 100 just below 1).
    const allowance = Math.floor((this.per100 * this.arrivals) / 100 + 1e-9) - this.spent[r];
    if (allowance < 1) return;
    const t0 = performance.now();
    run.syncEngine(); // inside the timed span
    const plan = planConsolidate(run.engine, { budget: { moves: allowance }, maxPerHost: 1 });
    if (plan.moves.length > 0) applyPlan(run.engine, plan);
    run.seconds += (performance.now() - t0) / 1000;
    for (const m of plan.moves) moved(run, m.vm, m.from, m.to);
    this.spent[r] += plan.moves.length;
  }
}
