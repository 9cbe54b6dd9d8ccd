// The first pass: a cheap streaming pass over the trace's demands (no engine), giving what the
// replay must know up front: how many VMs are ever live at once (engine ids are reused slots),
// the peak live demand per dimension (for the default fleet size), the event count (progress)
// and the time span.
import { VmfabricError } from "../errors.js";
import { DepartureHeap } from "./heap.js";
import type { TraceSource } from "./trace.js";

export interface Survey {
  vms: number;
  /** Arrivals plus departures at a finite time. */
  events: number;
  /** Most VMs live at once (those some host can hold). */
  peakLive: number;
  /** Per dimension, the most demand live at once. */
  peakDemand: number[];
  /** VMs no host can hold in some dimension (rejected by every run without a try). */
  neverFit: number;
  firstTime: number;
  lastTime: number;
}

/** `fits(demand)`: whether some host could hold the VM on an empty fleet (default: always). */
export async function survey(source: TraceSource, fits: (demand: readonly number[]) => boolean = () => true): Promise<Survey> {
  const D = source.dimensions.length;
  const heap = new DepartureHeap();
  const live = new Float64Array(D);
  const peakDemand = new Array<number>(D).fill(0);
  const departing: number[][] = [];
  const freeIds: number[] = [];
  let vms = 0, events = 0, peakLive = 0, liveCount = 0, neverFit = 0;
  let firstTime = NaN, lastTime = NaN;
  const depart = (until: number) => {
    while (heap.size > 0 && heap.peekTime() <= until) {
      lastTime = heap.peekTime();
      const id = heap.pop();
      const dem = departing[id];
      for (let d = 0; d < D; d++) live[d] -= dem[d];
      freeIds.push(id);
      liveCount--;
      events++;
    }
  };
  for await (const chunk of source.vms()) for (const vm of chunk) {
    if (vm.demand.length !== D) throw new VmfabricError("INVALID_TRACE", `${source.name}:${vm.line}: demand has ${vm.demand.length} dimensions, the trace has ${D}`, "demand", vm.demand);
    if (Number.isNaN(firstTime)) firstTime = vm.arrival;
    depart(vm.arrival);
    lastTime = vm.arrival;
    vms++;
    events++;
    if (!fits(vm.demand)) { neverFit++; continue; }
    for (let d = 0; d < D; d++) {
      live[d] += vm.demand[d];
      if (live[d] > peakDemand[d]) peakDemand[d] = live[d];
    }
    if (++liveCount > peakLive) peakLive = liveCount;
    if (vm.departure !== Infinity) {
      const id = freeIds.pop() ?? departing.length;
      departing[id] = vm.demand;
      heap.push(vm.departure, vm.index, id);
    }
  }
  depart(Infinity);
  return { vms, events, peakLive, peakDemand, neverFit, firstTime: Number.isNaN(firstTime) ? 0 : firstTime, lastTime: Number.isNaN(lastTime) ? 0 : lastTime };
}
