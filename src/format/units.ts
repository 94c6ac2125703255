/**
 * The lines of a formatted file, before comments: every statement, block header, block end and item
 * of a parsed file becomes one Unit that knows its canonical text and the source range it came from.
 * The source range is what comments and blank lines are placed against (attach-comments.ts).
 */
import type { Item, PolicyFile, Statement, StringLiteral, TenantItem, WorkloadBlock } from "../syntax/ast.js";

export type UnitRole = "simple" | "tenantOpen" | "tenantClose" | "workloadOpen" | "workloadClose" | "item";

export interface Unit {
  readonly role: UnitRole;
  /** Indentation level: 0 for top-level statements and tenant lines, 1 for workload lines, 2 for items. */
  readonly depth: number;
  /** The canonical line, without indentation or comment. */
  readonly text: string;
  /** The source range of the tokens that make up this line: [start, end). */
  readonly start: number;
  readonly end: number;
}

/** One Unit per output line, in source order; their source ranges are disjoint and ascending. */
export function buildUnits(file: PolicyFile, text: string): Unit[] {
  const units: Unit[] = [];
  const literal = (s: StringLiteral): string => text.slice(s.span.start, s.span.end);
  for (const statement of file.statements) {
    if (statement.kind === "Tenant") {
      const brace = openingBrace(text, statement.name.span.end);
      units.push({ role: "tenantOpen", depth: 0, text: `tenant ${statement.name.name} {`, start: statement.span.start, end: brace + 1 });
      pushTenantBody(units, statement.workloads, statement.items ?? [], text, literal);
      units.push({ role: "tenantClose", depth: 0, text: "}", start: statement.span.end - 1, end: statement.span.end });
    } else if (statement.kind === "Nova") {
      // Written like a tenant block: `nova {`, one setting a line, `}`.
      const brace = openingBrace(text, statement.span.start + "nova".length);
      units.push({ role: "tenantOpen", depth: 0, text: "nova {", start: statement.span.start, end: brace + 1 });
      for (const setting of statement.settings) {
        const line = setting.kind === "Instances" ? `instances ${literal(setting.path)}` : `unknown-project ${setting.value.value}`;
        units.push({ role: "item", depth: 1, text: line, start: setting.span.start, end: setting.span.end });
      }
      units.push({ role: "tenantClose", depth: 0, text: "}", start: statement.span.end - 1, end: statement.span.end });
    } else {
      units.push({ role: "simple", depth: 0, text: simpleStatement(statement, literal), start: statement.span.start, end: statement.span.end });
    }
  }
  return units;
}

type SimpleStatement = Exclude<Statement, { kind: "Tenant" | "Nova" }>;

/**
 * A tenant's workloads and the items written directly in it (projects, the grants of its Nova
 * instances), in source order; the direct items are lined up like a workload's, one level out.
 */
function pushTenantBody(
  units: Unit[],
  workloads: readonly WorkloadBlock[],
  items: readonly TenantItem[],
  text: string,
  literal: (s: StringLiteral) => string,
): void {
  const grants = items.filter((i): i is Item => i.kind !== "Project");
  const { keywordWidth, accessColumn } = columns(grants, literal);
  const width = Math.max(keywordWidth, items.some((i) => i.kind === "Project") ? "project".length : 0);
  const lines = items.map((item): Unit => {
    const line = item.kind === "Project" ? `${"project".padEnd(width)} ${literal(item.value)}` : itemLine(item, width, accessColumn, literal);
    return { role: "item", depth: 1, text: line, start: item.span.start, end: item.span.end };
  });
  let next = 0;
  for (const workload of workloads) {
    while (next < lines.length && lines[next]!.start < workload.span.start) units.push(lines[next++]!);
    pushWorkload(units, workload, text, literal);
  }
  while (next < lines.length) units.push(lines[next++]!);
}

function simpleStatement(s: SimpleStatement, literal: (s: StringLiteral) => string): string {
  switch (s.kind) {
    case "Policy":
      return `policy ${s.name.name}`;
    case "Let":
      return `let ${s.name.name} = ${literal(s.value)}`;
    case "Include":
      return `include ${literal(s.path)}`;
    case "Protect":
      return `protect ${literal(s.glob)}`;
    case "Shared":
      return `shared ${literal(s.glob)} ${s.access.value} with ${s.tenants.map((t) => t.name).join(", ")}`;
  }
}

