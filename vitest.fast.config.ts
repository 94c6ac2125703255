import { defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config.js";

/**
 * `npm run test:fast`: the inner loop, under a minute. The whole suite without the files that spend
 * their time in other programs: the hardening suite (child processes, fuzzing, hundreds of generated
 * policies through apparmor_parser), the CLI tests that start moat as a process, and the tests whose
 * subject is a real validator or corpus. `npm test` runs them all; README's "Tests" section lists them.
 */
export const SLOW = [
  "test/hardening/**",
  "test/cli/broken-pipe.test.ts",
  "test/cli/killed-process.test.ts",
  "test/cli/audit-follow.test.ts",
  "test/examples/golden.test.ts",
  "test/emit/apparmor-parser.test.ts",
  "test/glob/apparmor-canonical.test.ts",
  "test/glob/apparmor-differential.test.ts",
  "test/audit/apparmor-corpus.test.ts",
  "test/import/libvirt-corpus.test.ts",
];

// isolate: false lets the files of a worker share one module cache, which halves the run (moat's modules
// are loaded once, not once a file); `npm test` keeps each file isolated, so a test that came to depend on
// another file's module state would still fail there.
export default mergeConfig(base, defineConfig({ test: { exclude: SLOW, isolate: false } }));
