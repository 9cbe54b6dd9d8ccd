// Streams a text file as chunks of whole lines (never the whole file in memory), numbering
// lines from 1. Chunks, not single lines, because an async step per line costs more than
// parsing the line. A trace file is a path (Node's file system, reached through
// process.getBuiltinModule so this module imports no `node:` module) or a Blob with a name
// (a browser File the user picked), so the readers' parsing is the same in Node and a page.
import { VmfabricError } from "../errors.js";

/** A Blob with a name: what a browser's File API gives for a picked file. */
export interface NamedBlob {
  readonly name: string;
  stream(): ReadableStream<Uint8Array>;
}

/** A trace file: a path in Node, or a picked file in a browser (or Node, as a Blob). */
export type TraceFile = string | NamedBlob;

export interface LineChunk {
  lines: string[];
  /** 1-based line number of lines[0]. */
  first: number;
}

/** The name messages and results use for a trace file. */
export function traceName(file: TraceFile): string {
  return typeof file === "string" ? file : file.name;
}

/** The part of node:fs used here (declared, so a page's type check needs no Node types). */
interface NodeFs {
  createReadStream(path: string, options: { encoding: "utf8"; highWaterMark: number }): AsyncIterable<unknown> & { destroy(): void };
}

async function* pathPieces(file: string): AsyncGenerator<string> {
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const fs = p?.getBuiltinModule?.("node:fs") as NodeFs | undefined;
  if (fs === undefined) throw new VmfabricError("INVALID_INPUT", `cannot read ${file}: a path needs Node's file system; pass a File (Blob) here`, "trace", file);
  const stream = fs.createReadStream(file, { encoding: "utf8", highWaterMark: 1 << 20 });
  try {
    for await (const piece of stream) yield piece as string;
  } catch (e) {
    if ((e as { code?: string }).code !== undefined) throw new VmfabricError("NOT_FOUND", `cannot read ${file}: ${(e as Error).message}`, "trace", file);
    throw e;
  } finally {
    stream.destroy();
  }
}

async function* blobPieces(file: NamedBlob): AsyncGenerator<string> {
  const reader = file.stream().getReader();
  // Streaming decode (a character may be cut between pieces); the BOM kept, as Node's reader does.
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield decoder.decode(value, { stream: true });
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const tail = decoder.decode();
  if (tail.length > 0) yield tail;
}

export async function* readLineChunks(file: TraceFile): AsyncGenerator<LineChunk> {
  let rest = "";
  let next = 1;
  for await (const piece of typeof file === "string" ? pathPieces(file) : blobPieces(file)) {
    const text = rest + piece;
    const lines = text.split("\n");
    rest = lines.pop()!;
    for (let i = 0; i < lines.length; i++) if (lines[i].endsWith("\r")) lines[i] = lines[i].slice(0, -1);
    if (lines.length > 0) {
      yield { lines, first: next };
      next += lines.length;
    }
  }
  if (rest.endsWith("\r")) rest = rest.slice(0, -1);
  if (rest.length > 0) yield { lines: [rest], first: next };
}

/** The first non-blank line of a file (for format detection and headers), or undefined. */
export async function firstLine(file: TraceFile): Promise<string | undefined> {
  for await (const { lines } of readLineChunks(file)) {
    for (const l of lines) if (l.trim().length > 0) return l;
  }
  return undefined;
}
