/**
 * A schema-valid JSON policy -> the same AST the .iso parser builds, so that one resolver serves both
 * forms and reports the same codes. Spans point at the JSON nodes: a string literal's span is its JSON
 * string (quotes included), an item's span its property or resource object, so model diagnostics land on
 * the right line of the JSON file. JSON strings hold glob source already, so each becomes a single Text
 * part; JSON has no lets, so nothing is interpolated (`${` is plain text).
 */
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Span } from "../source.js";
import type { Access, Identifier, Item, Keyword, Mode, PolicyFile, RunMode, Statement, StringLiteral, WorkloadBlock, WorkloadKind } from "../syntax/ast.js";
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

  const workload = (node: JsonNode): WorkloadBlock => {
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
    return {
      kind: "Workload",
      workloadKind: keyword<WorkloadKind>(propertyValue(node, "kind")!),
      name: identifier(propertyValue(node, "name")!),
      items,
      span: span(node),
    };
  };

  const resourceItem = (node: JsonNode): Item => {
    const kind = propertyValue(node, "kind")!.value as "volume" | "device" | "socket" | "read" | "run";
    const path = literal(propertyValue(node, "path")!);
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
  for (const tenant of elements(propertyValue(root, "tenants"))) {
    statements.push({
      kind: "Tenant",
      name: identifier(propertyValue(tenant, "name")!),
      workloads: elements(propertyValue(tenant, "workloads")).map(workload),
      span: span(tenant),
    });
  }
  for (const shared of elements(propertyValue(root, "shared"))) {
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
  return { file: { kind: "File", path: file, statements, comments: [], span: { file, start: 0, end: textLength } }, diagnostics };
}
