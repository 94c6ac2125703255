/**
 * What the parser and the kernel read, against what moat decides. `apparmor_parser -D rule-exprs`
 * prints, for each rule, the text it read (after collapsing `//` and decoding escapes) and the regex it
 * built. These tests feed it the spellings a hostile policy would use: `//` in socket names and paths,
 * classes that spell `.` and `..`, backslash spellings, brace branches that produce `//` or a `.`
 * component, and show that
 * - moat reads an abstract socket name exactly as the parser does (parserReading),
 * - on every path the kernel can present, the parser's regex and moat's engine agree, so the pairs moat
 *   calls equal (`/var/?*{,/,/?**}` and `/var/**`) are equal to the kernel too, while they do differ on
 *   strings the kernel never presents (the test is not vacuous),
 * - the spellings moat refuses (MOAT214, MOAT215) are the ones whose meaning the parser changes.
 */
import { expect, it } from "vitest";
import type { Glob } from "../../src/glob/ast.js";
import { isCanonicalPath, parserReading } from "../../src/glob/canonical.js";
import { covers } from "../../src/glob/covers.js";
import { matchesPath } from "../../src/glob/match.js";
import { globToText } from "../../src/glob/text.js";
import { aaAbstractAddr, aaGlob } from "../../src/emit/apparmor-text.js";
import { compileTexts } from "../support/memory.js";
import { describeWithValidators, ruleExprs } from "../support/validators.js";
import { allPaths } from "./arbitraries.js";
import { g } from "./helpers.js";
import { pcreToRegExp } from "./oracle.js";

/**
 * The parser's reading and regex of each rule (file rules, or unix addresses), one profile per rule so
 * that the i-th entry is the i-th rule's: within a profile the parser prints them in its own order.
 */
function parsed(rules: readonly string[]): { glob: string; regex: string }[] {
  const profile = `abi <abi/3.0>,\n${rules.map((r, i) => `profile canonical${i} {\n  ${r},\n}\n`).join("")}`;
  // Each profile's name is printed before its rules' entries.
  const out: { glob: string; regex: string }[] = [];
  let current = -1;
  for (const e of ruleExprs(profile).entries) {
    const name = /^canonical(\d+)$/.exec(e.glob);
    if (name !== null) current = Number(name[1]);
    else if (current >= 0 && out[current] === undefined) out[current] = e;
  }
  expect(out.filter((e) => e !== undefined)).toHaveLength(rules.length);
  return out;
}

const PATHS = allPaths(["a", "/", "."], 6);
const CANONICAL = PATHS.filter(isCanonicalPath);

