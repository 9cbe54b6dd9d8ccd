// Labels, taints and the constraints VMs put on them. A host carries labels (`key=value`, e.g.
// gpu=V100M32, gen=v5) and taints (`key` or `key=value`, e.g. gpu: "keep for GPU work"). A VM may
// require, per key, any of a set of values (Alibaba's gpu_spec meaning), and must tolerate every
// taint of a host to use it: a toleration `key` tolerates any taint of that key, `key=value` only
// that one. The core sees numbers only: each distinct (labels, taints) set of hosts is a
// signature, each distinct (requirements, tolerations) set of VMs a constraint, and one bit says
// whether a constraint admits a signature.
import { VmfabricError, invalid, show } from "./errors.js";

/** At most this many distinct label-and-taint sets among hosts, and constraints among VMs. */
export const MAX_SIGNATURES = 1024;
export const MAX_CONSTRAINTS = 1024;

const KEY = /^[A-Za-z0-9]([A-Za-z0-9._/-]{0,61}[A-Za-z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$/;

export interface Signature {
  labels: ReadonlyMap<string, string>;
  /** Taints as given: `key` or `key=value`. */
  taints: readonly string[];
}

export interface Constraint {
  /** Per key, the values any one of which the host's label must have. */
  requires: ReadonlyMap<string, readonly string[]>;
  tolerates: readonly string[];
}

/** What a VM may ask of host labels: `requires` per key any of the values, `tolerates` taints. */
export interface ConstraintSpec {
  requires?: Readonly<Record<string, readonly string[]>>;
  tolerates?: readonly string[];
}

function key(field: string, k: unknown): string {
  if (typeof k !== "string" || !KEY.test(k)) throw invalid(field, k, "a label key: 1 to 63 letters, digits, '.', '_', '-' or '/', starting and ending with a letter or digit");
  return k;
}

function value(field: string, v: unknown): string {
  if (typeof v !== "string" || !VALUE.test(v)) throw invalid(field, v, "a label value: up to 63 letters, digits, '.', '_' or '-', starting and ending with a letter or digit");
  return v;
}

/** A taint or toleration: `key` or `key=value`. */
function keyValue(field: string, t: unknown): string {
  if (typeof t !== "string") throw invalid(field, t, "a string `key` or `key=value`");
  const eq = t.indexOf("=");
  if (eq < 0) return key(field, t);
  return `${key(field, t.slice(0, eq))}=${value(field, t.slice(eq + 1))}`;
}

function list(field: string, x: unknown): unknown[] {
  if (!Array.isArray(x)) throw invalid(field, x, "an array");
  return x;
}

function record(field: string, x: unknown): [string, unknown][] {
  if (typeof x !== "object" || x === null || Array.isArray(x)) throw invalid(field, x, "an object of key: value");
  return Object.entries(x);
}

/** A host's labels and taints, checked; undefined ones are empty. */
export function signatureOf(field: string, labels: unknown, taints: unknown): Signature {
  const l = new Map<string, string>();
  if (labels !== undefined) for (const [k, v] of record(`${field}.labels`, labels)) l.set(key(`${field}.labels`, k), value(`${field}.labels.${k}`, v));
  const t = taints === undefined ? [] : list(`${field}.taints`, taints).map((x, i) => keyValue(`${field}.taints[${i}]`, x));
  return { labels: l, taints: [...new Set(t)].sort() };
}

export function constraintOf(field: string, spec: ConstraintSpec | undefined): Constraint {
  const requires = new Map<string, readonly string[]>();
  if (spec?.requires !== undefined) {
    for (const [k, vs] of record(`${field}.requires`, spec.requires)) {
      const values = list(`${field}.requires.${k}`, vs).map((v, i) => value(`${field}.requires.${k}[${i}]`, v));
      if (values.length === 0) throw invalid(`${field}.requires.${k}`, vs, "a non-empty array of values (any one of them)");
      requires.set(key(`${field}.requires`, k), [...new Set(values)].sort());
    }
  }
  const tolerates = spec?.tolerates === undefined ? [] : list(`${field}.tolerates`, spec.tolerates).map((x, i) => keyValue(`${field}.tolerates[${i}]`, x));
  return { requires, tolerates: [...new Set(tolerates)].sort() };
}

export function signatureKey(s: Signature): string {
  return JSON.stringify([[...s.labels].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)), s.taints]);
}

export function constraintKey(c: Constraint): string {
  return JSON.stringify([[...c.requires].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)), c.tolerates]);
}

/** Whether a VM with constraint c may use a host with signature s. */
export function admits(c: Constraint, s: Signature): boolean {
  for (const [k, values] of c.requires) {
    const v = s.labels.get(k);
    if (v === undefined || !values.includes(v)) return false;
  }
  for (const t of s.taints) {
    const k = t.includes("=") ? t.slice(0, t.indexOf("=")) : t;
    if (!c.tolerates.includes(t) && !c.tolerates.includes(k)) return false;
  }
  return true;
}

/** "gpu in {V100M16, V100M32}, tolerating gpu" (for rejection messages). */
export function describe(c: Constraint): string {
  const parts = [...c.requires].map(([k, vs]) => (vs.length === 1 ? `${k}=${vs[0]}` : `${k} in {${vs.join(", ")}}`));
  const req = parts.length ? ` with ${parts.join(" and ")}` : " without taints";
  const tol = c.tolerates.length ? `${parts.length ? "," : ""} tolerating ${c.tolerates.join(", ")}` : "";
  return `no in-service host${parts.length || !c.tolerates.length ? req : ""}${tol} has room for the VM`;
}

/** Numbers signatures and constraints as they are first seen (0 = none of either). */
export class AttributeRegistry {
  readonly signatures: Signature[] = [{ labels: new Map(), taints: [] }];
  readonly constraints: Constraint[] = [{ requires: new Map(), tolerates: [] }];
  private readonly sigIndex = new Map<string, number>([[signatureKey(this.signatures[0]), 0]]);
  private readonly conIndex = new Map<string, number>([[constraintKey(this.constraints[0]), 0]]);

  /** The id of a signature, registering it if new (the caller tells the core). */
  signature(s: Signature, field: string): { id: number; added: boolean } {
    const k = signatureKey(s);
    const id = this.sigIndex.get(k);
    if (id !== undefined) return { id, added: false };
    if (this.signatures.length >= MAX_SIGNATURES) throw new VmfabricError("LIMIT", `${field}: at most ${MAX_SIGNATURES} distinct sets of labels and taints per engine`, field, show(k));
    this.sigIndex.set(k, this.signatures.length);
    this.signatures.push(s);
    return { id: this.signatures.length - 1, added: true };
  }

  constraint(c: Constraint, field: string): { id: number; added: boolean } {
    const k = constraintKey(c);
    const id = this.conIndex.get(k);
    if (id !== undefined) return { id, added: false };
    if (this.constraints.length >= MAX_CONSTRAINTS) throw new VmfabricError("LIMIT", `${field}: at most ${MAX_CONSTRAINTS} distinct label requirements per engine`, field, show(k));
    this.conIndex.set(k, this.constraints.length);
    this.constraints.push(c);
    return { id: this.constraints.length - 1, added: true };
  }

  /** Whether constraint c admits every signature registered so far. */
  admitsAll(c: number): boolean {
    return this.signatures.every((s) => admits(this.constraints[c], s));
  }
}
