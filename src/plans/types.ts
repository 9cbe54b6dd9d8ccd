// Plans: lists of VM moves that the engine can apply step by step (src/plans/apply.ts).

export interface Move {
  vm: number;
  from: number;
  to: number;
}

export type PlanKind = "consolidate" | "relieve" | "drain";

/** What a plan may spend. Unlimited parts are Infinity. */
export interface PlanBudget {
  /** Most moves. */
  moves: number;
  /** Most of `dimension` moved: the sum of the moved VMs' demand in it. */
  memory: number;
  /** The dimension `memory` counts (default "memory"; the first dimension if the engine has none by that name). */
  dimension: string;
}

export interface Plan {
  kind: PlanKind;
  /** In order: each step is valid in the state the steps before it leave. */
  moves: Move[];
  budget: PlanBudget;
  /** What the moves spend: their count, and their demand in `budget.dimension`. */
  spent: { moves: number; memory: number };
  /** The anti-affinity limit the plan was made under, and which applyPlan passes to move. */
  maxPerHost: number;
  /** Hosts the plan leaves empty (consolidate: emptied; drain: drained completely). */
  emptied: number[];
  /** relieve: hot hosts still over capacity after the plan; drain: VMs it could not move. */
  left: number[];
  /** Hash of the touched hosts (free vectors, VM lists, service states) and the moved VMs'
   *  hosts when the plan was made: applyPlan refuses the plan if it changed. */
  fingerprint: number;
}

export interface BudgetOptions {
  /** Most moves (default: unlimited). */
  moves?: number;
  /** Most demand moved in `dimension` (default: unlimited). */
  memory?: number;
  dimension?: string;
}

export interface PlanOptions {
  budget?: BudgetOptions;
  /** Anti-affinity: instances of one deployment per host (default 1, as the engine's default). */
  maxPerHost?: number;
  /** Most hosts checked in full per VM when looking for a target (default 512). */
  scan?: number;
}

export interface ConsolidateOptions extends PlanOptions {
  /** Hosts holding more VMs are never emptied (default 64). */
  maxVmsPerSource?: number;
  /** Source hosts tried before giving up (default: 2 x budget.moves + 100, every host when moves are unlimited). */
  attempts?: number;
  /** Hosts a VM's move may make room on by first moving one of their VMs on (default 4; 0: no chains). */
  chainTries?: number;
}

/** The QuotaEnforcer's verdict: hot hosts and the measured demand behind it. */
export interface HotHosts {
  hotHosts: ArrayLike<number>;
  /** Measured demand per VM, vmCapacity x stride (the enforcer's demandBuffer() after a tick). */
  demands: ArrayLike<number>;
  /** Entries per VM in `demands` (QuotaTick.stride). */
  stride: number;
}
