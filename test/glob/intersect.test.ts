import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { toBytes } from "../../src/glob/bytes.js";
import { compileGlob, globStates } from "../../src/glob/automaton.js";
import { isCanonicalPath } from "../../src/glob/canonical.js";
import { intersect } from "../../src/glob/intersect.js";
import { matchesPath } from "../../src/glob/match.js";
import { allPaths, anyGlob } from "./arbitraries.js";
import { g } from "./helpers.js";

function overlaps(a: string, b: string): string | false {
  const r = intersect(g(a), g(b));
  if (r.kind === "budget") throw new Error(r.detail);
  return r.kind === "overlap" ? r.witness : false;
}

describe("intersect: named cases", () => {
  it.each([
    ["/d/*", "/d/", false],
    ["/d/*", "/d/a/b", false],
    ["/a/{,**}", "/a/", "/a/"],
    ["/t/**.ext", "/t/.ext", "/t/.ext"], // the real parser: ** before '.' needs no byte
    ["/dev/nbd*", "/dev/nbd10", "/dev/nbd10"],
    ["/dev/vfio/[0-9]", "/dev/vfio/12", false],
    ["/a/\\*", "/a/*", "/a/*"],
    ["/a/\\*", "/a/b", false],
    ["/a/b/", "/a/b", false],
    ["/a/*/", "/a/*", false],
    ["/g/{a,{b,c}}x", "/g/{d,c}x", "/g/cx"],
    ["/g/{a,{b,c}}x", "/g/{d,e}x", false],
    ["/u/?", "/u/é", false],
    ["/u/??", "/u/é", toBytes("/u/é")],
    ["/var/log/libvirt/**/web01.log", "/var/log/libvirt/**/web02.log", false],
    ["/var/log/libvirt/**/web01.log", "/var/log/libvirt/qemu/*.log", "/var/log/libvirt/qemu/web01.log"],
    ["/var/lib/libvirt/images/acme/**", "/var/lib/libvirt/images/*/web01.qcow2", "/var/lib/libvirt/images/acme/web01.qcow2"],
    ["/srv/acme/{,**}", "/srv/acme", false],
    ["/srv/acme/{,**}", "/srv/*/", "/srv/acme/"],
    ["/dev/vg0/acme-*", "/dev/vg0/*-web01", "/dev/vg0/acme-web01"],
  ])("%s vs %s -> %s", (a, b, expected) => {
    expect(overlaps(a, b)).toBe(expected);
    expect(overlaps(b, a)).toBe(expected);
  });

  it("gives a shortest witness with readable bytes", () => {
    expect(overlaps("/a/*", "/a/**")).toBe("/a/x");
    expect(overlaps("/a/*/c", "/a/b*/*")).toBe("/a/b/c");
    expect(overlaps("/run/**", "/run/*/x.sock")).toBe("/run/x/x.sock");
  });
});

describe("intersect: properties", () => {
  const paths = allPaths(["a", "b", "/", "."], 5);
  it("finds an overlap whenever some short path matches both, and its witness matches both", () => {
    fc.assert(
      fc.property(anyGlob, anyGlob, (a, b) => {
        const r = intersect(a, b);
        expect(r.kind).not.toBe("budget");
        const common = paths.find((p) => matchesPath(a, p) && matchesPath(b, p));
        if (r.kind === "overlap") {
          expect(matchesPath(a, r.witness)).toBe(true);
          expect(matchesPath(b, r.witness)).toBe(true);
          if (common !== undefined) expect(r.witness.length).toBeLessThanOrEqual(common.length);
        } else {
          expect(common).toBeUndefined();
        }
      }),
      { numRuns: 1500 },
    );
  });
  it("is symmetric in its verdict", () => {
    fc.assert(
      fc.property(anyGlob, anyGlob, (a, b) => {
        expect(intersect(a, b).kind).toBe(intersect(b, a).kind);
      }),
      { numRuns: 500 },
    );
  });
});

describe("intersect: budget", () => {
  it("answers 'budget' on pathological globs instead of hanging", () => {
    const bomb = "/x/" + "{a,b}".repeat(30) + "*";
    const chain = "/x/" + "**a".repeat(300);
    const chain2 = "/x/" + "*a**".repeat(300);
    const r1 = intersect(g(chain), g(chain2), { maxStates: 10_000 });
    expect(r1.kind).toBe("budget");
    const r2 = intersect(g(bomb), g("/x/" + "{a,b}".repeat(29) + "c*"));
    expect(r2.kind).not.toBe("budget"); // a brace bomb is a small automaton
  });
  it("counts automaton states so the model can refuse huge globs", () => {
    expect(globStates(g("/a/b"))).toBe(5);
    // The count for a literal is computed without an automaton; it must equal the automaton's.
    for (const text of ["/", "/a/b", "/var/lib/libvirt/images/acme/web01.qcow2", "/x/\\*é"]) {
      expect(globStates(g(text))).toBe(compileGlob(g(text)).edges.length);
    }
    expect(globStates(g("/x/" + "{a,b}".repeat(30)))).toBeLessThan(200);
    expect(globStates(g("/x/" + "**a".repeat(3000)))).toBeGreaterThan(5000);
  });
});

describe("intersect: kernel paths", () => {
  it("ignores paths with '//', which the kernel never presents, when asked", () => {
    expect(intersect(g("/a/{/b,/c}"), g("/a/**"))).toEqual({ kind: "disjoint" }); // ** needs a first byte but /
    expect(intersect(g("/a/{/b,/c}"), g("/a/{,**}"))).toEqual({ kind: "overlap", witness: "/a//b" });
    expect(intersect(g("/a/{/b,/c}"), g("/a/{,**}"), undefined, { kernelPaths: true })).toEqual({ kind: "disjoint" });
    expect(intersect(g("/a/{/b,c}"), g("/a/**"), undefined, { kernelPaths: true })).toEqual({ kind: "overlap", witness: "/a/c" });
    expect(intersect(g("/a/{b/,c}*"), g("/a/*/{/x,y}"), undefined, { kernelPaths: true })).toEqual({ kind: "overlap", witness: "/a/b/y" });
  });
  const paths = allPaths(["a", "/", "."], 6).filter(isCanonicalPath);
  it("agrees with brute force over the paths the kernel can present (no '//', no '.' or '..' component)", () => {
    fc.assert(
      fc.property(anyGlob, anyGlob, (a, b) => {
        const r = intersect(a, b, undefined, { kernelPaths: true });
        const common = paths.find((p) => matchesPath(a, p) && matchesPath(b, p));
        if (r.kind === "overlap") {
          expect(isCanonicalPath(r.witness)).toBe(true);
          expect(matchesPath(a, r.witness) && matchesPath(b, r.witness)).toBe(true);
          if (common !== undefined) expect(r.witness.length).toBeLessThanOrEqual(common.length);
        } else {
          expect(r.kind).toBe("disjoint");
          expect(common).toBeUndefined();
        }
      }),
      { numRuns: 1000 },
    );
  });
});
