export { Engine } from "./engine.js";
export { VmfabricError } from "./errors.js";
export { REASON_CODES, DIM_NONE, rejection } from "./reasons.js";
export * from "./types.js";
export type { HostType } from "./fleet.js";
export { QuotaEnforcer, referenceTick, referenceState } from "./quota/index.js";
export type { QuotaOptions, QuotaLimits, QuotaTick, HostContention, PerDimension, ReferenceFleet, ReferenceState } from "./quota/index.js";
