/**
 * A service's `exec` is what the kernel attaches its profile to, so the attached binary is a resource of
 * its tenant (the over-broad rule judges `exec` globs too):
 * - nobody else may write it, or any folder above it: whoever replaces the binary runs with its
 *   profile's grants. Another tenant's write grant there is an error (MOAT308); another workload of the
 *   same tenant gets a warning (MOAT312). The workload's own grants may (it may update itself).
 * - no two profiles may attach to one file: the kernel cannot pick between two equally specific
 *   attachments and runs the program unconfined (MOAT309), whichever tenants they belong to.
 * A program a service starts with `run … inherit` (`ix`) runs with that service's grants, so it is
 * guarded as the service's `exec` is: another tenant's write grant reaching it is MOAT308, another
 * workload of the tenant MOAT312. A `run … own` target is another service's `exec` exactly (model/
 * resolve.ts), guarded as that exec already; it is not a second attachment.
 * Decided on the paths the kernel can present, with the one comparison helper (check/decide.ts).
 */
import { diagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";
import { withAncestors } from "../../glob/ancestors.js";
import { compileGlob } from "../../glob/automaton.js";
import { fromBytes } from "../../glob/bytes.js";
import { candidateIndexPairs } from "../../glob/candidate-pairs.js";
import { DEFAULT_BUDGET, intersectNfas } from "../../glob/intersect.js";
import { literalPrefix } from "../../glob/text.js";
import type { Model, PathValue, Workload } from "../../model/types.js";
import { quote } from "../../model/paths.js";
import { Comparisons, tooComplex } from "../decide.js";
import { grantsWrite } from "../grants.js";
import { compareSpans } from "../overlaps.js";
import { forEachResource } from "../resources.js";
import type { CheckContext } from "../context.js";
import type { IsolationRule } from "../rule.js";

interface Attached {
  readonly workload: Workload;
  readonly exec: PathValue;
  /** exec: the binary the workload's profile attaches to; run: a program it starts with `ix`. */
  readonly how: "exec" | "run";
}

export const attachments: IsolationRule = {
  name: "attachments",
  check({ model }: CheckContext): Diagnostic[] {
    const attached: Attached[] = [];
    const started: Attached[] = [];
    for (const tenant of model.tenants) {
      for (const workload of tenant.workloads) {
        if (workload.exec !== undefined && !tooComplex(workload.exec.glob)) attached.push({ workload, exec: workload.exec, how: "exec" });
        for (const resource of workload.resources) {
          if (resource.kind === "run" && resource.run !== "own" && !tooComplex(resource.path.glob)) started.push({ workload, exec: resource.path, how: "run" });
        }
      }
    }
    const diagnostics: Diagnostic[] = [];
    if (attached.length === 0 && started.length === 0) return diagnostics;
    const compare = new Comparisons(diagnostics);
    sameBinary(attached, compare, diagnostics);
    writableBinary(model, [...attached, ...started], compare, diagnostics);
    return diagnostics;
  },
};

function sameBinary(attached: readonly Attached[], compare: Comparisons, diagnostics: Diagnostic[]): void {
  for (const [i, j] of candidateIndexPairs(attached.map((a) => a.exec.glob))) {
    const [first, second] = [attached[i]!, attached[j]!].sort((x, y) => compareSpans(x.exec.span, y.exec.span));
    const witness = compare.overlap(second.exec, first.exec, "path");
    if (witness === undefined) continue;
    const shown = fromBytes(witness);
    diagnostics.push(
      diagnostic(
        "MOAT309",
        second.exec.span,
        {
          path: quote(second.exec.text),
          tenantA: second.workload.tenant,
          workloadA: second.workload.name,
          other: quote(first.exec.text),
          tenantB: first.workload.tenant,
          workloadB: first.workload.name,
          witness: quote(shown),
        },
        {
          related: [{ span: first.exec.span, message: `exec of ${first.workload.tenant}/${first.workload.name}: ${first.exec.text}` }],
          witness: shown,
          hint: "give each service a binary of its own (a wrapper or a copy under its own folder)",
        },
      ),
    );
  }
}

function writableBinary(model: Model, attached: readonly Attached[], compare: Comparisons, diagnostics: Diagnostic[]): void {
  const targets = attached.map((a) => ({ ...a, prefix: literalPrefix(a.exec.glob) }));
  forEachResource(model, (resource, workload) => {
    if (!grantsWrite(resource) || tooComplex(resource.path.glob)) return;
    const prefix = literalPrefix(resource.path.glob);
    for (const target of targets) {
      if (target.workload === workload) continue;
      // Every path and folder at stake starts with a prefix of the exec's fixed start, or extends it.
      if (!(target.prefix.startsWith(prefix) || prefix.startsWith(target.prefix))) continue;
      const result = intersectNfas(compileGlob(resource.path.glob), withAncestors(target.exec.glob), DEFAULT_BUDGET, { kernelPaths: true });
      if (result.kind === "budget") {
        compare.undecided(resource.path, target.exec, result.detail);
        continue;
      }
      if (result.kind !== "overlap") continue;
      const shown = fromBytes(result.witness);
      const cross = target.workload.tenant !== workload.tenant;
      const owner = `${target.workload.tenant}/${target.workload.name}`;
      diagnostics.push(
        diagnostic(
          cross ? "MOAT308" : "MOAT312",
          resource.path.span,
          {
            kind: resource.kind === "implied" ? (resource.note ?? "implied rule") : resource.kind,
            path: quote(resource.path.text),
            tenant: workload.tenant,
            workload: workload.name,
            witness: quote(shown),
            owner,
            binary: target.how === "exec" ? `the binary ${owner} is attached to` : `a program ${owner} runs under its own profile (run … inherit)`,
          },
          {
            related: [{ span: target.exec.span, message: `${target.how === "exec" ? "exec" : "run"} of ${owner}: ${target.exec.text}` }],
            witness: shown,
            hint: "keep write grants away from other workloads' binaries and the folders that hold them",
          },
        ),
      );
    }
  });
}
