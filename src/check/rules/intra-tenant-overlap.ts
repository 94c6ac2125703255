/**
 * Two workloads of one tenant that reach the same path, where either may write it, get
 * a warning: within a tenant that is allowed, but it is how one VM corrupts another's disk. Each grant
 * is reported at most once per group it clashes with (see overlaps.ts). A `read` or `run` owns nothing
 * and takes no part: reading what a sibling writes cannot corrupt it.
 */
import { diagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";
import { quote } from "../../model/paths.js";
import { readsOnly, type Grant } from "../grants.js";
import { firstOtherThan, firstTwoDistinct, oneOwner, ReportedPairs, reportedPairs, workloadOf } from "../overlaps.js";
import type { CheckContext } from "../context.js";
import type { IsolationRule } from "../rule.js";

/** Per tenant, the first owned grants of two different workloads: all, and writers only. */
function summarize(grants: readonly Grant[]): Map<string, { all: Grant[]; writers: Grant[] }> {
  const byTenant = new Map<string, Grant[]>();
  for (const g of grants) {
    if (readsOnly(g.resource)) continue;
    const list = byTenant.get(g.workload.tenant);
    if (list === undefined) byTenant.set(g.workload.tenant, [g]);
    else list.push(g);
  }
  return new Map(
    [...byTenant].map(([tenant, list]) => [
      tenant,
      { all: firstTwoDistinct(list, workloadOf), writers: firstTwoDistinct(list.filter((g) => g.resource.access === "rw"), workloadOf) },
    ]),
  );
}

function hasWriter(grants: readonly Grant[]): boolean {
  for (let k = 0; k < grants.length; k++) if (grants[k]!.resource.access === "rw") return true;
  return false;
}

export const intraTenantOverlap: IsolationRule = {
  name: "intra-tenant-overlap",
  check(context: CheckContext): Diagnostic[] {
    const model = context.model;
    const diagnostics: Diagnostic[] = [];
    const seen = new ReportedPairs();
    for (const finding of context.findOverlaps()) {
      // Only a pair where one side writes is reported: a base image every VM of a tenant reads is skipped whole.
      if (finding.kind !== "overlap" || oneOwner(finding, workloadOf) || (!hasWriter(finding.a.members) && !hasWriter(finding.b.members))) continue;
      const summaries = new WeakMap<readonly Grant[], ReturnType<typeof summarize>>();
      const pairs = reportedPairs(finding, (grant, others) => {
        if (readsOnly(grant.resource)) return undefined;
        let side = summaries.get(others);
        if (side === undefined) summaries.set(others, (side = summarize(others)));
        const mine = side.get(grant.workload.tenant);
        if (mine === undefined) return undefined;
        return firstOtherThan(grant.resource.access === "rw" ? mine.all : mine.writers, workloadOf, grant.workload);
      }, seen);
      for (const [first, second] of pairs) {
        const writers = [second, first].filter((g) => g.resource.access === "rw");
        diagnostics.push(
          diagnostic(
            "MOAT303",
            second.resource.path.span,
            {
              tenant: second.workload.tenant,
              workloadA: second.workload.name,
              workloadB: first.workload.name,
              witness: quote(finding.witness),
              writer: writers.map((g) => g.workload.name).join(" and "),
            },
            {
              related: [{ span: first.resource.path.span, message: `${first.workload.name} grants ${first.resource.path.text} ${first.resource.access}` }],
              witness: finding.witness,
            },
          ),
        );
      }
    }
    return diagnostics;
  },
};
