// fast-check arbitraries for fleets with device dimensions (README "Devices (GPUs)"): hosts mixing
// device counts (0, 1, 2, 4, 8, rarely 16), small device sizes so demands hit the boundaries
// (exact fits, full devices, fractions that fit one device only), VMs asking 0, fractions or
// whole devices of each device dimension.

import fc from "fast-check";
import type { HostSpec } from "../../src/types.js";
import { type FleetCase, type ReqSpec, POLICIES_ALL, SMALL, smallInt } from "./arbitraries.js";

/** Dimension layouts: device dimensions first, in the middle, last, and four of them. */
const LAYOUTS: ReadonlyArray<{ dimensions: string[]; deviceDims: string[] }> = [
  { dimensions: ["cpu", "memory", "gpu"], deviceDims: ["gpu"] },
  { dimensions: ["gpu", "cpu"], deviceDims: ["gpu"] },
  { dimensions: ["cpu", "gpu", "memory", "fpga"], deviceDims: ["gpu", "fpga"] },
  { dimensions: ["cpu", "gpu", "fpga", "tpu", "npu"], deviceDims: ["gpu", "fpga", "tpu", "npu"] },
];

/** Sizes of one device: 1 (no fraction exists), tiny, and 10 (room for many fractions). */
const SIZE = fc.constantFrom(1, 2, 3, 4, 10);

/** Devices per host: the GPU host types of a real fleet, and the limit. */
const DEVICE_COUNT: fc.Arbitrary<number> = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(0, 1, 2, 4, 8) },
  { weight: 1, arbitrary: fc.constant(16) },
);

/** Few devices per host (fragmenting runs: a few fractions over half a device use them all). */
export const FEW_DEVICES: fc.Arbitrary<number> = fc.constantFrom(1, 2, 2, 3, 4);

export interface DeviceFleet extends FleetCase {
  /** Size of one device per device dimension index (as the reference model takes it). */
  sizes: Map<number, number>;
  /** Requests and added hosts should come from the fragmenting arbitraries. */
  fragmenting: boolean;
}

/** The request and added-host arbitraries that belong with a device fleet. */
export function deviceSources(fleet: DeviceFleet) {
  return {
    req: deviceReqArb(fleet.dims, fleet.sizes, fleet.fragmenting),
    host: deviceHostArb(fleet.options.dimensions!, fleet.sizes, fleet.fragmenting ? FEW_DEVICES : DEVICE_COUNT),
  };
}

/** One host type: plain dimensions as small capacities, device dimensions k x size, sometimes
 *  with one device's worth reserved (so only the EFFECTIVE capacity is whole devices). */
export function deviceHostArb(dimensions: readonly string[], sizes: ReadonlyMap<number, number>, deviceCount: fc.Arbitrary<number> = DEVICE_COUNT): fc.Arbitrary<HostSpec> {
  const dim = (d: number) => {
    const size = sizes.get(d);
    // Plain dimensions mostly roomy, so a rejection is often about devices alone.
    if (size === undefined) {
      return fc.record({ c: fc.oneof(smallInt(8), fc.constant(32)), r: fc.constantFrom(0, 0, 1) }).map(({ c, r }) => ({ c, r: Math.min(r, c) }));
    }
    return fc.record({ k: deviceCount, reserveOne: fc.boolean() }).map(({ k, reserveOne }) => ({ c: (k + (reserveOne ? 1 : 0)) * size, r: reserveOne ? size : 0 }));
  };
  return fc.record({
    ds: fc.tuple(...dimensions.map((_, d) => dim(d))),
    fd: fc.option(fc.nat(SMALL.faultDomains - 1), { freq: 4 }),
    out: fc.oneof({ weight: 8, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  }).map(({ ds, fd, out }) => {
    const h: HostSpec = { capacity: ds.map((x) => x.c) };
    if (ds.some((x) => x.r > 0)) h.reservation = ds.map((x) => x.r);
    if (fd !== null) h.faultDomain = fd;
    if (out) h.inService = false;
    return h;
  });
}

/** What a VM asks of one device dimension: mostly 0, a fraction (1, size - 1, half, just over
 *  half, any), or whole devices (1, 2, 3, 4, 8, rarely 16). Fractions over half a device cannot
 *  share one, so they leave devices partly used: summed room that no single device has.
 *  Size 1 has no fraction: those become whole. */
export function deviceDemandArb(size: number): fc.Arbitrary<number> {
  const fraction = fc.oneof(fc.constantFrom(1, size - 1, Math.floor(size / 2), Math.floor(size / 2) + 1), fc.integer({ min: 1, max: Math.max(1, size - 1) }))
    .map((f) => (f > 0 && f < size ? f : size));
  const whole = fc.oneof({ weight: 8, arbitrary: fc.constantFrom(1, 1, 2, 3, 4, 8) }, { weight: 1, arbitrary: fc.constant(16) }).map((k) => k * size);
  return fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 4, arbitrary: fraction }, { weight: 3, arbitrary: whole });
}

