// The only way the FC and the agents talk. Commands go FC -> agent; reports come back.
// (The world delivers each report on the virtual clock after the step's duration.)

/** FC -> a server's power controller / PXE, the maintenance-OS agent, the host agent, a guest agent. */
export type Command =
  | { type: "PowerOn"; server: number }
  | { type: "CreateHostPartition"; server: number }
  | { type: "Reboot"; server: number }
  /** Creates the guest partition with its vswitch port: DIP and the deployment's ACL tag. */
  | { type: "CreateGuestPartition"; server: number; instance: number; size: number; dip: number; aclTag: number }
  | { type: "DownloadImage"; server: number; image: number }
  | { type: "CreateDiffDisk"; server: number; instance: number; image: number; disk: number }
  | { type: "DeployRole"; server: number; instance: number; version: number }
  | { type: "StartRole"; server: number; instance: number }
  | { type: "StopRole"; server: number; instance: number }
  | { type: "DestroyGuestPartition"; server: number; instance: number }
  /** Shuts a server down (drained for maintenance or retired). */
  | { type: "PowerOff"; server: number }
  /** Live migration, to the target's host agent: a partition with the instance's port and a
   *  diff disk (the base image is already cached there). */
  | { type: "PrepareMigration"; server: number; instance: number; disk: number }
  /** To the source's host agent: pre-copy the guest's memory to the target at `mbps`. */
  | { type: "PreCopy"; server: number; target: number; instance: number; memoryMiB: number; mbps: number }
  /** To the source: pause the guest, send the last dirty pages and device state, switch over. */
  | { type: "SwitchOver"; server: number; target: number; instance: number; memoryMiB: number; mbps: number };

export type Report =
  | { type: "Registered"; server: number; agent: "maintenance" | "host" }
  | { type: "HostPartitionCreated"; server: number }
  /** The firmware hands over to the host OS on the VHD (seen by the FC through PXE/BMC). */
  | { type: "HostOSBooting"; server: number }
  | { type: "Heartbeat"; server: number }
  | { type: "GuestPartitionCreated"; server: number; instance: number }
  | { type: "ImageDownloaded"; server: number; image: number }
  | { type: "DiffDiskCreated"; server: number; instance: number }
  | { type: "RoleDeployed"; server: number; instance: number }
  /** From the guest agent inside the VM: the role is running. */
  | { type: "GuestReady"; server: number; instance: number }
  | { type: "RoleStopped"; server: number; instance: number }
  /** Migration steps done; `server` is the target. */
  | { type: "MigrationPrepared"; server: number; instance: number }
  | { type: "PreCopyDone"; server: number; instance: number; rounds: number }
  | { type: "SwitchedOver"; server: number; instance: number };
