/**
 * Constructors for the nodes of ast.ts the parser makes by the thousand or more: spans, identifiers,
 * keywords, string literals and their parts, comments, items and workload blocks. They hold the same own
 * properties, in the same order, as the object literals they replace, and add no behaviour.
 *
 * Why constructors: V8 records where each object literal is allocated and, once it finds that nearly
 * every object of a site survives (as a syntax tree does), moves that site's allocations to the old
 * generation and throws away every optimized function that allocates there. On a fleet of 50,000
 * resources that happened twice to every function building these nodes, each time leaving them to run
 * unoptimized until recompiled. An object made by `new` has no such site. Measured on lex+parse of that
 * fleet: about 10% less main-thread and all-thread CPU.
 */
import type { Span } from "../source.js";
import type { Access, Comment, HostBus, Identifier, Item, Keyword, MemoryKind, Mode, RunMode, StringLiteral, StringPart, VmFileKind, WorkloadBlock, WorkloadKind } from "./ast.js";

export class SourceSpan implements Span {
  declare readonly file: string;
  declare readonly start: number;
  declare readonly end: number;
  constructor(file: string, start: number, end: number) {
    this.file = file;
    this.start = start;
    this.end = end;
  }
}

export class IdentifierNode implements Identifier {
  declare readonly kind: "Identifier";
  declare readonly name: string;
  declare readonly span: Span;
  constructor(name: string, span: Span) {
    this.kind = "Identifier";
    this.name = name;
    this.span = span;
  }
}

export class KeywordNode<T extends string> implements Keyword<T> {
  declare readonly kind: "Keyword";
  declare readonly value: T;
  declare readonly span: Span;
  constructor(value: T, span: Span) {
    this.kind = "Keyword";
    this.value = value;
    this.span = span;
  }
}

export class StringNode implements StringLiteral {
  declare readonly kind: "String";
  declare readonly parts: readonly StringPart[];
  declare readonly span: Span;
  constructor(parts: readonly StringPart[], span: Span) {
    this.kind = "String";
    this.parts = parts;
    this.span = span;
  }
}

export class TextPart {
  declare readonly kind: "Text";
  declare readonly text: string;
  declare readonly span: Span;
  constructor(text: string, span: Span) {
    this.kind = "Text";
    this.text = text;
    this.span = span;
  }
}

export class InterpolationPart {
  declare readonly kind: "Interpolation";
  declare readonly name: string;
  declare readonly span: Span;
  constructor(name: string, span: Span) {
    this.kind = "Interpolation";
    this.name = name;
    this.span = span;
  }
}

export class CommentNode implements Comment {
  declare readonly kind: "Comment";
  declare readonly text: string;
  declare readonly span: Span;
  constructor(text: string, span: Span) {
    this.kind = "Comment";
    this.text = text;
    this.span = span;
  }
}

/** An item with a string: exec, socket, read, and volume or device without an access. */
export class PathItem<K extends "Exec" | "Socket" | "Volume" | "Device" | "Read"> {
  declare readonly kind: K;
  declare readonly path: StringLiteral;
  declare readonly span: Span;
  constructor(kind: K, path: StringLiteral, span: Span) {
    this.kind = kind;
    this.path = path;
    this.span = span;
  }
}

/** A volume or device with its access. */
export class AccessItem<K extends "Volume" | "Device"> {
  declare readonly kind: K;
  declare readonly path: StringLiteral;
  declare readonly access: Keyword<Access>;
  declare readonly span: Span;
  constructor(kind: K, path: StringLiteral, access: Keyword<Access>, span: Span) {
    this.kind = kind;
    this.path = path;
    this.access = access;
    this.span = span;
  }
}

export class UuidItem {
  declare readonly kind: "Uuid";
  declare readonly value: StringLiteral;
  declare readonly span: Span;
  constructor(value: StringLiteral, span: Span) {
    this.kind = "Uuid";
    this.value = value;
    this.span = span;
  }
}

export class ModeItem {
  declare readonly kind: "Mode";
  declare readonly value: Keyword<Mode>;
  declare readonly span: Span;
  constructor(value: Keyword<Mode>, span: Span) {
    this.kind = "Mode";
    this.value = value;
    this.span = span;
  }
}

