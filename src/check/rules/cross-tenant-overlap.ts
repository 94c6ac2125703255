/**
 * No path or abstract socket name may be reachable by two tenants. The one exception
 * is a `shared GLOB ro with T1, T2…` that covers both grants entirely, lists both tenants, and where
 * both grants are read-only. When a shared statement reaches the witness but misses one of those
 * conditions, the error says which (MOAT302) so the operator fixes the right thing.
 *
 * A `read` or `run` (check/grants.ts readsOnly) owns nothing: two of them never clash, whatever their
 * tenants, but one that reaches what another tenant owns clashes as a read-only grant would: always
 * with a writer, and with a reader unless a shared statement allows the pair.
 *
 * Grants with one glob are checked as a group (see overlaps.ts): each grant is reported at most once
 * per group it clashes with, against the first grant of another tenant it may not share with, so a
 * base image granted by a thousand tenants without a shared statement gives a thousand errors, not
 * half a million.
 */
import { diagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";
import { toBytes } from "../../glob/bytes.js";
import { crossCandidatePairs } from "../../glob/cross-pairs.js";
import { matchesPath } from "../../glob/match.js";
import type { Glob } from "../../glob/ast.js";
import type { Shared } from "../../model/types.js";
import { quote } from "../../model/paths.js";
import { describeResource, readsOnly, type Grant } from "../grants.js";
import { firstOtherThan, firstTwoDistinct, oneOwner, ReportedPairs, reportedPairs, type GrantGroup, type GroupFinding, type OverlapFinding } from "../overlaps.js";
import type { CheckContext } from "../context.js";
import type { IsolationRule } from "../rule.js";
import type { Span } from "../../source.js";
import { Comparisons } from "../decide.js";
import { SharedWriterReports } from "../writer-among-readers.js";

export const crossTenantOverlap: IsolationRule = {
  name: "cross-tenant-overlap",
  check(context: CheckContext): Diagnostic[] {
    const model = context.model;
    const diagnostics: Diagnostic[] = [];
    const compare = new Comparisons(diagnostics);
    const coverage = new SharedCoverage(compare);
    const seen = new ReportedPairs();
    const writers = new SharedWriterReports(diagnostics);
    const findings = context.findOverlaps().filter((f): f is OverlapFinding => f.kind === "overlap" && !oneOwner(f, tenantOf));
    const candidates = sharedCandidates(model.shared, findings);
    const none: readonly number[] = [];
    for (const finding of findings) {
      const ofB = new Set(candidates.get(finding.b.glob) ?? none);
      const covering = (candidates.get(finding.a.glob) ?? none)
        .filter((i) => ofB.has(i))
        .map((i) => model.shared[i]!)
        .filter((s) => coverage.covers(s, groupSide(finding.a)) && coverage.covers(s, groupSide(finding.b)));
      // Everyone reads, and one covering statement lists every tenant on both sides: a shared base image
      // as the policy declares it. No grant has a partner then (see partnerFinder), so none is looked for.
      if (covering.some((s) => allowsEveryGrant(s, finding, coverage))) continue;
      const pairs = reportedPairs(finding, partnerFinder(covering, coverage), seen);
      for (const [first, second] of pairs) {
        const found = report(model.shared, first, second, finding.witness, coverage, writers);
        if (found !== undefined) diagnostics.push(found);
      }
    }
    return diagnostics;
  },
};

/**
 * For each glob of an overlapping group, the shared statements (indices, in policy order) that may cover
 * it, from the candidate index instead of trying every statement on every group, which costs zones ×
 * groups on a fleet. Exact: a group in an overlap finding matches some path, so a statement that covers
 * it shares that path with it, and the index never misses a pair that shares a path.
 */
function sharedCandidates(shared: readonly Shared[], findings: readonly GroupFinding[]): Map<Glob, number[]> {
  const globs = [...new Set(findings.flatMap((f) => [f.a.glob, f.b.glob]))];
  const out = new Map<Glob, number[]>();
  for (const [i, j] of crossCandidatePairs(shared.map((s) => s.path.glob), globs)) {
    const list = out.get(globs[j]!);
    if (list === undefined) out.set(globs[j]!, [i]);
    else list.push(i);
  }
  for (const list of out.values()) list.sort((x, y) => x - y);
  return out;
}

/**
 * What the shared statements allow, for one rule run. Whether a statement covers a grant's glob, among
 * the paths the kernel can present: decided once per pair of globs. Past its budget the inclusion is
 * unproven: the exception does not apply, and the comparison is reported (MOAT306).
 */
class SharedCoverage {
  private readonly memo = new Map<Shared, Map<Glob, boolean>>();
  private readonly tenantSets = new Map<Shared, ReadonlySet<string>>();
  constructor(private readonly compare: Comparisons) {}

  /** The tenants a shared statement lists, made once per statement rather than once per finding it covers. */
  listed(shared: Shared): ReadonlySet<string> {
    let names = this.tenantSets.get(shared);
    if (names === undefined) this.tenantSets.set(shared, (names = new Set(shared.tenants.map((t) => t.name))));
    return names;
  }
  covers(shared: Shared, grant: { readonly glob: Glob; readonly span: Span; readonly text: string }): boolean {
    let byGlob = this.memo.get(shared);
    if (byGlob === undefined) this.memo.set(shared, (byGlob = new Map()));
    let answer = byGlob.get(grant.glob);
    if (answer === undefined) byGlob.set(grant.glob, (answer = this.compare.covers(shared.path, grant, "path")));
    return answer;
  }
}

/** A group as the coverage test sees it: its glob, at its first member. */
function groupSide(group: GrantGroup): { glob: Glob; span: Span; text: string } {
  const first = group.members[0]!.resource.path;
  return { glob: group.glob, span: first.span, text: first.text };
}

const tenantOf = (g: Grant): string => g.workload.tenant;

/** Whether every grant of the finding only reads and belongs to a tenant that `shared` lists. */
function allowsEveryGrant(shared: Shared, finding: OverlapFinding, coverage: SharedCoverage): boolean {
  const names = coverage.listed(shared);
  const allowed = (g: Grant): boolean => g.resource.access === "ro" && names.has(tenantOf(g));
  return finding.a.members.every(allowed) && finding.b.members.every(allowed);
}

/**
 * For a grant, the first grant of the other side that it may not share with: another tenant's grant
 * where either side writes, or where no covering shared statement lists both tenants.
 */
function partnerFinder(covering: readonly Shared[], coverage: SharedCoverage): (grant: Grant, others: readonly Grant[]) => Grant | undefined {
  const summaries = new WeakMap<readonly Grant[], SideSummary>();
  return (grant, others) => {
    let side = summaries.get(others);
    if (side === undefined) summaries.set(others, (side = summarize(others)));
    const tenant = tenantOf(grant);
    const writer = firstOtherThan(side.firstWriters, tenantOf, tenant);
    if (grant.resource.access === "rw") return earliest(writer, firstOtherThan(side.firstTenants, tenantOf, tenant));
    // A read meets only owned grants: another read is never its partner.
    const reads = readsOnly(grant.resource);
    const cache = reads ? side.unlistedOwnedPartner : side.unlistedPartner;
    let unlisted = cache.get(tenant);
    if (unlisted === undefined) {
      const allowed = new Set([tenant, ...covering.filter((s) => coverage.listed(s).has(tenant)).flatMap((s) => [...coverage.listed(s)])]);
      unlisted = (reads ? side.ownedByTenant : side.byTenant).find((g) => !allowed.has(tenantOf(g))) ?? null;
      cache.set(tenant, unlisted);
    }
    return earliest(writer, unlisted ?? undefined);
  };
}

interface SideSummary {
  readonly firstTenants: readonly Grant[];
  readonly firstWriters: readonly Grant[];
  /** The first grant of each tenant, in model order. */
  readonly byTenant: readonly Grant[];
  /** The first owned grant (not a read or run) of each tenant, in model order. */
  readonly ownedByTenant: readonly Grant[];
  readonly unlistedPartner: Map<string, Grant | null>;
  readonly unlistedOwnedPartner: Map<string, Grant | null>;
}

function summarize(grants: readonly Grant[]): SideSummary {
  const firstOfEach = (list: readonly Grant[]): Grant[] => {
    const seen = new Set<string>();
    return list.filter((g) => !seen.has(tenantOf(g)) && seen.add(tenantOf(g)));
  };
  return {
    firstTenants: firstTwoDistinct(grants, tenantOf),
    firstWriters: firstTwoDistinct(grants.filter((g) => g.resource.access === "rw"), tenantOf),
    byTenant: firstOfEach(grants),
    ownedByTenant: firstOfEach(grants.filter((g) => !readsOnly(g.resource))),
    unlistedPartner: new Map(),
    unlistedOwnedPartner: new Map(),
  };
}

function earliest(x: Grant | undefined, y: Grant | undefined): Grant | undefined {
  if (x === undefined) return y;
  if (y === undefined) return x;
  return x.order <= y.order ? x : y;
}

/** The pair's diagnostic; undefined when `writers` reports it (a shared path one side grants rw, writer-among-readers.ts). */
function report(shared: readonly Shared[], first: Grant, second: Grant, witness: string, coverage: SharedCoverage, writers: SharedWriterReports): Diagnostic | undefined {
  const params = {
    kindA: describeResource(second.resource),
    tenantA: second.workload.tenant,
    workloadA: second.workload.name,
    kindB: describeResource(first.resource),
    tenantB: first.workload.tenant,
    workloadB: first.workload.name,
    witness: quote(witness),
  };
  const related = [
    { span: first.resource.path.span, message: `${params.kindB} of ${first.workload.tenant}/${first.workload.name}: ${first.resource.path.text}` },
  ];
  const near = nearestShared(shared, first, second, witness, coverage);
  if (near === undefined) return diagnostic("MOAT301", second.resource.path.span, params, { related, witness, hint: hint(first, second) });
  if (near.writer !== undefined) {
    writers.add(near.writer, near.writer === first ? second : first, witness, { span: near.shared.span, missing: near.missing });
    return undefined;
  }
  related.push({ span: near.shared.span, message: "the shared statement that reaches this path" });
  return diagnostic("MOAT302", second.resource.path.span, { ...params, missing: near.missing }, { related, witness });
}

/** The first shared statement that reaches the witness, and everything it lacks to allow the pair. */
function nearestShared(shared: readonly Shared[], a: Grant, b: Grant, witness: string, coverage: SharedCoverage): { shared: Shared; missing: string; writer?: Grant } | undefined {
  if (a.namespace !== "path") return undefined;
  const witnessBytes = toBytes(witness);
  for (const s of shared) {
    if (!matchesPath(s.path.glob, witnessBytes)) continue;
    const missing: string[] = [];
    for (const g of [a, b]) if (!coverage.listed(s).has(g.workload.tenant)) missing.push(`tenant ${g.workload.tenant} is not listed`);
    for (const g of [a, b]) if (g.resource.access !== "ro") missing.push(`${g.workload.tenant}/${g.workload.name} grants ${g.resource.path.text} rw`);
    for (const g of [a, b]) {
      if (!coverage.covers(s, { glob: g.glob, span: g.resource.path.span, text: g.resource.path.text })) missing.push(`${g.resource.path.text} of ${g.workload.tenant}/${g.workload.name} reaches beyond ${s.path.text}`);
    }
    // The statement lacks only one grant's ro: that grant is the one thing to fix.
    const writer = missing.length === 1 && a.resource.access !== b.resource.access ? (a.resource.access === "rw" ? a : b) : undefined;
    if (missing.length > 0) return writer === undefined ? { shared: s, missing: missing.join("; ") } : { shared: s, missing: missing[0]!, writer };
  }
  return undefined;
}

function hint(a: Grant, b: Grant): string {
  if (readsOnly(a.resource) || readsOnly(b.resource)) {
    const reader = readsOnly(a.resource) ? a : b;
    const owner = reader === a ? b : a;
    const share = owner.resource.access === "ro" ? `; if both tenants may read it, declare it: shared "…" ro with ${a.workload.tenant}, ${b.workload.tenant}` : "";
    return `a ${reader.resource.kind} may reach only host files no tenant owns: narrow ${reader.resource.path.text} so that it misses what ${owner.workload.tenant} owns${share}`;
  }
  if (a.resource.access === "ro" && b.resource.access === "ro") {
    return `if both tenants may read it, declare it: shared "…" ro with ${a.workload.tenant}, ${b.workload.tenant}`;
  }
  return "give each tenant its own path, or narrow the globs so they cannot match the same file";
}
