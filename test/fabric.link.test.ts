// SharedLink: worked examples (one flow, equal flows, cap binding vs bandwidth binding, a flow
// joining mid-way, ties), validation, and a property test against a naive model that recomputes
// every flow's remaining size at each event, driven by an EventQueue with stale-event checks.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { SharedLink } from "../src/fabric/link.js";
import { EventQueue } from "../src/fabric/clock.js";

/** Finishes every active flow at its completion time: [time, flow] in order. */
function drain(link: SharedLink): [number, number][] {
  const out: [number, number][] = [];
  while (link.active > 0) {
    const t = link.nextCompletion();
    out.push([t, link.finish(t)]);
  }
  return out;
}

describe("SharedLink, worked examples", () => {
  it("one 1000-megabit flow on a 1000 Mbps link takes 1000 ms", () => {
    const link = new SharedLink(1000, 1000);
    expect(link.active).toBe(0);
    expect(link.nextCompletion()).toBe(Infinity);
    link.start(0, 7, 1000);
    expect(link.active).toBe(1);
    expect(link.nextCompletion()).toBe(1000);
    expect(link.finish(1000)).toBe(7);
    expect(link.active).toBe(0);
    expect(link.nextCompletion()).toBe(Infinity);
  });

  it("two equal flows started together take 2000 ms each, first started first", () => {
    const link = new SharedLink(1000, 1000);
    link.start(0, 2, 1000);
    link.start(0, 1, 1000);
    expect(drain(link)).toEqual([[2000, 2], [2000, 1]]);
  });

  it("five flows under a 100 Mbps cap run at the cap", () => {
    const link = new SharedLink(1000, 100);
    for (let f = 0; f < 5; f++) link.start(0, f, 100); // 100 megabits at 0.1 megabit/ms
    const out = drain(link);
    expect(out.map((e) => e[1])).toEqual([0, 1, 2, 3, 4]);
    for (const [t] of out) expect(t).toBeCloseTo(1000, 9);
  });

  it("twenty flows share the bandwidth at 50 Mbps each", () => {
    const link = new SharedLink(1000, 100);
    for (let f = 0; f < 20; f++) link.start(0, f, 100); // 100 megabits at 0.05 megabit/ms
    const out = drain(link);
    expect(out.map((e) => e[1])).toEqual(Array.from({ length: 20 }, (_, i) => i));
    for (const [t] of out) expect(t).toBeCloseTo(2000, 9);
  });

  it("moves from bandwidth binding to cap binding as flows leave", () => {
    // 1000 Mbps, cap 400: three flows share 333.3 Mbps; alone, a flow runs at the cap.
    const link = new SharedLink(1000, 400);
    link.start(0, 0, 100);
    link.start(0, 1, 200);
    link.start(0, 2, 400);
    // flow 0: 100 megabits at 1/3 per ms -> 300 ms. Then two flows at 0.4 (cap, not 0.5):
    // flow 1 has 100 left -> 250 ms more -> 550. Then flow 2 alone at 0.4 with 200 left -> 1050.
    const out = drain(link);
    expect(out.map((e) => e[1])).toEqual([0, 1, 2]);
    expect(out[0][0]).toBeCloseTo(300, 9);
    expect(out[1][0]).toBeCloseTo(550, 9);
    expect(out[2][0]).toBeCloseTo(1050, 9);
  });

  it("a flow joining mid-way slows the first", () => {
    const link = new SharedLink(1000, 1000);
    link.start(0, 1, 1000);
    link.start(400, 2, 300); // flow 1 has 600 left; both at 0.5 megabit/ms
    expect(link.nextCompletion()).toBe(1000);
    expect(link.finish(1000)).toBe(2);
    expect(link.nextCompletion()).toBe(1300); // 300 left at the full 1 megabit/ms
    expect(link.finish(1300)).toBe(1);
  });

  it("equal finishing points: the earlier started flow finishes first", () => {
    const link = new SharedLink(1000, 1000);
    link.start(0, 9, 1000);
    link.start(500, 3, 500); // both have 500 left
    expect(drain(link)).toEqual([[1500, 9], [1500, 3]]);
  });

  it("a flow started at the instant another completes", () => {
    const link = new SharedLink(1000, 1000);
    link.start(0, 1, 100);
    link.start(100, 2, 100); // flow 1 is due now; the caller started before finishing it
    expect(link.nextCompletion()).toBe(100);
    expect(link.finish(100)).toBe(1);
    expect(link.nextCompletion()).toBe(200);
    expect(link.finish(200)).toBe(2);
  });

  it("idle gaps cost nothing: the link restarts fresh", () => {
    const link = new SharedLink(1000, 1000);
    link.start(0, 1, 10);
    expect(link.finish(10)).toBe(1);
    link.start(5000, 2, 10);
    expect(link.nextCompletion()).toBe(5010);
    expect(link.finish(5010)).toBe(2);
  });

  it("no cap: a single flow takes the whole link", () => {
    const link = new SharedLink(8000, Infinity);
    link.start(0, 0, 8000);
    expect(link.nextCompletion()).toBe(1000);
  });

  it("version bumps on every start and finish, so stale completions can be told apart", () => {
    const link = new SharedLink(1000, 1000);
    const v0 = link.version;
    link.start(0, 1, 1000);
    const scheduled = { at: link.nextCompletion(), version: link.version };
    expect(scheduled.version).toBe(v0 + 1);
    link.start(500, 2, 1000);
    expect(link.version).toBe(v0 + 2);
    expect(scheduled.version).not.toBe(link.version); // the completion at 1000 is stale
    expect(link.nextCompletion()).toBe(1500);
    link.finish(1500);
    expect(link.version).toBe(v0 + 3);
  });

  it("grows past its initial heap capacity", () => {
    const link = new SharedLink(1000, 1000);
    const n = 1000;
    for (let f = 0; f < n; f++) link.start(0, f, 1 + ((f * 37) % n));
    const out = drain(link);
    expect(out.length).toBe(n);
    const sizes = out.map((e) => 1 + ((e[1] * 37) % n));
    expect(sizes).toEqual([...sizes].sort((x, y) => x - y));
    expect(out[n - 1][0]).toBeCloseTo(n * (n + 1) / 2, 6); // the link is never idle: total megabits / rate
  });

  it("validates its inputs without changing state", () => {
    for (const [bw, cap] of [[0, 1], [-1, 1], [NaN, 1], [Infinity, 1], [1, 0], [1, -1], [1, NaN]]) {
      expect(() => new SharedLink(bw, cap)).toThrow(RangeError);
    }
    const link = new SharedLink(1000, 1000);
    expect(() => link.finish(0)).toThrow(RangeError);
    link.start(10, 1, 100);
    const v = link.version;
    expect(() => link.start(9, 2, 100)).toThrow(/9.*10/);
    expect(() => link.start(NaN, 2, 100)).toThrow(RangeError);
    expect(() => link.start(Infinity, 2, 100)).toThrow(RangeError);
    for (const s of [0, -1, NaN, Infinity]) expect(() => link.start(20, 2, s)).toThrow(/megabits/);
    for (const f of [-1, 1.5, 2 ** 32]) expect(() => link.start(20, f, 100)).toThrow(/flow/);
    expect(() => link.finish(50)).toThrow(/before the next completion/);
    expect(() => link.finish(5)).toThrow(RangeError);
    expect(link.version).toBe(v);
    expect(link.active).toBe(1);
    expect(link.nextCompletion()).toBe(110);
    expect(link.finish(110)).toBe(1);
  });
});

