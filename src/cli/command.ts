// A CLI command as data: name, summary, flag table, positionals, examples and a run function.
// `defineCommand` turns it into something src/cli.ts can list, describe and run; the help text
// is generated from the same table the parser uses.
import { flagHelp, parseFlags, wrap, type FlagTable, type Parsed, type PositionalSpec } from "./flags.js";

export interface CommandSpec<F extends FlagTable> {
  name: string;
  /** One line for `vmfabric --help`. */
  summary: string;
  /** Paragraphs after the flags (units, data sources, what the output means), wrapped. */
  description?: string[];
  positionals?: PositionalSpec;
  flags: F;
  /** Whole command lines without the leading `vmfabric `; the first is the main example. */
  examples: string[];
  run(args: Parsed<F>): Promise<number> | number;
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly flags: FlagTable;
  /** The full --help text. */
  help(): string;
  /** Parses argv (flags after the command name) and runs; user mistakes throw VmfabricError. */
  run(argv: readonly string[]): Promise<number>;
}

export function defineCommand<const F extends FlagTable>(spec: CommandSpec<F>): Command {
  const help = (): string => {
    const pos = spec.positionals ? ` ${spec.positionals.name}${spec.positionals.max > 1 ? "..." : ""}` : "";
    const lines = [`vmfabric ${spec.name}: ${spec.summary}`, "", `usage: vmfabric ${spec.name}${pos} [options]`];
    if (spec.positionals) lines.push("", `  ${spec.positionals.name}  ${spec.positionals.help}`);
    lines.push("", "options:", ...flagHelp(spec.flags));
    for (const paragraph of spec.description ?? []) lines.push("", ...wrap(paragraph, 100));
    lines.push("", spec.examples.length > 1 ? "examples:" : "example:", ...spec.examples.map((e) => `  vmfabric ${e}`));
    return lines.join("\n");
  };
  return {
    name: spec.name,
    summary: spec.summary,
    flags: spec.flags,
    help,
    async run(argv) {
      const parsed = parseFlags(spec.name, spec.flags, spec.positionals, argv);
      if (parsed.help) {
        console.log(help());
        return 0;
      }
      return spec.run(parsed);
    },
  };
}
