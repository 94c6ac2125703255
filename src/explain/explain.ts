/**
 * `moat explain`: who may access one path, by which line, and who is denied and why. The answer must
 * be the profiles' answer, so it evaluates the very rules the emitter writes (the grant table,
 * model/grant-table.ts), a vm's implied rules included, and the protected denies every profile ends
 * with. Ownership by other tenants is seen as the isolation checks see it (check/grants.ts:
 * host-shared devices belong to nobody, an LVM volume has two names).
 */
import { isHostShared, overlapGrants, readsOnly } from "../check/grants.js";
import { otherLvmName } from "../check/lvm.js";
import { protectedGlobs } from "../model/protected.js";
import { ABSTRACT_SOCKET_PERMS, fileRules } from "../model/grant-table.js";
import { fromBytes, toBytes } from "../glob/bytes.js";
import { symlinkTarget } from "../check/host-links.js";
import { matchesPath } from "../glob/match.js";
import { HOST_SHARED_DEVICES } from "../model/builtin.js";
import type { Model, Resource, Workload } from "../model/types.js";
import { getLocation, type Source, type Span } from "../source.js";
import { parseExplainPath, selectWorkloads, type ExplainTarget } from "./query.js";
import type { Cite, DenialReason, Explanation, GrantMatch, Owner, ProtectedCite, SharedCite, WorkloadVerdict } from "./types.js";

/**
 * Explains `path` (absolute, or `@name`) for every workload, or only for `workload` (`tenant/name`, or
 * a name one tenant uses). A path or selector that cannot be answered gives `{error}`.
 */
export function explain(model: Model, path: string, workload?: string): Explanation | { readonly error: string } {
  const target = parseExplainPath(path);
  if ("error" in target) return target;
  const selected = selectWorkloads(model, workload);
  if ("error" in selected) return selected;
  const cite = citer(model);
  const protectedBy: ProtectedCite[] =
    target.namespace === "path"
      ? protectedGlobs(model.protect)
          .filter((p) => matchesPath(p.glob, target.bytes))
          .map((p) => (p.span === undefined ? { glob: p.text } : { glob: p.text, at: cite(p.span) }))
      : [];
  const owners = ownersOf(model, target, cite);
  const verdicts = selected.workloads.map((w) => verdictFor(model, w, target, protectedBy, owners, cite));
  return {
    path: target.shown,
    namespace: target.namespace,
    hostShared: target.namespace === "path" && HOST_SHARED.has(target.bytes),
    protectedBy,
    workloads: (["allowed", "complain", "denied"] as const).flatMap((kind) => verdicts.filter((v) => v.verdict === kind)),
  };
}

type CiteFn = (span: Span) => Cite;

function citer(model: Model): CiteFn {
  const sources = new Map<string, Source>(model.sources.map((s) => [s.path, s]));
  return (span) => {
    const source = sources.get(span.file);
    return { file: span.file, line: source === undefined ? 0 : getLocation(source, span.start).line };
  };
}

const HOST_SHARED = new Set(HOST_SHARED_DEVICES.map(toBytes));

/** Permission letters in the order AppArmor prints them. */
const PERM_ORDER = "rwaklmx";

/** The permissions of rule strings, each once, in AppArmor's order; an exec mode (`ix`, `Px`) stays whole. */
function permString(perms: Iterable<string>): string {
  const tokens = [...perms].flatMap((p) => p.match(EXEC_OR_LETTER) ?? []);
  return [...new Set(tokens)].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0)).join("");
}

const EXEC_OR_LETTER = /[iPpCcUu]x|./g;

function rank(token: string): number {
  const i = PERM_ORDER.indexOf(token.charAt(token.length - 1));
  return i < 0 ? PERM_ORDER.length : i;
}

/**
 * The permissions the resource's profile rules give on what `matches` accepts: file rules for a path,
 * the unix rule for an abstract socket. A container's volumes and devices are no rules of its profile:
 * they are its host-side storage, which it reaches through its mounts (`rw` or `r` as granted).
 * Undefined when nothing matches.
 */
function rulePerms(workload: Workload, resource: Resource, matches: (glob: Resource["path"]["glob"]) => boolean): { allow: string; deny: string } | undefined {
  if (workload.kind === "container") return matches(resource.path.glob) ? { allow: resource.access === "rw" ? "rw" : "r", deny: "" } : undefined;
  if (resource.namespace === "abstract") return matches(resource.path.glob) ? { allow: ABSTRACT_SOCKET_PERMS.join(", "), deny: "" } : undefined;
  const rules = fileRules(resource).filter((r) => matches(r.glob));
  if (rules.length === 0) return undefined;
  return {
    allow: permString(rules.filter((r) => !r.deny).map((r) => r.perms)),
    deny: permString(rules.filter((r) => r.deny).map((r) => r.perms)),
  };
}

function grantMatch(model: Model, workload: Workload, resource: Resource, perms: { allow: string; deny: string }, target: ExplainTarget, cite: CiteFn): GrantMatch {
  const shared = sharedFor(model, workload.tenant, target, cite);
  return {
    kind: resource.kind,
    access: resource.access,
    glob: resource.path.text,
    ...perms,
    at: cite(resource.path.span),
    ...(resource.kind === "implied" ? { implied: resource.note ?? "rule" } : {}),
    ...(resource.kind === "run" ? { run: resource.run ?? "inherit" } : {}),
    ...(resource.item === undefined ? {} : { item: resource.item }),
    ...(workload.kind === "container" ? { hostSide: true } : {}),
    hostShared: isHostShared(resource),
    ...(shared === undefined ? {} : { shared }),
  };
}

