// Picks the reader for a trace: by --format, or (auto) by the file's header line.
import { VmfabricError } from "../errors.js";
import { detectFormat, type Format } from "./detect.js";
import { azure2017 } from "./formats/azure2017.js";
import { generic } from "./formats/generic.js";
import type { TraceSource } from "./trace.js";

export { FORMATS, detectFormat, type Format } from "./detect.js";

export interface OpenOptions {
  format: Format;
  seed: number;
  antiAffinity: boolean;
  /** alibaba: the node list. */
  nodes?: string;
}

export async function openTrace(file: string, o: OpenOptions): Promise<TraceSource> {
  const format = o.format === "auto" ? await detectFormat(file) : o.format;
  switch (format) {
    case "azure2017":
      return azure2017(file, { seed: o.seed, antiAffinity: o.antiAffinity });
    case "generic":
      return generic(file);
    case "alibaba": {
      const { alibaba } = await import("./formats/alibaba.js");
      if (o.nodes === undefined) throw new VmfabricError("INVALID_INPUT", "--format alibaba needs --nodes NODES.csv (an openb_node_list*.csv)", "--nodes", undefined);
      return alibaba(file, o.nodes);
    }
  }
}
