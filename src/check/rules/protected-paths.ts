/**
 * No workload may be granted a protected host path: the built-in set (host credentials
 * and security configuration) or a `protect` glob. A grant that merely could match one is refused too:
 * `/etc/sha*` reaches /etc/shadow. Each grant is reported once, for the first protected glob (in the
 * documented order, then the policy's) that it reaches.
 */
import { diagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";
import type { Glob } from "../../glob/ast.js";
import { fromBytes } from "../../glob/bytes.js";
import { Comparisons } from "../decide.js";
import { crossCandidatePairs } from "../../glob/cross-pairs.js";
import { checkedWorkloads, type Model, type PathValue } from "../../model/types.js";
import { quote } from "../../model/paths.js";
import type { CheckContext } from "../context.js";
import type { IsolationRule } from "../rule.js";

/** Every path a workload is given: its resources and the binary its profile attaches to. */
function grantedPaths(model: Model): PathValue[] {
  const paths: PathValue[] = [];
  for (const tenant of model.tenants) {
    for (const workload of checkedWorkloads(tenant)) {
      // Indexed: a fleet's hundred thousand resources (docs/performance.md, "Loops").
      const resources = workload.resources;
      for (let r = 0; r < resources.length; r++) if (resources[r]!.namespace === "path") paths.push(resources[r]!.path);
      if (workload.exec !== undefined) paths.push(workload.exec);
    }
  }
  return paths;
}

export const protectedPaths: IsolationRule = {
  name: "protected-paths",
  check(context: CheckContext): Diagnostic[] {
    const model = context.model;
    const guards = context.protectedGlobs();
    const granted = grantedPaths(model);
    const firstHit = new Map<number, { guard: number; witness: string }>();
    const undecided: Diagnostic[] = [];
    const compare = new Comparisons(undecided);
    // Pairs come sorted by guard, so the first overlap found for a grant is with the earliest guard.
    for (const [g, p] of crossCandidatePairs(guards.map((x) => x.glob), granted.map((x): Glob => x.glob))) {
      if (firstHit.has(p)) continue;
      const witness = compare.overlap(granted[p]!, guards[g]!, "path");
      if (witness !== undefined) firstHit.set(p, { guard: g, witness: fromBytes(witness) });
    }
    const found = [...firstHit].map(([p, { guard, witness }]) => {
      const path = granted[p]!;
      const protectedGlob = guards[guard]!;
      const related = protectedGlob.span === undefined ? [] : [{ span: protectedGlob.span, message: "protected here" }];
      return diagnostic("MOAT304", path.span, { path: quote(path.text), protected: protectedGlob.text, witness: quote(witness) }, { related, witness });
    });
    return [...found, ...undecided];
  },
};
