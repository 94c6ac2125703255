/**
 * Resolves one `vm` or `service` block: which items each kind takes, which may be given once, the
 * uuid's form, and every path. Cross-workload checks (duplicate names and uuids) are in resolve.ts.
 */
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Span } from "../source.js";
import type { Item, WorkloadBlock } from "../syntax/ast.js";
import type { LetScope } from "./lets.js";
import { checkedAbstractSocket, checkedPath, quote } from "./paths.js";
import { impliedVmResources } from "./implied.js";
import type { Mode, Named, PathValue, Resource, Workload } from "./types.js";

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const UPPER_HEX = /[A-F]/;
const ABSTRACTION = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;

/** Items that name one property of the workload rather than a grant. */
const SINGLE: Readonly<Partial<Record<Item["kind"], string>>> = { Uuid: "uuid", Exec: "exec", Mode: "mode" };
const ONLY_IN: Readonly<Partial<Record<Item["kind"], "vm" | "service">>> = { Uuid: "vm", Exec: "service" };

export function resolveWorkload(tenant: string, block: WorkloadBlock, lets: LetScope, diagnostics: Diagnostic[]): Workload {
  const kind = block.workloadKind.value;
  const name = block.name.name;
  const seen: { [K in Item["kind"]]?: Span } = {}; // a single item's first span; a plain object costs less than a Map per workload
  const resources: Resource[] = [];
  const abstractions: Named[] = [];
  let uuid: string | undefined;
  let exec: PathValue | undefined;
  let mode: Mode = "enforce";

  let grants = 0; // counted on the items written, so that a grant refused for its own error does not also draw MOAT220
  for (const item of block.items) {
    if (item.kind === "Volume" || item.kind === "Device" || item.kind === "Socket") grants++;
    const single = SINGLE[item.kind];
    const only = ONLY_IN[item.kind];
    if (only !== undefined && only !== kind) {
      diagnostics.push(diagnostic("MOAT210", item.span, { item: single ?? item.kind.toLowerCase(), kind }));
      continue;
    }
    if (single !== undefined) {
      const first = seen[item.kind];
      if (first !== undefined) {
        diagnostics.push(
          diagnostic("MOAT212", item.span, { item: single, kind, name }, { related: [{ span: first, message: `${single} is first given here` }] }),
        );
        continue;
      }
      seen[item.kind] = item.span;
    }
    switch (item.kind) {
      case "Uuid": {
        const text = lets.resolve(item.value);
        if (text === undefined) break;
        if (!UUID.test(text)) diagnostics.push(diagnostic("MOAT211", item.value.span, { value: quote(text) }));
        else uuid = UPPER_HEX.test(text) ? text.toLowerCase() : text;
        break;
      }
      case "Exec": {
        const text = lets.resolve(item.path);
        if (text !== undefined) exec = checkedPath(text, item.path.span, diagnostics);
        break;
      }
      case "Mode":
        mode = item.value.value;
        break;
      case "Abstraction": {
        const text = lets.resolve(item.name);
        if (text === undefined) break;
        if (!ABSTRACTION.test(text)) diagnostics.push(diagnostic("MOAT216", item.name.span, { name: quote(text) }));
        else abstractions.push({ name: text, span: item.name.span });
        break;
      }
      case "Volume":
      case "Device": {
        const text = lets.resolve(item.path);
        const path = text === undefined ? undefined : checkedPath(text, item.path.span, diagnostics);
        if (path !== undefined) {
          const access = item.access?.value ?? "rw";
          resources.push({ kind: item.kind === "Volume" ? "volume" : "device", access, namespace: "path", path });
        }
        break;
      }
      case "Socket": {
        const text = lets.resolve(item.path);
        if (text === undefined) break;
        const abstract = text.startsWith("@");
        const path = abstract ? checkedAbstractSocket(text, item.path.span, diagnostics) : checkedPath(text, item.path.span, diagnostics);
        if (path !== undefined) resources.push({ kind: "socket", access: "rw", namespace: abstract ? "abstract" : "path", path });
        break;
      }
    }
  }

  if (kind === "vm" && uuid === undefined && seen.Uuid === undefined) {
    diagnostics.push(diagnostic("MOAT209", block.name.span, { name }));
  }
  if (grants === 0) diagnostics.push(diagnostic("MOAT220", block.name.span, { kind, name }));

  const workload: { -readonly [K in keyof Workload]: Workload[K] } = {
    kind,
    tenant,
    name,
    span: block.name.span,
    mode,
    // Exact sizes: an array grown by push keeps room for 17 or more elements, and the model lives to the end.
    abstractions: abstractions.length === 0 ? abstractions : abstractions.slice(),
    // A vm's implied rules follow its declared resources.
    resources: kind === "vm" ? resources.concat(impliedVmResources(name, block.name.span)) : resources.slice(),
  };
  if (uuid !== undefined) workload.uuid = uuid;
  if (exec !== undefined) workload.exec = exec;
  if (seen.Mode !== undefined) workload.modeSpan = seen.Mode;
  return workload;
}
