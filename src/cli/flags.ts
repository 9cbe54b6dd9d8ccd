// A command's flags as a table (type, range, default, unit, help, example), parsed with
// node:util's strict parseArgs. The same table yields typed values and the --help text, so the
// two cannot disagree.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { VmfabricError } from "../errors.js";

interface FlagBase {
  /** One line: what the flag means. */
  help: string;
  /** The placeholder in the help text, e.g. "N" or "FILE". */
  valueName?: string;
  /** What a number counts or measures, e.g. "hosts", "percent", "5-minute ticks". */
  unit?: string;
  /** A value shown as `e.g. --flag VALUE`. */
  example?: string;
  /** What happens without the flag, when that is not one value (e.g. "one per 8 racks"). */
  defaultText?: string;
}
export interface IntFlag extends FlagBase {
  type: "int";
  min: number;
  max: number;
  default?: number;
  /** Why `max` is the limit (a value above it is then a LIMIT error saying so). */
  maxReason?: string;
}
export interface FloatFlag extends FlagBase { type: "float"; min: number; max: number; default?: number }
export interface EnumFlag extends FlagBase { type: "enum"; values: readonly string[]; default?: string }
export interface StringFlag extends FlagBase { type: "string"; default?: string }
export interface BooleanFlag extends FlagBase { type: "boolean" }
export type FlagSpec = IntFlag | FloatFlag | EnumFlag | StringFlag | BooleanFlag;
export type FlagTable = Record<string, FlagSpec>;

/** The parsed value of one flag: numbers and strings are undefined only without a default. */
type ValueOf<S extends FlagSpec> =
  S extends BooleanFlag ? boolean
  : S extends IntFlag | FloatFlag ? (S extends { default: number } ? number : number | undefined)
  : S extends EnumFlag ? (S extends { values: readonly (infer V)[]; default: string } ? V : S extends { values: readonly (infer V)[] } ? V | undefined : never)
  : S extends { default: string } ? string : string | undefined;
export type FlagValues<F extends FlagTable> = { -readonly [K in keyof F]: ValueOf<F[K]> };

/** Positional arguments a command takes (none when absent). */
export interface PositionalSpec {
  name: string;
  help: string;
  min: number;
  max: number;
}

export interface Parsed<F extends FlagTable> {
  flags: FlagValues<F>;
  positionals: string[];
  /** Flags the user gave (to tell a default from an explicit value). */
  given: ReadonlySet<string>;
  help: boolean;
}

const HELP_FLAG: BooleanFlag = { type: "boolean", help: "print this help and exit" };

function usageError(message: string, field: string, value?: unknown): VmfabricError {
  return new VmfabricError("INVALID_INPUT", message, field, value);
}

/** Parses argv for `vmfabric <command>`; every mistake is a VmfabricError naming the flag. */
export function parseFlags<F extends FlagTable>(command: string, table: F, positionals: PositionalSpec | undefined, argv: readonly string[]): Parsed<F> {
  const options: NonNullable<ParseArgsConfig["options"]> = { help: { type: "boolean", short: "h" } };
  for (const [name, spec] of Object.entries(table)) options[name] = { type: spec.type === "boolean" ? "boolean" : "string" };
  const config = { args: [...argv], options, allowPositionals: positionals !== undefined, tokens: true } as const;
  let parsed: ReturnType<typeof parseArgs<typeof config & { strict: true }>>;
  try {
    parsed = parseArgs({ ...config, strict: true });
  } catch (e) {
    throw explain(command, table, config, e);
  }
  const seen = new Set<string>();
  for (const t of parsed.tokens) {
    if (t.kind !== "option") continue;
    if (seen.has(t.name)) throw usageError(`--${t.name} is given twice; give it once`, `--${t.name}`, t.value);
    seen.add(t.name);
  }
  const help = parsed.values.help === true;
  const flags: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(table)) flags[name] = convert(name, spec, (parsed.values as Record<string, string | boolean | undefined>)[name]);
  const pos = parsed.positionals;
  if (!help && positionals) {
    if (pos.length < positionals.min) throw usageError(`${command} needs ${positionals.min > 1 ? `at least ${positionals.min} ` : ""}${positionals.name}: ${positionals.help}; see vmfabric ${command} --help`, positionals.name);
    if (pos.length > positionals.max) throw usageError(`unexpected argument ${JSON.stringify(pos[positionals.max])}: ${command} takes at most ${positionals.max} ${positionals.name}`, "argument", pos[positionals.max]);
  }
  return { flags: flags as FlagValues<F>, positionals: pos, given: seen, help };
}

/** Turns parseArgs' strict-mode failure into a message naming the exact token. Parsing again
 *  without strict gives the tokens, so no error text of Node's is parsed. */
