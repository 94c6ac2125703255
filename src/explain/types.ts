/**
 * What `moat explain` finds out about one path: for each workload, whether its profile lets it reach
 * the path and through which lines of the policy, or why not. Plain data; the renderers beside this
 * file turn it into text or JSON. Files are source paths as the model holds them (the CLI shows them
 * relative to the working folder).
 */
import type { Access, Mode, Namespace, ResourceKind, RunMode, VmItemKind, WorkloadKind } from "../model/types.js";

/** A line of the policy. */
export interface Cite {
  readonly file: string;
  readonly line: number;
}

/** A `shared … ro with` statement that reaches the path and lists the workload's tenant. */
export interface SharedCite {
  readonly glob: string;
  readonly tenants: readonly string[];
  readonly at: Cite;
}

/** One resource of a workload whose rules match the path, with the rules it becomes in the profile. */
export interface GrantMatch {
  readonly kind: ResourceKind;
  readonly access: Access;
  /** The resource's glob as written (lets substituted); an abstract socket keeps its `@`. */
  readonly glob: string;
  /** What the profile allows on it: file permissions ("rk") or, for an abstract socket, the unix ones. */
  readonly allow: string;
  /** What the profile denies on it ("w" for a read-only volume), or "". */
  readonly deny: string;
  readonly at: Cite;
  /** For a rule libvirt implies for a vm: what it is for ("libvirt log"). */
  readonly implied?: string;
  /** For a `run`: inherit (`ix`) or own (`Px`). */
  readonly run?: RunMode;
  /** The vm item it is written as, for one of virt-aa-helper's (`firmware`, `nvram`, `share`…). */
  readonly item?: VmItemKind;
  /**
   * A container's volume or device: host-side storage the container reaches through its mounts, not a
   * rule of its profile (which allows all file access inside the container).
   */
  readonly hostSide?: boolean;
  /** The path is a host-shared device node, which belongs to no tenant. */
  readonly hostShared: boolean;
  readonly shared?: SharedCite;
}

/** A protected glob that matches the path; `at` is absent for moat's built-in set. */
export interface ProtectedCite {
  readonly glob: string;
  readonly at?: Cite;
}

/** A workload that holds the path, as the isolation checks see it. */
export interface Owner {
  readonly tenant: string;
  readonly workload: string;
  readonly grant: GrantMatch;
  /** When it owns the path under its other LVM name: the name it granted (`/dev/mapper/…` or `/dev/VG/LV`). */
  readonly alias?: string;
}

export type DenialReason =
  /** Every profile denies a protected path, and a deny overrides any grant (`overridden`). */
  | { readonly kind: "protected"; readonly by: ProtectedCite; readonly overridden: readonly GrantMatch[] }
  | { readonly kind: "other-tenant"; readonly owners: readonly Owner[] }
  /** `sameTenant`: workloads of its own tenant that hold the path (it is the tenant's, just not this workload's). */
  | { readonly kind: "not-granted"; readonly sameTenant: readonly Owner[] }
  /**
   * The path is a symlink on the host (an LVM or /dev/disk/by-* name): AppArmor mediates the node it
   * resolves to (`target`), so the grants that name the link (`grants`) match nothing at run time.
   */
  | { readonly kind: "symlink"; readonly target: string; readonly grants: readonly GrantMatch[] };

interface VerdictBase {
  readonly tenant: string;
  readonly workload: string;
  readonly kind: WorkloadKind;
  readonly mode: Mode;
}

export interface Allowed extends VerdictBase {
  readonly verdict: "allowed";
  /** What the workload may do: allowed permissions minus denied ones ("rk"), or the unix permissions. */
  readonly permissions: string;
  /** A deny rule refuses writes (a read-only volume). */
  readonly writesDenied: boolean;
  readonly grants: readonly GrantMatch[];
}

export interface Denied extends VerdictBase {
  readonly verdict: "denied";
  readonly reason: DenialReason;
}

/**
 * A workload in complain mode whose profile would deny the access: the kernel logs it (ALLOWED) and
 * lets it through. `reason` is what enforce mode would deny it for. Explicit deny rules (the protected
 * paths, writes to read-only grants) are enforced even in complain mode, so those stay "denied".
 */
export interface Complained extends VerdictBase {
  readonly verdict: "complain";
  readonly reason: DenialReason;
}

export type WorkloadVerdict = Allowed | Complained | Denied;

export interface Explanation {
  /** The path as explained: normalized, or `@name` for an abstract socket. */
  readonly path: string;
  readonly namespace: Namespace;
  readonly hostShared: boolean;
  /** Every protected glob that matches, built-in first. */
  readonly protectedBy: readonly ProtectedCite[];
  /** Allowed workloads first, then those allowed only by complain mode, then denied ones; each group in the model's order (tenant, then name). */
  readonly workloads: readonly WorkloadVerdict[];
}

/** What explain looked at and did not: printed with every answer. */
export const EXPLAIN_SCOPE_NOTE =
  "only moat's own rules are considered: included abstractions (libvirt-qemu in every vm profile, base in every service profile, lxc/container-base in every container profile, and each `abstraction`) may grant more";
