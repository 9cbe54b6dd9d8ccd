// How long each step takes on the virtual clock (ms), and when the FC gives up on one.
import { invalid } from "../errors.js";

export interface TimingModel {
  /** PXE: DHCP lease and boot-loader handshake before the maintenance OS download. */
  dhcpMs: number;
  /** Maintenance OS image fetched over PXE from the rack's image server. */
  maintenanceOsMB: number;
  /** Host OS VHD the maintenance agent downloads and lays down in the host partition. */
  hostOsVhdMB: number;
  /** Partitioning and writing the VHD, after its download. */
  hostPartitionMs: number;
  /** Reboot to firmware hand-off (POST), then native boot from the VHD to the host agent. */
  rebootMs: number;
  hostOsBootMs: number;
  /** Guest provisioning steps (base image downloads take sizeMB over the image server). */
  guestPartitionMs: number;
  diffDiskMs: number;
  deployRoleMs: number;
  startRoleMs: number;
  stopRoleMs: number;
  heartbeatIntervalMs: number;
  /** Heartbeats missed in a row before the FC declares a server failed. */
  missedHeartbeats: number;
  /** Longest the FC waits for each boot step's report before it marks the server Unhealthy. */
  networkBootTimeoutMs: number;
  hostPartitionTimeoutMs: number;
  rebootTimeoutMs: number;
  hostOsBootTimeoutMs: number;
  hostReadyTimeoutMs: number;
  /** Failed boots in a row before a server goes OutForRepair. */
  maxBootFailures: number;
  /** Chance that a boot step silently never reports (a flaky NIC, a hung agent). */
  bootStepFailureRate: number;
}

/** Documented defaults: a 400 MB WinPE-class maintenance OS, an 8 GB host OS VHD, 90 s POST,
 *  a guest boot of 30 s; timeouts sized for a whole fleet booting at once through shared image
 *  servers (the FC cannot tell a slow download from a dead server until the timeout). */
export const DEFAULT_TIMING: Readonly<TimingModel> = Object.freeze({
  dhcpMs: 3_000,
  maintenanceOsMB: 400,
  hostOsVhdMB: 8_192,
  hostPartitionMs: 60_000,
  rebootMs: 90_000,
  hostOsBootMs: 60_000,
  guestPartitionMs: 5_000,
  diffDiskMs: 2_000,
  deployRoleMs: 10_000,
  startRoleMs: 30_000,
  stopRoleMs: 10_000,
  heartbeatIntervalMs: 15_000,
  missedHeartbeats: 3,
  networkBootTimeoutMs: 30 * 60_000,
  hostPartitionTimeoutMs: 60 * 60_000,
  rebootTimeoutMs: 10 * 60_000,
  hostOsBootTimeoutMs: 15 * 60_000,
  hostReadyTimeoutMs: 5 * 60_000,
  maxBootFailures: 3,
  bootStepFailureRate: 0.001,
});

export function resolveTiming(t: unknown): TimingModel {
  if (t === undefined) return { ...DEFAULT_TIMING };
  if (typeof t !== "object" || t === null) throw invalid("timing", t, "an object");
  const out: TimingModel = { ...DEFAULT_TIMING };
  for (const [k, v] of Object.entries(t)) {
    if (!(k in DEFAULT_TIMING)) throw invalid(`timing.${k}`, v, `a known timing field (${Object.keys(DEFAULT_TIMING).join(", ")})`);
    if (v === undefined) continue;
    const field = `timing.${k}`;
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw invalid(field, v, "a finite number >= 0");
    if (k === "bootStepFailureRate" && v > 1) throw invalid(field, v, "a probability in [0, 1]");
    if ((k === "missedHeartbeats" || k === "maxBootFailures") && (!Number.isInteger(v) || v < 1 || v > 255)) throw invalid(field, v, "an integer in [1, 255]");
    if (k === "heartbeatIntervalMs" && v < 1) throw invalid(field, v, "at least 1 ms");
    (out as unknown as Record<string, number>)[k] = v;
  }
  return out;
}