describeWithValidators("moat against apparmor_parser on the kernel's paths", ["apparmor_parser"], () => {
  it("reads abstract socket names as the parser does: '//' written in a name collapses, '//' across braces does not", () => {
    const names = ["svc//ctl", "svc///ctl", "//x", "a{//b,c}", "svc/{/ctl,x}", "svc/ctl", "a//b/{c//d,e}"];
    const entries = parsed(names.map((n) => `unix (send) addr=${aaAbstractAddr(g(n))}`));
    expect(entries.map((e) => e.glob)).toEqual(names.map((n) => globToText(parserReading(g(n)))));
    // And the two spellings of one address compile to one regex.
    const [a, b] = parsed([`unix (send) addr=${aaAbstractAddr(g("svc//ctl"))}`, `unix (send) addr=${aaAbstractAddr(g("svc/ctl"))}`]);
    expect(a!.regex).toBe(b!.regex);
  });

  it("file rules: the parser collapses '//' written in a path, and keeps '.' and '..' components as written", () => {
    const entries = parsed(['"/srv//x" r', '"/srv/[.][.]/q" r', '"/srv/\\056\\056/w" r', '"/srv/\\.\\./v" r', '"/srv/{/y,z}" r']);
    expect(entries.map((e) => e.glob)).toEqual(["/srv/x", "/srv/[.][.]/q", "/srv/../w", "/srv/\\.\\./v", "/srv/{/y,z}"]);
    // None of these regexes matches a path the kernel can present, except through the '/srv/z' branch.
    const reachable = entries.map((e) => CANONICAL.concat(["/srv/x", "/srv/z", "/srv/y"]).filter((p) => pcreToRegExp(e.regex).test(p)));
    expect(reachable).toEqual([["/srv/x"], [], [], [], ["/srv/z"]]);
  });

  it("moat refuses the spellings that only reach non-canonical paths; a backslash it writes is a literal byte", () => {
    const codes = (path: string): string[] =>
      compileTexts({ "/p/h.iso": `tenant t {\n  service s {\n    volume "${path}" rw\n  }\n}\n` }).diagnostics.map((d) => d.code);
    for (const path of ["/srv/[.][.]/q", "/srv/[.]/q", "/srv/{.,..}/q", "/srv/{/y,z}", "/srv//x", "/srv/x/[.]", "/srv/a{/,}/b"]) {
      expect([path, codes(path)]).toEqual([path, ["MOAT214"]]);
    }
    // `\.` and `\056` mean '.' to the parser. In moat a backslash only escapes glob characters, so the
    // policy's `\\.` is a literal backslash then a dot: a name of two bytes, which moat emits as octal.
    for (const path of ["/srv/\\\\./x", "/srv/\\\\056/x"]) expect([path, codes(path)]).toEqual([path, []]);
    const [dot, octal] = parsed([`${aaGlob(g("/srv/\\\\./x"))} r`, `${aaGlob(g("/srv/\\\\056/x"))} r`]);
    expect(pcreToRegExp(dot!.regex).test("/srv/\\./x")).toBe(true);
    expect(["/srv/./x", "/srv/../x", "/srv/x"].some((p) => pcreToRegExp(dot!.regex).test(p))).toBe(false);
    expect(pcreToRegExp(octal!.regex).test("/srv/\\056/x")).toBe(true);
    expect(pcreToRegExp(octal!.regex).test("/srv/./x")).toBe(false);
  });

  it("on the kernel's paths, the parser's regex and moat's engine agree for spellings that differ elsewhere", () => {
    const spellings = [
      "/var/**",
      "/var/?*{,/,/?**}",
      "/var/?{,*}{,/,/?**}",
      "/a/*/b",
      "/a/.{,.}*/b",
      "/a/?/b",
      "/a/{b/,c}*",
      "/a/*/{/x,y}",
      "/a/[a.]*",
      "/a/{,.}a",
    ];
    const globs = new Map<string, Glob>(spellings.map((s) => [s, g(s)]));
    const entries = parsed(spellings.map((s) => `${aaGlob(globs.get(s)!)} r`));
    expect(entries).toHaveLength(spellings.length);
    const problems: string[] = [];
    let positives = 0;
    spellings.forEach((text, i) => {
      const re = pcreToRegExp(entries[i]!.regex);
      const top = text.startsWith("/var") ? "/var" : "/a";
      for (const path of CANONICAL.map((p) => top + p)) {
        const parser = re.test(path);
        if (parser) positives++;
        if (parser !== matchesPath(globs.get(text)!, path)) problems.push(`${text} on ${path}: parser ${parser}`);
      }
    });
    expect(problems).toEqual([]);
    expect(positives).toBeGreaterThan(200);

    // moat's kernel-path inclusion says these are equal; the parser's regexes agree on every kernel path
    // and differ on some string the kernel never presents.
    const regexOf = (s: string): RegExp => pcreToRegExp(entries[spellings.indexOf(s)]!.regex);
    const varPaths = PATHS.map((p) => `/var${p}`);
    for (const [x, y] of [
      ["/var/**", "/var/?*{,/,/?**}"],
      ["/var/**", "/var/?{,*}{,/,/?**}"],
    ] as const) {
      expect(covers(g(x), g(y), { kernelPaths: true }) && covers(g(y), g(x), { kernelPaths: true })).toBe(true);
      expect(varPaths.filter(isCanonicalPath).filter((p) => regexOf(x).test(p) !== regexOf(y).test(p))).toEqual([]);
      expect(varPaths.filter((p) => regexOf(x).test(p) !== regexOf(y).test(p)).length).toBeGreaterThan(0);
    }
  });
});