/** The resource as a GrantMatch when its rules match the path. */
function matchResource(model: Model, workload: Workload, resource: Resource, target: ExplainTarget, cite: CiteFn): GrantMatch | undefined {
  if (resource.namespace !== target.namespace) return undefined;
  const perms = rulePerms(workload, resource, (glob) => matchesPath(glob, target.bytes));
  return perms === undefined ? undefined : grantMatch(model, workload, resource, perms, target, cite);
}

function sharedFor(model: Model, tenant: string, target: ExplainTarget, cite: CiteFn): SharedCite | undefined {
  if (target.namespace !== "path") return undefined;
  const s = model.shared.find((s) => s.tenants.some((t) => t.name === tenant) && matchesPath(s.path.glob, target.bytes));
  return s === undefined ? undefined : { glob: s.path.text, tenants: s.tenants.map((t) => t.name), at: cite(s.span) };
}

function verdictFor(
  model: Model,
  workload: Workload,
  target: ExplainTarget,
  protectedBy: readonly ProtectedCite[],
  allOwners: readonly Owner[],
  cite: CiteFn,
): WorkloadVerdict {
  const base = { tenant: workload.tenant, workload: workload.name, kind: workload.kind, mode: workload.mode };
  const grants = workload.resources.flatMap((r) => matchResource(model, workload, r, target, cite) ?? []);
  const denied = (reason: DenialReason): WorkloadVerdict => ({ ...base, verdict: "denied", reason });
  // A deny rule is enforced in complain mode too; a missing allow rule only logs there.
  const refused = (reason: DenialReason): WorkloadVerdict => (workload.mode === "complain" ? { ...base, verdict: "complain", reason } : denied(reason));
  if (protectedBy.length > 0) return denied({ kind: "protected", by: protectedBy[0]!, overridden: grants });
  const link = target.namespace === "path" ? symlinkTarget(fromBytes(target.bytes)) : undefined;
  // A container's storage is mounted by LXC on the host, not opened through a rule of its profile.
  if (link !== undefined && grants.length > 0 && workload.kind !== "container") return refused({ kind: "symlink", target: link, grants });
  if (grants.length > 0) {
    const allow = permString(grants.flatMap((g) => (target.namespace === "path" ? [g.allow] : [])));
    const deny = new Set(grants.flatMap((g) => [...g.deny]));
    if (target.namespace === "abstract") {
      return { ...base, verdict: "allowed", permissions: grants[0]!.allow, writesDenied: false, grants };
    }
    const permissions = permString((allow.match(EXEC_OR_LETTER) ?? []).filter((p) => !deny.has(p)));
    // Every deny rule of the grant table comes with an allow it narrows (ro volume: rk, deny w).
    if (permissions === "") throw new Error("internal: grants match but leave no permission");
    return { ...base, verdict: "allowed", permissions, writesDenied: deny.has("w"), grants };
  }
  // A path its own tenant holds is the tenant's, even when other tenants share it: not granted to this one.
  // It can only hold the path itself without being granted it under its other LVM name.
  const sameTenant = allOwners.filter((o) => o.tenant === workload.tenant);
  const owners = allOwners.filter((o) => o.tenant !== workload.tenant);
  return refused(owners.length > 0 && sameTenant.length === 0 ? { kind: "other-tenant", owners } : { kind: "not-granted", sameTenant });
}

/** Workloads whose grants reach the path (or its other LVM name), as the isolation checks see them; one entry each. */
function ownersOf(model: Model, target: ExplainTarget, cite: CiteFn): Owner[] {
  const names = [target.bytes];
  const alias = target.namespace === "path" ? otherLvmName(target.bytes) : undefined;
  if (alias !== undefined) names.push(alias);
  const owners: Owner[] = [];
  const seen = new Set<Workload>();
  for (const g of overlapGrants(model)) {
    // A read or a run reaches the path without owning it (check/grants.ts readsOnly).
    if (seen.has(g.workload) || g.namespace !== target.namespace || readsOnly(g.resource)) continue;
    const hit = names.findIndex((n) => matchesPath(g.glob, n));
    if (hit < 0) continue;
    const grant = matchResource(model, g.workload, g.resource, { ...target, bytes: names[hit]! }, cite) ?? aliasMatch(model, g.workload, g.resource, target, cite);
    seen.add(g.workload);
    const viaAlias = g.alias !== undefined || hit > 0;
    owners.push({
      tenant: g.workload.tenant,
      workload: g.workload.name,
      grant,
      ...(viaAlias ? { alias: g.resource.path.text } : {}),
    });
  }
  return owners;
}

/** A grant that owns the path only under its other LVM name: what its rules give on that name. */
function aliasMatch(model: Model, workload: Workload, resource: Resource, target: ExplainTarget, cite: CiteFn): GrantMatch {
  const perms = rulePerms(workload, resource, () => true) ?? { allow: "", deny: "" };
  return grantMatch(model, workload, resource, perms, target, cite);
}
