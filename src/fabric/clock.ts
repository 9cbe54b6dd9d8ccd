// Virtual clock for the data-center simulation: a priority queue of pending events, no real timers.
// Built for millions of events with about a million pending at once, so there are no per-event
// objects: a binary min-heap over parallel typed arrays (time, insertion sequence, kind, a, b),
// grown by doubling. The sequence is a float64 counter, exact up to 2^53 pushes, so it never wraps.

const U32_MAX = 0xffffffff;

function u32(name: string, value: number): void {
  if (value >>> 0 !== value) throw new RangeError(`EventQueue.push: ${name} ${value} is not a u32 (0..${U32_MAX})`);
}

/** Pending events ordered by (time, insertion order): equal times pop first-in first-out, so a run is deterministic. */
export class EventQueue {
  /** Kind of the last popped event. */
  kind = 0;
  /** First payload word of the last popped event. */
  a = 0;
  /** Second payload word of the last popped event. */
  b = 0;

  private time: Float64Array;
  private seq: Float64Array;
  private kinds: Uint32Array;
  private as: Uint32Array;
  private bs: Uint32Array;
  private count = 0;
  private nextSeq = 0;
  private current = 0;

  constructor(initialCapacity = 1024) {
    if (!Number.isInteger(initialCapacity) || initialCapacity < 1 || initialCapacity > U32_MAX) {
      throw new RangeError(`EventQueue: initialCapacity ${initialCapacity} is not an integer in 1..${U32_MAX}`);
    }
    this.time = new Float64Array(initialCapacity);
    this.seq = new Float64Array(initialCapacity);
    this.kinds = new Uint32Array(initialCapacity);
    this.as = new Uint32Array(initialCapacity);
    this.bs = new Uint32Array(initialCapacity);
  }

  /** Time of the last popped event (0 before the first pop). */
  get now(): number {
    return this.current;
  }

  /** Lets virtual time pass with nothing happening (never backwards, never past a pending event). */
  advanceTo(time: number): void {
    if (!(time >= this.current)) throw new RangeError(`EventQueue.advanceTo: time ${time} is before now ${this.current}`);
    if (this.count > 0 && time > this.peekTime()) throw new RangeError(`EventQueue.advanceTo: time ${time} is past the next pending event at ${this.peekTime()}`);
    this.current = time;
  }

  /** Number of pending events. */
  get size(): number {
    return this.count;
  }

  /** Schedules an event. `time` must be finite and not before `now`; `kind`, `a` and `b` are u32. */
  push(time: number, kind: number, a: number, b: number): void {
    if (!(time >= this.current) || time === Infinity) {
      throw new RangeError(
        time >= this.current
          ? `EventQueue.push: time ${time} is not finite (now ${this.current})`
          : `EventQueue.push: time ${time} is before now ${this.current}`,
      );
    }
    u32("kind", kind);
    u32("a", a);
    u32("b", b);
    if (this.count === this.time.length) this.grow();
    const t = this.time, s = this.seq, k = this.kinds, xa = this.as, xb = this.bs;
    const seq = this.nextSeq++;
    // Sift up with a hole. The new sequence number is above every pending one, so a parent at the
    // same time already comes first: stop at the first parent whose time is <= ours.
    let i = this.count++;
    while (i > 0) {
      const p = (i - 1) >>> 1;
      if (t[p] <= time) break;
      t[i] = t[p]; s[i] = s[p]; k[i] = k[p]; xa[i] = xa[p]; xb[i] = xb[p];
      i = p;
    }
    t[i] = time; s[i] = seq; k[i] = kind; xa[i] = a; xb[i] = b;
  }

  /** Removes the earliest event: false if there is none; else sets `now`, `kind`, `a` and `b` from it. */
  pop(): boolean {
    if (this.count === 0) return false;
    const t = this.time, s = this.seq, k = this.kinds, xa = this.as, xb = this.bs;
    this.current = t[0]; this.kind = k[0]; this.a = xa[0]; this.b = xb[0];
    const n = --this.count;
    if (n === 0) return true;
    // Move the last entry into the root's hole and sift it down.
    const lt = t[n], ls = s[n], lk = k[n], la = xa[n], lb = xb[n];
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      const r = c + 1;
      if (r < n && (t[r] < t[c] || (t[r] === t[c] && s[r] < s[c]))) c = r;
      const ct = t[c];
      if (lt < ct || (lt === ct && ls < s[c])) break;
      t[i] = ct; s[i] = s[c]; k[i] = k[c]; xa[i] = xa[c]; xb[i] = xb[c];
      i = c;
    }
    t[i] = lt; s[i] = ls; k[i] = lk; xa[i] = la; xb[i] = lb;
    return true;
  }

  /** Time of the earliest pending event, Infinity when there is none. */
  peekTime(): number {
    return this.count === 0 ? Infinity : this.time[0];
  }

  /** Drops every pending event and starts over: `now`, `kind`, `a` and `b` back to 0. Capacity is kept. */
  clear(): void {
    this.count = 0;
    this.nextSeq = 0;
    this.current = 0;
    this.kind = 0;
    this.a = 0;
    this.b = 0;
  }

  private grow(): void {
    const cap = this.time.length * 2;
    const t = new Float64Array(cap); t.set(this.time); this.time = t;
    const s = new Float64Array(cap); s.set(this.seq); this.seq = s;
    const k = new Uint32Array(cap); k.set(this.kinds); this.kinds = k;
    const xa = new Uint32Array(cap); xa.set(this.as); this.as = xa;
    const xb = new Uint32Array(cap); xb.set(this.bs); this.bs = xb;
  }
}
