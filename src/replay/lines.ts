// Streams a text file as chunks of whole lines (never the whole file in memory), numbering
// lines from 1. Chunks, not single lines, because an async step per line costs more than
// parsing the line.
import { createReadStream } from "node:fs";
import { VmfabricError } from "../errors.js";

export interface LineChunk {
  lines: string[];
  /** 1-based line number of lines[0]. */
  first: number;
}

export async function* readLineChunks(file: string): AsyncGenerator<LineChunk> {
  const stream = createReadStream(file, { encoding: "utf8", highWaterMark: 1 << 20 });
  let rest = "";
  let next = 1;
  try {
    for await (const piece of stream) {
      const text = rest + (piece as string);
      const lines = text.split("\n");
      rest = lines.pop()!;
      for (let i = 0; i < lines.length; i++) if (lines[i].endsWith("\r")) lines[i] = lines[i].slice(0, -1);
      if (lines.length > 0) {
        yield { lines, first: next };
        next += lines.length;
      }
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== undefined) throw new VmfabricError("NOT_FOUND", `cannot read ${file}: ${(e as Error).message}`, "trace", file);
    throw e;
  } finally {
    stream.destroy();
  }
  if (rest.endsWith("\r")) rest = rest.slice(0, -1);
  if (rest.length > 0) yield { lines: [rest], first: next };
}

/** The first non-blank line of a file (for format detection and headers), or undefined. */
export async function firstLine(file: string): Promise<string | undefined> {
  for await (const { lines } of readLineChunks(file)) {
    for (const l of lines) if (l.trim().length > 0) return l;
  }
  return undefined;
}
