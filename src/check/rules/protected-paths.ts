/**
 * SPEC §2 rule 4: no workload may be granted a protected host path: the built-in set (host credentials
 * and security configuration) or a `protect` glob. A grant that merely could match one is refused too:
 * `/etc/sha*` reaches /etc/shadow.
 */
import { diagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";
import { fromBytes } from "../../glob/bytes.js";
import { findCandidatePairs } from "../../glob/index.js";
import { intersect } from "../../glob/intersect.js";
import type { Model } from "../../model/types.js";
import { quote } from "../../model/paths.js";
import type { IsolationRule } from "../rule.js";
import { protectedGlobs, type ProtectedGlob } from "../protected.js";
import type { Resource, Workload } from "../../model/types.js";

type Item = { readonly protectedGlob: ProtectedGlob } | { readonly workload: Workload; readonly resource: Resource };

export const protectedPaths: IsolationRule = {
  name: "protected-paths",
  check(model: Model): Diagnostic[] {
    const items: { glob: ProtectedGlob["glob"]; value: Item }[] = protectedGlobs(model).map((p) => ({ glob: p.glob, value: { protectedGlob: p } }));
    for (const tenant of model.tenants) {
      for (const workload of tenant.workloads) {
        for (const resource of workload.resources) {
          if (resource.namespace === "path") items.push({ glob: resource.path.glob, value: { workload, resource } });
        }
        if (workload.exec !== undefined) {
          items.push({ glob: workload.exec.glob, value: { workload, resource: { kind: "volume", access: "ro", namespace: "path", path: workload.exec } } });
        }
      }
    }
    const diagnostics: Diagnostic[] = [];
    const reported = new Set<Item>();
    for (const [x, y] of findCandidatePairs(items)) {
      const guard = "protectedGlob" in x ? x : "protectedGlob" in y ? y : undefined;
      const grant = guard === x ? y : x;
      if (guard === undefined || !("protectedGlob" in guard) || "protectedGlob" in grant || reported.has(grant)) continue;
      const result = intersect(grant.resource.path.glob, guard.protectedGlob.glob);
      if (result.kind !== "overlap") continue;
      reported.add(grant);
      const witness = fromBytes(result.witness);
      const related = guard.protectedGlob.span === undefined ? [] : [{ span: guard.protectedGlob.span, message: "protected here" }];
      diagnostics.push(
        diagnostic(
          "MOAT304",
          grant.resource.path.span,
          { path: quote(grant.resource.path.text), protected: guard.protectedGlob.text, witness: quote(witness) },
          { related, witness },
        ),
      );
    }
    return diagnostics;
  },
};
