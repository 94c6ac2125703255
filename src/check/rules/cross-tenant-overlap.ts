/**
 * SPEC §2 rule 1: no path or abstract socket name may be reachable by two tenants. The one exception
 * is a `shared GLOB ro with T1, T2…` that covers both grants entirely, lists both tenants, and where
 * both grants are read-only. When a shared statement reaches the witness but misses one of those
 * conditions, the error says which (MOAT302) so the operator fixes the right thing.
 */
import { diagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";
import { toBytes } from "../../glob/bytes.js";
import { covers } from "../../glob/intersect.js";
import { matchesPath } from "../../glob/match.js";
import type { Model, Shared } from "../../model/types.js";
import { describeResource, type Grant } from "../grants.js";
import { findOverlaps } from "../overlaps.js";
import type { IsolationRule } from "../rule.js";
import { quote } from "../../model/paths.js";

export const crossTenantOverlap: IsolationRule = {
  name: "cross-tenant-overlap",
  check(model: Model): Diagnostic[] {
    const diagnostics: Diagnostic[] = [];
    for (const finding of findOverlaps(model)) {
      if (finding.kind !== "overlap") continue;
      const { first, second, witness } = finding;
      if (first.workload.tenant === second.workload.tenant) continue;
      const verdict = sharedVerdict(model.shared, first, second, witness);
      if (verdict === "allowed") continue;
      const params = {
        kindA: describeResource(second.resource),
        tenantA: second.workload.tenant,
        workloadA: second.workload.name,
        kindB: describeResource(first.resource),
        tenantB: first.workload.tenant,
        workloadB: first.workload.name,
        witness: quote(witness),
      };
      const related = [
        { span: first.resource.path.span, message: `${params.kindB} of ${first.workload.tenant}/${first.workload.name}: ${first.resource.path.text}` },
      ];
      if (verdict === undefined) {
        diagnostics.push(diagnostic("MOAT301", second.resource.path.span, params, { related, witness, hint: hint(first, second) }));
      } else {
        related.push({ span: verdict.shared.span, message: "the shared statement that reaches this path" });
        diagnostics.push(diagnostic("MOAT302", second.resource.path.span, { ...params, missing: verdict.missing }, { related, witness }));
      }
    }
    return diagnostics;
  },
};

type Verdict = "allowed" | { readonly shared: Shared; readonly missing: string } | undefined;

/** Whether a shared statement allows the pair; if one reaches the witness but falls short, what it lacks. */
function sharedVerdict(shared: readonly Shared[], a: Grant, b: Grant, witness: string): Verdict {
  let nearest: { shared: Shared; missing: string } | undefined;
  const witnessBytes = toBytes(a.namespace === "abstract" ? witness.slice(1) : witness);
  for (const s of shared) {
    if (a.namespace !== "path") continue;
    if (!matchesPath(s.path.glob, witnessBytes)) continue;
    const missing: string[] = [];
    for (const g of [a, b]) {
      if (!s.tenants.some((t) => t.name === g.workload.tenant)) missing.push(`tenant ${g.workload.tenant} is not listed`);
    }
    for (const g of [a, b]) {
      if (g.resource.access !== "ro") missing.push(`${g.workload.tenant}/${g.workload.name} grants ${g.resource.path.text} rw`);
    }
    for (const g of [a, b]) {
      if (!covers(s.path.glob, g.glob)) missing.push(`${g.resource.path.text} of ${g.workload.tenant}/${g.workload.name} reaches beyond ${s.path.text}`);
    }
    if (missing.length === 0) return "allowed";
    nearest ??= { shared: s, missing: missing.join("; ") };
  }
  return nearest;
}

function hint(a: Grant, b: Grant): string {
  if (a.resource.access === "ro" && b.resource.access === "ro") {
    return `if both tenants may read it, declare it: shared "…" ro with ${a.workload.tenant}, ${b.workload.tenant}`;
  }
  return "give each tenant its own path, or narrow the globs so they cannot match the same file";
}
