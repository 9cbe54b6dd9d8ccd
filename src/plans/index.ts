export { planConsolidate } from "./consolidate.js";
export { planRelieve } from "./relieve.js";
export { planDrain } from "./drain.js";
export { applyPlan, checkPlan, type Applied } from "./apply.js";
export type { Move, Plan, PlanKind, PlanBudget, PlanOptions, BudgetOptions, ConsolidateOptions, HotHosts } from "./types.js";
export type { Refusal } from "./state.js";
