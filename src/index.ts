// The package's main entry: browser-safe (no `node:` module anywhere in its import graph).
// Node-only parts (FileJournal, the instance file readers) are in ./node.ts (`vmfabric/node`).
export { Engine } from "./engine.js";
export { init, isCoreLoaded } from "./core.js";
export type { CoreSource, UrlLike, WasmModule } from "./core.js";
export { VmfabricError } from "./errors.js";
export { REASON_CODES, DIM_NONE, rejection } from "./reasons.js";
export * from "./types.js";
export type { HostType } from "./fleet.js";
export { QuotaEnforcer, referenceTick, referenceState } from "./quota/index.js";
export type { QuotaOptions, QuotaLimits, QuotaTick, HostContention, PerDimension, ReferenceFleet, ReferenceState } from "./quota/index.js";
export { FabricController } from "./fabric/controller.js";
export type { DeployResult, Unhealed } from "./fabric/controller.js";
export type { FabricOptions } from "./fabric/options.js";
export type { DataCenterSpec, ServerSpec, AddressPoolSpec } from "./fabric/datacenter.js";
export { DEFAULT_SERVER, DEFAULT_HOST_RESERVATION } from "./fabric/datacenter.js";
export { DEFAULT_CATALOG } from "./fabric/catalog.js";
export type { Catalog, VmSize, BaseImage } from "./fabric/catalog.js";
export { DEFAULT_TIMING } from "./fabric/timing.js";
export type { TimingModel } from "./fabric/timing.js";
export type { ServiceModel, RoleModel } from "./fabric/model.js";
export { ServerState, Stage, SERVER_TRANSITIONS } from "./fabric/lifecycle.js";
export type { FcState, DeploymentRow, RoleRow } from "./fabric/state.js";
export type { Command, Report } from "./fabric/messages.js";
export type { Endpoint } from "./fabric/network.js";
export { MemoryJournal } from "./fabric/journal.js";
export type { Journal, JournalRecord } from "./fabric/journal.js";
export { runScenario } from "./fabric/scenario.js";
export type { ScenarioOptions, Timeline } from "./fabric/scenario.js";
