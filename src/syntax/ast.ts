/**
 * The syntax tree of one .iso file: readonly, a discriminated union on `kind`, every node with a span.
 * It records what was written, nothing resolved: lets, includes and tenants are resolved in model/.
 */
import type { Span } from "../source.js";

export interface Identifier {
  readonly kind: "Identifier";
  readonly name: string;
  readonly span: Span;
}

/**
 * A piece of a string literal. `Text` holds glob source: escapes are decoded except that a literal
 * glob character or backslash keeps its backslash (`\*`, `\\`), so the glob parser still sees it as
 * literal; `\"` is decoded to `"`. `Interpolation` is a `${name}`.
 */
export type StringPart =
  | { readonly kind: "Text"; readonly text: string; readonly span: Span }
  | { readonly kind: "Interpolation"; readonly name: string; readonly span: Span };

export interface StringLiteral {
  readonly kind: "String";
  readonly parts: readonly StringPart[];
  readonly span: Span; // includes the quotes
}

export type Access = "ro" | "rw";
export type Mode = "enforce" | "complain";
export type WorkloadKind = "vm" | "service" | "container";
/** How a service runs a child program: in its own profile (`ix`) or in the service profile attached to it (`Px`). */
export type RunMode = "inherit" | "own";

/** The vm items that name one host file, each becoming the rules virt-aa-helper writes for it (model/grant-table.ts). */
export type VmFileKind = "firmware" | "kernel" | "initrd" | "dtb" | "nvram" | "serial" | "log";
/** The vm items that add libvirt's per-domain memory folders. */
export type MemoryKind = "hugepages" | "memory-backing";
/** The buses of the vm items that name a host device by its address, resolved to a node by `moat install`. */
export type HostBus = "pci" | "usb" | "scsi";

export interface Keyword<T extends string> {
  readonly kind: "Keyword";
  readonly value: T;
  readonly span: Span;
}

export type Item =
  | { readonly kind: "Uuid"; readonly value: StringLiteral; readonly span: Span }
  | { readonly kind: "Exec"; readonly path: StringLiteral; readonly span: Span }
  | { readonly kind: "Volume"; readonly path: StringLiteral; readonly access?: Keyword<Access>; readonly span: Span }
  | { readonly kind: "Device"; readonly path: StringLiteral; readonly access?: Keyword<Access>; readonly span: Span }
  | { readonly kind: "Socket"; readonly path: StringLiteral; readonly span: Span }
  | { readonly kind: "Abstraction"; readonly name: StringLiteral; readonly span: Span }
  | { readonly kind: "Mode"; readonly value: Keyword<Mode>; readonly span: Span }
  | { readonly kind: "Lxc"; readonly value: StringLiteral; readonly span: Span }
  | { readonly kind: "Read"; readonly path: StringLiteral; readonly span: Span }
  | { readonly kind: "Run"; readonly path: StringLiteral; readonly mode: Keyword<RunMode>; readonly span: Span }
  | { readonly kind: "Capability"; readonly names: readonly Identifier[]; readonly span: Span }
  | { readonly kind: "Network"; readonly family: Identifier; readonly type?: Identifier; readonly span: Span }
  | { readonly kind: "VmFile"; readonly item: Keyword<VmFileKind>; readonly path: StringLiteral; readonly span: Span }
  | { readonly kind: "Share"; readonly path: StringLiteral; readonly access: Keyword<Access>; readonly span: Span }
  | { readonly kind: "Memory"; readonly value: Keyword<MemoryKind>; readonly span: Span }
  | HostDeviceItem;

/**
 * `pci "ADDR"`, `usb "BUS:DEV"`, `usb vendor "0xVVVV" product "0xPPPP"` or `scsi "H:B:T:U"`: a host
 * device by its address. A usb by vendor and product has `vendor` and `product` and no `address`.
 */
export interface HostDeviceItem {
  readonly kind: "HostDevice";
  readonly bus: Keyword<HostBus>;
  readonly address?: StringLiteral;
  readonly vendor?: StringLiteral;
  readonly product?: StringLiteral;
  readonly span: Span;
}

/** `project "ID"` in a tenant: a Keystone project whose Nova instances are the tenant's. */
export interface ProjectItem {
  readonly kind: "Project";
  readonly value: StringLiteral;
  readonly span: Span;
}

/** What a tenant block holds besides workloads: its projects and the grants of its Nova instances. */
export type TenantItem = Item | ProjectItem;

export type UnknownProjectAction = "refuse" | "unassigned";

/** A setting of the `nova` statement. */
export type NovaSetting =
  | { readonly kind: "Instances"; readonly path: StringLiteral; readonly span: Span }
  | { readonly kind: "UnknownProject"; readonly value: Keyword<UnknownProjectAction>; readonly span: Span };

export interface WorkloadBlock {
  readonly kind: "Workload";
  readonly workloadKind: Keyword<WorkloadKind>;
  readonly name: Identifier;
  readonly items: readonly Item[];
  readonly span: Span;
}

export type Statement =
  | { readonly kind: "Policy"; readonly name: Identifier; readonly span: Span }
  | { readonly kind: "Let"; readonly name: Identifier; readonly value: StringLiteral; readonly span: Span }
  | { readonly kind: "Include"; readonly path: StringLiteral; readonly span: Span }
  | { readonly kind: "Protect"; readonly glob: StringLiteral; readonly span: Span }
  | {
      readonly kind: "Tenant";
      readonly name: Identifier;
      readonly workloads: readonly WorkloadBlock[];
      /** Items written directly in the block (projects and grants), in source order; absent when none. */
      readonly items?: readonly TenantItem[];
      readonly span: Span;
    }
  | { readonly kind: "Nova"; readonly settings: readonly NovaSetting[]; readonly span: Span }
  | {
      readonly kind: "Shared";
      readonly glob: StringLiteral;
      readonly access: Keyword<"ro">;
      readonly tenants: readonly Identifier[];
      readonly span: Span;
    };

/** A comment, kept for the formatter; the compiler ignores comments. */
export interface Comment {
  readonly kind: "Comment";
  readonly text: string; // including the leading #
  readonly span: Span;
}

/**
 * `# moat: accept CODE… because REASON` on the line before a statement (or, in the JSON form, an
 * `accept` entry of an object): the warnings `codes` at `target` are accepted on purpose (syntax/accepts.ts).
 */
export interface AcceptDirective {
  readonly kind: "Accept";
  readonly codes: readonly string[];
  readonly reason: string;
  /** The comment, or the JSON entry. */
  readonly span: Span;
  /** The statement, workload or item it covers. */
  readonly target: Span;
}

export interface PolicyFile {
  readonly kind: "File";
  readonly path: string;
  readonly statements: readonly Statement[];
  readonly comments: readonly Comment[];
  /** The JSON form's accepts (its objects' `accept` arrays); a .iso file's are read from its comments. */
  readonly accepts?: readonly AcceptDirective[];
  readonly span: Span;
}
