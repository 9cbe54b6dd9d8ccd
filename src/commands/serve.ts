// `vmfabric serve`: placeholder replaced by the page server (see README).
import { defineCommand } from "../cli/command.js";

export const command = defineCommand({
  name: "serve",
  summary: "serves the data-center page on 127.0.0.1",
  flags: {
    port: { type: "int", min: 0, max: 65_535, default: 8080, unit: "TCP port", help: "port to listen on (0: any free port)" },
  },
  examples: ["serve --port 8080"],
  run() {
    return 0;
  },
});
