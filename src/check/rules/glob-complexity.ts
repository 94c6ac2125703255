/**
 * Overlap proofs run on automata with a state budget, so that a hostile glob (a brace bomb, a long
 * chain of `**`) costs a bounded amount of time and memory. A glob whose automaton alone exceeds the
 * budget, or a pair whose proof would, is an error: moat never says "isolated" without a proof.
 */
import { diagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";
import { globStates, MAX_GLOB_STATES } from "../../glob/automaton.js";
import type { Resource } from "../../model/types.js";
import { quote } from "../../model/paths.js";
import { inSourceOrder } from "../overlaps.js";
import { forEachResource } from "../resources.js";
import type { CheckContext } from "../context.js";
import type { IsolationRule } from "../rule.js";

export const globComplexity: IsolationRule = {
  name: "glob-complexity",
  check(context: CheckContext): Diagnostic[] {
    const model = context.model;
    const diagnostics: Diagnostic[] = [];
    const tooComplex = new Set<Resource>();
    forEachResource(model, (resource) => {
      const states = globStates(resource.path.glob);
      if (states > MAX_GLOB_STATES) {
        tooComplex.add(resource);
        diagnostics.push(
          diagnostic("MOAT306", resource.path.span, {
            path: quote(resource.path.text),
            detail: `its automaton needs ${states} states, more than the budget of ${MAX_GLOB_STATES}; simplify the alternations`,
          }),
        );
      }
    });
    // An `exec` is compared by other rules too (attachments, over-broad, protected): a glob too complex
    // for them is reported here, not skipped there unseen.
    for (const tenant of model.tenants) {
      for (const workload of tenant.workloads) {
        const exec = workload.exec;
        if (exec === undefined) continue;
        const states = globStates(exec.glob);
        if (states <= MAX_GLOB_STATES) continue;
        diagnostics.push(
          diagnostic("MOAT306", exec.span, {
            path: quote(exec.text),
            detail: `its automaton needs ${states} states, more than the budget of ${MAX_GLOB_STATES}; simplify the alternations`,
          }),
        );
      }
    }
    for (const finding of context.findOverlaps()) {
      if (finding.kind !== "budget") continue;
      const [first, second] = inSourceOrder(finding.a.members[0]!, finding.b.members[0]!);
      // A glob already reported on its own is not reported again for every pair it is part of.
      if (tooComplex.has(first.resource) || tooComplex.has(second.resource)) continue;
      diagnostics.push(
        diagnostic("MOAT306", second.resource.path.span, { path: quote(second.resource.path.text), detail: finding.detail }, {
          related: [{ span: first.resource.path.span, message: `compared with ${first.resource.path.text}` }],
        }),
      );
    }
    return diagnostics;
  },
};
