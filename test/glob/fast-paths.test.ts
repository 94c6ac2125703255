/** The shortcuts the isolation checks take at fleet scale must agree with the full engine they skip. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Glob, GlobPart } from "../../src/glob/ast.js";
import { compileGlob, globStates } from "../../src/glob/automaton.js";
import { candidateIndexPairs } from "../../src/glob/candidate-pairs.js";
import { matchesPath } from "../../src/glob/match.js";
import { checkCovers } from "../../src/glob/covers.js";
import { intersect } from "../../src/glob/intersect.js";
import { literalPrefix, literalSuffix } from "../../src/glob/text.js";
import { mayCover } from "../../src/check/rules/over-broad-grant.js";
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
  it("equal it when empty literals split a run of stars", () => {
    const withEmpties = (glob: Glob): Glob => ({
      parts: glob.parts.flatMap((p): GlobPart[] => {
        const part = p.kind === "alt" ? { kind: "alt" as const, branches: p.branches.map(withEmpties) } : p;
        return part.kind === "star" || part.kind === "globstar" ? [part, { kind: "literal", bytes: "" }] : [part];
      }),
    });
    fc.assert(
      fc.property(anyGlob, (glob) => {
        expect(globStates(withEmpties(glob))).toBe(compileGlob(withEmpties(glob)).edges.length);
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

describe("candidate index on hand-built globs", () => {
  it("pairs a glob whose two star parts spell `**` with what it overlaps past a '/'", () => {
    // `/a/` + `*` + `*` is `/a/**`: it reaches `/a/x//`, which `/**//` matches too.
    const a: Glob = { parts: [{ kind: "literal", bytes: "/" }, { kind: "literal", bytes: "a/" }, { kind: "star" }, { kind: "star" }] };
    const b: Glob = { parts: [{ kind: "literal", bytes: "/" }, { kind: "globstar" }, { kind: "literal", bytes: "//" }] };
    expect(intersect(a, b).kind).toBe("overlap");
    expect(candidateIndexPairs([a, b])).toEqual([[0, 1]]);
    const c: Glob = { parts: [{ kind: "literal", bytes: "/a/" }, { kind: "star" }, { kind: "literal", bytes: "" }, { kind: "star" }] };
    expect(intersect(c, b).kind).toBe("overlap");
    expect(candidateIndexPairs([c, b])).toEqual([[0, 1]]);
  });
});

describe("over-broad pre-filter", () => {
  it("never rules out a glob that covers ROOT/**", () => {
    const roots = ["/", "/a", "/a.b", "/b"].map((root) => ({ root, glob: g(root === "/" ? "/**" : `${root}/**`) }));
    let covered = 0;
    fc.assert(
      fc.property(anyGlob, (glob) => {
        for (const { root, glob: broad } of roots) {
          if (checkCovers(glob, broad).kind !== "covered") continue;
          covered++;
          expect(mayCover(literalPrefix(glob), literalSuffix(glob), root), root).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
    // The property is only worth something if random globs do cover a root now and then.
    expect(covered).toBeGreaterThan(10);
  });
  it("rules out the grants a fleet is made of", () => {
    for (const text of ["/var/lib/libvirt/images/t/vm-{root,data}.qcow2", "/srv/t/backup-staging/{,**}", "/var/log/libvirt/**/vm.log"]) {
      for (const root of ["/", "/var", "/srv"]) expect(mayCover(literalPrefix(g(text)), literalSuffix(g(text)), root)).toBe(false);
    }
    expect(mayCover(literalPrefix(g("/{var,tmp}/**")), "", "/var")).toBe(true);
    expect(mayCover(literalPrefix(g("/va*")), "", "/var")).toBe(true);
  });
});

describe("matchesPath pre-checks", () => {
  it("decide libvirt's per-domain folder against a monitor socket as the automaton does", () => {
    const domain = g(`/var/lib/libvirt/qemu/domain-[0-9]${"{,[0-9]".repeat(9)}${"}".repeat(9)}-web01/*`);
    expect(matchesPath(domain, "/var/lib/libvirt/qemu/domain-web01/monitor.sock")).toBe(false);
    expect(matchesPath(domain, "/var/lib/libvirt/qemu/domain-")).toBe(false);
    expect(matchesPath(domain, "/var/lib/libvirt/qemu/domain-12-web01/monitor.sock")).toBe(true);
    expect(matchesPath(g("/a/[b-c]x"), "/a/cx")).toBe(true);
    expect(matchesPath(g("/a/[b-c]x"), "/a/dx")).toBe(false);
  });
});
