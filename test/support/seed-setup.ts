/**
 * Picks the one seed of a test run (vitest's globalSetup): every generated case of the run (fast-check
 * properties and samples, the fuzz cases) comes from it, so a failure reproduces with the seed alone.
 * MOAT_SEED when set; a fixed seed under CI, so that CI runs the same cases every time; a fresh one
 * otherwise, so that local runs keep exploring. Test files read it from test/support/seed.ts.
 */
import type { TestProject } from "vitest/node";

/** The seed of every CI run. */
export const CI_SEED = 20261207;

declare module "vitest" {
  export interface ProvidedContext {
    moatSeed: number;
  }
}

export function chooseSeed(env: NodeJS.ProcessEnv, random: () => number = Math.random): number {
  const given = env["MOAT_SEED"]?.trim();
  if (given !== undefined && given !== "") {
    const seed = Number(given);
    if (!Number.isSafeInteger(seed)) throw new Error(`MOAT_SEED is ${JSON.stringify(given)}; it must be an integer`);
    return seed;
  }
  const ci = env["CI"];
  if (ci !== undefined && ci !== "" && ci !== "false" && ci !== "0") return CI_SEED;
  return Math.floor(random() * 2 ** 31);
}

export default function setup(project: TestProject): void {
  const seed = chooseSeed(process.env);
  project.provide("moatSeed", seed);
  console.log(`moat: generated test cases use seed ${seed} (MOAT_SEED=${seed} replays them)`);
}
