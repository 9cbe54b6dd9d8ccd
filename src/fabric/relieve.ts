// Hot-spot relief: which of planRelieve's moves the FC can carry out as live migrations. The
// plan is made on the engine, which also holds migration placeholders and knows nothing of
// drains or of instances still provisioning; a move the FC cannot make is skipped with a reason.
import type { Move } from "../plans/types.js";
import { ServerState, Stage } from "./lifecycle.js";
import { MigStep } from "./migration.js";
import type { FcState } from "./state.js";

export interface SkippedMove extends Move {
  code: "NOT_AN_INSTANCE" | "NOT_READY" | "MIGRATING" | "MOVED" | "SOURCE_DRAINING" | "TARGET_UNAVAILABLE" | "TARGET_REFUSED";
  message: string;
}

export interface ReliefResult {
  /** Migrations started now, in plan order. */
  started: Move[];
  /** Moves waiting for their source or target to finish a migration (one per server at a
   *  time), for a migration slot, or for the role's update domain; started as those free up. */
  waiting: Move[];
  skipped: SkippedMove[];
  /** Hot hosts the plan itself could not bring under capacity (planRelieve's `left`). */
  left: number[];
}

/** Why the FC cannot make this move at all (undefined: it can, perhaps later). */
export function reliefRefusal(st: FcState, m: Move): SkippedMove | undefined {
  const skip = (code: SkippedMove["code"], message: string): SkippedMove => ({ vm: m.vm, from: m.from, to: m.to, code, message });
  if (st.isPlaceholder(m.vm) || m.vm >= st.instances) return skip("NOT_AN_INSTANCE", `engine VM ${m.vm} is a migration placeholder, not an instance`);
  if (st.instMigStep[m.vm] !== MigStep.None) return skip("MIGRATING", `instance ${m.vm} is already migrating`);
  if (st.instStage[m.vm] !== Stage.Ready) return skip("NOT_READY", `instance ${m.vm} is not running (Ready)`);
  if (st.instHost[m.vm] !== m.from) return skip("MOVED", `instance ${m.vm} is no longer on server ${m.from}`);
  if (st.serverDrain[m.from]) return skip("SOURCE_DRAINING", `server ${m.from} is draining; the drain moves its guests`);
  if (st.serverState[m.to] !== ServerState.InService || st.serverDrain[m.to]) return skip("TARGET_UNAVAILABLE", `server ${m.to} is not in service or is draining`);
  return undefined;
}
