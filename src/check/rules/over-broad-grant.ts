/**
 * SPEC §2 rule 6: a grant that can match every file under `/`, `/dev`, `/etc`, `/var`, `/usr`, `/home`,
 * `/run` or `/srv` is refused, however it is spelt (`/var/**`, `/{var,tmp}/**`, `/**`): such a grant
 * hands a workload the host, and makes every other isolation proof meaningless.
 */
import { diagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";
import type { Glob } from "../../glob/ast.js";
import { checkCovers } from "../../glob/intersect.js";
import { parseGlob } from "../../glob/parse.js";
import { BROAD_ROOTS } from "../../model/builtin.js";
import type { Model } from "../../model/types.js";
import { quote } from "../../model/paths.js";
import type { IsolationRule } from "../rule.js";

const EVERYTHING_UNDER: readonly { root: string; glob: Glob }[] = BROAD_ROOTS.map((root) => {
  const text = root === "/" ? "/**" : `${root}/**`;
  const parsed = parseGlob(text);
  if (!parsed.ok) throw new Error(`broad root ${text} does not parse`);
  return { root, glob: parsed.glob };
});

export const overBroadGrant: IsolationRule = {
  name: "over-broad-grant",
  check(model: Model): Diagnostic[] {
    const diagnostics: Diagnostic[] = [];
    for (const tenant of model.tenants) {
      for (const workload of tenant.workloads) {
        for (const resource of workload.resources) {
          if (resource.namespace !== "path" || resource.kind === "implied") continue;
          // A literal path has no wildcard and cannot cover a folder's contents: skip the automaton.
          if (resource.path.glob.parts.every((p) => p.kind === "literal")) continue;
          for (const broad of EVERYTHING_UNDER) {
            const result = checkCovers(resource.path.glob, broad.glob);
            if (result.kind === "covered") {
              diagnostics.push(diagnostic("MOAT305", resource.path.span, { path: quote(resource.path.text), root: broad.root }));
              break;
            }
            // Unproven is not "narrow enough": a grant too complex to decide is refused, never waved through.
            if (result.kind === "budget") {
              diagnostics.push(
                diagnostic("MOAT306", resource.path.span, {
                  path: quote(resource.path.text),
                  detail: `cannot prove it is narrower than ${broad.root}: ${result.detail}`,
                }),
              );
              break;
            }
          }
        }
      }
    }
    return diagnostics;
  },
};
