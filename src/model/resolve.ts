/**
 * AST -> Model. Walks the files in resolution order (see load-files.ts), substituting lets, merging
 * tenants across blocks and files, and checking the names that must be unique: workloads within a
 * tenant, vm names and uuids across the compilation. Collects every problem; never throws.
 */
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Span } from "../source.js";
import type { PolicyFile, Statement } from "../syntax/ast.js";
import { LetScope } from "./lets.js";
import { includeTarget, type LoadedFiles } from "./load-files.js";
import { checkedPath } from "./paths.js";
import { lxcName, type Model, type Named, type PathValue, type Shared, type Tenant, type Workload } from "./types.js";
import { resolveWorkload } from "./workload.js";
import { checkProjectOwners, NovaSettings, TenantItems } from "./nova.js";
import { appendAll } from "../append-all.js";
import { globKey } from "../glob/text.js";

interface TenantDraft {
  readonly spans: Span[];
  readonly workloads: Map<string, Workload>;
  readonly items: TenantItems;
}

export function resolveModel(loaded: LoadedFiles): { model: Model; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const lets = new LetScope(diagnostics);
  const tenants = new Map<string, TenantDraft>();
  const protect: PathValue[] = [];
  const sharedStatements: Extract<Statement, { kind: "Shared" }>[] = [];
  const resolved = new Set<string>();
  let policy: Named | undefined;
  const nova = new NovaSettings();

  const resolveStatement = (statement: Exclude<Statement, { kind: "Include" }>): void => {
    switch (statement.kind) {
      case "Policy":
        if (policy === undefined) policy = { name: statement.name.name, span: statement.name.span };
        else if (policy.name !== statement.name.name)
          diagnostics.push(
            diagnostic("MOAT205", statement.name.span, { other: policy.name }, { related: [{ span: policy.span, message: "named here" }] }),
          );
        break;
      case "Let":
        lets.define(statement.name.name, statement.name.span, statement.value);
        break;
      case "Protect": {
        const text = lets.resolve(statement.glob);
        const path = text === undefined ? undefined : checkedPath(text, statement.glob.span, diagnostics);
        if (path !== undefined) protect.push(path);
        break;
      }
      case "Tenant": {
        const name = statement.name.name;
        let draft = tenants.get(name);
        if (draft === undefined) tenants.set(name, (draft = { spans: [], workloads: new Map(), items: new TenantItems() }));
        draft.spans.push(statement.name.span);
        if (statement.items !== undefined) draft.items.add(statement.items, statement.name.span, lets, diagnostics);
        for (const block of statement.workloads) {
          const workload = resolveWorkload(name, block, lets, diagnostics);
          const previous = draft.workloads.get(workload.name);
          if (previous !== undefined) {
            diagnostics.push(
              diagnostic("MOAT206", workload.span, { tenant: name, name: workload.name }, {
                related: [{ span: previous.span, message: `${previous.kind} ${previous.name} is declared here` }],
              }),
            );
          } else {
            draft.workloads.set(workload.name, workload);
          }
        }
        break;
      }
      case "Shared":
        sharedStatements.push(statement);
        break;
      case "Nova":
        nova.add(statement.span, statement.settings, lets, diagnostics);
        break;
    }
  };

  /**
   * A file's statements in order, each include expanded in place (a file reached twice is resolved once).
   * An explicit stack of files instead of recursion: a chain of includes thousands of files deep
   * overflowed the call stack (MOAT900).
   */
  const resolveFile = (root: PolicyFile): void => {
    const stack: { readonly file: PolicyFile; next: number }[] = [];
    const enter = (file: PolicyFile): void => {
      resolved.add(file.path);
      stack.push({ file, next: 0 });
    };
    enter(root);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      if (frame.next === frame.file.statements.length) {
        stack.pop();
        continue;
      }
      const statement = frame.file.statements[frame.next++]!;
      if (statement.kind !== "Include") {
        resolveStatement(statement);
        continue;
      }
      const target = includeTarget(frame.file.path, statement.path);
      const included = target === undefined ? undefined : loaded.files.get(target);
      if (included !== undefined && !resolved.has(included.path)) enter(included);
    }
  };

  for (const root of loaded.roots) {
    const file = loaded.files.get(root);
    if (file !== undefined && !resolved.has(root)) resolveFile(file);
  }

  const shared: Shared[] = [];
  for (const statement of sharedStatements) {
    const text = lets.resolve(statement.glob);
    const path = text === undefined ? undefined : checkedPath(text, statement.glob.span, diagnostics);
    const listed: Named[] = [];
    for (const tenant of statement.tenants) {
      if (!tenants.has(tenant.name)) diagnostics.push(diagnostic("MOAT219", tenant.span, { tenant: tenant.name }));
      listed.push({ name: tenant.name, span: tenant.span });
    }
    if (path !== undefined) shared.push({ path, tenants: listed, span: statement.span });
  }

  const sortedTenants: Tenant[] = [...tenants.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, draft]) => {
      const tenant: { -readonly [K in keyof Tenant]: Tenant[K] } = {
        name,
        spans: draft.spans,
        workloads: [...draft.workloads.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
      };
      if (draft.items.projects.length > 0) tenant.projects = draft.items.projects.slice().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const instances = draft.items.instances(name, lets, diagnostics);
      if (instances !== undefined) tenant.instances = instances;
      return tenant;
    });
  appendAll(diagnostics, checkProjectOwners(sortedTenants));
  appendAll(diagnostics, checkUniqueAcrossTenants(sortedTenants));
  appendAll(diagnostics, checkLxcNames(sortedTenants));
  appendAll(diagnostics, checkRunTargets(sortedTenants));

  const model: { -readonly [K in keyof Model]: Model[K] } = {
    protect,
    tenants: sortedTenants,
    shared,
    sources: loaded.sources,
    root: loaded.root,
  };
  if (policy !== undefined) model.policy = policy;
  const host = nova.host(sortedTenants.some((t) => t.projects !== undefined));
  if (host !== undefined) model.nova = host;
  return { model, diagnostics };
}

