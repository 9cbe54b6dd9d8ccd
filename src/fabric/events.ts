// Kinds of event on the virtual clock. Reports carry (server, incarnation) for server-level
// reports and (instance, server) for guest-level ones; the world drops any that a server could
// no longer send (dead, or power-cycled since). Reports that end a download (registration of
// the maintenance agent, ImageDownloaded) are delivered from the download's own event.
export const Ev = {
  // agent -> FC reports
  HostPartitionCreated: 3,
  HostOSBooting: 4,
  GuestPartitionCreated: 5,
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
  // live migration steps: a instance, b the world's migration generation for it
  MigrationPrepared: 34,
  PreCopyDone: 35,
  SwitchedOver: 36,
} as const;
