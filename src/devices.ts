// Device dimensions (GPUs) as the facade sees them: which user dimensions are made of devices,
// the checks on capacities and demands, and the core's form of a vector (assembly/devices.ts:
// two derived lanes per device dimension after the user dimensions).
import { VmfabricError, invalid, show } from "./errors.js";
import { intIn } from "./validate.js";

export const MAX_DEVICE_DIMS = 4;
export const MAX_DEVICES = 16;
const MAX_DEVICE_SIZE = 0xffff;
/** The core's vectors hold 16 lanes at most. */
const MAX_CORE_DIMS = 16;

/** Whether a capacity of `c` units is whole devices of `size` units, at most MAX_DEVICES. */
export function isWholeDevices(c: number, size: number): boolean {
  return c % size === 0 && c / size <= MAX_DEVICES;
}

/** Whether a demand of `x` units asks 0, a fraction of one device, or whole devices. */
export function isDeviceDemand(x: number, size: number): boolean {
  return x <= size || isWholeDevices(x, size);
}

export interface DeviceKind {
  /** The user dimension made of devices. */
  dim: number;
  name: string;
  /** Units of that dimension per device. */
  size: number;
}

export class DeviceLayout {
  /** In the order of their dimensions. */
  readonly kinds: readonly DeviceKind[];
  /** Lanes the core's vectors carry: user dimensions, then (whole, fraction) per kind. */
  readonly coreDims: number;
  private readonly userDims: number;

  constructor(dimensions: readonly string[], spec: unknown) {
    this.userDims = dimensions.length;
    const kinds: DeviceKind[] = [];
    if (spec !== undefined) {
      if (typeof spec !== "object" || spec === null || Array.isArray(spec)) {
        throw invalid("devices", spec, "an object naming device dimensions and their device size, e.g. { gpu: 1000 }");
      }
      for (const [name, size] of Object.entries(spec)) {
        const dim = dimensions.indexOf(name);
        if (dim < 0) throw invalid(`devices.${name}`, name, `one of the dimensions (${dimensions.join(", ")})`);
        kinds.push({ dim, name, size: intIn(`devices.${name}`, size, 1, MAX_DEVICE_SIZE) });
      }
      if (kinds.length > MAX_DEVICE_DIMS) throw invalid("devices", spec, `at most ${MAX_DEVICE_DIMS} device dimensions`);
      kinds.sort((a, b) => a.dim - b.dim);
    }
    this.kinds = kinds;
    this.coreDims = dimensions.length + 2 * kinds.length;
    if (this.coreDims > MAX_CORE_DIMS) {
      throw invalid("devices", spec, `at most ${(MAX_CORE_DIMS - dimensions.length) >> 1} device dimensions with ${dimensions.length} dimensions (each takes two of the core's 16 lanes)`);
    }
  }

  get any(): boolean {
    return this.kinds.length > 0;
  }

  /** A host type's effective capacity must be whole devices, at most 16. */
  checkCapacity(field: string, effective: readonly number[]): void {
    for (const k of this.kinds) {
      const c = effective[k.dim];
      if (!isWholeDevices(c, k.size)) {
        throw new VmfabricError("INVALID_INPUT", `${field}.capacity[${k.dim}]: ${k.name} capacity (after reservation and oversubscription) is ${show(c)}, not a whole number of ${k.name} devices of ${k.size} (0 to ${MAX_DEVICES} devices)`, `${field}.capacity[${k.dim}]`, c);
      }
    }
  }

  /** A demand asks a fraction of one device or whole devices. `at` is the demand's first
   *  index in `demand` (batches are flat); `fieldOf(d)` names entry d. */
  checkDemand(demand: ArrayLike<number>, at: number, fieldOf: (d: number) => string): void {
    for (const k of this.kinds) {
      const x = demand[at + k.dim];
      if (!isDeviceDemand(x, k.size)) {
        const field = fieldOf(k.dim);
        throw new VmfabricError("INVALID_INPUT", `${field}: ${k.name} demand ${show(x)} is neither a fraction of one device (below ${k.size}) nor 1 to ${MAX_DEVICES} whole devices (a multiple of ${k.size})`, field, x);
      }
    }
  }

  /** Writes the core's form of `vec` (user dimensions from `vec[at..]`) into `out[o..]`:
   *  a capacity (`capacity`) says how many devices and one device's size, a demand how many
   *  whole devices or which fraction. */
  writeCore(vec: ArrayLike<number>, at: number, out: Int32Array, o: number, capacity: boolean): void {
    const U = this.userDims;
    for (let d = 0; d < U; d++) out[o + d] = vec[at + d];
    this.kinds.forEach((k, j) => {
      const x = vec[at + k.dim];
      const w = o + U + 2 * j;
      if (capacity) {
        out[w] = x / k.size;
        out[w + 1] = x > 0 ? k.size : 0;
      } else {
        const whole = x >= k.size;
        out[w] = whole ? x / k.size : 0;
        out[w + 1] = whole ? 0 : x;
      }
    });
  }

  /** The user dimension a core lane stands for (a derived lane: its device dimension). */
  userDim(lane: number): number {
    if (lane < this.userDims || lane >= this.coreDims) return lane;
    return this.kinds[(lane - this.userDims) >> 1].dim;
  }
}

/** The indices of the bits set in a device mask. */
export function maskIndices(mask: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < MAX_DEVICES; i++) if ((mask >> i) & 1) out.push(i);
  return out;
}
