/**
 * The seed of this test run, as test/support/seed-setup.ts picked it. Listed in vitest's setupFiles, so
 * that before any test runs every fast-check property (`fc.assert`, `fc.check`, `fc.sample` without a
 * seed of its own) draws from it, and every failing test prints it: `MOAT_SEED=<seed>` with the same
 * files reproduces the failure. Code that makes its own cases from a number (fuzz-cases.ts) takes SEED.
 */
import fc from "fast-check";
import { beforeEach, inject } from "vitest";
import { chooseSeed } from "./seed-setup.js";

/** A run under a config without the global setup (the kernel suite's) picks its own, by the same rule. */
export const SEED: number = inject("moatSeed") ?? chooseSeed(process.env);

fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: SEED });

beforeEach(({ onTestFailed, task }) => {
  onTestFailed(() => {
    console.error(`moat: this run's generated cases came from seed ${SEED}; MOAT_SEED=${SEED} npx vitest run ${task.file.name} replays them`);
  });
});
