export { QuotaEnforcer } from "./enforcer.js";
export type { QuotaOptions, QuotaLimits, QuotaTick, HostContention, PerDimension } from "./enforcer.js";
export { referenceTick, referenceState, waterfill, hostIndex } from "./reference.js";
export type { ReferenceFleet, ReferenceState, ReferenceTick, HostIndex } from "./reference.js";
