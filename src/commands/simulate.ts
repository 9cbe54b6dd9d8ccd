// `vmfabric simulate`: boot a data center from power-off, deploy, fail servers, heal; print the
// timeline (virtual minutes) beside the wall time it took.
import { defineCommand } from "../cli/command.js";
import { requireMemory } from "../cli/limits.js";
import { printJson } from "../cli/output.js";
import { VmfabricError } from "../errors.js";
import { runScenario, type Timeline } from "../fabric/scenario.js";

export function render(t: Timeline): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const lines = [
    `data center          ${t.servers} servers, ${t.guestVms} guest VMs requested`,
    `fleet online         half ${t.bootMinutes.p50} min, 99% ${t.bootMinutes.p99} min, all ${t.bootMinutes.all} min (${t.serversInService} servers reached InService)`,
    `deploy               ${t.deployMinutes} min until the last guest was ready (${t.deploymentsRejected} deployments rejected, ${t.imageDownloads} base-image downloads)`,
    `failed servers       ${t.failedServers}: ${t.evicted} guest VMs evicted`,
    `healing              ${t.healMinutes} min: ${t.healed} healed, ${t.notHealed} not healed${t.notHealed ? " " + JSON.stringify(t.notHealedReasons) : ""}, ${t.spreadRelaxed} placed without full fault-domain spread`,
    `guest VMs ready      ${t.instancesReady}`,
    `servers now          ${Object.entries(t.serversByState).map(([k, v]) => `${k} ${v}`).join(", ")}`,
    `utilization          ${Object.entries(t.utilization).map(([k, v]) => `${k} ${pct(v)}`).join(", ")}`,
    `journal              ${t.journalRecords} records`,
    ...(t.defrag ? defragLines(t) : []),
    `wall time            boot ${t.wallSeconds.boot.toFixed(2)} s, deploy ${t.wallSeconds.deploy.toFixed(2)} s, heal ${t.wallSeconds.heal.toFixed(2)} s, total ${t.wallSeconds.total.toFixed(2)} s; heap ${t.heapMiB} MiB, rss ${t.rssMiB} MiB`,
  ];
  return lines.join("\n");
}

function defragLines(t: Timeline): string[] {
  const d = t.defrag!;
  return [
    `churn                ${d.deploymentsDeleted} deployments deleted`,
    `defragmentation      ${d.periods} periods, at most ${d.budget} migrations each: ${d.serversChosen} servers chosen, ${d.migrations} live migrations (${d.migrationsAborted} aborted) over ${d.minutes} min`,
    `blackout             mean ${d.blackoutMsMean} ms, longest ${d.blackoutMsMax} ms per migration`,
    `hosts freed          ${d.emptyServersAfter - d.emptyServersBefore} (empty in-service servers ${d.emptyServersBefore} -> ${d.emptyServersAfter}), ${d.wallSeconds.toFixed(2)} s wall`,
  ];
}

/** Largest fleet and workload the command accepts: 1,048,576 servers boot in about 30 s
 *  (100,000 take 2.8 s on the README's machine) and 16,777,216 guest VMs need about 6 GiB. */
export const MAX_SERVERS = 1 << 20;
export const MAX_GUEST_VMS = 1 << 24;
/** Resident bytes per server and per guest VM, measured: 100,000 servers and no guests reach an
 *  RSS of 136 MiB; 50,000 servers and 1,000,000 guests 420 MiB (journal records included). */
const BYTES_PER_SERVER = 1400;
const BYTES_PER_GUEST = 400;

