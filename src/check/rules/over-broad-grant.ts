/**
 * SPEC §2 rule 6: a grant that can match every file under `/`, `/dev`, `/etc`, `/var`, `/usr`, `/home`,
 * `/run` or `/srv` is refused, however it is spelt (`/var/**`, `/{var,tmp}/**`, `/**`): such a grant
 * hands a workload the host, and makes every other isolation proof meaningless.
 */
import { diagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";
import type { Glob } from "../../glob/ast.js";
import { checkCovers } from "../../glob/intersect.js";
import { parseGlob } from "../../glob/parse.js";
import { literalPrefix, literalSuffix } from "../../glob/text.js";
import { BROAD_ROOTS } from "../../model/builtin.js";
import type { Model } from "../../model/types.js";
import { quote } from "../../model/paths.js";
import { forEachResource } from "../resources.js";
import type { IsolationRule } from "../rule.js";

const EVERYTHING_UNDER: readonly { root: string; glob: Glob }[] = BROAD_ROOTS.map((root) => {
  const text = root === "/" ? "/**" : `${root}/**`;
  const parsed = parseGlob(text);
  if (!parsed.ok) throw new Error(`broad root ${text} does not parse`);
  return { root, glob: parsed.glob };
});

/**
 * Whether a glob with this literal prefix and suffix can cover `ROOT/**` at all, decided without an
 * automaton. `ROOT/**` matches `ROOT/a` and `ROOT/b` (its `**` after a '/' needs one byte, no more), so
 * the paths it matches share exactly the start `ROOT/` and no end. A covering glob matches all of them,
 * and every path a glob matches starts with its literal prefix and ends with its literal suffix: so its
 * prefix must be a prefix of `ROOT/` and its suffix must be empty. A grant under `/var/lib/...` or ending
 * in `.qcow2` is narrower than every root, proven, and costs no inclusion check.
 */
export function mayCover(prefix: string, suffix: string, root: string): boolean {
  return suffix === "" && (root === "/" ? "/" : root + "/").startsWith(prefix);
}

export const overBroadGrant: IsolationRule = {
  name: "over-broad-grant",
  check(model: Model): Diagnostic[] {
    const diagnostics: Diagnostic[] = [];
    forEachResource(model, (resource) => {
      if (resource.namespace !== "path" || resource.kind === "implied") return;
      const suffix = literalSuffix(resource.path.glob);
      // A grant with a literal end (a file name, `.qcow2`, every literal path) covers no root: see mayCover.
      if (suffix !== "") return;
      const prefix = literalPrefix(resource.path.glob);
      for (const broad of EVERYTHING_UNDER) {
        if (!mayCover(prefix, suffix, broad.root)) continue;
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
    });
    return diagnostics;
  },
};
