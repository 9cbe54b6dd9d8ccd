// Journal record kinds: every change of FC state is one of these (see FcState.apply).
export const Rec = {
  /** a server, b new state, c consecutive boot failures. */
  ServerState: 1,
  /** a deployment, b tenant, blob: the service model as JSON. Allocates roles and instances. */
  DeploymentCreated: 2,
  /** a deployment, b VIP offset in the pool + 1. */
  VipAssigned: 3,
  /** a instance, b server, c DIP offset in the pool + 1. */
  InstancePlaced: 4,
  /** a instance, b stage, c diff disk id (for DiskReady) or 0. */
  InstanceStage: 5,
  /** a server, b image. */
  ImageCached: 6,
  /** a instance, b why (Evict.*): frees host, DIP, disk, vswitch port and LB entry. */
  InstanceEvicted: 7,
  /** a instance, b reason code (REASON_CODES index, or a FabricReason), c dimension index (255: none). */
  InstanceUnhealed: 8,
  /** a deployment: frees everything it holds. */
  DeploymentDeleted: 9,
  /** a deployment, b new package version. */
  UpgradeStarted: 10,
  /** a deployment, b update domain now being upgraded (255: upgrade done). */
  UpgradeDomain: 11,
  /** a instance, b fault domain it was healed into although its role already had its share there. */
  SpreadRelaxed: 12,
  /** a instance: an unhealed instance goes back to the healing queue (Unhealed -> Unplaced). */
  HealRetried: 13,
  /** Only as a journal's first record: a format version, b CRC-32 of the blob, blob the options
   *  the state depends on (journal-options.ts). Changes no state. */
  Options: 14,
  /** a instance, b target server, c placeholder slot | relaxed << 16 (1: the target's rack
   *  already had its share of the role): a live migration starts; the slot's placeholder holds
   *  the instance's room on the target (migration.ts). */
  MigrationStarted: 15,
  /** a instance, b diff disk id on the target: partition and disk made, pre-copy starts. */
  MigrationPrepared: 16,
  /** a instance, b pre-copy rounds run: the VM pauses for the last pages (the blackout). */
  MigrationBlackout: 17,
  /** a instance: switch-over; the instance is on the target with its DIP, port and LB entry,
   *  its source partition and disk are gone. */
  MigrationDone: 18,
  /** a instance, b why (Abort.*): the placeholder and the target's disk are dropped; the VM
   *  runs on as it was on the source. */
  MigrationAborted: 19,
  /** a server, b 1 (for maintenance: out of service once empty), 2 (defragmentation: back
   *  in service once empty) or 0 (drain ended): no new guests; its guests migrate off. */
  ServerDrain: 20,
  /** a racks added, b first new server, blob the new racks' server spec as JSON: the data
   *  center grows; the new servers are PoweredOff. */
  RacksAdded: 21,
} as const;

export const Evict = { HostFailed: 1 } as const;

/** Reasons the FC itself gives, numbered after the engine's reason codes (which are < 16). */
export const FabricReason = {
  DipPoolExhausted: 16,
  DeploymentDeleted: 17,
} as const;
