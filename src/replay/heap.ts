// Pending departures as a binary min-heap keyed (time, seq) in typed arrays: memory in
// proportion to the live VMs, and equal times leave in arrival order (seq), deterministically.

export class DepartureHeap {
  private time = new Float64Array(1024);
  private seq = new Float64Array(1024);
  private slot = new Int32Array(1024);
  private n = 0;

  get size(): number {
    return this.n;
  }

  /** Time of the earliest departure (Infinity when none). */
  peekTime(): number {
    return this.n > 0 ? this.time[0] : Infinity;
  }

  push(time: number, seq: number, slot: number): void {
    if (this.n === this.time.length) this.grow();
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.time[p] < time || (this.time[p] === time && this.seq[p] < seq)) break;
      this.time[i] = this.time[p];
      this.seq[i] = this.seq[p];
      this.slot[i] = this.slot[p];
      i = p;
    }
    this.time[i] = time;
    this.seq[i] = seq;
    this.slot[i] = slot;
  }

  /** Removes the earliest departure and returns its slot (the heap must not be empty). */
  pop(): number {
    const top = this.slot[0];
    const n = --this.n;
    if (n > 0) {
      const t = this.time[n];
      const s = this.seq[n];
      const v = this.slot[n];
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && (this.time[c + 1] < this.time[c] || (this.time[c + 1] === this.time[c] && this.seq[c + 1] < this.seq[c]))) c++;
        if (t < this.time[c] || (t === this.time[c] && s < this.seq[c])) break;
        this.time[i] = this.time[c];
        this.seq[i] = this.seq[c];
        this.slot[i] = this.slot[c];
        i = c;
      }
      this.time[i] = t;
      this.seq[i] = s;
      this.slot[i] = v;
    }
    return top;
  }

  private grow(): void {
    const cap = this.time.length * 2;
    const t = new Float64Array(cap); t.set(this.time); this.time = t;
    const s = new Float64Array(cap); s.set(this.seq); this.seq = s;
    const v = new Int32Array(cap); v.set(this.slot); this.slot = v;
  }
}
