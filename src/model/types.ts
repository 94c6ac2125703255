/**
 * The resolved policy: lets substituted, includes followed, tenants merged, names and paths checked,
 * every path parsed into a Glob. This is what the isolation rules check and the emitters render.
 */
import type { Glob } from "../glob/ast.js";
import type { Source, Span } from "../source.js";
import type { Access, Mode, RunMode, WorkloadKind } from "../syntax/ast.js";

export type { Access, Mode, RunMode, WorkloadKind };

/** A path or abstract socket name as written (after `${}` substitution) and as parsed. */
export interface PathValue {
  /** Glob source text: what the operator wrote with lets substituted; used in messages. */
  readonly text: string;
  readonly glob: Glob;
  readonly span: Span;
}

/**
 * What a resource is to its workload. volume, device and socket are owned (the workload's tenant holds
 * them); implied rules are a vm's own; `read` (host files read with exactly `r`) and `run` (a child
 * program, `ix` or `Px`) own nothing: they never clash with each other, only with what another tenant
 * owns (check/grants.ts readsOnly).
 */
export type ResourceKind = "volume" | "device" | "socket" | "implied" | "read" | "run";

/**
 * Filesystem paths and abstract unix socket names are separate namespaces: `/x` and `@x` never overlap.
 * For an abstract socket the glob is over the name after the `@` and `text` keeps the `@`.
 */
export type Namespace = "path" | "abstract";

export interface Resource {
  readonly kind: ResourceKind;
  readonly access: Access;
  readonly namespace: Namespace;
  readonly path: PathValue;
  /** For kind "implied" (a rule virt-aa-helper would add for the domain): the exact AppArmor permissions. */
  readonly perms?: string;
  /** For kind "implied": what the rule is for, shown in comments and messages ("libvirt log"). */
  readonly note?: string;
  /** For kind "run": inherit (`ix`) or own (`Px`). */
  readonly run?: RunMode;
}

/** A `network FAMILY [TYPE]` rule of a service: names from the tables of model/kernel-names.ts. */
export interface NetworkRule {
  readonly family: string;
  readonly type?: string;
  readonly span: Span;
}

export interface Named {
  readonly name: string;
  readonly span: Span;
}

export interface Workload {
  readonly kind: WorkloadKind;
  readonly tenant: string;
  readonly name: string;
  readonly span: Span; // the workload's name
  /** Lowercase RFC 4122 text; present on every vm of a valid model. */
  readonly uuid?: string;
  readonly exec?: PathValue;
  readonly mode: Mode;
  /** Where the `mode` item is written, when it is. */
  readonly modeSpan?: Span;
  readonly abstractions: readonly Named[];
  /** Declared resources in source order, then a vm's implied ones. */
  readonly resources: readonly Resource[];
  /** A container's `lxc "NAME"`, when written; the LXC name is the workload's name otherwise (lxcName). */
  readonly lxc?: Named;
  /** A service's `capability` names, each once, in written order; absent when it has none. */
  readonly capabilities?: readonly Named[];
  /** A service's `network` rules, each once, in written order; absent when it has none. */
  readonly networks?: readonly NetworkRule[];
}

/** The LXC container name of a container workload: its `lxc` item, or the workload's name. */
export function lxcName(workload: Workload): string {
  return workload.lxc?.name ?? workload.name;
}

export interface Tenant {
  readonly name: string;
  /** Every block that declares the tenant, in compilation order. */
  readonly spans: readonly Span[];
  readonly workloads: readonly Workload[];
}

export interface Shared {
  readonly path: PathValue;
  readonly tenants: readonly Named[];
  readonly span: Span;
}

export interface Model {
  readonly policy?: Named;
  /** The operator's `protect` globs; the built-in set lives in model/builtin.ts. */
  readonly protect: readonly PathValue[];
  /** Sorted by name; workloads sorted by name within a tenant. */
  readonly tenants: readonly Tenant[];
  readonly shared: readonly Shared[];
  /** Every file of the compilation (entries and includes), sorted by path. */
  readonly sources: readonly Source[];
  /** The compilation root: the deepest folder that holds every source (SPEC section 3). */
  readonly root: string;
}
