/**
 * Temporary folders tests make, removed when their test file ends (temp-cleanup.ts, a setup file of
 * every vitest config, registers the removal for each file). One registry for the suite: a helper
 * module's own `afterAll` would run for the first file that loads it only, when files share a module
 * cache (`npm run test:fast`).
 */
import * as fs from "node:fs";

const made: string[] = [];

/** Keeps `dir` to be removed when the current test file ends; returns it. */
export function trackTempDir(dir: string): string {
  made.push(dir);
  return dir;
}

/** Removes every folder kept so far (made writable first: some tests take the permissions away). */
export function removeTrackedTempDirs(): void {
  for (const dir of made.splice(0)) {
    try {
      fs.chmodSync(dir, 0o700);
    } catch {
      // gone already
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
