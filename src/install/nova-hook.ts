/**
 * `moat nova-hook` as a pure function (docs/nova.md): libvirt's qemu hook arguments, the domain XML and
 * the compiled moat-nova.json in; what to do out. Only `prepare begin` does anything; every other
 * operation is `ignore`, whatever its input. On `prepare begin` a Nova domain (no static seclabel)
 * gets the profile `libvirt-<uuid>` that libvirt then keeps byte for byte: libvirt's abstraction, the
 * tenant's fragment (or the unassigned one), libvirt's `.files` include, and the deny rules of every
 * other instance's folder (nova-instance-denies.ts). Anything the hook cannot vouch for is refused,
 * and nothing is written then: the start fails, and Nova reschedules.
 */
import { PROJECT_ID } from "../model/nova.js";
import { aaFileRule } from "../emit/apparmor-text.js";
import { INSTANCE_DENY_PERMS, otherInstanceGlobs, plainInstancesDir } from "./nova-instance-denies.js";
import { readDomain } from "./nova-domain.js";

export const NOVA_HOOK_NAME = "moat nova-hook";
/** The first line of every profile the hook places: how `install --nova` tells its own files from others. */
export const PLACED_MARK = "# moat nova-hook: placed";
const UUID_ANY_CASE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const TENANT_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const INCLUDE_NAME = /^moat\/nova\/(tenant\.[A-Za-z][A-Za-z0-9_-]{0,63}|unassigned)$/;

/** moat-nova.json as the hook trusts it: every field checked (emit/nova-fragments.ts writes it). */
export interface NovaHookModel {
  readonly version: string;
  readonly instances: string;
  readonly unknownProject: "refuse" | "unassigned";
  readonly projects: ReadonlyMap<string, string>;
  readonly fragments: ReadonlyMap<string, string>;
  readonly unassigned: string;
}

/** Reads moat-nova.json, or says why it cannot be trusted. */
export function readNovaModel(text: string): NovaHookModel | { readonly error: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { error: "moat-nova.json is not JSON" };
  }
  const o = raw as Record<string, unknown> | null;
  if (o === null || typeof o !== "object" || o["format"] !== 1) return { error: "moat-nova.json is not format 1" };
  const { version, instances, unknownProject, projects, fragments, unassigned } = o;
  if (typeof version !== "string" || typeof instances !== "string" || !plainInstancesDir(instances)) return { error: "moat-nova.json has no plain instances folder" };
  if (unknownProject !== "refuse" && unknownProject !== "unassigned") return { error: "moat-nova.json has no unknownProject" };
  if (typeof unassigned !== "string" || !INCLUDE_NAME.test(unassigned)) return { error: "moat-nova.json has no unassigned fragment" };
  const byProject = new Map<string, string>();
  const byTenant = new Map<string, string>();
  if (projects === null || typeof projects !== "object" || fragments === null || typeof fragments !== "object") return { error: "moat-nova.json has no projects" };
  for (const [tenant, include] of Object.entries(fragments as Record<string, unknown>)) {
    if (!TENANT_NAME.test(tenant) || include !== `moat/nova/tenant.${tenant}`) return { error: `moat-nova.json: fragment of ${JSON.stringify(tenant)} is malformed` };
    byTenant.set(tenant, include);
  }
  for (const [project, tenant] of Object.entries(projects as Record<string, unknown>)) {
    if (!PROJECT_ID.test(project) || typeof tenant !== "string" || !byTenant.has(tenant)) return { error: `moat-nova.json: project ${JSON.stringify(project)} is malformed` };
    byProject.set(project, tenant);
  }
  return { version, instances, unknownProject, projects: byProject, fragments: byTenant, unassigned };
}

export type HookDecision =
  /** Exit 0, write nothing, print nothing. */
  | { readonly kind: "ignore" }
  /** Exit 0, write nothing: not a domain the hook labels (a static or no seclabel). */
  | { readonly kind: "leave" }
  /** Exit 1, write nothing, say why on stderr (libvirt logs it). */
  | { readonly kind: "refuse"; readonly message: string }
  /** Write `file` (relative to the root) with `content`, exit 0. */
  | { readonly kind: "place"; readonly file: string; readonly content: string; readonly uuid: string };

