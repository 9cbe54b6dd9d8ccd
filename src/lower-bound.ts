// The lower bound on hosts for a mixed fleet: per dimension, the fewest hosts that could hold the
// live demand if it were perfectly divisible, taking the largest hosts first; the max over
// dimensions. Any placement needs at least that many hosts in use, whatever the policy. One
// definition for the engine's stats() and the replay's metrics (src/replay/lower-bound.ts).

/**
 * Hosts needed to cover `demand` in one dimension, taking hosts largest first: `caps` are the
 * distinct capacities in decreasing order and `counts` how many hosts have each. Infinity when
 * all of them together cannot cover it.
 */
export function hostsToCover(caps: ArrayLike<number>, counts: ArrayLike<number>, demand: number): number {
  if (demand <= 0) return 0;
  let left = demand;
  let hosts = 0;
  for (let i = 0; i < caps.length; i++) {
    if (!(caps[i] > 0) || !(counts[i] > 0)) continue;
    const all = caps[i] * counts[i];
    if (left <= all) return hosts + Math.ceil(left / caps[i]);
    left -= all;
    hosts += counts[i];
  }
  return Infinity;
}

/**
 * The engine's bound over its in-service hosts.
 * @param live      summed demand per dimension
 * @param effective effective capacity per host type (types x dimensions)
 * @param counts    hosts available per type
 * When the available hosts cannot cover a dimension (VMs may sit on hosts out of service), every
 * one of them counts, plus as many more of the largest type as the rest would need.
 */
export function lowerBound(live: readonly number[], effective: readonly (readonly number[])[], counts: readonly number[]): number {
  let bound = 0;
  for (let d = 0; d < live.length; d++) {
    const need = live[d];
    if (need <= 0) continue;
    const order = effective.map((_, t) => t).filter((t) => counts[t] > 0 && effective[t][d] > 0)
      .sort((a, b) => effective[b][d] - effective[a][d] || a - b);
    const caps = order.map((t) => effective[t][d]);
    const n = order.map((t) => counts[t]);
    let hosts = hostsToCover(caps, n, need);
    if (hosts === Infinity) {
      let covered = 0;
      for (let i = 0; i < caps.length; i++) covered += caps[i] * n[i];
      const largest = Math.max(0, ...effective.map((e) => e[d]));
      hosts = n.reduce((a, b) => a + b, 0) + (largest > 0 ? Math.ceil((need - covered) / largest) : 0);
    }
    if (hosts > bound) bound = hosts;
  }
  return bound;
}
