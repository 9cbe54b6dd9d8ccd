// EventQueue: worked examples, FIFO among equal times, validation, growth, and a property test
// against a sorted-array model with stable order.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { EventQueue } from "../src/fabric/clock.js";

function drain(q: EventQueue): [number, number, number, number][] {
  const out: [number, number, number, number][] = [];
  while (q.pop()) out.push([q.now, q.kind, q.a, q.b]);
  return out;
}

describe("EventQueue, worked examples", () => {
  it("starts empty at time 0", () => {
    const q = new EventQueue();
    expect(q.now).toBe(0);
    expect(q.size).toBe(0);
    expect(q.peekTime()).toBe(Infinity);
    expect(q.pop()).toBe(false);
    expect(q.now).toBe(0);
  });

  it("pops in time order and sets now, kind, a, b", () => {
    const q = new EventQueue();
    q.push(5, 1, 10, 100);
    q.push(2, 2, 20, 200);
    q.push(9, 3, 30, 300);
    q.push(0, 4, 40, 400);
    expect(q.size).toBe(4);
    expect(q.peekTime()).toBe(0);
    expect(drain(q)).toEqual([[0, 4, 40, 400], [2, 2, 20, 200], [5, 1, 10, 100], [9, 3, 30, 300]]);
    expect(q.now).toBe(9);
    expect(q.size).toBe(0);
  });

  it("pops equal times first-in first-out", () => {
    const q = new EventQueue(2);
    for (let i = 0; i < 50; i++) q.push(i % 3 === 0 ? 7 : 3, 0, i, 0);
    const out = drain(q);
    const at3 = out.filter((e) => e[0] === 3).map((e) => e[2]);
    const at7 = out.filter((e) => e[0] === 7).map((e) => e[2]);
    expect(out.slice(0, at3.length).every((e) => e[0] === 3)).toBe(true);
    expect(at3).toEqual([...at3].sort((x, y) => x - y));
    expect(at7).toEqual([...at7].sort((x, y) => x - y));
    expect(at3.length + at7.length).toBe(50);
  });

  it("keeps FIFO for events pushed at now while popping", () => {
    const q = new EventQueue();
    q.push(1, 0, 0, 0);
    q.push(1, 0, 1, 0);
    expect(q.pop()).toBe(true);
    q.push(1, 0, 2, 0); // at now, behind the one already pending
    q.push(1, 0, 3, 0);
    expect(drain(q).map((e) => e[2])).toEqual([1, 2, 3]);
  });

  it("throws a RangeError naming time and now when pushing into the past", () => {
    const q = new EventQueue();
    q.push(10, 0, 0, 0);
    q.pop();
    expect(() => q.push(9.5, 0, 0, 0)).toThrow(RangeError);
    expect(() => q.push(9.5, 0, 0, 0)).toThrow(/9\.5.*10/);
    expect(() => q.push(-1, 0, 0, 0)).toThrow(RangeError);
    q.push(10, 0, 0, 0); // equal to now is fine
    expect(q.size).toBe(1);
  });

  it("rejects non-finite times and non-u32 payloads without changing the queue", () => {
    const q = new EventQueue();
    for (const t of [NaN, Infinity, -Infinity]) expect(() => q.push(t, 0, 0, 0)).toThrow(RangeError);
    for (const x of [-1, 1.5, 2 ** 32, NaN]) {
      expect(() => q.push(1, x, 0, 0)).toThrow(/kind/);
      expect(() => q.push(1, 0, x, 0)).toThrow(/\ba\b/);
      expect(() => q.push(1, 0, 0, x)).toThrow(/\bb\b/);
    }
    expect(q.size).toBe(0);
    q.push(1, 0xffffffff, 0xffffffff, 0xffffffff);
    expect(q.pop()).toBe(true);
    expect([q.kind, q.a, q.b]).toEqual([0xffffffff, 0xffffffff, 0xffffffff]);
  });

  it("rejects a bad initial capacity", () => {
    for (const c of [0, -1, 1.5, NaN]) expect(() => new EventQueue(c)).toThrow(RangeError);
  });

  it("grows past its initial capacity and keeps order", () => {
    const q = new EventQueue(1);
    const n = 10_000;
    for (let i = 0; i < n; i++) q.push((i * 7919) % 1000, i % 5, i, n - i);
    expect(q.size).toBe(n);
    const out = drain(q);
    expect(out.length).toBe(n);
    for (let i = 1; i < n; i++) {
      const [t0, , a0] = out[i - 1], [t1, , a1] = out[i];
      expect(t0 < t1 || (t0 === t1 && a0 < a1)).toBe(true);
    }
    for (const [, k, a, b] of out) {
      expect(k).toBe(a % 5);
      expect(b).toBe(n - a);
    }
  });

  it("clear drops pending events and starts over at time 0", () => {
    const q = new EventQueue(2);
    q.push(3, 1, 1, 1);
    q.pop();
    q.push(4, 2, 2, 2);
    q.push(5, 3, 3, 3);
    q.clear();
    expect(q.size).toBe(0);
    expect(q.now).toBe(0);
    expect(q.peekTime()).toBe(Infinity);
    expect(q.pop()).toBe(false);
    q.push(1, 7, 0, 0);
    q.push(1, 8, 0, 0);
    expect(drain(q).map((e) => e[1])).toEqual([7, 8]);
  });
});

