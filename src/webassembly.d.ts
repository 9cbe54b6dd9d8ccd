// The slice of the WebAssembly JS API vmfabric uses. TypeScript ships these types only in
// lib.dom, which would also declare browser globals that do not exist in Node.
declare namespace WebAssembly {
  class Module {
    constructor(bytes: ArrayBufferView | ArrayBuffer);
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    readonly buffer: ArrayBuffer;
  }
  class Global {
    value: number;
  }
  class RuntimeError extends Error {}
}