/**
 * Every workload of one kind by source position (file path, then offset), so that a clash is reported at
 * the later declaration, the newcomer. The files are ranked once and workloads sorted by rank and offset:
 * comparing the paths of two vms at every step of the sort was most of the uniqueness check.
 */
function inSourceOrder(tenants: readonly Tenant[], kind: Workload["kind"] = "vm"): Workload[] {
  const vms: Workload[] = [];
  const rank = new Map<string, number>();
  for (const tenant of tenants) {
    for (const w of tenant.workloads) {
      if (w.kind !== kind) continue;
      vms.push(w);
      rank.set(w.span.file, 0);
    }
  }
  [...rank.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).forEach((file, i) => rank.set(file, i));
  const files = vms.map((vm) => rank.get(vm.span.file)!);
  const order = vms.map((_, i) => i).sort((a, b) => files[a]! - files[b]! || vms[a]!.span.start - vms[b]!.span.start);
  return order.map((i) => vms[i]!);
}

/** VM names are libvirt domain names, unique on a host; uuids name profiles, unique everywhere. */
function checkUniqueAcrossTenants(tenants: readonly Tenant[]): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const byName = new Map<string, Workload>();
  const byUuid = new Map<string, Workload>();
  for (const vm of inSourceOrder(tenants)) {
    const sameName = byName.get(vm.name);
    if (sameName !== undefined && sameName.tenant !== vm.tenant) {
      diagnostics.push(
        diagnostic("MOAT207", vm.span, { name: vm.name, other: sameName.tenant }, {
          related: [{ span: sameName.span, message: `vm ${vm.name} of tenant ${sameName.tenant} is declared here` }],
        }),
      );
    } else if (sameName === undefined) {
      byName.set(vm.name, vm);
    }
    if (vm.uuid === undefined) continue;
    const sameUuid = byUuid.get(vm.uuid);
    if (sameUuid !== undefined) {
      diagnostics.push(
        diagnostic("MOAT208", vm.span, { uuid: vm.uuid, other: `${sameUuid.tenant}/${sameUuid.name}` }, {
          related: [{ span: sameUuid.span, message: `${sameUuid.tenant}/${sameUuid.name} uses it here` }],
        }),
      );
    } else {
      byUuid.set(vm.uuid, vm);
    }
  }
  return diagnostics;
}

/** LXC container names are unique on a host: two containers (of any tenants) may not share one. */
function checkLxcNames(tenants: readonly Tenant[]): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const byName = new Map<string, Workload>();
  for (const container of inSourceOrder(tenants, "container")) {
    const name = lxcName(container);
    const first = byName.get(name);
    if (first === undefined) {
      byName.set(name, container);
      continue;
    }
    const other = `${first.tenant}/${first.name}`;
    diagnostics.push(
      diagnostic("MOAT227", container.lxc?.span ?? container.span, { name: JSON.stringify(name), other }, {
        related: [{ span: first.lxc?.span ?? first.span, message: `container ${other} is LXC container ${name}` }],
        hint: "give each container the name LXC knows it by on the host (lxc-ls lists them); one LXC container has one profile",
      }),
    );
  }
  return diagnostics;
}

/**
 * `run PATH own` gives `PATH Px,`: the kernel runs the program under the profile attached to PATH, which
 * must be a service of the same tenant whose `exec` is exactly PATH (the same glob), so that the child
 * stays inside its tenant and the transition cannot fail or land in another tenant's profile.
 */
function checkRunTargets(tenants: readonly Tenant[]): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const tenant of tenants) {
    let execs: Set<string> | undefined;
    for (const workload of tenant.workloads) {
      for (const resource of workload.resources) {
        if (resource.kind !== "run" || resource.run !== "own") continue;
        execs ??= new Set(tenant.workloads.flatMap((w) => (w.kind === "service" && w.exec !== undefined ? [globKey(w.exec.glob)] : [])));
        if (execs.has(globKey(resource.path.glob))) continue;
        diagnostics.push(
          diagnostic("MOAT226", resource.path.span, { path: JSON.stringify(resource.path.text), tenant: tenant.name }, {
            hint: `declare the program as a service of tenant ${tenant.name} (service NAME { exec ${JSON.stringify(resource.path.text)} … }), or run it with inherit`,
          }),
        );
      }
    }
  }
  return diagnostics;
}
