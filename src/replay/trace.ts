// The trace event model every format reader produces, and the interface the replay reads.
//
// A reader yields VMs (in chunks) in non-decreasing arrival order (it checks, and a line out of order is a
// TraceError). Each VM carries its own departure time (Infinity: never leaves), so the replay
// needs no look-ahead: it keeps only the live VMs' departures in a heap.

import type { ConstraintSpec } from "../labels.js";
import type { HostSpec } from "../types.js";

export interface TraceVm {
  /** 0-based index of the VM in the trace (data rows in file order). */
  index: number;
  /** Line of the file it came from (for messages). */
  line: number;
  /** Arrival on the virtual clock, seconds. */
  arrival: number;
  /** Departure, seconds; > arrival, or Infinity when the VM never leaves. */
  departure: number;
  /** One integer per dimension of the trace, in the engine's units. */
  demand: number[];
  tenant: number;
  /** Deployment id (anti-affinity), or undefined for none. */
  deployment?: number;
  /** Index into the source's `constraints` (labels it requires, taints it tolerates), or
   *  undefined for none. */
  constraint?: number;
  /** A prediction of the departure, seconds on the same clock, for the lifetime policy; it
   *  must not be the departure itself unless the departure is truly known in advance
   *  (azure2017: arrival + the middle of the lifetime bin). Undefined: unknown. */
  expectedEnd?: number;
}

export interface TraceSource {
  /** File name as given (for the JSON summary and messages). */
  readonly name: string;
  readonly format: string;
  /** Dimension names, in demand order. */
  readonly dimensions: readonly string[];
  /** The fleet the trace brings with it (alibaba and generic `--nodes`), if any. */
  readonly hosts?: readonly HostSpec[];
  /** The distinct label constraints of the trace's VMs (alibaba: one per gpu_spec; generic:
   *  one per (labels, tolerates) pair), each given to every run's engine once, on first use.
   *  A streaming reader may append to it while it reads (a VM's constraint is in the array by
   *  the time the VM is yielded); defined means the VMs may carry constraints. */
  readonly constraints?: readonly ConstraintSpec[];
  /** Dimensions made of devices and the units of one device (alibaba: `{ gpu: 1000 }`;
   *  generic: `--devices`), as the engine's `devices` option; undefined: none. */
  readonly devices?: Readonly<Record<string, number>>;
  /** Notes to print once (e.g. how GPU demand is modelled), also put in the JSON. */
  readonly notes?: Readonly<Record<string, string>>;
  /** A fresh pass over the VMs, in chunks in arrival order; may be called more than once
   *  (survey, then replay). */
  vms(): AsyncIterable<readonly TraceVm[]>;
}
