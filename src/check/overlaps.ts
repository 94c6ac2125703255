/**
 * Every pair of grants of different workloads that share a path, with a witness: the analysis the
 * cross-tenant, intra-tenant and complexity rules all read. Candidate pairs come from the glob index,
 * never from comparing all pairs; each candidate is then decided exactly by the automaton engine.
 * Computed once per model.
 */
import { fromBytes } from "../glob/bytes.js";
import { findCandidatePairs } from "../glob/index.js";
import { intersect } from "../glob/intersect.js";
import type { Model } from "../model/types.js";
import type { Span } from "../source.js";
import { overlapGrants, type Grant } from "./grants.js";

export type PairFinding =
  /** `first` is declared before `second` in source order; the witness is display text. */
  | { readonly kind: "overlap"; readonly first: Grant; readonly second: Grant; readonly witness: string }
  | { readonly kind: "budget"; readonly first: Grant; readonly second: Grant; readonly detail: string };

const cache = new WeakMap<Model, readonly PairFinding[]>();

export function findOverlaps(model: Model): readonly PairFinding[] {
  const cached = cache.get(model);
  if (cached !== undefined) return cached;
  const findings: PairFinding[] = [];
  for (const namespace of ["path", "abstract"] as const) {
    const grants = overlapGrants(model).filter((g) => g.namespace === namespace);
    for (const [x, y] of findCandidatePairs(grants.map((g) => ({ glob: g.glob, value: g })))) {
      if (x.workload === y.workload) continue;
      const [first, second] = spanBefore(x.resource.path.span, y.resource.path.span) ? [x, y] : [y, x];
      const result = intersect(first.glob, second.glob);
      if (result.kind === "overlap") findings.push({ kind: "overlap", first, second, witness: display(namespace, result.witness) });
      else if (result.kind === "budget") findings.push({ kind: "budget", first, second, detail: result.detail });
    }
  }
  const unique = dedupe(findings);
  cache.set(model, unique);
  return unique;
}

/**
 * A mapper alias and its original are two grants of one resource: a pair of resources must be
 * reported once, with the witness of whichever form overlapped first.
 */
function dedupe(findings: readonly PairFinding[]): PairFinding[] {
  const seen = new Set<string>();
  const out: PairFinding[] = [];
  for (const f of findings) {
    const key = `${key0(f.first)}|${key0(f.second)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(f);
  }
  return out.sort((a, b) => compareSpans(a.second.resource.path.span, b.second.resource.path.span) || compareSpans(a.first.resource.path.span, b.first.resource.path.span));
}

function key0(g: Grant): string {
  const s = g.resource.path.span;
  return `${s.file}:${s.start}:${s.end}:${g.workload.tenant}/${g.workload.name}:${g.resource.path.text}:${g.resource.kind}`;
}

function display(namespace: "path" | "abstract", witness: string): string {
  return (namespace === "abstract" ? "@" : "") + fromBytes(witness);
}

export function compareSpans(a: Span, b: Span): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.start - b.start || a.end - b.end;
}

function spanBefore(a: Span, b: Span): boolean {
  return compareSpans(a, b) <= 0;
}
