// The `vmfabric simulate` scenario: power a fleet on from cold, deploy, fail servers, heal.
// Every time is on the FC's virtual clock; wall-clock times are measured beside it.
import { invalid } from "../errors.js";
import { rng } from "../workload/rng.js";
import { FabricController } from "./controller.js";
import { ServerState, SERVER_STATE_NAMES, Stage } from "./lifecycle.js";
import type { ServiceModel } from "./model.js";
import { intIn } from "../validate.js";

export interface ScenarioOptions {
  racks: number;
  serversPerRack: number;
  deployments: number;
  /** Instances per deployment: half in a web role (ports 80, 443), the rest in a worker role. */
  instances: number;
  /** Percent of in-service servers whose hardware fails after the deployments are ready. */
  failPercent: number;
  seed: number;
  maxConcurrentHealing: number;
  /** Image servers (default one per 8 racks). */
  imageServers?: number;
  /** Percent of the deployments deleted after healing (churn that leaves servers half empty). */
  deletePercent?: number;
  /** Defragmentation periods after that: each calls fc.defrag(budget), then lets periodMinutes pass. */
  defrag?: { periods: number; budget: number; periodMinutes: number };
}

export interface DefragTimeline {
  deploymentsDeleted: number;
  periods: number;
  budget: number;
  /** Servers chosen to be emptied, over all periods. */
  serversChosen: number;
  migrations: number;
  migrationsAborted: number;
  /** Guest pause per migration (ms): mean and longest. */
  blackoutMsMean: number;
  blackoutMsMax: number;
  /** In-service servers with no guest, before the first period and after the last migration. */
  emptyServersBefore: number;
  emptyServersAfter: number;
  /** Virtual minutes from the first period until the last migration ended. */
  minutes: number;
  wallSeconds: number;
}

export interface Timeline {
  servers: number;
  guestVms: number;
  /** Virtual minutes: until half, 99% and all of the servers that made it were in service. */
  bootMinutes: { p50: number; p99: number; all: number };
  deployMinutes: number;
  healMinutes: number;
  serversInService: number;
  serversByState: Record<string, number>;
  deploymentsRejected: number;
  instancesReady: number;
  failedServers: number;
  evicted: number;
  healed: number;
  notHealed: number;
  notHealedReasons: Record<string, number>;
  spreadRelaxed: number;
  imageDownloads: number;
  utilization: Record<string, number>;
  journalRecords: number;
  wallSeconds: { boot: number; deploy: number; heal: number; total: number };
  /** Largest heapUsed / rss seen at the end of each phase. */
  heapMiB: number;
  rssMiB: number;
  defrag?: DefragTimeline;
}

/** Sizes a role draws, weighted towards Small as a public cloud's are. */
const SIZE_WEIGHTS = [0.6, 0.25, 0.1, 0.05];

export function serviceModel(d: number, instances: number, random: () => number): ServiceModel {
  const size = () => {
    let x = random();
    let k = 0;
    while (k < SIZE_WEIGHTS.length - 1 && x >= SIZE_WEIGHTS[k]) { x -= SIZE_WEIGHTS[k]; k++; }
    return ["Small", "Medium", "Large", "ExtraLarge"][k];
  };
  const web = Math.ceil(instances / 2);
  const roles: ServiceModel["roles"][number][] = [{ name: "web", size: size(), instances: web, endpoints: [80, 443] }];
  if (instances - web > 0) roles.push({ name: "worker", size: size(), instances: instances - web, image: random() < 0.5 ? "guest-os" : "guest-os-core" });
  // Tenants own a few deployments each, so tenants share hosts and isolation is tested for real.
  return { tenant: Math.floor(d / 3), name: `svc-${d}`, roles, updateDomains: 5 };
}

