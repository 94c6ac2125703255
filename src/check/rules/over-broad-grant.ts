/**
 * Over-broad grants are refused (the table in model/builtin.ts, each entry with its reason): a grant or
 * an `exec` that matches every path under a host folder or one whole level below it (`/var/**`,
 * `/{var,tmp}/**`, `/var/*\/**`), a wildcard into a family of device nodes (`/dev/sd*`,
 * `/dev/vfio/[0-9]*`), or an abstract socket name that may start with a wildcard (`@**`). Such a grant
 * hands a workload the host and makes every other isolation proof meaningless. Decided on the paths the
 * kernel can present (check/decide.ts): `/var/?*{,/,/?**}` is `/var/**` there.
 */
import { diagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";
import type { Glob, GlobPart } from "../../glob/ast.js";
import { fromBytes } from "../../glob/bytes.js";
import { sharesInfinitely } from "../../glob/infinite.js";
import { parseGlob } from "../../glob/parse.js";
import { literalPrefix, literalSuffix } from "../../glob/text.js";
import { type BroadEntry, OVER_BROAD, OVER_BROAD_ABSTRACT } from "../../model/builtin.js";
import type { Model, PathValue } from "../../model/types.js";
import { quote } from "../../model/paths.js";
import { Comparisons, tooComplex } from "../decide.js";
import type { IsolationRule } from "../rule.js";

interface Entry extends BroadEntry {
  readonly parsed: Glob;
  readonly prefix: string;
}

const ENTRIES: readonly Entry[] = OVER_BROAD.map((entry) => {
  const parsed = parseGlob(entry.glob);
  if (!parsed.ok) throw new Error(`over-broad entry ${entry.glob} does not parse`);
  return { ...entry, parsed: parsed.glob, prefix: literalPrefix(parsed.glob) };
});

/**
 * Whether a glob with this literal prefix and suffix can cover `ROOT/**` (or `ROOT/*\/**`) at all,
 * decided without an automaton. Both match paths that differ right after `ROOT/` and end in every way,
 * and every path a glob matches starts with its literal prefix and ends with its literal suffix: so a
 * covering glob's prefix is a prefix of `ROOT/` and its suffix is empty. A grant under `/var/lib/...`
 * or ending in `.qcow2` is narrower than every folder, proven, for free.
 */
export function mayCover(prefix: string, suffix: string, root: string): boolean {
  return suffix === "" && (root === "/" ? "/" : root + "/").startsWith(prefix);
}

/** The folder a "covers" entry is about: its literal prefix without the final '/'. */
function rootOf(entry: Entry): string {
  return entry.prefix === "/" ? "/" : entry.prefix.slice(0, -1);
}

/** What a grant is for the rule: its path, and what the message calls it. */
interface Candidate {
  readonly path: PathValue;
  readonly what: string;
}

export const overBroadGrant: IsolationRule = {
  name: "over-broad-grant",
  check(model: Model): Diagnostic[] {
    const diagnostics: Diagnostic[] = [];
    const compare = new Comparisons(diagnostics);
    for (const tenant of model.tenants) {
      for (const workload of tenant.workloads) {
        for (const resource of workload.resources) {
          if (resource.kind === "implied") continue;
          if (resource.namespace === "abstract") checkAbstract(resource.path, diagnostics);
          else checkPath({ path: resource.path, what: resource.kind }, compare, diagnostics);
        }
        if (workload.exec !== undefined) checkPath({ path: workload.exec, what: "exec" }, compare, diagnostics);
      }
    }
    return diagnostics;
  },
};

function checkPath(candidate: Candidate, compare: Comparisons, diagnostics: Diagnostic[]): void {
  const glob = candidate.path.glob;
  if (tooComplex(glob)) return; // reported by glob-complexity
  const prefix = literalPrefix(glob);
  const suffix = literalSuffix(glob);
  for (const entry of ENTRIES) {
    if (entry.test === "covers") {
      if (!mayCover(prefix, suffix, rootOf(entry))) continue;
      if (compare.covers({ glob, text: candidate.path.text, span: candidate.path.span }, { glob: entry.parsed, text: entry.glob }, "path")) {
        diagnostics.push(report(candidate, entry, `it matches every path of ${entry.glob}`));
        return;
      }
    } else {
      // A family: only a grant whose fixed start agrees with the family's can reach into it.
      if (!(prefix.startsWith(entry.prefix) || entry.prefix.startsWith(prefix))) continue;
      // A name that fixes part of its own component is a naming scheme of the operator's
      // (`/dev/mapper/vg0-acme--*`, `/dev/sdb*`); a wildcard at the family's stem or at the start of a
      // component (`/dev/sd*`, `/dev/vfio/[0-9]*`, `/dev/disk/by-id/**`) names nothing in particular.
      if (prefix.length > entry.prefix.length && !wildcardAfterSlash(glob.parts)) continue;
      const result = sharesInfinitely(glob, entry.parsed, undefined, { kernelPaths: true });
      if (result.kind === "budget") {
        compare.undecided({ glob, text: candidate.path.text, span: candidate.path.span }, { glob: entry.parsed, text: entry.glob }, result.detail);
        return;
      }
      if (result.kind === "infinite") {
        diagnostics.push(report(candidate, entry, `a wildcard in it reaches any number of nodes of ${entry.glob}, such as ${quote(fromBytes(result.witness))}`));
        return;
      }
    }
  }
}

function report(candidate: Candidate, entry: BroadEntry, how: string): Diagnostic {
  const hint =
    entry.test === "family"
      ? "name each device node the workload owns, one by one or as alternatives: /dev/vfio/{33,34}, /dev/sdb"
      : "grant the workload's own folder below it, e.g. /srv/acme/{,**}";
  return diagnostic("MOAT305", candidate.path.span, { path: quote(candidate.path.text), what: candidate.what, how, reason: entry.reason }, { hint });
}

function checkAbstract(path: PathValue, diagnostics: Diagnostic[]): void {
  if (!mayStartWithWildcard(path.glob.parts)) return;
  diagnostics.push(
    diagnostic(
      "MOAT305",
      path.span,
      { path: quote(path.text), what: "socket", how: `its name may start with a wildcard, so it can match any name (${OVER_BROAD_ABSTRACT.glob})`, reason: OVER_BROAD_ABSTRACT.reason },
      { hint: "start the name with a fixed part that is the tenant's own: @acme-*" },
    ),
  );
}

/**
 * Whether some spelling of these parts has its first byte from `?`, `*` or `**`. Literal bytes and
 * classes are written choices; an alternation is each of its branches, and an empty branch (or part)
 * passes the question on to what follows.
 */
export function mayStartWithWildcard(parts: readonly GlobPart[]): boolean {
  return startsWild(parts, 0) === "wild";
}

/** "wild": some spelling starts with a wildcard; "fixed": none does; "empty": only through the empty spelling, the rest decides. */
function startsWild(parts: readonly GlobPart[], from: number): "wild" | "fixed" | "empty" {
  for (let i = from; i < parts.length; i++) {
    const part = parts[i]!;
    if (part.kind === "literal") {
      if (part.bytes !== "") return "fixed";
    } else if (part.kind === "class") {
      return "fixed";
    } else if (part.kind === "alt") {
      let empty = false;
      for (const branch of part.branches) {
        const s = startsWild(branch.parts, 0);
        if (s === "wild") return "wild";
        if (s === "empty") empty = true;
      }
      if (!empty) return "fixed";
    } else {
      return "wild";
    }
  }
  return "empty";
}

/**
 * Whether some spelling puts a wildcard (`*`, `**`, `?`, or a class of more than one byte) right after
 * a '/': at the start of a path component, where it matches any name at all.
 */
export function wildcardAfterSlash(parts: readonly GlobPart[]): boolean {
  return afterSlashWalk(parts, NOT_AFTER).found;
}

const AFTER = 1;
const NOT_AFTER = 2;

/** `states`: a mask of AFTER (the last byte written was '/') and NOT_AFTER, over every spelling at once. */
function afterSlashWalk(parts: readonly GlobPart[], from: number): { states: number; found: boolean } {
  let states = from;
  for (const part of parts) {
    if (part.kind === "literal") {
      if (part.bytes !== "") states = part.bytes.endsWith("/") ? AFTER : NOT_AFTER;
    } else if (part.kind === "alt") {
      let next = 0;
      for (const branch of part.branches) {
        const r = afterSlashWalk(branch.parts, states);
        if (r.found) return r;
        next |= r.states;
      }
      states = next;
    } else if (part.kind === "class" && part.ranges.length === 1 && part.ranges[0]![0] === part.ranges[0]![1]) {
      states = NOT_AFTER; // one byte, never '/': a literal
    } else {
      if ((states & AFTER) !== 0) return { states, found: true };
      states = NOT_AFTER;
    }
  }
  return { states, found: false };
}
