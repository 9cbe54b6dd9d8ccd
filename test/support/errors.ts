// Shared test helpers: the VmfabricError a call throws, and an engine's observable state.
import { expect } from "vitest";
import type { Engine } from "../../src/engine.js";
import { VmfabricError } from "../../src/errors.js";

/** The VmfabricError f throws; fails the test if it throws nothing or something else. */
export function vmfabricErrorOf(f: () => unknown): VmfabricError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(VmfabricError);
    return e as VmfabricError;
  }
  throw new Error("expected a VmfabricError, nothing was thrown");
}

/** Everything observable through an engine's API (dedicated flags for the given tenants). */
export function observeEngine(e: Engine, tenants: readonly number[] = []) {
  const hosts = [...Array(e.hostCount).keys()];
  return {
    vmHost: [...Array(e.vmCapacity).keys()].map((v) => e.hostOf(v)),
    free: hosts.map((h) => e.freeOf(h)),
    vms: hosts.map((h) => e.vmsOnHost(h)),
    inService: hosts.map((h) => e.isHostInService(h)),
    stats: e.stats(),
    dedicated: tenants.map((t) => e.isTenantDedicated(t)),
  };
}
