/**
 * Rule-by-rule comparison of virt-aa-helper's `.files` rules with what a moat VM profile grants, decided
 * with moat's glob engine on the paths the kernel can present (covers and intersect with kernelPaths),
 * never by comparing strings: a helper rule is covered when every path it matches is granted, with at
 * least its permissions, by a rule of the moat profile or of Debian's abstractions/libvirt-qemu (which
 * the profile includes), and no deny rule of the profile takes any of those permissions back.
 */
import { existsSync, readFileSync } from "node:fs";
import type { Glob } from "../../src/glob/ast.js";
import { toBytes } from "../../src/glob/bytes.js";
import { checkCovers } from "../../src/glob/covers.js";
import { intersect } from "../../src/glob/intersect.js";
import { matchesPath } from "../../src/glob/match.js";
import { parseGlob } from "../../src/glob/parse.js";
import { literalBytes } from "../../src/glob/text.js";
import { decodeQuoted } from "../hardening/support/profile-reader.js";

export interface FileRule {
  readonly deny: boolean;
  /** The rule's path as written (for messages). */
  readonly text: string;
  readonly glob: Glob | undefined;
  readonly perms: string;
}

const KERNEL = { kernelPaths: true } as const;
const BUDGET = { maxStates: 200_000 };

/** The quoted file rules of a profile moat emitted. */
export function moatFileRules(profile: string): FileRule[] {
  const rules: FileRule[] = [];
  for (const raw of profile.split("\n")) {
    const m = /^\s*(deny )?"((?:[^"\\]|\\[0-7]{3})*)" ([a-zA-Z]+),$/.exec(raw);
    if (m === null) continue;
    const aare = decodeQuoted(m[2]!);
    rules.push({ deny: m[1] !== undefined, text: aare, glob: globOf(aare), perms: m[3]! });
  }
  return rules;
}

/**
 * The plain file rules of Debian's abstractions/libvirt-qemu (`/path perms,`): `owner` rules, rules with
 * variables and the abstractions it includes are left out, which can only make a helper rule look less
 * covered than it is.
 */
export function abstractionFileRules(file: string): FileRule[] {
  if (!existsSync(file)) return [];
  const rules: FileRule[] = [];
  for (const raw of readFileSync(file, "utf8").split("\n")) {
    const m = /^\s*(deny\s+)?(\/\S+)\s+([a-zA-Z]+),\s*(#.*)?$/.exec(raw);
    if (m === null || m[2]!.includes("@{")) continue;
    rules.push({ deny: m[1] !== undefined, text: m[2]!, glob: globOf(m[2]!), perms: m[3]! });
  }
  return rules;
}

/**
 * virt-aa-helper's rules from its dry-run output. A dry run has no domain id and writes `-1` where a
 * running domain's id goes (`domain--1-NAME`, `swtpm/-1-NAME-swtpm.pid`); a domain that runs has an id
 * of 1 or more, so the comparison uses `1`.
 */
export function helperFileRules(output: string): FileRule[] {
  const rules: FileRule[] = [];
  for (const raw of output.split("\n")) {
    const m = /^\s*(deny )?"([^"]*)" ([a-zA-Z]+),$/.exec(raw);
    if (m === null) continue;
    const text = m[2]!.replace(/\/domain--1-/g, "/domain-1-").replace(/\/swtpm\/-1-/g, "/swtpm/1-");
    rules.push({ deny: m[1] !== undefined, text, glob: globOf(text), perms: m[3]! });
  }
  return rules;
}

// One Glob object per text, so that the glob engine's automata (cached per object) are built once for
// the rules every profile shares (the protected denies, the abstraction's).
const parsedGlobs = new Map<string, Glob | undefined>();

function globOf(text: string): Glob | undefined {
  if (!parsedGlobs.has(text)) {
    const parsed = parseGlob(text);
    parsedGlobs.set(text, parsed.ok ? parsed.glob : undefined);
  }
  return parsedGlobs.get(text);
}

// Whether two globs share a path, by their texts: helper rules and deny rules repeat across domains.
const overlapCache = new Map<string, boolean>();

function overlaps(aText: string, a: Glob, bText: string, b: Glob): boolean {
  const key = `${aText}\u0000${bText}`;
  let known = overlapCache.get(key);
  if (known === undefined) {
    known = intersect(a, b, BUDGET, KERNEL).kind === "overlap";
    overlapCache.set(key, known);
  }
  return known;
}

const has = (perms: string, letter: string): boolean => perms.includes(letter) || (letter === "a" && perms.includes("w"));

/**
 * The permissions of helper rule `h` that `rules` do not grant on every path `h` matches, with a path
 * that shows it; empty when `h` is covered.
 */
export function missingPermissions(h: FileRule, rules: readonly FileRule[]): { readonly letters: string; readonly witness?: string } {
  const wanted = [...new Set(h.perms.replace(/[^rwaklm]/g, ""))];
  if (h.glob === undefined) return { letters: wanted.join("") };
  const inner = h.glob;
  const literal = literalBytes(inner);
  // A rule that covers `inner` matches each of its paths: one of them rules most rules out cheaply.
  const sample = literal === undefined ? intersect(inner, inner, BUDGET, KERNEL) : undefined;
  const witness0 = sample?.kind === "overlap" ? sample.witness : undefined;
  const granted = new Set<string>();
  const denied = new Set<string>();
  let deniedBy: string | undefined;
  for (const rule of rules) {
    if (rule.glob === undefined) continue;
    const letters = wanted.filter((l) => has(rule.perms, l) && !(rule.deny ? denied : granted).has(l));
    if (letters.length === 0) continue;
    if (rule.deny) {
      const reaches = literal !== undefined ? matchesPath(rule.glob, literal) : overlaps(h.text, inner, rule.text, rule.glob);
      if (!reaches) continue;
      for (const l of letters) denied.add(l);
      deniedBy ??= rule.text;
    } else {
      const covers =
        literal !== undefined
          ? matchesPath(rule.glob, literal)
          : (witness0 === undefined || matchesPath(rule.glob, witness0)) && checkCovers(rule.glob, inner, BUDGET, KERNEL).kind === "covered";
      if (covers) for (const l of letters) granted.add(l);
    }
  }
  const missing = wanted.filter((l) => !granted.has(l) || denied.has(l));
  if (missing.length === 0) return { letters: "" };
  const witness = missing.some((l) => denied.has(l)) ? `denied by ${deniedBy}` : literal;
  return { letters: missing.join(""), ...(witness === undefined ? {} : { witness }) };
}

export { toBytes };
