/**
 * The Nova side of a policy (docs/nova.md): a tenant's Keystone projects, the grants written directly
 * in a tenant block (given to every Nova instance of its projects), and the `nova` statement.
 * Invariants: a project ID is 1–64 characters of [A-Za-z0-9_-] and belongs to one tenant only; a tenant
 * block holds directly only project, volume, device, socket, read and abstraction; `instances` is an
 * absolute folder written without glob characters.
 */
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import { literalBytes } from "../glob/text.js";
import type { Span } from "../source.js";
import type { Item, NovaSetting, TenantItem, WorkloadBlock } from "../syntax/ast.js";
import { KeywordNode } from "../syntax/nodes.js";
import type { LetScope } from "./lets.js";
import { checkedPath, quote } from "./paths.js";
import { NOVA_DEFAULTS, NOVA_INSTANCES, type Named, type NovaHost, type Workload } from "./types.js";
import { resolveWorkload } from "./workload.js";

/** A Keystone project ID as Nova writes it in `<nova:project uuid="…">` (hex without dashes by default). */
export const PROJECT_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The items a tenant block takes directly, besides `project`. */
const TENANT_GRANTS: ReadonlySet<Item["kind"]> = new Set<Item["kind"]>(["Volume", "Device", "Socket", "Read", "Abstraction"]);

/** A tenant block's direct items: its projects (checked) and its instances' grants, collected across blocks. */
export class TenantItems {
  readonly projects: Named[] = [];
  private readonly grants: Item[] = [];
  private firstSpan: Span | undefined;

  add(items: readonly TenantItem[], tenantSpan: Span, lets: LetScope, diagnostics: Diagnostic[]): void {
    for (const item of items) {
      if (item.kind === "Project") {
        const text = lets.resolve(item.value);
        if (text === undefined) continue;
        if (!PROJECT_ID.test(text)) {
          diagnostics.push(
            diagnostic("MOAT240", item.value.span, { value: quote(text) }, {
              hint: "write the project's ID as Keystone gives it (openstack project show -f value -c id NAME), never its name",
            }),
          );
        } else if (!this.projects.some((p) => p.name === text)) {
          this.projects.push({ name: text, span: item.value.span });
        }
      } else if (!TENANT_GRANTS.has(item.kind)) {
        diagnostics.push(diagnostic("MOAT242", item.span, { item: itemWord(item) }));
      } else {
        this.grants.push(item);
        this.firstSpan ??= tenantSpan;
      }
    }
  }

  /** The holder of the tenant's direct grants (types.ts Tenant.instances), or undefined when there are none. */
  instances(tenant: string, lets: LetScope, diagnostics: Diagnostic[]): Workload | undefined {
    if (this.firstSpan === undefined) return undefined;
    const span = this.firstSpan;
    // Resolved as a service's items would be (the same path, socket and abstraction checks), without a
    // vm's uuid or implied rules: none of those belong to the tenant.
    const block: WorkloadBlock = {
      kind: "Workload",
      workloadKind: new KeywordNode("service", span),
      name: { kind: "Identifier", name: NOVA_INSTANCES, span },
      items: this.grants,
      span,
    };
    const found: Diagnostic[] = [];
    const resolved = resolveWorkload(tenant, block, lets, found);
    for (const d of found) if (d.code !== "MOAT220") diagnostics.push(d);
    return { ...resolved, kind: "vm" };
  }
}

/** Every project claimed by two tenants (MOAT241), reported at the later tenant's in model order. */
export function checkProjectOwners(tenants: readonly { readonly name: string; readonly projects?: readonly Named[] }[]): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const owner = new Map<string, { tenant: string; span: Span }>();
  for (const tenant of tenants) {
    for (const project of tenant.projects ?? []) {
      const first = owner.get(project.name);
      if (first === undefined) {
        owner.set(project.name, { tenant: tenant.name, span: project.span });
        continue;
      }
      diagnostics.push(
        diagnostic("MOAT241", project.span, { value: quote(project.name), other: first.tenant }, {
          related: [{ span: first.span, message: `tenant ${first.tenant} claims it here` }],
        }),
      );
    }
  }
  return diagnostics;
}

/** The `nova` statements of a compilation, merged: one statement, each setting once. */
export class NovaSettings {
  private span: Span | undefined;
  private instances: string | undefined;
  private instancesSpan: Span | undefined;
  private unknownProject: NovaHost["unknownProject"] | undefined;
  private unknownSpan: Span | undefined;

  add(statementSpan: Span, settings: readonly NovaSetting[], lets: LetScope, diagnostics: Diagnostic[]): void {
    if (this.span !== undefined) {
      diagnostics.push(diagnostic("MOAT243", statementSpan, { what: "a nova statement" }, { related: [{ span: this.span, message: "the first nova statement" }] }));
      return;
    }
    this.span = statementSpan;
    for (const setting of settings) {
      const first = setting.kind === "Instances" ? this.instancesSpan : this.unknownSpan;
      if (first !== undefined) {
        const what = setting.kind === "Instances" ? "instances" : "unknown-project";
        diagnostics.push(diagnostic("MOAT243", setting.span, { what }, { related: [{ span: first, message: `${what} is first given here` }] }));
        continue;
      }
      if (setting.kind === "UnknownProject") {
        this.unknownProject = setting.value.value;
        this.unknownSpan = setting.span;
        continue;
      }
      this.instancesSpan = setting.span;
      const written = lets.resolve(setting.path);
      if (written === undefined) continue;
      const text = written.length > 1 && written.endsWith("/") ? written.slice(0, -1) : written;
      const scratch: Diagnostic[] = [];
      const path = checkedPath(text, setting.path.span, scratch);
      if (path === undefined || text === "/" || literalBytes(path.glob) !== text) {
        diagnostics.push(diagnostic("MOAT244", setting.path.span, { path: quote(written) }));
        continue;
      }
      this.instances = text;
    }
  }

  /** The host's settings with their defaults, or undefined when there is no statement and no project. */
  host(anyProject: boolean): NovaHost | undefined {
    if (this.span === undefined && !anyProject) return undefined;
    const host: { -readonly [K in keyof NovaHost]: NovaHost[K] } = {
      instances: this.instances ?? NOVA_DEFAULTS.instances,
      unknownProject: this.unknownProject ?? NOVA_DEFAULTS.unknownProject,
    };
    if (this.span !== undefined) host.span = this.span;
    return host;
  }
}

function itemWord(item: Item): string {
  switch (item.kind) {
    case "VmFile":
      return item.item.value;
    case "Memory":
      return item.value.value;
    case "HostDevice":
      return item.bus.value;
    default:
      return item.kind.toLowerCase();
  }
}
