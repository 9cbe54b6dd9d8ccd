// Plan options, checked once before planning (bad input changes nothing and plans nothing).
import type { Engine } from "../engine.js";
import { invalid } from "../errors.js";
import * as check from "../validate.js";
import type { PlanBudget, PlanOptions } from "./types.js";

export interface Resolved {
  budget: PlanBudget;
  /** Index of budget.dimension. */
  dim: number;
  maxPerHost: number;
  scan: number;
}

function limit(field: string, value: unknown): number {
  if (value === undefined || value === Infinity) return Infinity;
  return check.intIn(field, value, 0, Number.MAX_SAFE_INTEGER);
}

export function resolveOptions(engine: Engine, options: PlanOptions | undefined): Resolved {
  if (options !== undefined && (typeof options !== "object" || options === null)) throw invalid("options", options, "an object");
  const b = options?.budget;
  if (b !== undefined && (typeof b !== "object" || b === null)) throw invalid("budget", b, "an object {moves?, memory?, dimension?}");
  const dims = engine.dimensions;
  const dimension = b?.dimension ?? (dims.includes("memory") ? "memory" : dims[0]);
  const dim = dims.indexOf(dimension as string);
  if (dim < 0) throw invalid("budget.dimension", dimension, `one of ${dims.join(", ")}`);
  return {
    budget: { moves: limit("budget.moves", b?.moves), memory: limit("budget.memory", b?.memory), dimension },
    dim,
    maxPerHost: options?.maxPerHost === undefined ? 1 : check.intIn("maxPerHost", options.maxPerHost, 1, check.I32_MAX),
    scan: options?.scan === undefined ? 512 : check.intIn("scan", options.scan, 1, 1 << 24),
  };
}

/** What a plan has spent against its budget. */
export class Spend {
  moves = 0;
  memory = 0;
  constructor(readonly budget: PlanBudget) {}
  /** Whether `moves` more moves of `memory` in all still fit the budget. */
  allows(moves: number, memory: number): boolean {
    return this.moves + moves <= this.budget.moves && this.memory + memory <= this.budget.memory;
  }
  add(moves: number, memory: number): void {
    this.moves += moves;
    this.memory += memory;
  }
}
