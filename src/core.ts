// Loads the WebAssembly core. The module is compiled once per process; every Engine gets its
// own instance (and so its own memory). All exports take and return plain numbers, so no
// bindings layer is needed beyond reading usize results as unsigned.

import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { VmfabricError } from "./errors.js";

export interface CoreExports {
  memory: WebAssembly.Memory;
  ioPtr(): number;
  create(dims: number, hosts: number, vms: number, types: number, faultDomains: number): void;
  setType(t: number): void;
  setHost(h: number, type: number, fd: number, state: number): void;
  setHostState(h: number, state: number): void;
  setDedicated(tenant: number): number;
  isDedicated(tenant: number): number;
  place(v: number, tenant: number, deployment: number, k: number, policy: number, window: number): number;
  placeOn(v: number, h: number, tenant: number, deployment: number, k: number): number;
  releaseVm(v: number): void;
  moveVm(v: number, target: number, k: number, policy: number, window: number): number;
  lastReason(): number;
  lastReasonDim(): number;
  addHosts(n: number): void;
  inServiceUsedCount(): number;
  totalsTable(): number;
  shapeClassBuilds(): number;
  hostsUsedCount(): number;
  vmsPlacedCount(): number;
  inServiceHosts(): number;
  faultDomains(): number;
  coreBytes(): number;
  scratchSize(): number;
  lanes(): number;
  hostFreeTable(): number;
  hostVmCountTable(): number;
  hostStateTable(): number;
  vmHostTable(): number;
  vmDemandTable(): number;
  vmTenantTable(): number;
  vmDeploymentTable(): number;
  vmNextTable(): number;
  hostVmHeadTable(): number;
  batchPrepare(n: number, m: number): number;
  placeBatch(n: number, policy: number, window: number, k: number, offline: number, measure: number): number;
  releaseBatch(n: number): void;
  setTrapAfter(n: number): void;
  inVm: WebAssembly.Global;
  inDemand: WebAssembly.Global;
  inTenant: WebAssembly.Global;
  inDep: WebAssembly.Global;
  outHost: WebAssembly.Global;
  outReason: WebAssembly.Global;
  inPriorDep: WebAssembly.Global;
  inPriorFd: WebAssembly.Global;
  inPriorCount: WebAssembly.Global;
}

let compiled: WebAssembly.Module | undefined;

function wasmPath(): string {
  // src/core.ts (tests) sits one level below the package root, dist/src/core.js two.
  for (const rel of ["../build/vmfabric.wasm", "../../build/vmfabric.wasm"]) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new VmfabricError("CORE_MISSING", "build/vmfabric.wasm not found: run `npm run build:wasm`");
}

/** A fresh core instance with its own memory. */
export function instantiateCore(): CoreExports {
  compiled ??= new WebAssembly.Module(readFileSync(wasmPath()));
  const instance = new WebAssembly.Instance(compiled, {
    env: {
      abort() {
        throw new WebAssembly.RuntimeError("vmfabric core aborted");
      },
    },
  });
  return instance.exports as unknown as CoreExports;
}
