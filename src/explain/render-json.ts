/**
 * An Explanation as JSON for scripts: `moat explain --format json`. The shape is part of moat's
 * command-line contract, described by the interfaces below (optional fields are left out, never null):
 *
 *   { path, namespace: "path"|"abstract", hostShared, protected: [{glob, builtin, file?, line?}],
 *     workloads: [{tenant, workload, kind: "vm"|"service"|"container", mode, verdict: "allowed"|"complain"|"denied",
 *                  permissions?, writesDenied?, grants?: [JsonGrant], reason?: JsonReason}],
 *
 * "complain": allowed only because the workload is in complain mode (the access is logged); `reason`
 * says what enforce mode would deny it for.
 *     note }
 *
 * Files are shown as the CLI shows them (relative to the working folder).
 */
import type { Access, Mode, Namespace, ResourceKind, RunMode, WorkloadKind } from "../model/types.js";
import { EXPLAIN_SCOPE_NOTE, type Cite, type DenialReason, type Explanation, type GrantMatch, type Owner, type ProtectedCite, type WorkloadVerdict } from "./types.js";

export interface JsonCite {
  file: string;
  line: number;
}

export interface JsonGrant extends JsonCite {
  kind: ResourceKind;
  access: Access;
  glob: string;
  /** Permissions the profile's rule allows ("rk"), or the unix ones of an abstract socket. */
  allow: string;
  /** Permissions it denies ("w"); "" when none. */
  deny: string;
  /** For a rule libvirt implies for a vm: what it is for. */
  implied?: string;
  /** For a run: "inherit" (ix) or "own" (Px). */
  run?: RunMode;
  /** A container's host-side storage (reached through its mounts, no rule of its profile). */
  hostSide?: boolean;
  hostShared: boolean;
  shared?: JsonCite & { glob: string; tenants: string[] };
}

export interface JsonProtected {
  glob: string;
  builtin: boolean;
  file?: string;
  line?: number;
}

export type JsonReason =
  | { kind: "protected"; by: JsonProtected; overridden: JsonGrant[] }
  | { kind: "other-tenant"; owners: JsonOwner[] }
  /** `sameTenant`: workloads of its own tenant that hold the path. */
  | { kind: "not-granted"; sameTenant: JsonOwner[] }
  /** A symlink on the host: the grants name the link, AppArmor sees the node it resolves to. */
  | { kind: "symlink"; target: string; grants: JsonGrant[] };

export interface JsonOwner {
  tenant: string;
  workload: string;
  grant: JsonGrant;
  /** When it holds the path under its other LVM name: the name it granted. */
  alias?: string;
}

export interface JsonVerdict {
  tenant: string;
  workload: string;
  kind: WorkloadKind;
  mode: Mode;
  verdict: "allowed" | "complain" | "denied";
  /** Allowed only: what the workload may do, allowed permissions minus denied ones. */
  permissions?: string;
  writesDenied?: boolean;
  grants?: JsonGrant[];
  /** Denied, or allowed only by complain mode: why enforce mode denies it. */
  reason?: JsonReason;
}

export interface JsonExplanation {
  path: string;
  namespace: Namespace;
  hostShared: boolean;
  protected: JsonProtected[];
  workloads: JsonVerdict[];
  note: string;
}

export function toJsonExplanation(e: Explanation, display: (file: string) => string): JsonExplanation {
  const cite = (c: Cite): JsonCite => ({ file: display(c.file), line: c.line });
  const grant = (g: GrantMatch): JsonGrant => ({
    kind: g.kind,
    access: g.access,
    glob: g.glob,
    allow: g.allow,
    deny: g.deny,
    ...cite(g.at),
    ...(g.implied === undefined ? {} : { implied: g.implied }),
    ...(g.run === undefined ? {} : { run: g.run }),
    ...(g.hostSide === true ? { hostSide: true } : {}),
    hostShared: g.hostShared,
    ...(g.shared === undefined ? {} : { shared: { glob: g.shared.glob, tenants: [...g.shared.tenants], ...cite(g.shared.at) } }),
  });
  const prot = (p: ProtectedCite): JsonProtected => ({ glob: p.glob, builtin: p.at === undefined, ...(p.at === undefined ? {} : cite(p.at)) });
  const owner = (o: Owner): JsonOwner => ({ tenant: o.tenant, workload: o.workload, grant: grant(o.grant), ...(o.alias === undefined ? {} : { alias: o.alias }) });
  const reason = (r: DenialReason): JsonReason => {
    switch (r.kind) {
      case "protected":
        return { kind: r.kind, by: prot(r.by), overridden: r.overridden.map(grant) };
      case "other-tenant":
        return { kind: r.kind, owners: r.owners.map(owner) };
      case "not-granted":
        return { kind: r.kind, sameTenant: r.sameTenant.map(owner) };
      case "symlink":
        return { kind: r.kind, target: r.target, grants: r.grants.map(grant) };
    }
  };
  const verdict = (v: WorkloadVerdict): JsonVerdict => {
    const base = { tenant: v.tenant, workload: v.workload, kind: v.kind, mode: v.mode };
    return v.verdict === "allowed"
      ? { ...base, verdict: "allowed", permissions: v.permissions, writesDenied: v.writesDenied, grants: v.grants.map(grant) }
      : { ...base, verdict: v.verdict, reason: reason(v.reason) };
  };
  return {
    path: e.path,
    namespace: e.namespace,
    hostShared: e.hostShared,
    protected: e.protectedBy.map(prot),
    workloads: e.workloads.map(verdict),
    note: EXPLAIN_SCOPE_NOTE,
  };
}

export function renderExplanationJson(e: Explanation, display: (file: string) => string): string {
  return `${JSON.stringify(toJsonExplanation(e, display), null, 2)}\n`;
}