/** Fragmenting demands: mostly fractions over half a device (one per device, leaving a little
 *  on each), then whole devices and fractions the leftovers add up to but no one device has,
 *  with little of the plain dimensions, so NO_CAPACITY is often decided by the per-device
 *  lanes (W_j, F_j) alone. */
export function fragmentingDemandArb(size: number): fc.Arbitrary<number> {
  if (size === 1) return fc.constantFrom(0, 1, 2);
  const overHalf = fc.integer({ min: Math.min(size - 1, Math.floor(size / 2) + 1), max: size - 1 });
  return fc.oneof(
    { weight: 5, arbitrary: overHalf },
    { weight: 3, arbitrary: fc.constantFrom(1, 2).map((k) => k * size) },
    { weight: 2, arbitrary: fc.integer({ min: 1, max: size - 1 }) },
    { weight: 1, arbitrary: fc.constant(0) },
  );
}

export function deviceReqArb(dims: number, sizes: ReadonlyMap<number, number>, fragmenting = false): fc.Arbitrary<ReqSpec> {
  return fc.record({
    demand: fc.tuple(...Array.from({ length: dims }, (_, d) => {
      const size = sizes.get(d);
      if (fragmenting) return size === undefined ? fc.constantFrom(0, 0, 1) : fragmentingDemandArb(size);
      return size === undefined ? fc.oneof(fc.constant(0), smallInt(4)) : deviceDemandArb(size);
    })),
    tenant: fc.nat(SMALL.tenants - 1),
    deployment: fc.option(fc.nat(SMALL.deployments - 1), { freq: 3 }),
    expectedEnd: fc.option(fc.integer({ min: 0, max: 6 }), { freq: 3 }),
  }).map(({ demand, tenant, deployment, expectedEnd }) => ({
    demand: [...demand], tenant,
    ...(deployment === null ? {} : { deployment }),
    ...(expectedEnd === null ? {} : { expectedEnd }),
  }));
}

/** A small fleet with device dimensions: 1-4 host types repeated over 1..maxHosts hosts
 *  (fragmenting runs: 1-3 hosts with few devices, so a rejection often finds every host
 *  with summed room but no device with enough). */
export function deviceFleetArb(o: { fragmenting?: boolean; maxHosts?: number } = {}): fc.Arbitrary<DeviceFleet> {
  const maxHosts = o.maxHosts ?? (o.fragmenting ? 3 : SMALL.maxHosts);
  const counts = o.fragmenting ? FEW_DEVICES : DEVICE_COUNT;
  return fc.constantFrom(...LAYOUTS).chain(({ dimensions, deviceDims }) =>
    fc.tuple(...deviceDims.map(() => SIZE)).chain((sizeList) => {
      const sizes = new Map(deviceDims.map((name, j) => [dimensions.indexOf(name), sizeList[j]]));
      return fc.record({
        types: fc.array(deviceHostArb(dimensions, sizes, counts), { minLength: 1, maxLength: 4 }),
        picks: fc.array(fc.nat(), { minLength: 1, maxLength: maxHosts, size: maxHosts > SMALL.maxHosts ? "max" : undefined }),
        policy: fc.option(fc.constantFrom(...POLICIES_ALL), { freq: 2 }),
        maxPerHost: fc.option(fc.integer({ min: 1, max: 2 }), { freq: 2 }),
        candidates: fc.option(fc.integer({ min: 1, max: 4 }), { freq: 2 }),
      }).map(({ types, picks, policy, maxPerHost, candidates }): DeviceFleet => {
        const options: FleetCase["options"] = {
          vmCapacity: SMALL.vmCapacity,
          dimensions,
          devices: Object.fromEntries(deviceDims.map((name, j) => [name, sizeList[j]])),
        };
        if (policy !== null) options.policy = policy;
        if (maxPerHost !== null) options.maxPerHost = maxPerHost;
        if (candidates !== null) options.candidates = candidates;
        return { dims: dimensions.length, hosts: picks.map((p) => ({ ...types[p % types.length] })), options, sizes, fragmenting: o.fragmenting === true };
      });
    }),
  );
}
