/** The shortcuts the isolation checks take at fleet scale must agree with the full engine they skip. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Glob } from "../../src/glob/ast.js";
import { compileGlob, globStates } from "../../src/glob/automaton.js";
import { anyGlob } from "./arbitraries.js";
import { g } from "./helpers.js";

/** A structurally equal glob that no per-object cache has seen. */
const fresh = (glob: Glob): Glob => JSON.parse(JSON.stringify(glob)) as Glob;

describe("state counts without automata", () => {
  it("equal the automaton's state count for any glob", () => {
    fc.assert(
      fc.property(anyGlob, (glob) => {
        expect(globStates(fresh(glob))).toBe(compileGlob(fresh(glob)).edges.length);
      }),
      { numRuns: 2000 },
    );
  });
  it("equal it for the globs a fleet is made of", () => {
    const domain = "[0-9]" + "{,[0-9]".repeat(9) + "}".repeat(9);
    for (const text of [
      `/var/lib/libvirt/qemu/domain-${domain}-acme-web01/*`,
      "/run/libvirt/**/*.tunnelmigrate.dest.acme-web01",
      "/srv/acme/backup-staging/{,**}",
      "/a/{b,c/**,[x-z]?}*",
    ]) {
      expect(globStates(g(text))).toBe(compileGlob(g(text)).edges.length);
    }
  });
});
