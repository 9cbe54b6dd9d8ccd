// Minimal local typings for benchmark 2.1.4 (no @types package in the project).
declare module "benchmark" {
  interface Stats { mean: number; rme: number; sample: number[] }
  interface Options {
    maxTime?: number;
    minTime?: number;
    minSamples?: number;
    initCount?: number;
    onCycle?: () => void;
    onStart?: () => void;
    onComplete?: () => void;
  }
  class Benchmark {
    constructor(name: string, fn: () => void, options?: Options);
    name: string;
    hz: number;
    count: number;
    error?: Error;
    stats: Stats;
    aborted: boolean;
  }
  namespace Benchmark {
    class Suite {
      constructor(name?: string);
      name: string;
      length: number;
      add(name: string, fn: () => void, options?: Options): this;
      on(event: string, cb: (event: { target: Benchmark }) => void): this;
      run(options?: { async?: boolean }): this;
      [index: number]: Benchmark;
    }
  }
  export default Benchmark;
}
