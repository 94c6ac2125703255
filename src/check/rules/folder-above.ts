/**
 * Whoever may write a folder may rename it, and everything in it moves along: with `w` on `/etc/`, a
 * process renames `/etc/` and reads `/etcx/shadow`, which no deny on `/etc/shadow` names; with `w` on
 * `/srv/globex/`, another tenant moves globex's data into a folder of its own. So a write grant that can
 * match a folder above a protected path, a host-critical path, or another tenant's resource is an error
 * (MOAT320), whoever the folder belongs to. (A service's `exec` is guarded the same way by
 * attachments.ts.) A grant that matches such a path itself is another rule's finding (MOAT304, MOAT310,
 * MOAT301), not reported twice here.
 *
 * Only grants that can name a folder (their last written byte may be '/') are compared, and only with
 * targets whose fixed start agrees with theirs, found through a sorted index: a fleet's file grants cost
 * nothing here.
 */
import { diagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";
import type { Glob } from "../../glob/ast.js";
import { withFoldersAbove } from "../../glob/ancestors.js";
import { compileGlob } from "../../glob/automaton.js";
import { fromBytes } from "../../glob/bytes.js";
import { DEFAULT_BUDGET, intersect, intersectNfas } from "../../glob/intersect.js";
import { literalPrefix, literalSuffix } from "../../glob/text.js";
import { HOST_CRITICAL_GLOBS } from "../../model/protected.js";
import type { Resource, Workload } from "../../model/types.js";
import { quote } from "../../model/paths.js";
import { Comparisons, type Side, tooComplex } from "../decide.js";
import { describeResource, grantsWrite, isHostShared } from "../grants.js";
import { forEachResource } from "../resources.js";
import type { CheckContext } from "../context.js";
import type { IsolationRule } from "../rule.js";

interface Target extends Side {
  readonly prefix: string;
  /** What the message calls it: "protected host path", "host-critical path", or the owner. */
  readonly what: string;
  readonly tenant?: string;
}

const CRITICAL: readonly Target[] = HOST_CRITICAL_GLOBS.map((entry) => ({ glob: entry.glob, text: entry.text, prefix: literalPrefix(entry.glob), what: `a host-critical path: ${entry.reason}` }));

export const folderAbove: IsolationRule = {
  name: "folder-above",
  check(context: CheckContext): Diagnostic[] {
    const model = context.model;
    const writers: { resource: Resource; workload: Workload }[] = [];
    forEachResource(model, (resource, workload) => {
      if (resource.namespace !== "path" || isHostShared(resource) || tooComplex(resource.path.glob)) return;
      if (grantsWrite(resource) && mayNameFolder(resource.path.glob)) writers.push({ resource, workload });
    });
    const diagnostics: Diagnostic[] = [];
    // Most policies have no grant that may name a folder: the targets are not built for nothing.
    if (writers.length === 0) return diagnostics;
    const targets: Target[] = [...CRITICAL];
    for (const p of context.protectedGlobs()) {
      targets.push({ glob: p.glob, text: p.text, prefix: literalPrefix(p.glob), what: "a protected host path", ...(p.span === undefined ? {} : { span: p.span }) });
    }
    // Every grant under each of its names: an LVM volume is also its other name (check/grants.ts).
    for (const grant of context.overlapGrants()) {
      if (grant.namespace !== "path" || tooComplex(grant.glob)) continue;
      const { resource, workload } = grant;
      targets.push({
        glob: grant.glob,
        text: grant.alias ?? resource.path.text,
        span: resource.path.span,
        prefix: literalPrefix(grant.glob),
        what: `${describeResource(resource)} of ${workload.tenant}/${workload.name}`,
        tenant: workload.tenant,
      });
    }
    const compare = new Comparisons(diagnostics);
    const index = new PrefixIndex(targets);
    for (const { resource, workload } of writers) {
      const glob = resource.path.glob;
      for (const target of index.compatible(literalPrefix(glob))) {
        if (target.tenant === workload.tenant) continue; // its own tenant's: not this rule's business
        // The path itself is MOAT301/304/310's finding.
        if (intersect(glob, target.glob, DEFAULT_BUDGET, { kernelPaths: true }).kind !== "disjoint") continue;
        const result = intersectNfas(compileGlob(glob), withFoldersAbove(target.glob), DEFAULT_BUDGET, { kernelPaths: true });
        if (result.kind === "budget") {
          compare.undecided(resource.path, target, result.detail);
          continue;
        }
        if (result.kind !== "overlap") continue;
        const witness = fromBytes(result.witness);
        diagnostics.push(
          diagnostic(
            "MOAT320",
            resource.path.span,
            {
              kind: describeResource(resource),
              path: quote(resource.path.text),
              tenant: workload.tenant,
              workload: workload.name,
              witness: quote(witness),
              target: target.text,
              what: target.what,
            },
            {
              witness,
              related: target.span === undefined ? [] : [{ span: target.span, message: `${target.what}: ${target.text}` }],
              hint: "grant the files the workload writes, or a folder of its own below; never a folder that holds what is not its own",
            },
          ),
        );
        break; // one finding per grant
      }
    }
    return diagnostics;
  },
};

/**
 * Whether a glob can match a path that ends in '/' (a folder): some accepting state of its NFA is
 * entered by a '/'. `/srv/a/{,**}` can; `/var/lib/libvirt/qemu/domain-1-web/*` (every VM's implied
 * folder rule) cannot, as `*` never matches '/'. Its fixed end decides most grants without the NFA.
 */
function mayNameFolder(glob: Glob): boolean {
  const suffix = literalSuffix(glob);
  if (suffix !== "") return suffix.endsWith("/");
  const nfa = compileGlob(glob);
  for (const edges of nfa.edges) for (const e of edges) if (nfa.accepting[e.to] && e.label.some(([lo, hi]) => lo <= SLASH && SLASH <= hi)) return true;
  return false;
}

const SLASH = 0x2f;

/**
 * Targets by their fixed start: a folder the writer can name is a prefix of a target's path, so either
 * the writer's fixed start begins the target's, or the target's begins the writer's.
 */
class PrefixIndex {
  private readonly sorted: readonly Target[];
  private readonly byPrefix = new Map<string, Target[]>();
  constructor(targets: readonly Target[]) {
    this.sorted = [...targets].sort((a, b) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0));
    for (const t of targets) {
      const list = this.byPrefix.get(t.prefix);
      if (list === undefined) this.byPrefix.set(t.prefix, [t]);
      else list.push(t);
    }
  }

  compatible(prefix: string): Target[] {
    const out: Target[] = [];
    // Targets whose fixed start begins with the writer's.
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.sorted[mid]!.prefix < prefix) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.sorted.length && this.sorted[i]!.prefix.startsWith(prefix); i++) out.push(this.sorted[i]!);
    // Targets whose fixed start is a proper prefix of the writer's.
    for (let n = 0; n < prefix.length; n++) for (const t of this.byPrefix.get(prefix.slice(0, n)) ?? []) out.push(t);
    return out;
  }
}
