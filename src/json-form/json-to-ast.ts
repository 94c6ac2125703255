/**
 * A schema-valid JSON policy -> the same AST the .iso parser builds, so that one resolver serves both
 * forms and reports the same codes. Spans point at the JSON nodes: a string literal's span is its JSON
 * string (quotes included), an item's span its property or resource object, so model diagnostics land on
 * the right line of the JSON file. JSON strings hold glob source already, so each becomes a single Text
 * part; JSON has no lets, so nothing is interpolated (`${` is plain text).
 */
import { CODES } from "../diagnostics/codes.js";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Span } from "../source.js";
import type { AcceptDirective, Access, HostBus, Identifier, Item, Keyword, MemoryKind, Mode, NovaSetting, PolicyFile, RunMode, Statement, StringLiteral, TenantItem, UnknownProjectAction, VmFileKind, WorkloadBlock, WorkloadKind } from "../syntax/ast.js";
import { badCharacter } from "../syntax/strings.js";
import { nodeSpan, propertyValue, type JsonNode } from "./json-tree.js";

export function jsonToAst(file: string, textLength: number, root: JsonNode): { file?: PolicyFile; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const span = (node: JsonNode): Span => nodeSpan(file, node);
  /** A JSON string's content, without its quotes: where an identifier is, as in .iso where it has none. */
  const inner = (node: JsonNode): Span => ({ file, start: node.offset + 1, end: Math.max(node.offset + 1, node.offset + node.length - 1) });

  const identifier = (node: JsonNode): Identifier => ({ kind: "Identifier", name: node.value as string, span: inner(node) });
  const keyword = <T extends string>(node: JsonNode): Keyword<T> => ({ kind: "Keyword", value: node.value as T, span: span(node) });
  const literal = (node: JsonNode): StringLiteral => {
    const text = node.value as string;
    // The .iso lexer refuses these characters in strings (MOAT107); the JSON form refuses them too.
    for (let i = 0; i < text.length; i++) {
      const bad = badCharacter(text, i, text.charCodeAt(i));
      if (bad !== undefined) {
        diagnostics.push(diagnostic("MOAT107", span(node), { detail: bad }));
        break;
      }
    }
    return { kind: "String", parts: text === "" ? [] : [{ kind: "Text", text, span: inner(node) }], span: span(node) };
  };
  const elements = (node: JsonNode | undefined): JsonNode[] => node?.children ?? [];
  const propertyNode = (object: JsonNode, key: string): JsonNode | undefined => propertyValue(object, key)?.parent;

  const accepts: AcceptDirective[] = [];
  /** An object's `accept` entries cover the object: the JSON form of `# moat: accept` above a statement. */
  const accept = (node: JsonNode): void => {
    for (const entry of elements(propertyValue(node, "accept"))) {
      const code = propertyValue(entry, "code")!.value as string;
      const info = (CODES as Readonly<Record<string, { severity: string }>>)[code];
      if (info?.severity !== "warning") {
        const detail = info === undefined ? `${code} is not a moat diagnostic code` : `${code} is an error: errors are fixed, not accepted`;
        diagnostics.push(diagnostic("MOAT229", span(entry), { detail }));
        continue;
      }
      accepts.push({ kind: "Accept", codes: [code], reason: propertyValue(entry, "because")!.value as string, span: span(entry), target: span(node) });
    }
  };

  const workload = (node: JsonNode): WorkloadBlock => {
    accept(node);
    const items: Item[] = [];
    const uuid = propertyValue(node, "uuid");
    if (uuid !== undefined) items.push({ kind: "Uuid", value: literal(uuid), span: span(propertyNode(node, "uuid")!) });
    const exec = propertyValue(node, "exec");
    if (exec !== undefined) items.push({ kind: "Exec", path: literal(exec), span: span(propertyNode(node, "exec")!) });
    const lxc = propertyValue(node, "lxc");
    if (lxc !== undefined) items.push({ kind: "Lxc", value: literal(lxc), span: span(propertyNode(node, "lxc")!) });
    const mode = propertyValue(node, "mode");
    if (mode !== undefined) items.push({ kind: "Mode", value: keyword<Mode>(mode), span: span(propertyNode(node, "mode")!) });
    for (const abstraction of elements(propertyValue(node, "abstractions"))) {
      items.push({ kind: "Abstraction", name: literal(abstraction), span: span(abstraction) });
    }
    const capabilities = propertyValue(node, "capabilities");
    if (capabilities !== undefined && elements(capabilities).length > 0) {
      items.push({ kind: "Capability", names: elements(capabilities).map(identifier), span: span(propertyNode(node, "capabilities")!) });
    }
    for (const rule of elements(propertyValue(node, "network"))) {
      const type = propertyValue(rule, "type");
      const family = identifier(propertyValue(rule, "family")!);
      items.push(type === undefined ? { kind: "Network", family, span: span(rule) } : { kind: "Network", family, type: identifier(type), span: span(rule) });
    }
    for (const resource of elements(propertyValue(node, "resources"))) items.push(resourceItem(resource));
    for (const memory of elements(propertyValue(node, "memory"))) items.push({ kind: "Memory", value: keyword<MemoryKind>(memory), span: span(memory) });
    for (const device of elements(propertyValue(node, "devices"))) items.push(deviceItem(device));
    return {
      kind: "Workload",
      workloadKind: keyword<WorkloadKind>(propertyValue(node, "kind")!),
      name: identifier(propertyValue(node, "name")!),
      items,
      span: span(node),
    };
  };

  const deviceItem = (node: JsonNode): Item => {
    accept(node);
    const bus = keyword<HostBus>(propertyValue(node, "bus")!);
    const address = propertyValue(node, "address");
    if (address !== undefined) return { kind: "HostDevice", bus, address: literal(address), span: span(node) };
    return { kind: "HostDevice", bus, vendor: literal(propertyValue(node, "vendor")!), product: literal(propertyValue(node, "product")!), span: span(node) };
  };

  const resourceItem = (node: JsonNode): Item => {
    accept(node);
    const kind = propertyValue(node, "kind")!.value as "volume" | "device" | "socket" | "read" | "run" | VmFileKind | "share";
    const path = literal(propertyValue(node, "path")!);
    if (kind === "share") return { kind: "Share", path, access: keyword<Access>(propertyValue(node, "access")!), span: span(node) };
    if (kind !== "volume" && kind !== "device" && kind !== "socket" && kind !== "read" && kind !== "run") {
      return { kind: "VmFile", item: keyword<VmFileKind>(propertyValue(node, "kind")!), path, span: span(node) };
    }
    if (kind === "socket") return { kind: "Socket", path, span: span(node) };
    if (kind === "read") return { kind: "Read", path, span: span(node) };
    if (kind === "run") return { kind: "Run", path, mode: keyword<RunMode>(propertyValue(node, "mode")!), span: span(node) };
    const accessNode = propertyValue(node, "access");
    const access = accessNode === undefined ? undefined : keyword<Access>(accessNode);
    const itemKind = kind === "volume" ? "Volume" : "Device";
    return access === undefined ? { kind: itemKind, path, span: span(node) } : { kind: itemKind, path, access, span: span(node) };
  };

  const statements: Statement[] = [];
  const policy = propertyValue(root, "policy");
  if (policy !== undefined) statements.push({ kind: "Policy", name: identifier(policy), span: span(policy.parent!) });
  for (const glob of elements(propertyValue(root, "protect"))) statements.push({ kind: "Protect", glob: literal(glob), span: span(glob) });
  const nova = propertyValue(root, "nova");
  if (nova !== undefined) {
    const settings: NovaSetting[] = [];
    const instances = propertyValue(nova, "instances");
    if (instances !== undefined) settings.push({ kind: "Instances", path: literal(instances), span: span(propertyNode(nova, "instances")!) });
    const unknown = propertyValue(nova, "unknownProject");
    if (unknown !== undefined) settings.push({ kind: "UnknownProject", value: keyword<UnknownProjectAction>(unknown), span: span(propertyNode(nova, "unknownProject")!) });
    statements.push({ kind: "Nova", settings, span: span(nova) });
  }
  for (const tenant of elements(propertyValue(root, "tenants"))) {
    accept(tenant);
    // A tenant's projects and its Nova instances' grants, as the .iso form writes them directly in the block.
    const items: TenantItem[] = [];
    for (const project of elements(propertyValue(tenant, "projects"))) items.push({ kind: "Project", value: literal(project), span: span(project) });
    for (const abstraction of elements(propertyValue(tenant, "abstractions"))) items.push({ kind: "Abstraction", name: literal(abstraction), span: span(abstraction) });
    for (const resource of elements(propertyValue(tenant, "resources"))) items.push(resourceItem(resource));
    const name = identifier(propertyValue(tenant, "name")!);
    const workloads = elements(propertyValue(tenant, "workloads")).map(workload);
    statements.push(items.length === 0 ? { kind: "Tenant", name, workloads, span: span(tenant) } : { kind: "Tenant", name, workloads, items, span: span(tenant) });
  }
  for (const shared of elements(propertyValue(root, "shared"))) {
    accept(shared);
    statements.push({
      kind: "Shared",
      glob: literal(propertyValue(shared, "path")!),
      access: keyword<"ro">(propertyValue(shared, "access")!),
      tenants: elements(propertyValue(shared, "tenants")).map(identifier),
      span: span(shared),
    });
  }

  // As in .iso, a string that cannot be part of a path stops the file here, before the model.
  if (diagnostics.length > 0) return { diagnostics };
  return { file: { kind: "File", path: file, statements, comments: [], accepts, span: { file, start: 0, end: textLength } }, diagnostics };
}
