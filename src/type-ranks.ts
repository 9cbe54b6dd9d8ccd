// Host types ranked by size, for the "wastes least" half of keeping scarce hosts free (README,
// Keeping scarce hosts free): a VM that must open an empty host opens one of the smallest rank
// that can take it. Plain arithmetic in a fixed order, so a reference model ranks alike.

/** Ranks the core distinguishes; past that many sizes the smallest share rank 0. */
export const MAX_RANKS = 16;

/** Per host type its rank: 0 for the smallest size, equal sizes sharing a rank, at most 15.
 *  Size = sum over dimensions of effective capacity / the largest effective capacity in that
 *  dimension (dimensions no type has count 0). With more than 16 sizes the smallest share
 *  rank 0, so the largest sizes stay apart: "largest last" and "fewest devices first" tell the
 *  top ranks apart, and a real fleet (the Alibaba cluster's 27 node types have 23 sizes) would
 *  otherwise fold its 8 largest sizes, every 8-GPU type among them, into one rank. */
export function typeRanks(effective: ReadonlyArray<ArrayLike<number>>): number[] {
  const D = effective.length === 0 ? 0 : effective[0].length;
  const largest = new Array<number>(D).fill(0);
  for (const e of effective) for (let d = 0; d < D; d++) if (e[d] > largest[d]) largest[d] = e[d];
  const size = effective.map((e) => {
    let s = 0;
    for (let d = 0; d < D; d++) if (largest[d] > 0) s += e[d] / largest[d];
    return s;
  });
  const distinct = [...new Set(size)].sort((a, b) => a - b);
  const folded = Math.max(0, distinct.length - MAX_RANKS);
  return size.map((s) => Math.max(0, distinct.indexOf(s) - folded));
}
