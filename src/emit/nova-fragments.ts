/**
 * The Nova outputs (docs/nova.md): per tenant with projects, `apparmor.d/moat/nova/tenant.<tenant>`, a
 * rule fragment with the tenant's direct grants, a deny for every other tenant's declared resources
 * and the protected set; `apparmor.d/moat/nova/unassigned`, the denies alone; and moat-nova.json, what
 * `moat nova-hook` reads to place an instance's profile (grammar/nova.schema.json).
 *
 * The denies are what keeps an instance from another tenant's resources even when libvirt's generated
 * `.files` grants them (a disk Nova attached): in AppArmor a deny wins over any allow. Left out are
 * host-shared devices (every VM's, owned by nobody: check/grants.ts), a `shared` glob that lists the
 * tenant (read-only for everyone: only writing it is denied), reads and runs (they own nothing), a
 * vm's implied rules (libvirt's per-domain files, which the instance's own `.files` never names), and
 * abstract sockets (no path).
 */
import type { Glob } from "../glob/ast.js";
import { covers } from "../glob/covers.js";
import { isHostShared } from "../check/grants.js";
import { globToText } from "../glob/text.js";
import type { FileRule } from "../model/grant-table.js";
import type { Model, Resource, Tenant } from "../model/types.js";
import { checkedWorkloads } from "../model/types.js";
import { relativeToRoot } from "../model/compilation-root.js";
import { aaGlobBody } from "./apparmor-text.js";
import type { OutputFile } from "./output-file.js";
import { abstractions, grants } from "./profile-views.js";
import { renderNovaFragment, type NovaFragmentView } from "./templates.js";

/** Where the fragments go in the output folder; `install --nova` puts them under /etc/apparmor.d/moat/nova/. */
export const NOVA_FRAGMENT_DIR = "apparmor.d/moat/nova";
export const NOVA_UNASSIGNED = "unassigned";
export const NOVA_MODEL_PATH = "moat-nova.json";
/** Bumped when moat-nova.json's shape changes incompatibly. */
export const NOVA_FORMAT = 1;

/** Every permission a file rule may deny, as the protected block denies them. */
const DENY_ALL = "rwlkmx";
/** What a `shared … ro` path that lists the tenant still denies: it is read-only for everyone. */
const DENY_WRITE = "wl";

/** The fragment's file name for a tenant (`tenant.acme`) or the unassigned one. */
export function fragmentName(tenant: string | undefined): string {
  return tenant === undefined ? NOVA_UNASSIGNED : `tenant.${tenant}`;
}

/** A declared resource of `owner` that an instance of `tenant` (undefined: unassigned) is denied, with what it is denied. */
function denyOf(model: Model, resource: Resource, tenant: string | undefined): string | undefined {
  if (resource.namespace !== "path" || resource.kind === "implied" || resource.kind === "read" || resource.kind === "run" || isHostShared(resource)) return undefined;
  if (tenant === undefined) return DENY_ALL;
  const sharedWith = model.shared.some(
    (s) => s.tenants.some((t) => t.name === tenant) && covers(s.path.glob, resource.path.glob, { kernelPaths: true }) === true,
  );
  return sharedWith ? DENY_WRITE : DENY_ALL;
}

/** The deny rules of a fragment: every other tenant's declared resources, one per distinct glob, sorted. */
function otherTenantsDenies(model: Model, tenant: string | undefined): FileRule[] {
  const byKey = new Map<string, FileRule>();
  for (const other of model.tenants) {
    if (other.name === tenant) continue;
    for (const workload of checkedWorkloads(other)) {
      for (const resource of workload.resources) {
        const perms = denyOf(model, resource, tenant);
        if (perms === undefined) continue;
        const key = aaGlobBody(resource.path.glob);
        const before = byKey.get(key);
        if (before === undefined || (before.perms !== DENY_ALL && perms === DENY_ALL)) byKey.set(key, { deny: true, glob: resource.path.glob, perms });
      }
    }
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, rule]) => rule);
}

function fragmentView(model: Model, tenant: Tenant | undefined, version: string, denies: readonly Glob[]): NovaFragmentView {
  const instances = tenant?.instances;
  const projects = (tenant?.projects ?? []).map((p) => p.name);
  return {
    version,
    source: relativeToRoot(model.root, tenant?.spans[0]?.file ?? model.nova?.span?.file ?? model.sources[0]?.path ?? model.root),
    title:
      tenant === undefined
        ? "Nova instances of projects no tenant claims (unknown-project unassigned)"
        : `Nova instances of tenant ${tenant.name}: projects ${projects.join(", ")}`,
    abstractions: instances === undefined ? [] : abstractions(instances),
    grants: instances === undefined ? [] : grants(model, instances),
    others: otherTenantsDenies(model, tenant?.name),
    denies,
  };
}

/** moat-nova.json: the host settings, each project's tenant and each tenant's fragment. */
export interface NovaModelFile {
  readonly format: number;
  readonly version: string;
  readonly instances: string;
  readonly unknownProject: "refuse" | "unassigned";
  /** Project ID -> tenant name, sorted by ID. */
  readonly projects: Readonly<Record<string, string>>;
  /** Tenant name (or `unassigned`'s key, absent here) -> the include name of its fragment (`moat/nova/tenant.acme`). */
  readonly fragments: Readonly<Record<string, string>>;
  readonly unassigned: string;
}

/** The include name of a fragment, as the hook writes it: `include <moat/nova/tenant.acme>`. */
export function fragmentInclude(tenant: string | undefined): string {
  return `moat/nova/${fragmentName(tenant)}`;
}

/** The Nova outputs of a model with a Nova host; none otherwise. */
export function novaOutputs(model: Model, version: string, denies: readonly Glob[]): OutputFile[] {
  const host = model.nova;
  if (host === undefined) return [];
  const out: OutputFile[] = [];
  const projects: Record<string, string> = {};
  const fragments: Record<string, string> = {};
  for (const tenant of model.tenants) {
    if (tenant.projects === undefined) continue;
    out.push({ path: `${NOVA_FRAGMENT_DIR}/${fragmentName(tenant.name)}`, content: renderNovaFragment(fragmentView(model, tenant, version, denies)) });
    for (const project of tenant.projects) projects[project.name] = tenant.name;
    fragments[tenant.name] = fragmentInclude(tenant.name);
  }
  out.push({ path: `${NOVA_FRAGMENT_DIR}/${NOVA_UNASSIGNED}`, content: renderNovaFragment(fragmentView(model, undefined, version, denies)) });
  const sortedProjects = Object.fromEntries(Object.entries(projects).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const file: NovaModelFile = {
    format: NOVA_FORMAT,
    version,
    instances: host.instances,
    unknownProject: host.unknownProject,
    projects: sortedProjects,
    fragments,
    unassigned: fragmentInclude(undefined),
  };
  out.push({ path: NOVA_MODEL_PATH, content: JSON.stringify(file, null, 2) + "\n" });
  return out;
}

/** For tests and messages: a rule's glob as the policy writes it. */
export function ruleText(rule: FileRule): string {
  return `deny ${globToText(rule.glob)} ${rule.perms}`;
}
