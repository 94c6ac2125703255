/**
 * Over-broad grants are refused (the table in model/builtin.ts, each entry with its reason): a grant or
 * an `exec` that matches every path under a host folder (`/var/**`, `/{var,tmp}/**`), or any name below
 * it without a fixed name of its own (`/var/*\/**`, `/home/[a-z0-9]*\/**`), a wildcard into a family of
 * device nodes the kernel names (`/dev/sd*`, `/dev/vfio/1*`), or an abstract socket name that does not
 * start with a name of its own (`@**`, `@/**`, `@[a-z]*`). Such a grant hands a workload the host and
 * makes every other isolation proof meaningless. Decided on the paths the kernel can present
 * (check/decide.ts): `/var/?*{,/,/?**}` is `/var/**` there.
 *
 * A `read` and a `run` are judged by the same table. Reading a whole folder or level (`/etc/**`,
 * `/usr/*\/**`) reaches every secret and every tenant's data that nobody thought to protect, which no
 * list of protected paths can foresee; one folder below a level is not a whole level, so
 * `read "/usr/lib/python3/**"` or `read "/etc/nova/{,**}"` pass, and the read-only host files such a
 * read reaches are checked by the other rules (protected paths, other tenants' resources).
 */
import { diagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";
import type { Glob } from "../../glob/ast.js";
import { fromBytes } from "../../glob/bytes.js";
import { sharesInfinitely } from "../../glob/infinite.js";
import { wideStart } from "../../glob/wide-start.js";
import { parseGlob } from "../../glob/parse.js";
import { literalBytes, literalPrefix, literalSuffix } from "../../glob/text.js";
import { type BroadEntry, OVER_BROAD, OVER_BROAD_ABSTRACT } from "../../model/builtin.js";
import { checkedWorkloads, type PathValue } from "../../model/types.js";
import { quote } from "../../model/paths.js";
import { Comparisons, type Side, tooComplex } from "../decide.js";
import type { CheckContext } from "../context.js";
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
export interface Candidate {
  readonly path: PathValue;
  readonly what: string;
  readonly namespace?: "path" | "abstract";
}

export const overBroadGrant: IsolationRule = {
  name: "over-broad-grant",
  check({ model }: CheckContext): Diagnostic[] {
    const diagnostics: Diagnostic[] = [];
    const compare = new Comparisons(diagnostics);
    for (const tenant of model.tenants) {
      for (const workload of checkedWorkloads(tenant)) {
        for (const resource of workload.resources) {
          if (resource.kind === "implied") continue;
          if (resource.namespace === "abstract") checkAbstract(resource.path, compare, diagnostics);
          else checkPath({ path: resource.path, what: resource.kind }, compare, diagnostics);
        }
        if (workload.exec !== undefined) checkPath({ path: workload.exec, what: "exec" }, compare, diagnostics);
      }
    }
    return diagnostics;
  },
};

/** Reports (MOAT305) a path grant or `exec` that is over-broad; `moat install` also judges the globs it re-roots on a host. */
export function checkPath(candidate: Candidate, compare: Comparisons, diagnostics: Diagnostic[]): void {
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
    } else if (reachesNames(glob, prefix, entry, { glob, text: candidate.path.text, span: candidate.path.span }, compare, diagnostics, candidate)) {
      return;
    }
  }
}

/**
 * How many nodes of a family one grant may name: enough for a VM's disks or a card's functions
 * (`/dev/vfio/{33,34}`), far below a family's whole range (`/dev/sd[a-z]` is 26).
 */
const MAX_FAMILY_NODES = 16;

/** Names a grant must fix of its own below an "operator-names" folder (model/builtin.ts). */
const OWN_NAME_BYTES = 3;

/**
 * The names test of one entry: "kernel-names", the grant matches infinitely many of the family's
 * names; "operator-names", it does and it does not fix the start of the name below the entry's folder
 * (glob/wide-start.ts). Reports and returns true when the grant is over-broad, or undecided.
 */
function reachesNames(glob: Glob, prefix: string, entry: Entry, side: Side, compare: Comparisons, diagnostics: Diagnostic[], candidate: Candidate): boolean {
  // A literal names one path: never infinitely many (most grants of a fleet end here).
  if (literalBytes(glob) !== undefined) return false;
  // Only a grant whose fixed start agrees with the entry's can reach into it.
  if (!(prefix.startsWith(entry.prefix) || entry.prefix.startsWith(prefix))) return false;
  if (entry.test === "operator-names" && !wideStart(glob, entry.prefix, OWN_NAME_BYTES)) return false;
  const result = sharesInfinitely(glob, entry.parsed, undefined, { kernelPaths: candidate.namespace !== "abstract" });
  if (result.kind === "budget") {
    compare.undecided(side, { glob: entry.parsed, text: entry.glob }, result.detail);
    return true;
  }
  if (result.kind === "finite" && (entry.test !== "kernel-names" || result.count <= MAX_FAMILY_NODES)) return false;
  if (result.kind === "finite") {
    diagnostics.push(report(candidate, entry, `it reaches ${result.count >= MAX_FAMILY_NODES * 1000 ? "thousands of" : result.count} ${entry.glob} nodes; a grant names at most ${MAX_FAMILY_NODES}`));
    return true;
  }
  const at = `${candidate.namespace === "abstract" ? "@" : ""}${fromBytes(result.witness)}`;
  const how =
    entry.test === "kernel-names"
      ? `a wildcard in it reaches any number of ${entry.glob} nodes, such as ${quote(at)}`
      : `a wildcard in it reaches any name below ${entry.prefix === "" ? "@" : entry.prefix}, such as ${quote(at)}`;
  diagnostics.push(report(candidate, entry, how));
  return true;
}

function report(candidate: Candidate, entry: BroadEntry, how: string): Diagnostic {
  const hint =
    entry.test === "kernel-names"
      ? "name each device node the workload owns, one by one or as alternatives: /dev/vfio/{33,34}, /dev/sdb"
      : candidate.namespace === "abstract"
        ? "start the name with a fixed part that is the tenant's own: @acme-*"
      : candidate.what === "read"
        ? "read the folders the service needs, each below it: /etc/nova/{,**}, /usr/lib/python3/**"
        : "grant the workload's own folder below it, e.g. /srv/acme/{,**}";
  return diagnostic("MOAT305", candidate.path.span, { path: quote(candidate.path.text), what: candidate.what, how, reason: entry.reason }, { hint });
}

const ABSTRACT_ENTRIES: readonly Entry[] = OVER_BROAD_ABSTRACT.map((entry) => {
  const parsed = parseGlob(entry.glob);
  if (!parsed.ok) throw new Error(`over-broad abstract entry ${entry.glob} does not parse`);
  return { ...entry, parsed: parsed.glob, prefix: literalPrefix(parsed.glob) };
});

/** An abstract socket name: every name below the namespace's root, and the host services' namespaces. */
function checkAbstract(path: PathValue, compare: Comparisons, diagnostics: Diagnostic[]): void {
  if (tooComplex(path.glob)) return;
  const candidate: Candidate = { path, what: "socket", namespace: "abstract" };
  const prefix = literalPrefix(path.glob);
  for (const entry of ABSTRACT_ENTRIES) {
    if (reachesNames(path.glob, prefix, entry, { glob: path.glob, text: path.text, span: path.span }, compare, diagnostics, candidate)) return;
  }
}
