/**
 * The resolved policy: lets substituted, includes followed, tenants merged, names and paths checked,
 * every path parsed into a Glob. This is what the isolation rules check and the emitters render.
 */
import type { Glob } from "../glob/ast.js";
import type { Source, Span } from "../source.js";
import type { Access, HostBus, MemoryKind, Mode, RunMode, VmFileKind, WorkloadKind } from "../syntax/ast.js";

export type { Access, HostBus, MemoryKind, Mode, RunMode, VmFileKind, WorkloadKind };

/** The vm items that become path rules of their own shape (model/grant-table.ts VM_ITEM_RULES). */
export type VmItemKind = VmFileKind | "share";

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
  /**
   * The vm item it was written as, when it is one of virt-aa-helper's (`firmware`, `nvram`, `share`…):
   * its rules are that item's (grant-table.ts). firmware, kernel, initrd and dtb are kind "read";
   * nvram, log and share are "volume" and serial "device", owned like them.
   */
  readonly item?: VmItemKind;
  /** For a share: the folder itself (`DIR/`) and what is in it (`DIR/**`); `path.glob` covers both. */
  readonly share?: { readonly dir: Glob; readonly tree: Glob };
}

/**
 * A host device a vm names by its address (`pci`, `usb`, `scsi`): compile checks the addresses,
 * `moat install` finds the node on the host. Addresses are canonical: pci `0000:03:00.0` (lowercase),
 * usb `BBB:DDD` (three digits each, as under /dev/bus/usb), scsi `H:B:T:U` (decimal, no leading zeros),
 * a usb by id `vendor` and `product` as `0x` and four lowercase hex digits.
 */
export interface HostDevice {
  readonly bus: HostBus;
  readonly address?: string;
  readonly vendor?: string;
  readonly product?: string;
  readonly span: Span;
}

/** How a host device is written in messages: `pci "0000:03:00.0"`, `usb vendor "0x046d" product "0xc52b"`. */
export function hostDeviceText(d: HostDevice): string {
  return d.address !== undefined ? `${d.bus} "${d.address}"` : `${d.bus} vendor "${d.vendor ?? ""}" product "${d.product ?? ""}"`;
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
  /** A vm's `hugepages` and `memory-backing` items, each once, in written order; absent when it has none. */
  readonly memory?: readonly MemoryKind[];
  /** A vm's `pci`, `usb` and `scsi` items, in written order; absent when it has none. */
  readonly hostDevices?: readonly HostDevice[];
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
  /** Its Keystone project IDs (`project "…"`), sorted; absent when it has none. */
  readonly projects?: readonly Named[];
  /**
   * The grants written directly in the tenant block, given to every Nova instance of its projects:
   * a vm-shaped holder named NOVA_INSTANCES (no uuid, no implied rules), checked like any workload
   * and never emitted as a profile of its own; absent when the block grants nothing directly.
   */
  readonly instances?: Workload;
}

/** The workload name of a tenant's Nova instances in messages (`acme/(nova)`): no identifier can clash with it. */
export const NOVA_INSTANCES = "(nova)";

/** The workloads of a tenant that isolation checks see: its Nova instances' grants first, then its workloads. */
export function checkedWorkloads(tenant: Tenant): readonly Workload[] {
  return tenant.instances === undefined ? tenant.workloads : [tenant.instances, ...tenant.workloads];
}

/** The `nova` statement, with its defaults (docs/nova.md). */
export interface NovaHost {
  /** The folder that holds Nova's instance folders: absolute, no glob, no trailing `/`. */
  readonly instances: string;
  readonly unknownProject: "refuse" | "unassigned";
  /** The statement, when written. */
  readonly span?: Span;
}

export const NOVA_DEFAULTS: NovaHost = { instances: "/var/lib/nova/instances", unknownProject: "refuse" };

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
  /** The compilation root: the deepest folder that holds every source; headers name sources relative to it. */
  readonly root: string;
  /** The Nova host, when the policy has a `nova` statement or a tenant has a project. */
  readonly nova?: NovaHost;
}
