// Reason codes returned with every rejection; the facade maps them to messages.
export const OK: i32 = 0;
export const NO_CAPACITY: i32 = 1;        // + the dimension most hosts are short of
export const NO_HOST_IN_SERVICE: i32 = 2;
export const ANTI_AFFINITY: i32 = 3;
export const FAULT_DOMAIN_SPREAD: i32 = 4;
export const DEDICATED_HOST: i32 = 5;
export const NO_MATCHING_HOST: i32 = 6;   // hosts have room, but none the VM's labels and tolerations allow
export const DIM_NONE: i32 = 255;

export const FIRST_FIT: i32 = 0;
export const BEST_FIT: i32 = 1;
export const SPREAD: i32 = 2;
export const DOT_PRODUCT: i32 = 3;
export const L2: i32 = 4;
export const LIFETIME: i32 = 5;   // dot-product's candidates, ranked by closeness of expected end times
/** Policy flag: an empty host is opened from the smallest size rank first (search.ts). */
export const SMALLEST_FIRST: i32 = 0x200;
export const KEEP_SCARCE: i32 = 0x100;    // flag on a policy: keep hosts of special dimensions for VMs that need them
