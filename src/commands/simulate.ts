// `vmfabric simulate`: boot a data center from power-off, deploy, fail servers, heal; print the
// timeline (virtual minutes) beside the wall time it took.
import { boolFlag, intFlag, onlyFlags, parseArgs, stringFlag } from "../cli/args.js";
import { VmfabricError } from "../errors.js";
import { runScenario, type Timeline } from "../fabric/scenario.js";

export const SIMULATE_USAGE = "simulate [--racks R] [--servers-per-rack S] [--deployments D] [--instances K] [--fail PERCENT] [--max-healing N] [--image-servers N] [--seed S] [--json]";

function percent(v: string): number {
  const n = /^\d+(\.\d+)?$/.test(v) ? Number(v) : NaN;
  if (!(n >= 0 && n <= 100)) throw new VmfabricError("INVALID_INPUT", `--fail must be a percentage in [0, 100], got ${JSON.stringify(v)}`, "--fail", v);
  return n;
}

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
    `wall time            boot ${t.wallSeconds.boot.toFixed(2)} s, deploy ${t.wallSeconds.deploy.toFixed(2)} s, heal ${t.wallSeconds.heal.toFixed(2)} s, total ${t.wallSeconds.total.toFixed(2)} s; heap ${t.heapMiB} MiB, rss ${t.rssMiB} MiB`,
  ];
  return lines.join("\n");
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ["json"]);
  onlyFlags(args, ["racks", "servers-per-rack", "deployments", "instances", "fail", "max-healing", "image-servers", "seed", "json"]);
  if (args.positional.length > 0) throw new VmfabricError("INVALID_INPUT", `unexpected argument ${JSON.stringify(args.positional[0])}; usage: vmfabric ${SIMULATE_USAGE}`, "argument", args.positional[0]);
  const json = boolFlag(args, "json");
  const t = runScenario({
    racks: intFlag(args, "racks", 20, 1, 65_536),
    serversPerRack: intFlag(args, "servers-per-rack", 40, 1, 4096),
    deployments: intFlag(args, "deployments", 1000, 0, 1 << 22),
    instances: intFlag(args, "instances", 20, 1, 1 << 16),
    failPercent: percent(stringFlag(args, "fail", "1")),
    maxConcurrentHealing: intFlag(args, "max-healing", 500, 1, 1 << 24),
    seed: intFlag(args, "seed", 1, 0, 0x7fffffff),
    imageServers: args.flags.has("image-servers") ? intFlag(args, "image-servers", 1, 1, 65_536) : undefined,
  }, json ? undefined : (line) => console.error(line));
  console.log(json ? JSON.stringify(t) : render(t));
  return 0;
}
