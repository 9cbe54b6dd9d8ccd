// The page's Fabric Controller story, in steps small enough to draw: a data center boots from
// power-off, services are deployed, a rack (and any servers the user picked) fails, the FC
// heals. Runs wherever the main entry runs (a Web Worker in the page, Node in the tests).
import { FabricController, ServerState, Stage, type ServiceModel } from "../../src/index.js";

export interface StoryOptions {
  racks: number;
  serversPerRack: number;
  services: number;
  /** Guest VMs per service: half in a web role, the rest in a worker role. */
  instances: number;
  /** The rack whose servers all fail once the services are ready; -1 for none. */
  failRack: number;
  /** More servers to fail with it (indices, rack by rack). */
  failServers: number[];
  seed: number;
}

export { DEFAULT_STORY } from "./story-defaults.js";

export type Phase = "boot" | "deploy" | "fail" | "heal" | "done";

/** What the page draws after a step. */
export interface Frame {
  phase: Phase;
  /** Virtual minutes since power-on. */
  minutes: number;
  /** ServerState per server, rack by rack. */
  states: Uint8Array;
  /** Largest of cpu and memory allocated / effective capacity, per server. */
  utilisation: Float32Array;
  serversInService: number;
  servers: number;
  guestVmsReady: number;
  guestVms: number;
  failedServers: number;
  healed: number;
  notHealed: number;
  deploymentsRejected: number;
}

/** A small server, so a few services show as utilisation (the library default is 64 cores). */
const SERVER = { cores: 16, memoryGiB: 64, nicMbps: 10_000, diskGiB: 4096 };
const SIZES = ["Small", "Small", "Small", "Medium", "Medium", "Large"];
/** Virtual time per drawn step, and how long a phase may take before the story gives up. */
const STEP_MS = 20_000;
const PHASE_LIMIT_MS = 6 * 3600_000;

export function checkStory(o: StoryOptions): StoryOptions {
  const int = (name: string, v: unknown, lo: number, hi: number): number => {
    if (typeof v !== "number" || !Number.isInteger(v) || v < lo || v > hi) throw new RangeError(`${name} must be an integer in [${lo}, ${hi}], got ${String(v)}`);
    return v;
  };
  const racks = int("racks", o.racks, 1, 64);
  const serversPerRack = int("serversPerRack", o.serversPerRack, 1, 64);
  return {
    racks,
    serversPerRack,
    services: int("services", o.services, 0, 2000),
    instances: int("instances", o.instances, 1, 64),
    failRack: int("failRack", o.failRack, -1, racks - 1),
    failServers: [...new Set(o.failServers.map((s) => int("failServers[]", s, 0, racks * serversPerRack - 1)))],
    seed: int("seed", o.seed, 0, 0x7fffffff),
  };
}

function changed(a: Frame, b: Frame): boolean {
  return a.guestVmsReady !== b.guestVmsReady || a.guestVms !== b.guestVms || a.states.some((x, s) => x !== b.states[s]) || a.utilisation.some((x, s) => x !== b.utilisation[s]);
}

function service(d: number, instances: number): ServiceModel {
  const web = Math.ceil(instances / 2);
  const roles: ServiceModel["roles"][number][] = [{ name: "web", size: SIZES[d % SIZES.length], instances: web, endpoints: [80] }];
  if (instances > web) roles.push({ name: "worker", size: SIZES[(d * 7 + 3) % SIZES.length], instances: instances - web });
  return { tenant: d >> 1, name: `svc-${d}`, roles, updateDomains: 3 };
}

/** Runs the story, calling `draw` after every step; `pause` (if given) is awaited after each step
 *  that changed something, so a page shows the changes as they happen and skips idle time.
 *  Returns the last frame. */
export async function runStory(options: StoryOptions, draw: (f: Frame) => void, pause?: () => Promise<void>): Promise<Frame> {
  const o = checkStory(options);
  const fc = FabricController.create({ datacenter: { racks: o.racks, serversPerRack: o.serversPerRack, server: SERVER, hostReservation: { cores: 1, memoryGiB: 4, nicMbps: 500, diskGiB: 128 } }, seed: o.seed, maxConcurrentHealing: 50 });
  const st = fc.state;
  const servers = st.serverState.length;
  let rejected = 0;
  let failed = 0;

  const frame = (phase: Phase): Frame => {
    const cpu = st.engine.hostUtilization("cpu");
    const mem = st.engine.hostUtilization("memory");
    const utilisation = new Float32Array(servers);
    let inService = 0;
    for (let s = 0; s < servers; s++) {
      utilisation[s] = Math.max(cpu[s], mem[s]);
      if (st.serverState[s] === ServerState.InService) inService++;
    }
    let ready = 0;
    let live = 0;
    for (let i = 0; i < st.instances; i++) {
      if (st.instStage[i] === Stage.Ready) ready++;
      if (st.instStage[i] !== Stage.Deleted) live++;
    }
    return {
      phase, minutes: Math.round(fc.now / 600) / 100, states: st.serverState.slice(), utilisation,
      serversInService: inService, servers, guestVmsReady: ready, guestVms: live, failedServers: failed,
      healed: fc.counters.healed, notHealed: fc.unhealed().length, deploymentsRejected: rejected,
    };
  };
  // Steps virtual time until `done` holds (or the phase limit passes), drawing each step.
  const stepUntil = async (phase: Phase, done: () => boolean): Promise<void> => {
    const limit = fc.now + PHASE_LIMIT_MS;
    let before = frame(phase);
    while (!done() && fc.now < limit) {
      fc.run(fc.now + STEP_MS);
      const f = frame(phase);
      draw(f);
      if (changed(before, f)) await pause?.();
      before = f;
    }
  };
  const booting = (s: number) => st.serverState[s] !== ServerState.InService && st.serverState[s] !== ServerState.OutForRepair;
  const settled = () => {
    for (let i = 0; i < st.instances; i++) {
      const g = st.instStage[i];
      if (g !== Stage.Ready && g !== Stage.Unhealed && g !== Stage.Deleted) return false;
    }
    return true;
  };

  draw(frame("boot"));
  fc.powerOn();
  await stepUntil("boot", () => !st.serverState.some((_, s) => booting(s)));

  for (let d = 0; d < o.services; d++) {
    try {
      fc.deploy(service(d, o.instances));
    } catch (e) {
      if ((e as { code?: string }).code !== "INSUFFICIENT_CAPACITY") throw e;
      rejected++;
    }
  }
  await stepUntil("deploy", settled);

  const victims = new Set(o.failServers);
  if (o.failRack >= 0) for (let k = 0; k < o.serversPerRack; k++) victims.add(o.failRack * o.serversPerRack + k);
  for (const s of victims) {
    if (st.serverState[s] === ServerState.InService) {
      fc.failServer(s);
      failed++;
    }
  }
  draw(frame("fail"));
  await stepUntil("heal", () => [...victims].every((s) => st.serverState[s] === ServerState.OutForRepair || st.serverState[s] === ServerState.PoweredOff) && settled());
  const last = frame("done");
  draw(last);
  return last;
}
