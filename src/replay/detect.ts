// Which reader a trace needs, by its header line. A module of its own (sources.ts re-exports it)
// so a page can detect the format without bundling the alibaba reader, which needs node:fs.
import { firstLine, type TraceFile } from "./lines.js";

export const FORMATS = ["auto", "azure2017", "alibaba", "generic"] as const;
export type Format = (typeof FORMATS)[number];

/** The format a file's header says it is. */
export async function detectFormat(file: TraceFile): Promise<Exclude<Format, "auto">> {
  const text = (await firstLine(file)) ?? "";
  if (text.startsWith("arrival_s,batch,")) return "azure2017";
  if (text.startsWith("name,cpu_milli,memory_mib,num_gpu")) return "alibaba";
  return "generic";
}
