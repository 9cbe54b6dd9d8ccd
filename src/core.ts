// Loads the WebAssembly core. The module is compiled once per process (or page); every Engine
// gets its own instance (and so its own memory). All exports take and return plain numbers, so
// no bindings layer is needed beyond reading usize results as unsigned.
//
// Two ways in: `await init(source?)` anywhere (a URL, a Response, bytes or a compiled module;
// by default the wasm beside the package, fetched in browsers), and in Node a synchronous load
// on first use, through process.getBuiltinModule so this file imports no `node:` module and
// bundlers and browsers can load it.

import { VmfabricError } from "./errors.js";

/** The slice of the WebAssembly JS API used here, declared locally so the shipped declarations
 *  need neither lib.dom nor a global declaration of their own. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
export interface WasmGlobal {
  value: number;
}
/** A compiled core (a `WebAssembly.Module`). */
export interface WasmModule {
  readonly __wasmModule?: never;
}
interface WasmApi {
  Module: new (bytes: ArrayBuffer | ArrayBufferView) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => { readonly exports: Record<string, unknown> };
  compile(bytes: ArrayBuffer | ArrayBufferView): Promise<WasmModule>;
  compileStreaming?: (response: unknown) => Promise<WasmModule>;
  RuntimeError: new (message: string) => Error;
}
const wasm = (): WasmApi => (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** A URL object (typed by its `href` alone, so the declarations need neither lib.dom nor Node's
 *  types). */
export interface UrlLike {
  readonly href: string;
}
/** What `init` accepts: the wasm's URL (a string is resolved against the page, or this module),
 *  a fetch Response, its bytes, or a compiled module. */
export type CoreSource = string | UrlLike | ArrayBuffer | ArrayBufferView | WasmModule | { arrayBuffer(): Promise<ArrayBuffer> };

/** The core's exports (internal: the shapes of assembly/index.ts). */
export interface CoreExports {
  memory: WasmMemory;
  ioPtr(): number;
  create(dims: number, hosts: number, vms: number, types: number, faultDomains: number): void;
  setType(t: number): void;
  setDevices(userDims: number, kinds: number): void;
  setTypeRank(t: number, r: number): void;
  rankHosts(ranks: number, refile: number | boolean): void;
  setDeviceSize(j: number, size: number): void;
  deviceTable(): number;
  vmDeviceTable(): number;
  restoreOn(v: number, h: number, tenant: number, deployment: number, constraint: number, end: number): number;
  setHost(h: number, type: number, fd: number, state: number): void;
  setHostState(h: number, state: number): void;
  setDedicated(tenant: number): number;
  isDedicated(tenant: number): number;
  place(v: number, tenant: number, deployment: number, constraint: number, k: number, policy: number, window: number, end: number): number;
  placeOn(v: number, h: number, tenant: number, deployment: number, constraint: number, k: number, end: number): number;
  releaseVm(v: number): void;
  moveVm(v: number, target: number, k: number, policy: number, window: number): number;
  lastReason(): number;
  lastReasonDim(): number;
  addHosts(n: number): void;
  setHostAttributes(h: number, sig: number): void;
  setSpecialDimensions(mask: number): void;
  setConstraintAdmits(c: number, sig: number, on: number | boolean): void;
  setConstraintAdmitsAll(c: number, all: number | boolean): void;
  vmConstraintTable(): number;
  inServiceUsedCount(): number;
  totalsTable(): number;
  shapeClassBuilds(): number;
  boundTreeWakes(): number;
  shortCountWakes(): number;
  hostsUsedCount(): number;
  vmsPlacedCount(): number;
  inServiceHosts(): number;
  faultDomains(): number;
  coreBytes(): number;
  scratchSize(): number;
  lanes(): number;
  hostStride(): number;
  vmStride(): number;
  hostFreeTable(): number;
  hostVmCountTable(): number;
  hostStateTable(): number;
  vmHostTable(): number;
  vmDemandTable(): number;
  vmTenantTable(): number;
  vmDeploymentTable(): number;
  vmNextTable(): number;
  hostVmHeadTable(): number;
  vmEndTable(): number;
  batchPrepare(n: number, m: number): number;
  placeBatch(n: number, policy: number, window: number, k: number, offline: number, measure: number): number;
  releaseBatch(n: number): void;
  setTrapAfter(n: number): void;
  inVm: WasmGlobal;
  inDemand: WasmGlobal;
  inTenant: WasmGlobal;
  inDep: WasmGlobal;
  inCon: WasmGlobal;
  inEnd: WasmGlobal;
  outHost: WasmGlobal;
  outReason: WasmGlobal;
  inPriorDep: WasmGlobal;
  inPriorFd: WasmGlobal;
  inPriorCount: WasmGlobal;
}

let compiled: WasmModule | undefined;

/** Where the wasm sits relative to this file: dist/src/core.js (the package), then src/core.ts
 *  (tests run from source). */
const WASM_URLS = ["../../build/vmfabric.wasm", "../build/vmfabric.wasm"];

interface NodeFs {
  readFileSync(path: string | URL): Uint8Array;
  existsSync(path: string | URL): boolean;
}
function nodeFs(): NodeFs | undefined {
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return p?.getBuiltinModule?.("node:fs") as NodeFs | undefined;
}

/** True when the core is compiled and Engine.create can run synchronously. */
export function isCoreLoaded(): boolean {
  return compiled !== undefined;
}

/**
 * Compiles the core from `source`, or by default from the package's own build/vmfabric.wasm
 * (fetched relative to this module in browsers, read from disk in Node). Safe to call more than
 * once; the first module compiled is kept unless a new source is given.
 */
export async function init(source?: CoreSource): Promise<void> {
  if (source === undefined) {
    if (compiled) return;
    const fs = nodeFs();
    if (fs) {
      compiled = compileFromDisk(fs);
      return;
    }
    source = new URL(WASM_URLS[0], import.meta.url);
  }
  compiled = await compileFrom(source);
}

async function compileFrom(source: CoreSource): Promise<WasmModule> {
  const W = wasm();
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) return W.compile(source);
  if (typeof source === "string" || typeof (source as UrlLike).href === "string") {
    const href = typeof source === "string" ? source : (source as UrlLike).href;
    const url = new URL(href, (globalThis as { location?: { href: string } }).location?.href ?? import.meta.url);
    const fs = nodeFs();
    if (fs && url.protocol === "file:") return W.compile(fs.readFileSync(url));
    const f = (globalThis as { fetch?: (u: URL) => Promise<{ ok: boolean; status: number; headers: { get(n: string): string | null }; arrayBuffer(): Promise<ArrayBuffer> }> }).fetch;
    if (!f) throw new VmfabricError("CORE_MISSING", `cannot fetch ${url.href}: no fetch in this environment; pass the wasm's bytes to init()`);
    const response = await f(url);
    if (!response.ok) throw new VmfabricError("CORE_MISSING", `fetching the core from ${url.href} failed with HTTP ${response.status}`);
    if (W.compileStreaming && response.headers.get("content-type")?.startsWith("application/wasm")) return W.compileStreaming(response);
    return W.compile(await response.arrayBuffer());
  }
  if (typeof (source as { arrayBuffer?: unknown }).arrayBuffer === "function") return W.compile(await (source as { arrayBuffer(): Promise<ArrayBuffer> }).arrayBuffer());
  return source as WasmModule;
}

function compileFromDisk(fs: NodeFs): WasmModule {
  for (const rel of WASM_URLS) {
    const url = new URL(rel, import.meta.url);
    if (url.protocol === "file:" && fs.existsSync(url)) return new (wasm().Module)(fs.readFileSync(url));
  }
  throw new VmfabricError("CORE_MISSING", "build/vmfabric.wasm not found: run `npm run build:wasm`");
}

/** A fresh core instance with its own memory. */
export function instantiateCore(): CoreExports {
  if (!compiled) {
    const fs = nodeFs();
    if (!fs) throw new VmfabricError("CORE_NOT_LOADED", "the WebAssembly core is not loaded yet: `await init()` (or `await Engine.load(...)`) before creating an engine");
    compiled = compileFromDisk(fs);
  }
  const W = wasm();
  const instance = new W.Instance(compiled, {
    env: {
      abort() {
        throw new W.RuntimeError("vmfabric core aborted");
      },
    },
  });
  return instance.exports as unknown as CoreExports;
}

/** True when `e` is the core trapping (a WebAssembly RuntimeError). */
export function isCoreTrap(e: unknown): boolean {
  return e instanceof wasm().RuntimeError;
}
