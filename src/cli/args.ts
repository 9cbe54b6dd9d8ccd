// A small flag parser for the CLI: `--name value`, `--name=value` and boolean `--flag`.
import { VmfabricError } from "../errors.js";

export interface ParsedArgs {
  positional: string[];
  flags: Map<string, string | true>;
}

export function parseArgs(argv: readonly string[], booleans: readonly string[]): ParsedArgs {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
    if (eq >= 0) flags.set(name, a.slice(eq + 1));
    else if (booleans.includes(name)) flags.set(name, true);
    else {
      const v = argv[i + 1];
      if (v === undefined || v.startsWith("--")) throw new VmfabricError("INVALID_INPUT", `--${name} needs a value`, `--${name}`, v);
      flags.set(name, v);
      i++;
    }
  }
  return { positional, flags };
}

/** Rejects flags the command does not know, naming them. */
export function onlyFlags(args: ParsedArgs, known: readonly string[]): void {
  for (const name of args.flags.keys()) {
    if (!known.includes(name)) throw new VmfabricError("INVALID_INPUT", `unknown option --${name} (known: ${known.map((k) => "--" + k).join(", ")})`, `--${name}`, name);
  }
}

export function intFlag(args: ParsedArgs, name: string, def: number, min: number, max: number): number {
  const v = args.flags.get(name);
  if (v === undefined) return def;
  const n = typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new VmfabricError("INVALID_INPUT", `--${name} must be an integer in [${min}, ${max}], got ${JSON.stringify(v)}`, `--${name}`, v);
  }
  return n;
}

export function stringFlag(args: ParsedArgs, name: string, def: string, allowed?: readonly string[]): string {
  const v = args.flags.get(name);
  if (v === undefined) return def;
  if (v === true || (allowed && !allowed.includes(v))) {
    throw new VmfabricError("INVALID_INPUT", `--${name} must be ${allowed ? "one of " + allowed.join(", ") : "a value"}, got ${JSON.stringify(v)}`, `--${name}`, v);
  }
  return v;
}

export function boolFlag(args: ParsedArgs, name: string): boolean {
  return args.flags.get(name) === true;
}
