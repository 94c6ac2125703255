/**
 * Compares what AppArmor's own parser makes of two sets of profiles: each profile's rules as
 * `apparmor_parser -D rule-exprs` prints them (the decoded glob, the regex, the permission bits), as a
 * multiset. Many profiles go through one parser run, each preceded by an empty sentinel profile whose
 * name marks where the profile's rules start.
 *
 * Abstraction includes are cut out before the run (after the caller checked them as text): they are the
 * same fixed lines in every profile, they cost ~0.4 s of parser time per VM profile, and their own rules
 * are checked once per profile kind elsewhere (test/emit/apparmor-parser.test.ts).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const ABSTRACTION_INCLUDE = /^\s*include <abstractions\/[^>]+>\s*$/;

/** The profile block of a generated file (from its `profile` line to the end), abstraction includes cut. */
export function profileBlock(content: string): string {
  const lines = content.split("\n");
  const start = lines.findIndex((l) => l.startsWith("profile "));
  if (start < 0) throw new Error("no profile line");
  return lines.slice(start).filter((l) => !ABSTRACTION_INCLUDE.test(l)).join("\n");
}

/**
 * `apparmor_parser -D rule-exprs` on `text`, as test/support/validators.ts's ruleExprs() runs it, but for
 * hundreds of profiles. No -I folders: the abstraction includes are cut out, and tunables/global is in
 * the default folder. The parser prints each rule's expression as it converts the rule, before any
 * optimisation, so the optimisations are turned off: the same output for less than half the CPU (the
 * minimised DFA they would build is thrown away by -Q anyway).
 */
const NO_OPTIMISATION = ["-O", "0", "-O", "no-expr-simplify", "-O", "no-expr-normalize"];

function ruleExprs(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "moat-rule-exprs-"));
  try {
    const file = path.join(dir, "profiles");
    fs.writeFileSync(file, text, "utf8");
    const args = ["-Q", "-K", "--config-file=/dev/null", "-M", "/etc/apparmor.d/abi/3.0", ...NO_OPTIMISATION, "-D", "rule-exprs", file];
    const r = spawnSync("apparmor_parser", args, { encoding: "latin1", maxBuffer: 1 << 30, timeout: 120_000 });
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`apparmor_parser rejected the profiles:\n${r.stderr.slice(0, 4000)}`);
    return r.stdout + r.stderr;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Spellings of one language that differ as text: moat writes a literal `@` before an alternation's
 * brace as the class `[\100]` (so that `@{` can never read as a variable), which AppArmor prints as
 * `[@]`; a class of the one character is that character. AppArmor prints a literal `[` and `]` both
 * escaped (`"/a/x\[@\]y"` reads back as `\[@\]`), so the three characters `[@]` are always the class,
 * whatever precedes them: the regex column prints a literal backslash as a single `\`, so counting
 * backslashes before the `[` cannot tell (`x\[@]` there is a backslash, then the class).
 */
function normalize(line: string): string {
  return line.replace(/^(aare|rule): p\d{5}-b-/, "$1: ").replaceAll("[@]", "@");
}

/**
 * One parser run over `blocks`; per block, the sorted list of its `aare:` and `rule:` lines.
 * The parser handles profiles in the order of their names, so each block is renamed `pNNNNN-b-NAME`
 * (names were checked as text before) and preceded by an empty profile `pNNNNN-a` that marks where its
 * rules start; profiles of different policies may then also share a name.
 */
export function rulesPerProfile(blocks: readonly string[]): string[][] {
  const key = (i: number): string => `p${String(i).padStart(5, "0")}`;
  const text = ["abi <abi/3.0>,", "include <tunables/global>", ...blocks.flatMap((b, i) => [`profile ${key(i)}-a {`, "}", b.replace(/^profile /, `profile ${key(i)}-b-`)])].join("\n") + "\n";
  const raw = ruleExprs(text);
  const chunks: string[][] = [];
  let current: string[] | undefined;
  for (const line of raw.split("\n")) {
    const sentinel = /^aare: p(\d{5})-a   ->   /.exec(line);
    if (sentinel !== null) {
      if (Number(sentinel[1]) !== chunks.length) throw new Error(`profiles out of order at ${line}`);
      current = [];
      chunks.push(current);
    } else if (current !== undefined && (line.startsWith("aare: ") || line.startsWith("rule: "))) current.push(normalize(line));
  }
  if (chunks.length !== blocks.length) throw new Error(`parser output has ${chunks.length} profiles, expected ${blocks.length}`);
  return chunks.map((c) => c.sort());
}
