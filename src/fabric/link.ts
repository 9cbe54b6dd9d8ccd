// An image server's uplink shared by concurrent downloads: egalitarian processor sharing with a
// per-flow cap. Every active flow progresses at the same rate, min(cap, bandwidth / active), so
// the link keeps one virtual clock V = megabits delivered to each flow so far. A flow started when
// V was V0 with s megabits finishes when V reaches V0 + s; a min-heap on that finish value (ties by
// start order) over parallel typed arrays gives the next completion in O(1) and start/finish in
// O(log n), with no per-flow objects. V is rebased to 0 whenever the link falls idle.

const U32_MAX = 0xffffffff;

/** A link of `bandwidth` megabits/ms shared by its active flows: each gets min(perFlowCap, bandwidth / active). */
export class SharedLink {
  /** Bandwidth and per-flow cap, megabits per ms. */
  private readonly bandwidth: number;
  private readonly cap: number;
  /** Megabits delivered to every active flow since the link was last idle, as of `last`. */
  private v = 0;
  private last = 0;
  private count = 0;
  private ver = 0;
  private nextSeq = 0;
  /** Heap of active flows: finish value of V, start sequence, flow id. */
  private fin: Float64Array;
  private seq: Float64Array;
  private flows: Uint32Array;

  /** `bandwidthMbps` finite and > 0; `perFlowCapMbps` > 0, Infinity for no cap. Both megabits per second. */
  constructor(bandwidthMbps: number, perFlowCapMbps: number) {
    if (!(bandwidthMbps > 0) || bandwidthMbps === Infinity) {
      throw new RangeError(`SharedLink: bandwidthMbps ${bandwidthMbps} is not a finite number > 0`);
    }
    if (!(perFlowCapMbps > 0)) throw new RangeError(`SharedLink: perFlowCapMbps ${perFlowCapMbps} is not a number > 0`);
    this.bandwidth = bandwidthMbps / 1000;
    this.cap = perFlowCapMbps / 1000;
    this.fin = new Float64Array(64);
    this.seq = new Float64Array(64);
    this.flows = new Uint32Array(64);
  }

  /** Number of flows in progress. */
  get active(): number {
    return this.count;
  }

  /** Bumps on every start and finish: a completion event scheduled under another version is stale. */
  get version(): number {
    return this.ver;
  }

  /** Starts `flow` (a caller-chosen u32) at `now` with `megabits` (> 0, finite) to send.
   *  `now` must not be before the link's last start or finish. */
  start(now: number, flow: number, megabits: number): void {
    this.checkTime("start", now);
    if (flow >>> 0 !== flow) throw new RangeError(`SharedLink.start: flow ${flow} is not a u32 (0..${U32_MAX})`);
    if (!(megabits > 0) || megabits === Infinity) {
      throw new RangeError(`SharedLink.start: megabits ${megabits} is not a finite number > 0`);
    }
    this.advance(now);
    if (this.count === this.fin.length) this.grow();
    const f = this.fin, s = this.seq, id = this.flows;
    const key = this.v + megabits;
    const sq = this.nextSeq++;
    // Sift up with a hole; the new start sequence is the largest, so an equal parent stays first.
    let i = this.count++;
    while (i > 0) {
      const p = (i - 1) >>> 1;
      if (f[p] <= key) break;
      f[i] = f[p]; s[i] = s[p]; id[i] = id[p];
      i = p;
    }
    f[i] = key; s[i] = sq; id[i] = flow;
    this.ver++;
  }

  /** Absolute ms at which the next flow finishes at the current rates; Infinity if none is active. */
  nextCompletion(): number {
    if (this.count === 0) return Infinity;
    const remaining = this.fin[0] - this.v;
    return remaining > 0 ? this.last + remaining / this.rate() : this.last;
  }

  /** Advances to `now` (the time `nextCompletion()` gave), removes the flow that finishes first
   *  (ties: the earliest started) and returns its id. Throws if no flow is active or `now` is
   *  before that completion. */
  finish(now: number): number {
    if (this.count === 0) throw new RangeError(`SharedLink.finish: no active flow (now ${now})`);
    this.checkTime("finish", now);
    const due = this.nextCompletion();
    if (now < due && due - now > 1e-9 * Math.max(1, due)) {
      throw new RangeError(`SharedLink.finish: now ${now} is before the next completion ${due}`);
    }
    this.advance(now);
    const f = this.fin, s = this.seq, id = this.flows;
    const flow = id[0];
    // The minimum is done, so every active flow has received at least its megabits: absorb the
    // rounding left in V (a tiny negative remainder) rather than carry it into later completions.
    if (this.v < f[0]) this.v = f[0];
    const n = --this.count;
    this.ver++;
    if (n === 0) {
      this.v = 0;
      return flow;
    }
    const lf = f[n], ls = s[n], li = id[n];
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      const r = c + 1;
      if (r < n && (f[r] < f[c] || (f[r] === f[c] && s[r] < s[c]))) c = r;
      const cf = f[c];
      if (lf < cf || (lf === cf && ls < s[c])) break;
      f[i] = cf; s[i] = s[c]; id[i] = id[c];
      i = c;
    }
    f[i] = lf; s[i] = ls; id[i] = li;
    return flow;
  }

  /** Megabits per ms each active flow gets now (count > 0). */
  private rate(): number {
    const share = this.bandwidth / this.count;
    return share < this.cap ? share : this.cap;
  }

  private checkTime(op: string, now: number): void {
    if (!(now >= this.last) || now === Infinity) {
      throw new RangeError(
        now >= this.last
          ? `SharedLink.${op}: now ${now} is not finite (link time ${this.last})`
          : `SharedLink.${op}: now ${now} is before the link time ${this.last}`,
      );
    }
  }

  private advance(now: number): void {
    if (this.count > 0) this.v += this.rate() * (now - this.last);
    this.last = now;
  }

  private grow(): void {
    const cap = this.fin.length * 2;
    const f = new Float64Array(cap); f.set(this.fin); this.fin = f;
    const s = new Float64Array(cap); s.set(this.seq); this.seq = s;
    const id = new Uint32Array(cap); id.set(this.flows); this.flows = id;
  }
}
