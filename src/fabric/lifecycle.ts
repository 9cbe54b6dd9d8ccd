// The server state machine and the guest-instance stages. Numbers are what the FC stores.

export const ServerState = {
  PoweredOff: 0,
  NetworkBoot: 1,
  MaintenanceOS: 2,
  HostPartitioning: 3,
  Rebooting: 4,
  HostOSBoot: 5,
  HostReady: 6,
  InService: 7,
  Unhealthy: 8,
  OutForRepair: 9,
  /** Drained for maintenance: no guests, out of service; powerOn boots it again. */
  Maintenance: 10,
  /** Drained and retired for good (the engine's host is retired). */
  Retired: 11,
} as const;
export type ServerState = (typeof ServerState)[keyof typeof ServerState];
export const SERVER_STATE_NAMES = Object.keys(ServerState) as Array<keyof typeof ServerState>;

const S = ServerState;
/** Every edge the FC may take. Boot steps go strictly forward; any waiting step can fail to
 *  Unhealthy; a retried boot powers the server off first, so nothing skips a state. */
export const SERVER_TRANSITIONS: ReadonlyArray<readonly [ServerState, ServerState]> = [
  [S.PoweredOff, S.NetworkBoot],
  [S.NetworkBoot, S.MaintenanceOS],
  [S.MaintenanceOS, S.HostPartitioning],
  [S.HostPartitioning, S.Rebooting],
  [S.Rebooting, S.HostOSBoot],
  [S.HostOSBoot, S.HostReady],
  [S.HostReady, S.InService],
  [S.NetworkBoot, S.Unhealthy],
  [S.MaintenanceOS, S.Unhealthy],
  [S.HostPartitioning, S.Unhealthy],
  [S.Rebooting, S.Unhealthy],
  [S.HostOSBoot, S.Unhealthy],
  [S.HostReady, S.Unhealthy],
  [S.InService, S.Unhealthy],
  [S.Unhealthy, S.PoweredOff],
  [S.Unhealthy, S.OutForRepair],
  [S.OutForRepair, S.PoweredOff],
  [S.InService, S.Maintenance],
  [S.Maintenance, S.PoweredOff],
  [S.Maintenance, S.Retired],
];

const allowed = new Uint8Array(256);
for (const [a, b] of SERVER_TRANSITIONS) allowed[a * 16 + b] = 1;
export function isServerTransition(from: number, to: number): boolean {
  return from < 16 && to < 16 && allowed[from * 16 + to] === 1;
}

/** Where one guest instance is. Provisioning walks Placed .. Ready in order; an upgrade takes a
 *  Ready instance to Stopped and redeploys it; a failed host evicts it to Unplaced until healed. */
export const Stage = {
  Pending: 0,
  Placed: 1,
  Partitioned: 2,
  ImageReady: 3,
  DiskReady: 4,
  Deployed: 5,
  Ready: 6,
  Stopped: 7,
  Unplaced: 8,
  Unhealed: 9,
  Deleted: 10,
} as const;
export type Stage = (typeof Stage)[keyof typeof Stage];
export const STAGE_NAMES = Object.keys(Stage) as Array<keyof typeof Stage>;

/** Stages in which an instance holds a host, a DIP and (from Partitioned on) a vswitch port. */
export function holdsHost(stage: number): boolean {
  return stage >= Stage.Placed && stage <= Stage.Stopped;
}