// ---- property test against a naive model ----

/** Recomputes every flow's remaining megabits at each event: O(n) per event, obviously right. */
class NaiveLink {
  flows: { id: number; rem: number; size: number; start: number; order: number }[] = [];
  last = 0;
  order = 0;
  constructor(readonly bw: number, readonly cap: number) {}
  rate(): number {
    return Math.min(this.cap, this.bw / this.flows.length);
  }
  advance(now: number): void {
    if (this.flows.length) {
      const d = this.rate() * (now - this.last);
      for (const f of this.flows) f.rem -= d;
    }
    this.last = now;
  }
  start(now: number, id: number, size: number): void {
    this.advance(now);
    this.flows.push({ id, rem: size, size, start: now, order: this.order++ });
  }
  minRem(): number {
    return Math.max(0, Math.min(...this.flows.map((f) => f.rem)));
  }
  next(): number {
    return this.flows.length ? this.last + this.minRem() / this.rate() : Infinity;
  }
}

const close = (x: number, y: number, rel: number) => Math.abs(x - y) <= rel * Math.max(1, Math.abs(x), Math.abs(y));

interface Scenario {
  bw: number;
  cap: number;
  starts: { dt: number; size: number }[];
}

// Bandwidths and caps biased to boundaries: cap above the link (bandwidth always binds), equal to
// it, exactly bandwidth / k (the switch happens at k flows), far below (cap binds until many flows).
const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    bw: fc.oneof(fc.constantFrom(1000, 1, 100_000, 333), fc.double({ min: 0.5, max: 1e5, noNaN: true })),
    capMode: fc.oneof(
      fc.constant({ kind: "inf" as const }),
      fc.record({ kind: fc.constant("div" as const), k: fc.constantFrom(0.5, 1, 2, 3, 5) }),
      fc.record({ kind: fc.constant("frac" as const), f: fc.double({ min: 0.01, max: 2, noNaN: true }) }),
    ),
    starts: fc.array(
      fc.record({
        dt: fc.oneof(
          { weight: 3, arbitrary: fc.constant(0) },
          { weight: 2, arbitrary: fc.constantFrom(100, 500, 1000) },
          { weight: 2, arbitrary: fc.double({ min: 0, max: 5000, noNaN: true }) },
        ),
        size: fc.oneof(
          { weight: 3, arbitrary: fc.constantFrom(1, 100, 1000) },
          { weight: 2, arbitrary: fc.double({ min: 1e-3, max: 1e4, noNaN: true }) },
        ),
      }),
      { minLength: 1, maxLength: 40 },
    ),
  })
  .map(({ bw, capMode, starts }) => ({
    bw,
    cap: capMode.kind === "inf" ? Infinity : capMode.kind === "div" ? bw / capMode.k : bw * capMode.f,
    starts,
  }));