function explain(command: string, table: FlagTable, config: Parameters<typeof parseArgs>[0] & object, e: unknown): VmfabricError {
  const argv = config.args ?? [];
  const { tokens } = parseArgs({ ...config, strict: false, allowPositionals: true, tokens: true });
  const known = ["--help", ...Object.keys(table).map((k) => `--${k}`)];
  for (const t of tokens ?? []) {
    if (t.kind === "positional" && !config.allowPositionals) {
      return usageError(`unexpected argument ${JSON.stringify(t.value)}: vmfabric ${command} takes no arguments`, "argument", t.value);
    }
    if (t.kind !== "option") continue;
    const spec = t.name === "help" ? HELP_FLAG : table[t.name];
    if (spec === undefined) {
      return usageError(`unknown option ${t.rawName} for vmfabric ${command} (its options: ${known.join(", ")})`, t.rawName, t.rawName);
    }
    if (spec.type === "boolean" && t.value !== undefined) {
      return usageError(`--${t.name} is a switch and takes no value: write --${t.name}, not ${t.rawName}=${t.value}`, `--${t.name}`, t.value);
    }
    if (spec.type !== "boolean" && t.value === undefined) {
      return usageError(`--${t.name} needs a value (${placeholder(t.name, spec)})`, `--${t.name}`);
    }
    if (spec.type !== "boolean" && !t.inlineValue && t.value!.startsWith("-")) {
      return usageError(`--${t.name} needs a value, got the option-like ${JSON.stringify(t.value)}; write --${t.name}=${t.value} if that is the value`, `--${t.name}`, t.value);
    }
  }
  // A case not foreseen above is still the user's argument list, not a bug.
  return usageError(`${(e as Error).message} (see vmfabric ${command} --help)`, "argument", argv);
}

function convert(name: string, spec: FlagSpec, raw: string | boolean | undefined): unknown {
  const field = `--${name}`;
  switch (spec.type) {
    case "boolean":
      return raw === true;
    case "string":
      return raw === undefined ? spec.default : raw;
    case "enum":
      if (raw === undefined) return spec.default;
      if (!spec.values.includes(raw as string)) throw usageError(`${field} must be one of ${spec.values.join(", ")}, got ${JSON.stringify(raw)}`, field, raw);
      return raw;
    case "int": {
      if (raw === undefined) return spec.default;
      const s = String(raw).replaceAll("_", "");
      const n = /^-?\d+$/.test(s) ? Number(s) : NaN;
      if (Number.isSafeInteger(n) && n > spec.max && spec.maxReason) {
        throw new VmfabricError("LIMIT", `${field} ${raw} is more than ${num(spec.max)}, the most ${spec.maxReason} (LIMIT)`, field, raw);
      }
      if (!Number.isSafeInteger(n) || n < spec.min || n > spec.max) {
        throw usageError(`${field} must be an integer in [${spec.min}, ${spec.max}]${spec.unit ? ` (${spec.unit})` : ""}, got ${JSON.stringify(raw)}`, field, raw);
      }
      return n;
    }
    case "float": {
      if (raw === undefined) return spec.default;
      const s = String(raw);
      const n = /^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(s) ? Number(s) : NaN;
      if (!(n >= spec.min && n <= spec.max)) {
        throw usageError(`${field} must be a number in [${spec.min}, ${spec.max}]${spec.unit ? ` (${spec.unit})` : ""}, got ${JSON.stringify(raw)}`, field, raw);
      }
      return n;
    }
  }
}

function placeholder(name: string, spec: FlagSpec): string {
  if (spec.valueName) return spec.valueName;
  if (spec.type === "enum") return spec.values.join("|");
  if (spec.type === "int") return "N";
  if (spec.type === "float") return "X";
  return name.toUpperCase();
}

const num = (x: number): string => (Number.isInteger(x) && Math.abs(x) >= 10_000 ? x.toLocaleString("en-US") : String(x));

/** One line per flag: `--name VALUE  help (unit; range; default; e.g.)`, wrapped to `width`. */
export function flagHelp(table: FlagTable, width = 100): string[] {
  const rows: Array<[string, string]> = [];
  for (const [name, spec] of [...Object.entries(table), ["help", HELP_FLAG] as const]) {
    const left = spec.type === "boolean" ? (name === "help" ? "-h, --help" : `--${name}`) : `--${name} ${placeholder(name, spec)}`;
    const facts: string[] = [];
    if (spec.unit) facts.push(spec.unit);
    if (spec.type === "int" || spec.type === "float") facts.push(`${num(spec.min)} to ${num(spec.max)}`);
    if (spec.type === "enum") facts.push(`one of ${spec.values.join(", ")}`);
    if (spec.defaultText !== undefined) facts.push(`default: ${spec.defaultText}`);
    else if (spec.type !== "boolean") facts.push(spec.default === undefined ? "no default" : `default ${typeof spec.default === "number" ? num(spec.default) : spec.default}`);
    if (spec.example !== undefined) facts.push(`e.g. --${name} ${spec.example}`);
    rows.push([left, facts.length ? `${spec.help} [${facts.join("; ")}]` : spec.help]);
  }
  const w = Math.min(28, Math.max(...rows.map(([l]) => l.length)) + 2);
  const out: string[] = [];
  for (const [left, text] of rows) {
    const lines = wrap(text, width - w - 2);
    out.push(`  ${left.padEnd(w)}${left.length >= w ? "\n  " + " ".repeat(w) : ""}${lines[0]}`);
    for (const l of lines.slice(1)) out.push(`  ${" ".repeat(w)}${l}`);
  }
  return out;
}

export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines;
}
