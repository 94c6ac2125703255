/**
 * Complain mode is said out loud: a profile in complain mode logs what it would deny and allows it, so
 * the workload's isolation is a record, not a barrier. Every such workload gets a warning at its `mode`
 * line, so that nobody reads a passing compile as "isolated" while one is left in complain mode.
 */
import { diagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";
import type { CheckContext } from "../context.js";
import type { IsolationRule } from "../rule.js";

export const complainMode: IsolationRule = {
  name: "complain-mode",
  check({ model }: CheckContext): Diagnostic[] {
    const diagnostics: Diagnostic[] = [];
    for (const tenant of model.tenants) {
      for (const workload of tenant.workloads) {
        if (workload.mode !== "complain") continue;
        diagnostics.push(
          diagnostic("MOAT311", workload.modeSpan ?? workload.span, { kind: workload.kind, tenant: workload.tenant, workload: workload.name }, {
            hint: "its profile allows everything it would deny and only logs it; once its log shows no denials, write `mode enforce` (or remove the mode line)",
          }),
        );
      }
    }
    return diagnostics;
  },
};
