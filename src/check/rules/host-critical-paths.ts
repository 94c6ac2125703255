/**
 * No workload may own a host-critical path (model/builtin.ts: what runs as root, or configures the
 * host): a volume, device or socket that can match one is refused, read-only or not. Owning a path means
 * locking or writing it, and it becomes a resource other grants are measured against. Beyond the list,
 * no workload may write anywhere in the host's read-only trees (`/etc`, `/usr`, …): a list of what runs
 * as root cannot be complete, so writes there are refused as a class. A service's
 * `exec` is not owned, only attached to (check/rules/attachments.ts guards it), and the rules libvirt
 * implies for a VM are not grants of the policy. Each grant is reported once, for the first entry of
 * the table it reaches.
 */
import { diagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";
import type { Glob } from "../../glob/ast.js";
import { fromBytes } from "../../glob/bytes.js";
import { crossCandidatePairs } from "../../glob/cross-pairs.js";
import { parseGlob } from "../../glob/parse.js";
import { HOST_CRITICAL_PATHS, HOST_READ_ONLY_TREES } from "../../model/builtin.js";
import type { Resource } from "../../model/types.js";
import { quote } from "../../model/paths.js";
import { Comparisons } from "../decide.js";
import { grantsWrite, readsOnly } from "../grants.js";
import { forEachResource } from "../resources.js";
import type { CheckContext } from "../context.js";
import type { IsolationRule } from "../rule.js";

/** The entries in table order: what no workload may own, then the trees no workload may write. */
const CRITICAL = [
  ...HOST_CRITICAL_PATHS.map((entry) => ({ ...entry, writesOnly: false })),
  ...HOST_READ_ONLY_TREES.map((entry) => ({ ...entry, writesOnly: true })),
].map((entry) => {
  const parsed = parseGlob(entry.glob);
  if (!parsed.ok) throw new Error(`host-critical path ${entry.glob} does not parse`);
  return { ...entry, text: entry.glob, glob: parsed.glob };
});

export const hostCriticalPaths: IsolationRule = {
  name: "host-critical-paths",
  check({ model }: CheckContext): Diagnostic[] {
    const owned: Resource[] = [];
    forEachResource(model, (resource) => {
      if (resource.namespace === "path" && resource.kind !== "implied" && !readsOnly(resource)) owned.push(resource);
    });
    const diagnostics: Diagnostic[] = [];
    const compare = new Comparisons(diagnostics);
    const reported = new Set<number>();
    // Pairs come sorted by entry, so the first hit for a grant is the table's earliest entry.
    for (const [c, r] of crossCandidatePairs(CRITICAL.map((x) => x.glob), owned.map((x): Glob => x.path.glob))) {
      if (reported.has(r)) continue;
      const resource = owned[r]!;
      if (CRITICAL[c]!.writesOnly && !grantsWrite(resource)) continue;
      const witness = compare.overlap(resource.path, CRITICAL[c]!, "path");
      if (witness === undefined) continue;
      reported.add(r);
      const entry = CRITICAL[c]!;
      diagnostics.push(
        diagnostic(
          "MOAT310",
          resource.path.span,
          {
            kind: resource.kind,
            path: quote(resource.path.text),
            critical: entry.text,
            reason: entry.reason,
            witness: quote(fromBytes(witness)),
            how: entry.writesOnly ? "no workload may write there" : "no workload may own it",
          },
          {
            witness: fromBytes(witness),
            hint: entry.writesOnly
              ? "grant it read-only, or keep what the workload writes in a folder of its own (/var/lib/acme/)"
              : "grant a path outside it; host files a workload only reads are not its resources",
          },
        ),
      );
    }
    return diagnostics;
  },
};