export class AbstractionItem {
  declare readonly kind: "Abstraction";
  declare readonly name: StringLiteral;
  declare readonly span: Span;
  constructor(name: StringLiteral, span: Span) {
    this.kind = "Abstraction";
    this.name = name;
    this.span = span;
  }
}

/** A container's `lxc "NAME"`. */
export class LxcItem {
  declare readonly kind: "Lxc";
  declare readonly value: StringLiteral;
  declare readonly span: Span;
  constructor(value: StringLiteral, span: Span) {
    this.kind = "Lxc";
    this.value = value;
    this.span = span;
  }
}

/** `run "PATH" inherit|own`. */
export class RunItem {
  declare readonly kind: "Run";
  declare readonly path: StringLiteral;
  declare readonly mode: Keyword<RunMode>;
  declare readonly span: Span;
  constructor(path: StringLiteral, mode: Keyword<RunMode>, span: Span) {
    this.kind = "Run";
    this.path = path;
    this.mode = mode;
    this.span = span;
  }
}

/** `capability NAME, …`. */
export class CapabilityItem {
  declare readonly kind: "Capability";
  declare readonly names: readonly Identifier[];
  declare readonly span: Span;
  constructor(names: readonly Identifier[], span: Span) {
    this.kind = "Capability";
    this.names = names;
    this.span = span;
  }
}

/** `network FAMILY [TYPE]`; without a type the property is absent, as in an object literal. */
export class NetworkItem {
  declare readonly kind: "Network";
  declare readonly family: Identifier;
  declare readonly type?: Identifier;
  declare readonly span: Span;
  constructor(family: Identifier, type: Identifier | undefined, span: Span) {
    this.kind = "Network";
    this.family = family;
    if (type !== undefined) this.type = type;
    this.span = span;
  }
}

/** `firmware|kernel|initrd|dtb|nvram|serial|log "PATH"`. */
export class VmFileItem {
  declare readonly kind: "VmFile";
  declare readonly item: Keyword<VmFileKind>;
  declare readonly path: StringLiteral;
  declare readonly span: Span;
  constructor(item: Keyword<VmFileKind>, path: StringLiteral, span: Span) {
    this.kind = "VmFile";
    this.item = item;
    this.path = path;
    this.span = span;
  }
}

/** `share "DIR" ro|rw`. */
export class ShareItem {
  declare readonly kind: "Share";
  declare readonly path: StringLiteral;
  declare readonly access: Keyword<Access>;
  declare readonly span: Span;
  constructor(path: StringLiteral, access: Keyword<Access>, span: Span) {
    this.kind = "Share";
    this.path = path;
    this.access = access;
    this.span = span;
  }
}

/** `hugepages` or `memory-backing`. */
export class MemoryItem {
  declare readonly kind: "Memory";
  declare readonly value: Keyword<MemoryKind>;
  declare readonly span: Span;
  constructor(value: Keyword<MemoryKind>, span: Span) {
    this.kind = "Memory";
    this.value = value;
    this.span = span;
  }
}

/** `pci|usb|scsi "ADDRESS"`, or `usb vendor "0x…" product "0x…"` (absent properties stay absent). */
export class HostDeviceItem {
  declare readonly kind: "HostDevice";
  declare readonly bus: Keyword<HostBus>;
  declare readonly address?: StringLiteral;
  declare readonly vendor?: StringLiteral;
  declare readonly product?: StringLiteral;
  declare readonly span: Span;
  constructor(bus: Keyword<HostBus>, what: { readonly address?: StringLiteral; readonly vendor?: StringLiteral; readonly product?: StringLiteral }, span: Span) {
    this.kind = "HostDevice";
    this.bus = bus;
    if (what.address !== undefined) this.address = what.address;
    if (what.vendor !== undefined) this.vendor = what.vendor;
    if (what.product !== undefined) this.product = what.product;
    this.span = span;
  }
}

export class WorkloadNode implements WorkloadBlock {
  declare readonly kind: "Workload";
  declare readonly workloadKind: Keyword<WorkloadKind>;
  declare readonly name: Identifier;
  declare readonly items: readonly Item[];
  declare readonly span: Span;
  constructor(workloadKind: Keyword<WorkloadKind>, name: Identifier, items: readonly Item[], span: Span) {
    this.kind = "Workload";
    this.workloadKind = workloadKind;
    this.name = name;
    this.items = items;
    this.span = span;
  }
}
