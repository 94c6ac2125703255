import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // test/kernel/ boots real kernels: it runs in `npm run test:kernel` (vitest.kernel.config.ts), not here.
    exclude: ["dist/**", "node_modules/**", "test/kernel/**"],
    // One seed for every generated case of the run (MOAT_SEED, fixed under CI), printed at the start
    // and again by each failing test.
    globalSetup: ["test/support/seed-setup.ts"],
    setupFiles: ["test/support/seed.ts", "test/support/temp-cleanup.ts"],
    // vitest leaves one core to itself, which on a 2-core machine runs every file in one worker; much of
    // the suite waits on child processes (apparmor_parser, moat in a child), so two workers keep both busy.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // No test may depend on the machine's speed: these limits catch hangs, not slowness, and hold on a
    // loaded 2-core machine. A test that starts heavier work (apparmor_parser over many profiles, child
    // processes with budgets of their own) sets a longer limit of its own.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
  },
});
