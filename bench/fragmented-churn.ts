// The fragmented-churn workload of bench/churn.ts, in steps: fill a fleet to 80% cpu with one
// size set (best-fit), fragment it (release a random third, refill to 80%), then churn (release
// a random VM, place a new one of another size set). bench/churn.ts runs one engine through it;
// bench/churn-ab.ts runs several engines through it in interleaved chunks, each with its own
// random stream from one seed, so every engine does the same work.
import { Engine } from "../src/engine.js";
import { EFFECTIVE, HOST, type Sizes, demandOf, rng, takeRandom } from "./churn-fleet.js";

/** A fleet of `hosts` hosts of churn-fleet.ts's type, VM ids for 40 VMs per host. */
export function churnEngine(hosts: number): Engine {
  return Engine.create({ hostTypes: [{ ...HOST, count: hosts, hostsPerFaultDomain: 40 }] }, { dimensions: ["cpu", "memory"], vmCapacity: hosts * 40 });
}

export class FragmentedChurn {
  private readonly rand: () => number;
  private readonly live: number[] = [];
  private readonly freeIds: number[] = [];
  private next = 0;
  private cpu = 0;
  private readonly target: number;
  /** Fill placements and the place calls' own time. */
  fills = 0;
  fillMs = 0;
  /** Churn placements (tried), the place calls' own time, the release calls' own time. */
  churns = 0;
  churnMs = 0;
  releaseMs = 0;

  /** `ids`: which free id a churn placement takes: the one released last ("stack", as a free-id
   *  stack or the replay's slot stack gives it), or one drawn at random from all free ids
   *  ("random": nearly always one never placed, whose VM record is a cold line). */
  constructor(readonly engine: Engine, hosts: number, private readonly fillSizes: Sizes, private readonly churnSizes: Sizes, seed: number,
    private readonly ids: "stack" | "random" = "stack") {
    this.rand = rng(seed);
    this.target = 0.8 * hosts * EFFECTIVE[0];
  }

  /** Places up to n fill VMs; false once the fleet is at 80% cpu (or a VM was rejected). */
  fillSome(n: number): boolean {
    for (let i = 0; i < n && this.cpu < this.target; i++) {
      const d = demandOf(this.fillSizes, this.rand);
      const t = performance.now();
      const p = this.engine.place({ id: this.next, demand: d, tenant: 1 });
      this.fillMs += performance.now() - t;
      if (p.host < 0) { this.cpu = this.target; break; }
      this.live.push(this.next++);
      this.cpu += d[0];
      this.fills++;
    }
    return this.cpu < this.target;
  }

  /** Releases a random third of the VMs and refills to 80% cpu, so free space is scattered. */
  fragment(): void {
    const e = this.engine;
    for (let i = 0; i < this.live.length / 3; i++) e.release(takeRandom(this.live, this.rand));
    for (let v = this.engine.vmCapacity - 1; v >= this.next; v--) this.freeIds.push(v);
    while (e.stats().utilization.cpu < 0.8) {
      const id = this.freeIds.pop()!;
      if (e.place({ id, demand: demandOf(this.fillSizes, this.rand), tenant: 1 }).host < 0) { this.freeIds.push(id); break; }
      this.live.push(id);
    }
  }

  /** The churn with its steps grouped: `group` releases, then `group` placements, until n
   *  placements (bench/churn-split.ts: the same fleet state as the churn, without a release
   *  between every two placements). Times only the placements, into churnMs. */
  churnGrouped(n: number, group: number): void {
    const e = this.engine;
    for (let done = 0; done < n; done += group) {
      const k = Math.min(group, n - done);
      for (let i = 0; i < k; i++) {
        const gone = takeRandom(this.live, this.rand);
        e.release(gone);
        this.freeIds.push(gone);
      }
      for (let i = 0; i < k; i++) this.placeNext();
    }
  }

  /** One churn placement: a free id, a size of the churn set, the place call timed into churnMs.
   *  Returns the host (-1: rejected). */
  private placeNext(): number {
    const id = this.ids === "random" ? takeRandom(this.freeIds, this.rand) : this.freeIds.pop()!;
    const d = demandOf(this.churnSizes, this.rand);
    const t = performance.now();
    const p = this.engine.place({ id, demand: d, tenant: 1 });
    this.churnMs += performance.now() - t;
    this.churns++;
    if (p.host >= 0) this.live.push(id); else this.freeIds.push(id);
    return p.host;
  }

  /** n churn cycles; `placed(k, host)` hears of the k-th churn placement's host (-1: rejected). */
  churnSome(n: number, placed?: (k: number, host: number) => void): void {
    const e = this.engine;
    for (let i = 0; i < n; i++) {
      const gone = takeRandom(this.live, this.rand);
      const r = performance.now();
      e.release(gone);
      this.releaseMs += performance.now() - r;
      this.freeIds.push(gone);
      const host = this.placeNext();
      placed?.(this.churns - 1, host);
    }
  }
}
