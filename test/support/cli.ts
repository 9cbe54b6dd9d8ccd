// Runs a CLI command's run(argv) with console.log / console.error captured.
import { vi } from "vitest";

export async function captureRun(run: (argv: string[]) => Promise<number>, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, "log").mockImplementation((...a) => { out.push(a.join(" ")); });
  vi.spyOn(console, "error").mockImplementation((...a) => { err.push(a.join(" ")); });
  const code = await run(argv);
  return { code, out: out.join("\n"), err: err.join("\n") };
}
