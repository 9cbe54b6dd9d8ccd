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
  /** alibaba: the node list; generic: the nodes CSV. */
  nodes?: string;
  /** generic: device dimensions and the units of one device (--devices). */
  devices?: Readonly<Record<string, number>>;
}

export async function openTrace(file: string, o: OpenOptions): Promise<TraceSource> {
  const format = o.format === "auto" ? await detectFormat(file) : o.format;
  if (o.devices !== undefined && format !== "generic") {
    const why = format === "alibaba" ? "alibaba's GPUs are already devices (gpu=1000)" : "azure2017 has no device dimension";
    throw new VmfabricError("INVALID_INPUT", `--devices applies to the generic format only (${file} is ${format}: ${why})`, "--devices", o.devices);
  }
  switch (format) {
    case "azure2017":
      if (o.nodes !== undefined) throw new VmfabricError("INVALID_INPUT", `--nodes applies to the alibaba and generic formats (${file} is azure2017: give --hosts and --host-capacity)`, "--nodes", o.nodes);
      return azure2017(file, { seed: o.seed, antiAffinity: o.antiAffinity });
    case "generic":
      try {
        return await generic(file, { devices: o.devices, nodes: o.nodes });
      } catch (e) {
        // The library names its option `devices`; the command's user typed --devices.
        if (e instanceof VmfabricError && e.code === "INVALID_INPUT" && e.field?.startsWith("devices")) {
          throw new VmfabricError("INVALID_INPUT", `--devices: ${e.message}`, "--devices", e.value);
        }
        throw e;
      }
    case "alibaba": {
      const { alibaba } = await import("./formats/alibaba.js");
      if (o.nodes === undefined) throw new VmfabricError("INVALID_INPUT", "--format alibaba needs --nodes NODES.csv (an openb_node_list*.csv)", "--nodes", undefined);
      return alibaba(file, o.nodes);
    }
  }
}

/** `--devices gpu=1000[,fpga=100]` as the devices option (sizes checked by the reader). */
export function parseDevices(text: string): Record<string, number> {
  const out = new Map<string, number>();
  for (const part of text.split(",")) {
    const m = /^\s*([^=\s]+)\s*=\s*(\d+)\s*$/.exec(part);
    if (m === null) throw new VmfabricError("INVALID_INPUT", `--devices must be DIM=SIZE[,DIM=SIZE...] (e.g. gpu=1000), got ${JSON.stringify(text)}`, "--devices", text);
    if (out.has(m[1])) throw new VmfabricError("INVALID_INPUT", `--devices names ${m[1]} twice`, "--devices", text);
    out.set(m[1], Number(m[2]));
  }
  return Object.fromEntries(out);
}
