/**
 * The isolation rules, proved again on what the host resolved. Compile proved them on the policy's
 * paths; the rules install adds are on other paths (a node, a re-rooted folder), so:
 * - two tenants may not reach one node: every resolved rule is compared, with the glob engine and the
 *   one comparison helper (check/decide.ts), against every grant and resolved rule of other tenants and
 *   their `exec` binaries (MOAT501). A `shared … ro with` still allows read-only grants it covers
 *   (the policy's path or the resolved one) of the tenants it lists. Host-shared nodes (/dev/kvm, …)
 *   take no part, as at compile time;
 * - a resolved rule may not reach a protected path, nor (for a declared grant) a host-critical path,
 *   nor be over-broad, as when the link to `/srv/acme` leads to `/` (MOAT502).
 * A comparison past its budget is an error, never "isolated" (MOAT306, reported as compile does).
 */
import { Comparisons, type Side } from "../check/decide.js";
import { HOST_CRITICAL_GLOBS, protectedGlobs } from "../model/protected.js";
import { checkPath } from "../check/rules/over-broad-grant.js";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Glob } from "../glob/ast.js";
import { fromBytes, toBytes } from "../glob/bytes.js";
import { crossCandidatePairs } from "../glob/cross-pairs.js";
import { literalBytes } from "../glob/text.js";
import { HOST_SHARED_DEVICES } from "../model/builtin.js";
import { quote } from "../model/paths.js";
import type { GrantsModel, InstallGrant, InstallProfile } from "./grants-model.js";
import type { LocationBook } from "./locations.js";
import type { GrantRef, ResolvedRule } from "./resolve-grants.js";

/** A grant as messages name it: `volume "/dev/vg0/web01" of acme/web01`. */
export function describeGrant(ref: GrantRef): string {
  if (ref.grant.device !== undefined) return `${ref.grant.device} of ${ref.profile.tenant}/${ref.profile.workload}`;
  const what = ref.grant.kind === "implied" ? (ref.grant.note ?? "implied rule") : ref.grant.kind;
  return `${what} ${quote(ref.grant.text)} of ${ref.profile.tenant}/${ref.profile.workload}`;
}

/** Whether a grant's rules let it write or append. */
export function grantWrites(grant: InstallGrant): boolean {
  return /[wa]/.test(grant.perms);
}

interface Entry {
  readonly profile: InstallProfile;
  readonly glob: Glob;
  readonly text: string;
  /** A grant (original or resolved), or a service's exec. */
  readonly ref?: GrantRef;
  readonly resolved?: ResolvedRule;
}

const HOST_SHARED = new Set(HOST_SHARED_DEVICES.map(toBytes));

function hostShared(glob: Glob): boolean {
  const literal = literalBytes(glob);
  return literal !== undefined && HOST_SHARED.has(literal);
}

const CRITICAL = HOST_CRITICAL_GLOBS;

export function reproveResolved(grants: GrantsModel, rules: readonly ResolvedRule[], book: LocationBook): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const compare = new Comparisons(diagnostics);
  const sideOf = (e: Entry): Side => ({ glob: e.glob, text: e.text, span: book.span(e.resolved?.ref.grant ?? e.ref?.grant ?? e.profile) });

  const left: Entry[] = rules.filter((r) => !hostShared(r.glob)).map((r) => ({ profile: r.ref.profile, glob: r.glob, text: r.node, ref: r.ref, resolved: r }));
  if (left.length > 0) {
    const right: Entry[] = [...left];
    for (const profile of grants.profiles) {
      for (const grant of profile.grants) if (!hostShared(grant.glob)) right.push({ profile, glob: grant.glob, text: grant.text, ref: { profile, grant } });
      if (profile.exec !== undefined) right.push({ profile, glob: profile.exec.glob, text: profile.exec.text });
    }
    const reported = new Set<string>();
    for (const [i, j] of crossCandidatePairs(left.map((e) => e.glob), right.map((e) => e.glob))) {
      const a = left[i]!;
      const b = right[j]!;
      if (a.profile.tenant === b.profile.tenant) continue;
      // An exec is what another tenant's binary is: only writing it is a clash.
      if (b.ref === undefined && !grantWrites(a.ref!.grant)) continue;
      const key = [a, b].map((e) => `${e.profile.path}|${e.ref?.grant.line ?? 0}:${e.ref?.grant.column ?? 0}|${e.text}`).sort().join("||");
      if (reported.has(key)) continue;
      const witness = compare.overlap(sideOf(a), sideOf(b), "path");
      if (witness === undefined) continue;
      if (b.ref !== undefined && sharedAllows(grants, compare, a, b, book)) continue;
      reported.add(key);
      diagnostics.push(clash(a, b, fromBytes(witness), book));
    }
  }
  diagnostics.push(...guarded(grants, rules, compare, book));
  return diagnostics;
}

