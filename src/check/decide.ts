/**
 * The one way a rule compares globs. Two things every comparison must get right, kept here so that a
 * new rule cannot get them wrong:
 * - the universe: file paths are compared among the paths the kernel can present (glob/canonical.ts),
 *   abstract socket names byte for byte;
 * - undecidable is never "isolated": a comparison that exceeds its state budget is reported as MOAT306,
 *   an error, so that no output is written on an unproven answer. The boolean a rule gets back then
 *   does not matter: the compile fails either way.
 * A glob already too complex on its own (MOAT306 from glob-complexity) is not compared at all.
 */
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Glob } from "../glob/ast.js";
import { globStates, MAX_GLOB_STATES } from "../glob/automaton.js";
import { checkCovers, DEFAULT_COVERS_BUDGET } from "../glob/covers.js";
import { DEFAULT_BUDGET, intersect } from "../glob/intersect.js";
import { quote } from "../model/paths.js";
import type { Namespace } from "../model/types.js";
import type { Span } from "../source.js";

/** What a rule compares: a glob, and where it comes from (for MOAT306); built-in globs have no span. */
export interface Side {
  readonly glob: Glob;
  readonly text: string;
  readonly span?: Span;
}

export function tooComplex(glob: Glob): boolean {
  return globStates(glob) > MAX_GLOB_STATES;
}

export class Comparisons {
  private readonly reported = new Set<string>();
  constructor(private readonly diagnostics: Diagnostic[]) {}

  /** A path (or socket name, byte string) both match, or undefined when they share none. */
  overlap(a: Side, b: Side, namespace: Namespace): string | undefined {
    if (tooComplex(a.glob) || tooComplex(b.glob)) return undefined;
    const result = intersect(a.glob, b.glob, DEFAULT_BUDGET, { kernelPaths: namespace === "path" });
    if (result.kind === "overlap") return result.witness;
    if (result.kind === "budget") this.undecided(a, b, result.detail);
    return undefined;
  }

  /** Whether `outer` matches every path `inner` matches (among kernel paths, for the path namespace). */
  covers(outer: Side, inner: Side, namespace: Namespace): boolean {
    if (tooComplex(outer.glob) || tooComplex(inner.glob)) return false;
    const result = checkCovers(outer.glob, inner.glob, DEFAULT_COVERS_BUDGET, { kernelPaths: namespace === "path" });
    if (result.kind === "budget") this.undecided(inner, outer, result.detail);
    return result.kind === "covered";
  }

  /** Reports a comparison past its budget, at the side that has a span (a grant), once per pair. */
  undecided(a: Side, b: Side, detail: string): void {
    const [at, other] = a.span !== undefined ? [a, b] : [b, a];
    const key = `${at.span?.file}:${at.span?.start}|${other.span?.file}:${other.span?.start}|${other.text}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    const related = other.span === undefined ? [] : [{ span: other.span, message: `compared with ${other.text}` }];
    const against = other.span === undefined ? ` (compared with ${other.text})` : "";
    this.diagnostics.push(diagnostic("MOAT306", at.span, { path: quote(at.text), detail: `${detail}${against}; simplify the glob` }, { related }));
  }
}