export function runScenario(o: ScenarioOptions, say: (line: string) => void = () => {}): Timeline {
  intIn("racks", o.racks, 1, 65_536);
  intIn("serversPerRack", o.serversPerRack, 1, 4096);
  intIn("deployments", o.deployments, 0, 1 << 22);
  intIn("instances", o.instances, 1, 1 << 16);
  if (typeof o.failPercent !== "number" || !(o.failPercent >= 0 && o.failPercent <= 100)) throw invalid("fail", o.failPercent, "a percentage in [0, 100]");
  if (o.deletePercent !== undefined && (typeof o.deletePercent !== "number" || !(o.deletePercent >= 0 && o.deletePercent <= 100))) throw invalid("delete", o.deletePercent, "a percentage in [0, 100]");
  if (o.defrag !== undefined) {
    intIn("defrag.periods", o.defrag.periods, 0, 100_000);
    intIn("defrag.budget", o.defrag.budget, 0, 1 << 24);
    if (typeof o.defrag.periodMinutes !== "number" || !(o.defrag.periodMinutes > 0 && o.defrag.periodMinutes <= 10_080)) throw invalid("defrag.periodMinutes", o.defrag.periodMinutes, "minutes in (0, 10080]");
  }
  const servers = o.racks * o.serversPerRack;
  const wall0 = performance.now();
  const fc = FabricController.create({
    datacenter: { racks: o.racks, serversPerRack: o.serversPerRack, imageServers: o.imageServers },
    seed: o.seed,
    maxConcurrentHealing: o.maxConcurrentHealing,
    maxInstances: Math.max(1024, o.deployments * o.instances),
  });
  const st = fc.state;
  const minutes = (ms: number) => Math.round(ms / 600) / 100;

  // ---- boot from power-off ----
  fc.powerOn();
  fc.run();
  const upAt = Array.from(fc.inServiceAt).filter((t) => !Number.isNaN(t)).sort((a, b) => a - b);
  const inService = upAt.length;
  const at = (q: number) => (inService ? upAt[Math.min(inService - 1, Math.ceil(q * inService) - 1)] : 0);
  const bootMs = at(1);
  const wallBoot = performance.now();
  let heap = 0;
  let rss = 0;
  const sample = () => {
    // Node only; in a browser the heap and RSS stay 0.
    const m = (globalThis as { process?: { memoryUsage?: () => { heapUsed: number; rss: number } } }).process?.memoryUsage?.();
    if (!m) return;
    heap = Math.max(heap, m.heapUsed);
    rss = Math.max(rss, m.rss);
  };
  sample();
  say(`boot: ${inService} of ${servers} servers in service: half after ${minutes(at(0.5))} min, 99% after ${minutes(at(0.99))}, all after ${minutes(bootMs)} (virtual), ${((wallBoot - wall0) / 1000).toFixed(1)} s wall`);

  // ---- deploy ----
  const random = rng(o.seed);
  const t0 = fc.now;
  let rejected = 0;
  for (let d = 0; d < o.deployments; d++) {
    try {
      fc.deploy(serviceModel(d, o.instances, random));
    } catch (e) {
      if ((e as { code?: string }).code !== "INSUFFICIENT_CAPACITY") throw e;
      rejected++;
    }
  }
  fc.run();
  const deployMs = fc.counters.lastReadyAt - t0;
  let ready = 0;
  for (let i = 0; i < st.instances; i++) if (st.instStage[i] === Stage.Ready) ready++;
  const wallDeploy = performance.now();
  sample();
  say(`deploy: ${ready} guest VMs ready in ${o.deployments - rejected} deployments (${rejected} rejected) after ${minutes(deployMs)} min, ${((wallDeploy - wallBoot) / 1000).toFixed(1)} s wall`);

  // ---- fail and heal ----
  const candidates: number[] = [];
  for (let s = 0; s < servers; s++) if (st.serverState[s] === ServerState.InService) candidates.push(s);
  const failN = Math.min(candidates.length, Math.round((servers * o.failPercent) / 100));
  for (let k = 0; k < failN; k++) {
    const j = k + Math.floor(random() * (candidates.length - k));
    [candidates[k], candidates[j]] = [candidates[j], candidates[k]];
  }
  const failAt = fc.now;
  const healedBefore = fc.counters.healed;
  for (let k = 0; k < failN; k++) fc.failServer(candidates[k]);
  fc.run();
  const healMs = fc.counters.healed > healedBefore ? fc.counters.lastHealedAt - failAt : 0;
  const wallHeal = performance.now();
  sample();
  const unhealed = fc.unhealed();
  const reasons: Record<string, number> = {};
  for (const u of unhealed) reasons[u.code] = (reasons[u.code] ?? 0) + 1;
  say(`heal: ${failN} servers failed, ${fc.counters.evicted} guest VMs evicted, ${fc.counters.healed} healed within ${minutes(healMs)} min of the failure, ${unhealed.length} not healed, ${((wallHeal - wallDeploy) / 1000).toFixed(1)} s wall`);

  const defrag = o.defrag === undefined && !o.deletePercent ? undefined : defragPhase(fc, o, random, say);
  const wallEnd = performance.now();
  sample();

  const byState: Record<string, number> = {};
  for (const s of st.serverState) byState[SERVER_STATE_NAMES[s]] = (byState[SERVER_STATE_NAMES[s]] ?? 0) + 1;
  let readyAfter = 0;
  for (let i = 0; i < st.instances; i++) if (st.instStage[i] === Stage.Ready) readyAfter++;
  return {
    servers,
    guestVms: st.instances,
    bootMinutes: { p50: minutes(at(0.5)), p99: minutes(at(0.99)), all: minutes(bootMs) },
    deployMinutes: minutes(deployMs),
    healMinutes: minutes(healMs),
    serversInService: inService,
    serversByState: byState,
    deploymentsRejected: rejected,
    instancesReady: readyAfter,
    failedServers: failN,
    evicted: fc.counters.evicted,
    healed: fc.counters.healed,
    notHealed: unhealed.length,
    notHealedReasons: reasons,
    spreadRelaxed: st.spreadRelaxed.size,
    imageDownloads: fc.counters.imageDownloads,
    utilization: st.engine.stats().utilization,
    journalRecords: fc.journal.length,
    wallSeconds: {
      boot: (wallBoot - wall0) / 1000,
      deploy: (wallDeploy - wallBoot) / 1000,
      heal: (wallHeal - wallDeploy) / 1000,
      total: (wallEnd - wall0) / 1000,
    },
    heapMiB: Math.round(heap / 2 ** 20),
    rssMiB: Math.round(rss / 2 ** 20),
    ...(defrag ? { defrag } : {}),
  };
}

