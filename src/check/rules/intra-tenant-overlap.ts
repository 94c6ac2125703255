/**
 * SPEC §2 rule 2: two workloads of one tenant that reach the same path, where either may write it, get
 * a warning: within a tenant that is allowed, but it is how one VM corrupts another's disk.
 */
import { diagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";
import type { Model } from "../../model/types.js";
import { quote } from "../../model/paths.js";
import { findOverlaps } from "../overlaps.js";
import type { IsolationRule } from "../rule.js";

export const intraTenantOverlap: IsolationRule = {
  name: "intra-tenant-overlap",
  check(model: Model): Diagnostic[] {
    const diagnostics: Diagnostic[] = [];
    for (const finding of findOverlaps(model)) {
      if (finding.kind !== "overlap") continue;
      const { first, second, witness } = finding;
      if (first.workload.tenant !== second.workload.tenant) continue;
      const writers = [second, first].filter((g) => g.resource.access === "rw");
      if (writers.length === 0) continue;
      diagnostics.push(
        diagnostic(
          "MOAT303",
          second.resource.path.span,
          {
            tenant: second.workload.tenant,
            workloadA: second.workload.name,
            workloadB: first.workload.name,
            witness: quote(witness),
            writer: writers.map((g) => g.workload.name).join(" and "),
          },
          {
            related: [{ span: first.resource.path.span, message: `${first.workload.name} grants ${first.resource.path.text} ${first.resource.access}` }],
            witness,
          },
        ),
      );
    }
    return diagnostics;
  },
};
