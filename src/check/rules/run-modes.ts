/**
 * A service may start a program one way only: `run … inherit` writes `PATH ix,` and `run … own` writes
 * `PATH Px,`, and apparmor_parser refuses a profile in which two such rules can match one program
 * ("profile has merged rule with conflicting x modifiers"), so moat refuses the policy first (MOAT313),
 * with the program both match. AppArmor lets an exact rule override a wildcard one: a rule is exact when
 * it holds no wildcard (`*`, `**`, `?`, a class); alternations of plain text are exact (they only list
 * paths). So an exact rule against a wildcard rule is no conflict; two exact rules (the same path twice,
 * `a` against `{a,b}`) or two wildcard rules are, where they overlap. Observed with apparmor_parser 3.0.8
 * (test/emit/control-plane.test.ts). Checked with the one comparison helper (check/decide.ts), on the
 * paths the kernel can present.
 */
import { diagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";
import type { GlobPart } from "../../glob/ast.js";
import { fromBytes } from "../../glob/bytes.js";
import type { Resource } from "../../model/types.js";
import { quote } from "../../model/paths.js";
import { Comparisons, tooComplex } from "../decide.js";
import { compareSpans } from "../overlaps.js";
import type { CheckContext } from "../context.js";
import type { IsolationRule } from "../rule.js";

export const runModes: IsolationRule = {
  name: "run-modes",
  check({ model }: CheckContext): Diagnostic[] {
    const diagnostics: Diagnostic[] = [];
    const compare = new Comparisons(diagnostics);
    for (const tenant of model.tenants) {
      for (const workload of tenant.workloads) {
        const runs = workload.resources.filter((r): r is Resource => r.kind === "run" && !tooComplex(r.path.glob));
        if (runs.length < 2) continue;
        for (let i = 0; i < runs.length; i++) {
          for (let j = i + 1; j < runs.length; j++) {
            const [first, second] = [runs[i]!, runs[j]!].sort((x, y) => compareSpans(x.path.span, y.path.span));
            if (first.run === second.run) continue;
            // The exact rule wins over the wildcard one: AppArmor's precedence for exec modes.
            if (exact(first.path.glob.parts) !== exact(second.path.glob.parts)) continue;
            const witness = compare.overlap(second.path, first.path, "path");
            if (witness === undefined) continue;
            const shown = fromBytes(witness);
            diagnostics.push(
              diagnostic(
                "MOAT313",
                second.path.span,
                {
                  path: quote(second.path.text),
                  mode: second.run ?? "inherit",
                  other: quote(first.path.text),
                  otherMode: first.run ?? "inherit",
                  tenant: workload.tenant,
                  workload: workload.name,
                  witness: quote(shown),
                },
                {
                  related: [{ span: first.path.span, message: `run ${first.path.text} ${first.run ?? "inherit"}` }],
                  witness: shown,
                  hint: "run each program one way: remove the line the other covers, narrow a wildcard so that it misses the other's programs, or name a program by its plain path beside a wildcard, which overrides it",
                },
              ),
            );
          }
        }
      }
    }
    return diagnostics;
  },
};

/** Whether a glob holds no wildcard: only literal text, in alternations or not. */
function exact(parts: readonly GlobPart[]): boolean {
  return parts.every((part) => part.kind === "literal" || (part.kind === "alt" && part.branches.every((b) => exact(b.parts))));
}
