// Linear-memory bump allocator. The core owns no managed objects: every table is a raw
// region carved out here once, at engine creation, so the facade's typed-array views stay valid.
// Only the per-call scratch region above the tables may grow (and then the facade re-creates its views).

let tablesTop: usize = 0;
let scratchBase: usize = 0;
let scratchSize: usize = 0;

function ensureMemory(top: usize): void {
  const have = <usize>memory.size() << 16;
  if (top > have) {
    const pages = <i32>((top - have + 0xffff) >>> 16);
    if (memory.grow(pages) < 0) unreachable();
  }
}

/** Allocates a zeroed, 16-byte aligned table. Only called while an engine is being built. */
export function allocTable(bytes: usize): usize {
  if (tablesTop == 0) tablesTop = (__heap_base + 15) & ~<usize>15;
  const ptr = tablesTop;
  tablesTop = (ptr + bytes + 15) & ~<usize>15;
  ensureMemory(tablesTop);
  memory.fill(ptr, 0, bytes);
  scratchBase = tablesTop;
  scratchSize = 0;
  return ptr;
}

/** Bytes held by the tables (capacity, not use): what `coreBytes` reports. */
export function tableBytes(): usize {
  return tablesTop == 0 ? 0 : tablesTop - ((__heap_base + 15) & ~<usize>15);
}

/** The per-call scratch region (batch inputs, outputs, hash tables); grows, never shrinks. */
export function scratch(bytes: usize): usize {
  if (bytes > scratchSize) {
    ensureMemory(scratchBase + bytes);
    scratchSize = bytes;
  }
  return scratchBase;
}

export function scratchBytes(): usize {
  return scratchSize;
}