/** Items whose string starts in the block's common column (see itemLine). */
const COLUMN_KEYWORDS: Readonly<Partial<Record<Item["kind"], string>>> = {
  Uuid: "uuid",
  Exec: "exec",
  Lxc: "lxc",
  Volume: "volume",
  Device: "device",
  Socket: "socket",
  Read: "read",
  Run: "run",
};

/** The vm items written in the keyword column: the longest of their words counts for the column. */
function columnKeyword(item: Item): string | undefined {
  if (item.kind === "VmFile") return item.item.value;
  if (item.kind === "Share") return "share";
  if (item.kind === "HostDevice") return item.bus.value;
  return COLUMN_KEYWORDS[item.kind];
}

function pushWorkload(units: Unit[], w: WorkloadBlock, text: string, literal: (s: StringLiteral) => string): void {
  const brace = openingBrace(text, w.name.span.end);
  units.push({ role: "workloadOpen", depth: 1, text: `${w.workloadKind.value} ${w.name.name} {`, start: w.span.start, end: brace + 1 });
  // The keyword column fits the longest keyword present; the access column sits one space after
  // the longest string that carries an access keyword (a run's inherit or own stands there too).
  // `abstraction`, `mode`, `capability` and `network` take names, not paths, and are written with
  // single spaces, as in docs/language.md.
  const { keywordWidth, accessColumn } = columns(w.items, literal);
  for (const item of w.items) {
    units.push({ role: "item", depth: 2, text: itemLine(item, keywordWidth, accessColumn, literal), start: item.span.start, end: item.span.end });
  }
  units.push({ role: "workloadClose", depth: 1, text: "}", start: w.span.end - 1, end: w.span.end });
}

function columns(items: readonly Item[], literal: (s: StringLiteral) => string): { keywordWidth: number; accessColumn: number } {
  let keywordWidth = 0;
  let accessColumn = 0;
  for (const item of items) {
    const keyword = columnKeyword(item);
    if (keyword !== undefined) keywordWidth = Math.max(keywordWidth, keyword.length);
    if (((item.kind === "Volume" || item.kind === "Device") && item.access !== undefined) || item.kind === "Run" || item.kind === "Share") {
      accessColumn = Math.max(accessColumn, width(literal(item.path)));
    }
  }
  return { keywordWidth, accessColumn };
}

function itemLine(item: Item, keywordWidth: number, accessColumn: number, literal: (s: StringLiteral) => string): string {
  const column = (keyword: string, value: string): string => `${keyword.padEnd(keywordWidth)} ${value}`;
  switch (item.kind) {
    case "Uuid":
      return column("uuid", literal(item.value));
    case "Exec":
      return column("exec", literal(item.path));
    case "Lxc":
      return column("lxc", literal(item.value));
    case "Socket":
      return column("socket", literal(item.path));
    case "Read":
      return column("read", literal(item.path));
    case "Run": {
      const path = literal(item.path);
      return `${column("run", path)}${" ".repeat(accessColumn - width(path))} ${item.mode.value}`;
    }
    case "Capability":
      return `capability ${item.names.map((n) => n.name).join(", ")}`;
    case "Network":
      return item.type === undefined ? `network ${item.family.name}` : `network ${item.family.name} ${item.type.name}`;
    case "Volume":
    case "Device": {
      const path = literal(item.path);
      const head = column(item.kind === "Volume" ? "volume" : "device", path);
      if (item.access === undefined) return head;
      return `${head}${" ".repeat(accessColumn - width(path))} ${item.access.value}`;
    }
    case "Abstraction":
      return `abstraction ${literal(item.name)}`;
    case "Mode":
      return `mode ${item.value.value}`;
    case "VmFile":
      return column(item.item.value, literal(item.path));
    case "Share": {
      const path = literal(item.path);
      return `${column("share", path)}${" ".repeat(accessColumn - width(path))} ${item.access.value}`;
    }
    case "Memory":
      return item.value.value;
    case "HostDevice":
      if (item.address !== undefined) return column(item.bus.value, literal(item.address));
      return `${column(item.bus.value, "vendor")} ${literal(item.vendor!)} product ${literal(item.product!)}`;
  }
}

/** Width in code points, so that a path with characters outside the BMP still lines up. */
export function width(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/**
 * The offset of the `{` that follows a block's name. The parser guarantees it is the next token, so
 * only blanks and comments can stand between.
 */
function openingBrace(text: string, from: number): number {
  let i = from;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 123 /* { */) return i;
    if (c === 35 /* # */) {
      while (i < text.length && text.charCodeAt(i) !== 10 && text.charCodeAt(i) !== 13) i++;
    } else {
      i++;
    }
  }
  throw new Error("internal: block without '{' after its name");
}
