// Applying a plan: checked whole against the engine's current state first (fingerprint, then
// every step simulated under every placement rule), then applied through engine.move step by
// step. A stale plan is refused with nothing moved.
import type { Engine } from "../engine.js";
import { VmfabricError, invalid } from "../errors.js";
import * as check from "../validate.js";
import { spansDomains } from "./consolidate.js";
import { fingerprint } from "./fingerprint.js";
import { PlanState } from "./state.js";
import type { Move, Plan } from "./types.js";

export interface Applied {
  moves: number;
}

/** Reads a plan once into a checked copy (the caller's object may change meanwhile). */
function copyPlan(engine: Engine, plan: Plan): { moves: Move[]; maxPerHost: number; fingerprint: number } {
  if (typeof plan !== "object" || plan === null || !Array.isArray(plan.moves)) throw invalid("plan", plan, "a plan from planConsolidate, planRelieve or planDrain");
  const maxPerHost = check.intIn("plan.maxPerHost", plan.maxPerHost, 1, check.I32_MAX);
  const fp = check.intIn("plan.fingerprint", plan.fingerprint, 0, 0xffffffff);
  const src = plan.moves;
  const moves: Move[] = [];
  for (let i = 0; i < src.length; i++) {
    const m = src[i];
    if (typeof m !== "object" || m === null) throw invalid(`plan.moves[${i}]`, m, "a move {vm, from, to}");
    moves.push({
      vm: check.intIn(`plan.moves[${i}].vm`, m.vm, 0, engine.vmCapacity - 1),
      from: check.intIn(`plan.moves[${i}].from`, m.from, 0, engine.hostCount - 1),
      to: check.intIn(`plan.moves[${i}].to`, m.to, 0, engine.hostCount - 1),
    });
  }
  return { moves, maxPerHost, fingerprint: fp };
}

/** Why the plan cannot be applied to the engine as it is now, or undefined if it can. */
export function checkPlan(engine: Engine, plan: Plan): string | undefined {
  const p = copyPlan(engine, plan);
  return stale(engine, p.moves, p.maxPerHost, p.fingerprint);
}

function stale(engine: Engine, moves: readonly Move[], maxPerHost: number, fp: number): string | undefined {
  const st = new PlanState(engine, maxPerHost);
  if (moves.length > 0 && spansDomains(st)) st.prepareSpread(moves.map((m) => st.t.vmDeployment[m.vm * st.t.vmStride]));
  if (fingerprint(st.t, st.D, moves) !== fp) return "the hosts it touches changed since it was made (VMs placed, released or moved, or a service state changed)";
  for (let i = 0; i < moves.length; i++) {
    const { vm, from, to } = moves[i];
    const on = st.hostOf(vm);
    if (on !== from) return `step ${i}: vm ${vm} is on host ${on}, not ${from}`;
    const why = st.refusal(vm, to);
    if (why !== null) return `step ${i} (vm ${vm} from host ${from} to ${to}) is no longer valid: ${why}`;
    st.move(vm, to);
  }
  return undefined;
}

/** Applies the plan's moves in order; refuses a stale plan (STALE_PLAN) before moving anything. */
export function applyPlan(engine: Engine, plan: Plan): Applied {
  const p = copyPlan(engine, plan);
  const why = stale(engine, p.moves, p.maxPerHost, p.fingerprint);
  if (why !== undefined) throw new VmfabricError("STALE_PLAN", `plan refused, nothing moved: ${why}`, "plan", plan.kind);
  for (let i = 0; i < p.moves.length; i++) {
    const { vm, from, to } = p.moves[i];
    const r = engine.move(vm, { target: to, maxPerHost: p.maxPerHost });
    if (!r.placed) {
      // The simulation said it was valid: the engine disagrees. Put back what was moved.
      for (let j = i - 1; j >= 0; j--) engine.move(p.moves[j].vm, { target: p.moves[j].from, maxPerHost: p.maxPerHost });
      throw new VmfabricError("PLAN_FAILED", `step ${i} (vm ${vm} from host ${from} to ${to}) was refused by the engine (${r.rejection.message}); the ${i} moves before it were undone`, "plan", plan.kind);
    }
  }
  return { moves: p.moves.length };
}