/** Whether the hook acts on this operation at all: libvirt's `prepare begin`. */
export function isPrepareBegin(args: readonly string[]): boolean {
  return args[1] === "prepare" && args[2] === "begin";
}

/** The file libvirt reads an instance's profile from (relative to the root). */
export function instanceProfileFile(uuid: string): string {
  return `etc/apparmor.d/libvirt/libvirt-${uuid}`;
}

/** What the hook does for `prepare begin` with `domainXml` on stdin; `model` is moat-nova.json read, or why not. */
export function decidePrepare(args: readonly string[], domainXml: string, model: NovaHookModel | { readonly error: string }): HookDecision {
  const refuse = (why: string): HookDecision => refusal(args, why);
  const domain = readDomain(domainXml);
  if (domain.kind === "refused") return refuse(domain.reason);
  if (domain.notDynamic) return { kind: "leave" };
  if (domain.uuid === undefined || !UUID_ANY_CASE.test(domain.uuid)) return refuse("its <uuid> is missing or not 8-4-4-4-12 hexadecimal digits");
  const uuid = domain.uuid.toLowerCase();
  if ("error" in model) return refuse(`${model.error} (run moat install --nova)`);
  if (domain.projects.length > 1) return refuse("its Nova metadata names more than one project");
  const project = domain.projects[0];
  if (project !== undefined && !PROJECT_ID.test(project)) return refuse("its <nova:project uuid> is not a Keystone project ID (1 to 64 of [A-Za-z0-9_-])");
  const tenant = project === undefined ? undefined : model.projects.get(project);
  let include: string;
  let owner: string;
  if (tenant !== undefined) {
    include = model.fragments.get(tenant)!;
    owner = `project ${project}, tenant ${tenant}`;
  } else if (model.unknownProject === "unassigned") {
    include = model.unassigned;
    owner = project === undefined ? "no Nova project, unassigned" : `project ${project}, claimed by no tenant: unassigned`;
  } else {
    return refuse(
      project === undefined
        ? "it has no Nova project metadata, and the policy says unknown-project refuse"
        : `project ${project} is claimed by no tenant of the policy, and the policy says unknown-project refuse`,
    );
  }
  return { kind: "place", file: instanceProfileFile(uuid), content: instanceProfile(uuid, owner, include, model), uuid };
}

/** A refusal to start the domain libvirt named in `args`, saying why. */
export function refusal(args: readonly string[], why: string): HookDecision & { kind: "refuse" } {
  return { kind: "refuse", message: `${NOVA_HOOK_NAME}: refusing to start domain ${printable(args[0] ?? "")}: ${why}` };
}

/** The profile text; every value in it has been checked against a strict pattern above. */
function instanceProfile(uuid: string, owner: string, include: string, model: NovaHookModel): string {
  const denies = otherInstanceGlobs(model.instances, uuid).map((g) => `  ${aaFileRule(true, g, INSTANCE_DENY_PERMS)},`);
  return [
    PLACED_MARK,
    `# Nova instance ${uuid} (${owner}); moat ${model.version}. Kept by libvirt byte for byte: do not edit.`,
    "abi <abi/3.0>,",
    "",
    "include <tunables/global>",
    "",
    `profile libvirt-${uuid} flags=(attach_disconnected) {`,
    "  include <abstractions/libvirt-qemu>",
    `  include <${include}>`,
    `  include <libvirt/libvirt-${uuid}.files>`,
    "",
    `  # every other Nova instance's folder under ${model.instances}`,
    ...denies,
    "}",
    "",
  ].join("\n");
}

/** A domain name as it may be shown in a message: printable ASCII, at most 80 characters. */
function printable(name: string): string {
  const clean = name.replace(/[^\x21-\x7e]/g, "?");
  return clean.length > 80 ? `${clean.slice(0, 80)}…` : clean;
}