function shown(e: Entry): string {
  if (e.ref === undefined) return `exec ${quote(e.text)} of ${e.profile.tenant}/${e.profile.workload}`;
  const base = describeGrant(e.ref);
  if (e.resolved !== undefined && e.ref.grant.device !== undefined) return `${base} (${e.resolved.node} on this host)`;
  return e.resolved === undefined ? base : `${base} (${quote(e.resolved.path)} leads to ${e.resolved.node})`;
}

function clash(a: Entry, b: Entry, witness: string, book: LocationBook): Diagnostic {
  const at = b.ref?.grant ?? b.profile.exec ?? b.profile;
  return diagnostic(
    "MOAT501",
    book.span(a.ref!.grant),
    { a: shown(a), b: shown(b), what: b.ref === undefined ? "binary" : "node", node: quote(witness) },
    {
      witness,
      related: [{ span: book.span(at), message: shown(b) }],
      hint: "on this host the two names are one file or device: give each tenant its own, or, if both only read it, declare it with shared … ro",
    },
  );
}

/** Whether a shared statement lets both read-only grants reach the node: it lists both tenants and covers each (its policy path or its resolved one). */
function sharedAllows(grants: GrantsModel, compare: Comparisons, a: Entry, b: Entry, book: LocationBook): boolean {
  if (a.ref!.grant.access !== "ro" || b.ref!.grant.access !== "ro" || a.ref!.grant.kind === "implied" || b.ref!.grant.kind === "implied") return false;
  return grants.shared.some((s) => {
    if (!s.tenants.includes(a.profile.tenant) || !s.tenants.includes(b.profile.tenant)) return false;
    const outer: Side = { glob: s.glob, text: s.text, span: book.span(s) };
    const covered = (e: Entry): boolean =>
      compare.covers(outer, { glob: e.ref!.grant.glob, text: e.ref!.grant.text }, "path") || (e.resolved !== undefined && compare.covers(outer, { glob: e.glob, text: e.text }, "path"));
    return covered(a) && covered(b);
  });
}

function guarded(grants: GrantsModel, rules: readonly ResolvedRule[], compare: Comparisons, book: LocationBook): Diagnostic[] {
  const out: Diagnostic[] = [];
  const protect = protectedGlobs(grants.protect.map((p) => ({ text: p.text, glob: p.glob, span: book.span(p) })));
  for (const r of rules) {
    const side: Side = { glob: r.glob, text: r.node, span: book.span(r.ref.grant) };
    const report = (how: string, witness?: string): void => {
      out.push(
        diagnostic("MOAT502", side.span, { grant: describeGrant(r.ref), node: quote(r.node), how }, {
          ...(witness === undefined ? {} : { witness }),
          hint: "the link on this host leads where no workload may go: fix the link, or grant another path",
        }),
      );
    };
    const p = protect.find((g) => compare.overlap(side, g, "path") !== undefined);
    if (p !== undefined) {
      report(`reaches protected host path ${p.text}`);
      continue;
    }
    if (r.ref.grant.kind !== "implied") {
      const c = CRITICAL.find((g) => compare.overlap(side, g, "path") !== undefined);
      if (c !== undefined) {
        report(`reaches host-critical path ${c.text} (${c.reason})`);
        continue;
      }
      if (literalBytes(r.glob) === undefined) {
        const broad: Diagnostic[] = [];
        checkPath({ path: { text: r.node, glob: r.glob, span: side.span! }, what: r.ref.grant.kind }, compare, broad);
        const found = broad.find((d) => d.code === "MOAT305");
        if (found !== undefined) report(`is over-broad: ${found.message.replace(/^.*? is over-broad: /, "")}`);
        out.push(...broad.filter((d) => d.code !== "MOAT305"));
      }
    }
  }
  return out;
}
