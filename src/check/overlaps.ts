/**
 * Which grants share a path, for the cross-tenant, intra-tenant and complexity rules. Grants with the
 * same glob are grouped first: on a real fleet thousands of VMs grant the same base image, and deciding
 * every pair of them would cost n² for one answer. Candidate pairs of groups come from the glob index
 * (glob/candidate-pairs.ts), never from comparing all pairs; each candidate is decided exactly by the
 * automaton engine, once.
 * A group whose members belong to more than one workload overlaps itself. Two groups of reads alone
 * (`read`, `run`: check/grants.ts readsOnly) are never decided: reads do not clash with each other.
 * Computed once per compile, by the rules' CheckContext.
 */
import type { Glob } from "../glob/ast.js";
import { fromBytes } from "../glob/bytes.js";
import { candidateIndexPairs } from "../glob/candidate-pairs.js";
import { intersect } from "../glob/intersect.js";
import { globKey } from "../glob/text.js";
import type { Namespace, Resource } from "../model/types.js";
import type { Span } from "../source.js";
import { readsOnly, type Grant } from "./grants.js";

export interface GrantGroup {
  readonly namespace: Namespace;
  readonly glob: Glob;
  /** In model order (Grant.order). */
  readonly members: readonly Grant[];
  /** Every member only reads (check/grants.ts readsOnly). */
  readonly onlyReads: boolean;
}

/** The witness is display text (an abstract socket's with its `@`). `a === b` when a group overlaps itself. */
export interface OverlapFinding {
  readonly kind: "overlap";
  readonly a: GrantGroup;
  readonly b: GrantGroup;
  readonly witness: string;
}

export type GroupFinding = OverlapFinding | { readonly kind: "budget"; readonly a: GrantGroup; readonly b: GrantGroup; readonly detail: string };

/** The overlapping groups of `grants` (overlapGrants' list, in model order). */
export function findOverlaps(grants: readonly Grant[]): readonly GroupFinding[] {
  const findings: GroupFinding[] = [];
  const byNamespace: Record<Namespace, Grant[]> = { path: [], abstract: [] };
  // Indexed loops over fleet-sized arrays, here and in the index: see docs/performance.md ("Loops").
  for (let k = 0; k < grants.length; k++) byNamespace[grants[k]!.namespace].push(grants[k]!);
  for (const namespace of ["path", "abstract"] as const) {
    const groups = groupByGlob(byNamespace[namespace], namespace);
    // The kernel collapses `//` before matching, so for paths a witness holding `//` would be no path at all.
    const options = { kernelPaths: namespace === "path" };
    const decide = (a: GrantGroup, b: GrantGroup): void => {
      if (onlyReads(a) && onlyReads(b)) return;
      const result = intersect(a.glob, b.glob, undefined, options);
      if (result.kind === "overlap") findings.push({ kind: "overlap", a, b, witness: display(namespace, result.witness) });
      else if (result.kind === "budget") findings.push({ kind: "budget", a, b, detail: result.detail });
    };
    for (let k = 0; k < groups.length; k++) {
      const group = groups[k]!;
      if (firstOtherThan(group.members, workloadOf, group.members[0]!.workload) !== undefined) decide(group, group);
    }
    // Groups have distinct globs, so no two are literals of the same bytes.
    const pairs = candidateIndexPairs(groups.map((g) => g.glob), { distinctLiterals: true });
    for (let k = 0; k < pairs.length; k++) decide(groups[pairs[k]![0]]!, groups[pairs[k]![1]]!);
  }
  return findings;
}

export const workloadOf = (g: Grant): object => g.workload;

/** Whether every grant of a group only reads; a fleet without reads pays one test per group. */
function onlyReads(group: GrantGroup): boolean {
  return group.onlyReads;
}

function groupByGlob(grants: readonly Grant[], namespace: Namespace): GrantGroup[] {
  const byText = new Map<string, Grant[]>();
  for (let k = 0; k < grants.length; k++) {
    const grant = grants[k]!;
    const key = globKey(grant.glob);
    const members = byText.get(key);
    if (members === undefined) byText.set(key, [grant]);
    else members.push(grant);
  }
  const groups: GrantGroup[] = [];
  // Members are pushed in model order (overlapGrants' order), which is what partners are chosen by.
  byText.forEach((members) => groups.push({ namespace, glob: members[0]!.glob, members, onlyReads: allRead(members) }));
  return groups;
}

