// `vmfabric serve`: the data-center page (web/, built into dist/web/) from a small static file
// server bound to 127.0.0.1. The page loads nothing from elsewhere (its Content-Security-Policy
// says so), so it works offline.
import { existsSync, readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { defineCommand } from "../cli/command.js";
import { VmfabricError } from "../errors.js";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".svg": "image/svg+xml",
};
// WebAssembly compilation needs 'wasm-unsafe-eval'; everything else comes from this server.
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'";

/** dist/web beside the package: from dist/src/commands/ (installed) or src/commands/ (tests). */
export function webRoot(): string {
  for (const rel of ["../../web/", "../../dist/web/"]) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(join(dir, "index.html"))) return dir;
  }
  throw new VmfabricError("INVALID_INPUT", "the page is not built (dist/web/index.html is missing): run `npm run build`", "serve");
}

export interface PageServer {
  url: string;
  close(): Promise<void>;
}

/** Serves `root` on 127.0.0.1:port (0: any free port) until closed. */
export async function startServer(port: number, root = webRoot()): Promise<PageServer> {
  const server: Server = createServer((req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname);
    const file = normalize(join(root, path.endsWith("/") ? path + "index.html" : path));
    let ok = file.startsWith(root.endsWith(sep) ? root : root + sep);
    try {
      ok &&= statSync(file).isFile();
    } catch {
      ok = false;
    }
    if (!ok) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found\n");
      return;
    }
    const body = readFileSync(file);
    res.writeHead(200, {
      "content-type": TYPES[extname(file)] ?? "application/octet-stream",
      "content-length": body.length,
      "content-security-policy": CSP,
      "x-content-type-options": "nosniff",
      "cache-control": "no-cache",
    });
    res.end(req.method === "HEAD" ? undefined : body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) => {
      reject(e.code === "EADDRINUSE"
        ? new VmfabricError("INVALID_INPUT", `--port ${port}: the port is in use; pick another, or --port 0 for any free one`, "--port", port)
        : e.code === "EACCES"
          ? new VmfabricError("INVALID_INPUT", `--port ${port}: permission denied (ports below 1024 need privileges)`, "--port", port)
          : e);
    });
    server.listen(port, "127.0.0.1", resolve);
  });
  const address = server.address();
  const bound = typeof address === "object" && address ? address.port : port;
  return {
    url: `http://127.0.0.1:${bound}/`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

export const command = defineCommand({
  name: "serve",
  summary: "serves the data-center page (the Fabric Controller in your browser) on 127.0.0.1",
  flags: {
    port: { type: "int", min: 0, max: 65_535, default: 8080, unit: "TCP port", help: "port on 127.0.0.1 to listen on; 0 picks a free one", example: "9000" },
  },
  description: [
    "Open the printed address: the page runs a Fabric Controller story in a Web Worker (racks boot from power-off, " +
    "services deploy, a rack fails, the FC heals) and draws racks x servers by state and utilisation. Below it, " +
    "Replay a trace: pick a trace file (read in the page, never sent), choose policies and baselines, and the page replays it " +
    "in a worker and draws the --report charts and summary table. Ctrl-C stops.",
  ],
  examples: ["serve", "serve --port 0"],
  async run({ flags }) {
    const s = await startServer(flags.port);
    console.log(`vmfabric serve: ${s.url} (Ctrl-C to stop)`);
    await new Promise<void>((resolve) => process.once("SIGINT", resolve));
    await s.close();
    return 0;
  },
});

export const run = (argv: readonly string[]): Promise<number> => command.run(argv);
