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
  | { type: "DestroyGuestPartition"; server: number; instance: number };

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
  | { type: "RoleStopped"; server: number; instance: number };
