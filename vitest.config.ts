// The property tests and the byte-by-byte snapshot checks do real work (thousands of engines or
// restores); on a shared 2-core machine under load they can take several times their quiet
// duration. Timeouts here guard against hangs, not speed: speed is measured by benchmarks.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
