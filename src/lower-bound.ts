// The lower bound on hosts for a mixed fleet: per dimension, the fewest hosts that could hold the
// live demand if it were perfectly divisible, taking the largest hosts first; the max over
// dimensions. Any placement needs at least that many hosts in use, whatever the policy.

/**
 * @param live      summed demand per dimension
 * @param effective effective capacity per host type (types x dimensions)
 * @param counts    hosts available per type
 * When the available hosts cannot cover a dimension, every one of them counts, plus as many more
 * of the largest type as the rest would need.
 */
export function lowerBound(live: readonly number[], effective: readonly (readonly number[])[], counts: readonly number[]): number {
  let bound = 0;
  for (let d = 0; d < live.length; d++) {
    let need = live[d];
    if (need <= 0) continue;
    const order = effective.map((_, t) => t).filter((t) => counts[t] > 0 && effective[t][d] > 0)
      .sort((a, b) => effective[b][d] - effective[a][d] || a - b);
    let hosts = 0;
    for (const t of order) {
      const cap = effective[t][d];
      const take = Math.min(counts[t], Math.ceil(need / cap));
      hosts += take;
      need -= take * cap;
      if (need <= 0) break;
    }
    if (need > 0) {
      const largest = Math.max(0, ...effective.map((e) => e[d]));
      hosts += largest > 0 ? Math.ceil(need / largest) : 0;
    }
    if (hosts > bound) bound = hosts;
  }
  return bound;
}