export const command = defineCommand({
  name: "simulate",
  summary: "the Fabric Controller: boots a data center from power-off, deploys services, fails servers, heals",
  flags: {
    racks: { type: "int", min: 1, max: 65_536, default: 20, unit: "racks (fault domains)", help: "racks of servers", example: "100" },
    "servers-per-rack": { type: "int", min: 1, max: 4096, default: 40, unit: "servers", help: "servers in each rack" },
    deployments: { type: "int", min: 0, max: 1 << 22, default: 1000, unit: "services", help: "two-role services to deploy (web + worker)" },
    instances: { type: "int", min: 1, max: 1 << 16, default: 20, unit: "guest VMs per service", help: "instances per service, half in the web role" },
    fail: { type: "float", min: 0, max: 100, default: 1, unit: "percent of servers", help: "servers whose hardware fails once the services are ready", example: "2.5" },
    "max-healing": { type: "int", min: 1, max: 1 << 24, default: 500, unit: "guest VMs", help: "instances being re-placed at once" },
    "image-servers": { type: "int", min: 1, max: 65_536, unit: "servers", help: "image servers the boot images come from", defaultText: "one per 8 racks" },
    seed: { type: "int", min: 0, max: 0x7fffffff, default: 1, help: "PRNG seed (sizes, which servers fail)" },
    delete: { type: "float", min: 0, max: 100, unit: "percent of deployments", help: "deployments deleted after healing (churn that leaves servers half empty)", defaultText: "30 with --defrag, else 0", example: "50" },
    defrag: { type: "boolean", help: "after the churn, run defragmentation periods: live migrations empty the least-loaded servers" },
    "defrag-periods": { type: "int", min: 1, max: 100_000, default: 12, unit: "periods", help: "defragmentation periods (with --defrag)" },
    "defrag-budget": { type: "int", min: 0, max: 1 << 24, default: 50, unit: "migrations per period", help: "most migrations one period may start (with --defrag)" },
    "defrag-every": { type: "float", min: 0.001, max: 10_080, default: 5, unit: "virtual minutes", help: "time between defragmentation periods (with --defrag)" },
    json: { type: "boolean", help: "print one compact JSON object instead of the timeline" },
  },
  description: [
    "Times are virtual minutes on the FC's clock; wall seconds are measured beside them. Sizes: 60% Small, 25% Medium, " +
    `10% Large, 5% ExtraLarge. --defrag deletes --delete percent of the deployments after healing, then every --defrag-every minutes ` +
    "asks the FC to empty the least-loaded servers whose guests fit elsewhere, within --defrag-budget live migrations; the timeline shows the migrations, their blackout and the hosts freed. " +
    `At most ${MAX_SERVERS.toLocaleString("en-US")} servers (racks x servers per rack) and ${MAX_GUEST_VMS.toLocaleString("en-US")} guest VMs (deployments x instances).`,
  ],
  examples: ["simulate --racks 5 --servers-per-rack 8 --deployments 30 --instances 6 --fail 10", "simulate --racks 1250 --deployments 50000 --json", "simulate --racks 10 --deployments 400 --defrag"],
  run({ flags, given }) {
    const servers = flags.racks * flags["servers-per-rack"];
    const guests = flags.deployments * flags.instances;
    if (servers > MAX_SERVERS) {
      throw new VmfabricError("LIMIT", `--racks ${flags.racks} x --servers-per-rack ${flags["servers-per-rack"]} = ${servers.toLocaleString("en-US")} servers, more than the ${MAX_SERVERS.toLocaleString("en-US")} simulate accepts (LIMIT); use fewer --racks or --servers-per-rack`, given.has("racks") ? "--racks" : "--servers-per-rack", servers);
    }
    if (guests > MAX_GUEST_VMS) {
      throw new VmfabricError("LIMIT", `--deployments ${flags.deployments} x --instances ${flags.instances} = ${guests.toLocaleString("en-US")} guest VMs, more than the ${MAX_GUEST_VMS.toLocaleString("en-US")} simulate accepts (LIMIT); use fewer --deployments or --instances`, "--deployments", guests);
    }
    requireMemory(`simulate with ${servers} servers and ${guests} guest VMs`, "--racks", flags.racks, BYTES_PER_SERVER * servers + BYTES_PER_GUEST * guests);
    const t = runScenario({
      racks: flags.racks,
      serversPerRack: flags["servers-per-rack"],
      deployments: flags.deployments,
      instances: flags.instances,
      failPercent: flags.fail,
      maxConcurrentHealing: flags["max-healing"],
      seed: flags.seed,
      imageServers: flags["image-servers"],
      deletePercent: flags.delete ?? (flags.defrag ? 30 : 0),
      defrag: flags.defrag ? { periods: flags["defrag-periods"], budget: flags["defrag-budget"], periodMinutes: flags["defrag-every"] } : undefined,
    }, process.stderr.isTTY ? (line) => console.error(line) : undefined);
    if (flags.json) printJson(t);
    else console.log(render(t));
    return 0;
  },
});

export const run = (argv: readonly string[]): Promise<number> => command.run(argv);