function emptyInService(fc: FabricController): number {
  const st = fc.state;
  let n = 0;
  for (let s = 0; s < st.dc.servers; s++) if (st.serverState[s] === ServerState.InService && st.engine.vmCountOf(s) === 0) n++;
  return n;
}

/** Churn (deletes), then defragmentation periods; the migrations they start run on the clock. */
function defragPhase(fc: FabricController, o: ScenarioOptions, random: () => number, say: (line: string) => void): DefragTimeline {
  const wall0 = performance.now();
  const st = fc.state;
  const live = st.deployments.filter((d) => !d.deleted).map((d) => d.id);
  const del = Math.round((live.length * (o.deletePercent ?? 0)) / 100);
  for (let k = 0; k < del; k++) {
    const j = k + Math.floor(random() * (live.length - k));
    [live[k], live[j]] = [live[j], live[k]];
    fc.deleteDeployment(live[k]);
  }
  fc.run();
  const c = fc.counters;
  const before = { done: c.migrationsDone, aborted: c.migrationsAborted, blackout: c.blackoutMsTotal };
  const emptyBefore = emptyInService(fc);
  const d = o.defrag ?? { periods: 0, budget: 0, periodMinutes: 0 };
  const t0 = fc.now;
  let chosen = 0;
  let lastMigrationAt = t0;
  for (let p = 0; p < d.periods; p++) {
    chosen += fc.defrag(d.budget).length;
    const doneBefore = c.migrationsDone;
    fc.run(fc.now + d.periodMinutes * 60_000);
    if (c.migrationsDone > doneBefore) lastMigrationAt = fc.now;
  }
  // Whatever the last period started ends too.
  const doneBefore = c.migrationsDone;
  fc.run();
  if (c.migrationsDone > doneBefore) lastMigrationAt = fc.now;
  const migrations = c.migrationsDone - before.done;
  const t: DefragTimeline = {
    deploymentsDeleted: del,
    periods: d.periods,
    budget: d.budget,
    serversChosen: chosen,
    migrations,
    migrationsAborted: c.migrationsAborted - before.aborted,
    blackoutMsMean: migrations ? Math.round(((c.blackoutMsTotal - before.blackout) / migrations) * 10) / 10 : 0,
    blackoutMsMax: Math.round(c.blackoutMsMax * 10) / 10,
    emptyServersBefore: emptyBefore,
    emptyServersAfter: emptyInService(fc),
    minutes: Math.round((lastMigrationAt - t0) / 600) / 100,
    wallSeconds: (performance.now() - wall0) / 1000,
  };
  say(`defrag: ${del} deployments deleted; ${t.periods} periods of ${d.budget} migrations: ${migrations} migrations, ${t.emptyServersBefore} -> ${t.emptyServersAfter} empty servers`);
  return t;
}
