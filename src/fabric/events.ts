// Kinds of event on the virtual clock. Reports carry (server, incarnation) for server-level
// reports and (instance, server) for guest-level ones; the world drops any that a server could
// no longer send (dead, or power-cycled since).
export const Ev = {
  // agent -> FC reports
  RegisteredMaintenance: 1,
  RegisteredHost: 2,
  HostPartitionCreated: 3,
  HostOSBooting: 4,
  GuestPartitionCreated: 5,
  ImageDownloaded: 6, // a server, b image (checked against the server's incarnation in the world)
  DiffDiskCreated: 7,
  RoleDeployed: 8,
  GuestReady: 9,
  RoleStopped: 10,
  // FC timers
  StepTimeout: 20, // a server, b step token
  // world internals
  HeartbeatSweep: 30,
  DhcpDone: 31, // a server, b incarnation
  LinkDone: 32, // a link, b link version
  HostOSUp: 33, // a server, b incarnation
} as const;

/** Kinds the FC handles; the rest belong to the simulated world. */
export function isFcEvent(kind: number): boolean {
  return kind === Ev.StepTimeout;
}