function allRead(members: readonly Grant[]): boolean {
  for (let k = 0; k < members.length; k++) if (!readsOnly(members[k]!.resource)) return false;
  return true;
}

function display(namespace: Namespace, witness: string): string {
  return (namespace === "abstract" ? "@" : "") + fromBytes(witness);
}

export function compareSpans(a: Span, b: Span): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.start - b.start || a.end - b.end;
}

/** The two grants of a pair, the one declared first first: messages point at the later one. */
export function inSourceOrder(x: Grant, y: Grant): [Grant, Grant] {
  return compareSpans(x.resource.path.span, y.resource.path.span) <= 0 ? [x, y] : [y, x];
}

/**
 * The pairs of resources one rule run has reported: a pair is reported once even when one of them is
 * granted under two names (an LVM volume and its mapper alias) and the pair turns up in two findings.
 * Resources are numbered as they are met, so that a pair's key is two small numbers.
 */
export class ReportedPairs {
  private readonly ids = new Map<Resource, number>();
  private readonly keys = new Set<string>();

  /** Records the pair; false when it was already recorded. */
  add(first: Resource, second: Resource): boolean {
    const key = `${this.id(first)} ${this.id(second)}`;
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    return true;
  }

  private id(resource: Resource): number {
    let n = this.ids.get(resource);
    if (n === undefined) this.ids.set(resource, (n = this.ids.size));
    return n;
  }
}

/**
 * Collects the pairs a rule reports for one finding: for every grant, the first grant of the other
 * side (in model order) that `partnerOf` names, unless the rule run reported the pair already (`seen`).
 */
export function reportedPairs(
  finding: GroupFinding,
  partnerOf: (grant: Grant, others: readonly Grant[]) => Grant | undefined,
  seen: ReportedPairs,
): [Grant, Grant][] {
  const pairs: [Grant, Grant][] = [];
  const visit = (grants: readonly Grant[], others: readonly Grant[]): void => {
    for (const grant of grants) {
      const partner = partnerOf(grant, others);
      if (partner === undefined || partner.resource === grant.resource) continue;
      const [first, second] = inSourceOrder(grant, partner);
      if (seen.add(first.resource, second.resource)) pairs.push([first, second]);
    }
  };
  visit(finding.a.members, finding.b.members);
  if (finding.a !== finding.b) visit(finding.b.members, finding.a.members);
  return pairs;
}

/**
 * Whether every grant on both sides of a finding has the same `key` (one tenant, one workload). A rule
 * that reports only pairs whose keys differ has nothing to say about such a finding. On a fleet nearly
 * every finding is one VM's monitor socket inside its own domain folder, so this spares the rules
 * their per-finding work.
 */
export function oneOwner<K>(finding: GroupFinding, key: (g: Grant) => K): boolean {
  const owner = key(finding.a.members[0]!);
  return firstOtherThan(finding.a.members, key, owner) === undefined && (finding.a === finding.b || firstOtherThan(finding.b.members, key, owner) === undefined);
}

/** The first grant, and the first after it with a different key: enough to find, for any grant, the first one whose key differs from its own. */
export function firstTwoDistinct(grants: readonly Grant[], key: (g: Grant) => unknown): Grant[] {
  const out: Grant[] = [];
  for (const g of grants) {
    if (out.length === 0 || (out.length === 1 && key(out[0]!) !== key(g))) out.push(g);
    if (out.length === 2) break;
  }
  return out;
}

/** The first of `candidates` whose key differs from `value`, or undefined. An indexed loop: groups reach fleet size (docs/performance.md, "Loops"). */
export function firstOtherThan<K>(candidates: readonly Grant[], key: (g: Grant) => K, value: K): Grant | undefined {
  for (let k = 0; k < candidates.length; k++) if (key(candidates[k]!) !== value) return candidates[k];
  return undefined;
}