// ---- property test against a model ----

type Op = { tag: "push"; dt: number; kind: number; a: number; b: number } | { tag: "pop" } | { tag: "clear" };

const u32Arb = fc.oneof(fc.constantFrom(0, 1, 0xffffffff), fc.nat({ max: 0xffffffff }));
// Offsets from now biased to boundaries: 0 (equal to now), a few shared small values so many
// events tie, and arbitrary doubles.
const dtArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(0, 1, 2, 0.5) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 5 }) },
  { weight: 1, arbitrary: fc.double({ min: 0, max: 1e6, noNaN: true }) },
);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ tag: fc.constant("push" as const), dt: dtArb, kind: u32Arb, a: u32Arb, b: u32Arb }) },
  { weight: 4, arbitrary: fc.constant({ tag: "pop" as const }) },
  { weight: 1, arbitrary: fc.constant({ tag: "clear" as const }) },
);

describe("EventQueue, against a sorted-array model", () => {
  it("matches (time, insertion order) on random operations", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(opArb, { maxLength: 300 }), (cap, ops) => {
        const q = new EventQueue(cap);
        let model: { t: number; kind: number; a: number; b: number }[] = []; // stable: sorted by t, insertion order kept
        let now = 0;
        for (const op of ops) {
          if (op.tag === "push") {
            const t = now + op.dt;
            q.push(t, op.kind, op.a, op.b);
            let i = model.length;
            while (i > 0 && model[i - 1].t > t) i--; // after every equal time
            model.splice(i, 0, { t, kind: op.kind, a: op.a, b: op.b });
          } else if (op.tag === "pop") {
            const e = model.shift();
            expect(q.pop()).toBe(e !== undefined);
            if (e) {
              now = e.t;
              expect([q.now, q.kind, q.a, q.b]).toEqual([e.t, e.kind, e.a, e.b]);
            }
          } else {
            q.clear();
            model = [];
            now = 0;
          }
          expect(q.now).toBe(now);
          expect(q.size).toBe(model.length);
          expect(q.peekTime()).toBe(model.length ? model[0].t : Infinity);
          if (model.length && now > 0) expect(() => q.push(now / 2 - 1, 0, 0, 0)).toThrow(RangeError);
        }
        while (model.length) {
          const e = model.shift()!;
          expect(q.pop()).toBe(true);
          expect([q.now, q.kind, q.a, q.b]).toEqual([e.t, e.kind, e.a, e.b]);
        }
        expect(q.pop()).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