const START = 0, DONE = 1;

function run({ bw, cap, starts }: Scenario): void {
  const link = new SharedLink(bw, cap);
  const model = new NaiveLink(bw / 1000, cap / 1000);
  const q = new EventQueue(4);
  let t = 0;
  starts.forEach((s, i) => { t += s.dt; q.push(t, START, i, 0); });
  const schedule = () => { if (link.active) q.push(link.nextCompletion(), DONE, link.version, 0); };
  const maxSize = Math.max(...starts.map((s) => s.size));
  let finished = 0;
  while (q.pop()) {
    const now = q.now;
    const version = link.version;
    if (q.kind === START) {
      const i = q.a;
      link.start(now, i, starts[i].size);
      model.start(now, i, starts[i].size);
      expect(link.version).toBe(version + 1);
    } else {
      if (q.a !== link.version) continue; // stale: a start or finish came in between
      model.advance(now);
      expect(close(now, model.next(), 1e-8)).toBe(true);
      const flow = link.finish(now);
      expect(link.version).toBe(version + 1);
      finished++;
      // The returned flow is one the model also sees finishing now (near-ties may break either way
      // under rounding); among flows started at the same instant with the same size (exact ties in
      // the link too) the earliest started goes first.
      const min = model.minRem();
      const eps = 1e-9 * Math.max(1, maxSize);
      const k = model.flows.findIndex((f) => f.id === flow);
      expect(k).toBeGreaterThanOrEqual(0);
      const f = model.flows[k];
      expect(f.rem).toBeLessThanOrEqual(min + eps);
      for (const g of model.flows) {
        if (g.start === f.start && g.size === f.size) expect(g.order).toBeGreaterThanOrEqual(f.order);
      }
      model.flows.splice(k, 1);
    }
    expect(link.active).toBe(model.flows.length);
    const next = link.nextCompletion();
    if (model.flows.length === 0) expect(next).toBe(Infinity);
    else expect(close(next, model.next(), 1e-8)).toBe(true);
    schedule();
  }
  expect(finished).toBe(starts.length);
  expect(link.active).toBe(0);
}

describe("SharedLink, against a naive model", () => {
  it("finishes the same flows at the same times on random scenarios", () => {
    fc.assert(fc.property(scenarioArb, run), { numRuns: 400 });
  });

  it("a single flow finishes after size / min(cap, bandwidth)", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.5, max: 1e5, noNaN: true }),
        fc.double({ min: 0.5, max: 1e5, noNaN: true }),
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.double({ min: 1e-3, max: 1e4, noNaN: true }),
        (bw, cap, at, size) => {
          const link = new SharedLink(bw, cap);
          link.start(at, 0, size);
          const t = link.nextCompletion();
          expect(close(t, at + size / (Math.min(bw, cap) / 1000), 1e-12)).toBe(true);
          expect(link.finish(t)).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });
});
