#!/usr/bin/env node
// vmfabric command line: `vmfabric <command> [options]` (src/cli/main.ts has the commands).
import { main, report } from "./cli/main.js";

// A reader that goes away (`vmfabric pack dir | head`) is not an error.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw e;
});
main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => { process.exitCode = report(err); },
);
