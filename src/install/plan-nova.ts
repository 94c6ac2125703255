/**
 * What `moat install --nova` and `moat uninstall` change on a Nova host (docs/nova.md), decided from a
 * view of the host's files: pure, so that tests run it on fake trees. Paths are relative to the root.
 *
 * install --nova: the hook (`etc/libvirt/hooks/qemu.d/50-moat`), its own profile, the line in
 * libvirtd's local override that makes libvirtd run the hook under that profile, the fragments under
 * `etc/apparmor.d/moat/nova/`, the copy of moat-nova.json the hook reads, and the fail-closed
 * `TEMPLATE.qemu` (the original kept beside moat's record). Instance profiles moat did not place are
 * removed for domains that are not running (they would bypass the hook); the running instances' placed
 * profiles are reloaded when a fragment changed. uninstall takes every one of those back.
 */
import { PLACED_MARK } from "./nova-hook.js";
import { INSTANCE_UUID } from "./nova-instance-denies.js";

export const HOOK_FILE = "etc/libvirt/hooks/qemu.d/50-moat";
export const HOOK_PROFILE_NAME = "moat.nova-hook";
export const HOOK_PROFILE_FILE = `etc/apparmor.d/${HOOK_PROFILE_NAME}`;
export const LIBVIRTD_LOCAL = "etc/apparmor.d/local/usr.sbin.libvirtd";
export const OVERRIDE_LINE = `/${HOOK_FILE} Pix -> ${HOOK_PROFILE_NAME},`;
export const FRAGMENT_DIR = "etc/apparmor.d/moat/nova";
export const COPY_DIR = "etc/moat/nova";
export const TEMPLATE_FILE = "etc/apparmor.d/libvirt/TEMPLATE.qemu";
export const TEMPLATE_ORIGINAL = "var/lib/moat/nova/TEMPLATE.qemu.orig";
export const LIBVIRT_PROFILES = "etc/apparmor.d/libvirt";
/** The include no file answers: a profile built from the template fails to load, so its VM does not start. */
export const FAIL_CLOSED_INCLUDE = "moat/nova/no-profile-placed-by-moat-nova-hook";
const FAIL_CLOSED_MARK = "# moat install --nova: fail closed.";

export interface NovaHostFiles {
  /** Every regular file the plan may touch, by path relative to the root, with its text. */
  readonly files: ReadonlyMap<string, string>;
  /** The uuids of the running domains (`virsh list --uuid`). */
  readonly running: ReadonlySet<string>;
  /** Whether the policy's instances folder is a symlink on the host. */
  readonly instancesIsLink: boolean;
}

export interface NovaWanted {
  /** moat-nova.json's text, as compile wrote it. */
  readonly model: string;
  readonly instances: string;
  /** Fragment file name (`tenant.acme`, `unassigned`) -> text. */
  readonly fragments: ReadonlyMap<string, string>;
  /** The hook's first line after `#!/bin/sh`: how it runs moat (`exec /usr/bin/node /usr/lib/moat/bin/moat.js`). */
  readonly command: string;
  /** The interpreter the hook's profile allows besides /bin/sh (node's real path). */
  readonly interpreter: string;
  /** The folder moat's own files are read from (its package). */
  readonly moatDir: string;
}

export type NovaChange = { readonly kind: "write"; readonly path: string; readonly content: string; readonly mode: number } | { readonly kind: "remove"; readonly path: string };

export interface NovaPlan {
  readonly changes: readonly NovaChange[];
  /** Profiles to load with apparmor_parser -r afterwards (the hook's, the running instances'). */
  readonly reload: readonly string[];
  /** Why nothing may be done, when something is wrong on the host. */
  readonly errors: readonly string[];
  readonly notes: readonly string[];
}

export function hookScript(command: string): string {
  return `#!/bin/sh\n# Installed by moat install --nova: libvirt's qemu hook (docs/nova.md). Do not edit.\n${command} nova-hook "$1" "$2" "$3" "$4" --from /${COPY_DIR}\n`;
}

export function hookProfile(w: NovaWanted): string {
  return [
    "# Installed by moat install --nova: the profile libvirtd runs its qemu hook under. Do not edit.",
    "abi <abi/3.0>,",
    "",
    "include <tunables/global>",
    "",
    `profile ${HOOK_PROFILE_NAME} /${HOOK_FILE} {`,
    "  include <abstractions/base>",
    `  "/${HOOK_FILE}" r,`,
    '  "/{usr/,}bin/{,da}sh" ix,',
    `  "${w.interpreter}" ix,`,
    `  "${w.moatDir}/**" r,`,
    `  "/${COPY_DIR}/**" r,`,
    `  "/${LIBVIRT_PROFILES}/" r,`,
    `  "/${LIBVIRT_PROFILES}/libvirt-[0-9a-f]*" rw,`,
    `  "/${LIBVIRT_PROFILES}/.libvirt-[0-9a-f]*" rw,`,
    "  /proc/sys/vm/overcommit_memory r,",
    "  owner @{PROC}/@{pid}/** r,",
    "}",
    "",
  ].join("\n");
}

export function failClosedTemplate(): string {
  return [
    `${FAIL_CLOSED_MARK} A Nova instance starts only under the profile moat nova-hook placed;`,
    "# a profile built from this template includes a file that does not exist, so it fails to load.",
    "# moat uninstall restores the original.",
    "include <tunables/global>",
    "",
    "profile LIBVIRT_TEMPLATE flags=(attach_disconnected) {",
    "  include <abstractions/libvirt-qemu>",
    `  include <${FAIL_CLOSED_INCLUDE}>`,
    "}",
    "",
  ].join("\n");
}

function withOverride(local: string | undefined): string {
  const lines = (local ?? "").split("\n").filter((l) => l !== "");
  if (lines.includes(OVERRIDE_LINE)) return local ?? "";
  return [...lines, OVERRIDE_LINE].join("\n") + "\n";
}

function withoutOverride(local: string): string {
  const lines = local.split("\n").filter((l) => l !== "" && l !== OVERRIDE_LINE);
  return lines.length === 0 ? "" : lines.join("\n") + "\n";
}

/** The instance profile files under libvirt's folder: `libvirt-<uuid>` (not `.files`), with their uuid. */
function instanceProfiles(files: ReadonlyMap<string, string>): { path: string; uuid: string; placed: boolean }[] {
  const out: { path: string; uuid: string; placed: boolean }[] = [];
  for (const [path, text] of files) {
    const m = /^etc\/apparmor\.d\/libvirt\/libvirt-(.+)$/.exec(path);
    if (m === null || !INSTANCE_UUID.test(m[1]!)) continue;
    out.push({ path, uuid: m[1]!, placed: text.startsWith(`${PLACED_MARK}\n`) });
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : 1));
}

export function planNovaInstall(host: NovaHostFiles, w: NovaWanted): NovaPlan {
  if (host.instancesIsLink) {
    return { changes: [], reload: [], errors: [`instances ${w.instances} is a symlink on this host: AppArmor matches resolved paths, so write the real folder in the policy's nova statement`], notes: [] };
  }
  const changes: NovaChange[] = [];
  const notes: string[] = [];
  const put = (path: string, content: string, mode = 0o644): boolean => {
    if (host.files.get(path) === content) return false;
    changes.push({ kind: "write", path, content, mode });
    return true;
  };
  put(HOOK_FILE, hookScript(w.command), 0o755);
  const hookChanged = put(HOOK_PROFILE_FILE, hookProfile(w));
  put(LIBVIRTD_LOCAL, withOverride(host.files.get(LIBVIRTD_LOCAL)));
  put(`${COPY_DIR}/moat-nova.json`, w.model);
  let fragmentChanged = false;
  for (const [name, text] of [...w.fragments].sort(([a], [b]) => (a < b ? -1 : 1))) fragmentChanged = put(`${FRAGMENT_DIR}/${name}`, text) || fragmentChanged;
  for (const path of host.files.keys()) {
    if (path.startsWith(`${FRAGMENT_DIR}/`) && !w.fragments.has(path.slice(FRAGMENT_DIR.length + 1))) {
      changes.push({ kind: "remove", path });
      fragmentChanged = true;
    }
  }
  // The template is a package conffile: an upgrade may put the original back, so every run checks it.
  const template = host.files.get(TEMPLATE_FILE);
  if (template !== undefined && !template.startsWith(FAIL_CLOSED_MARK)) {
    put(TEMPLATE_ORIGINAL, template);
    notes.push(`${TEMPLATE_FILE} was libvirt's: kept as ${TEMPLATE_ORIGINAL}, replaced by the fail-closed one`);
  }
  put(TEMPLATE_FILE, failClosedTemplate());
  const reload: string[] = [];
  if (hookChanged) reload.push(HOOK_PROFILE_FILE);
  for (const profile of instanceProfiles(host.files)) {
    if (!profile.placed && !host.running.has(profile.uuid)) changes.push({ kind: "remove", path: profile.path });
    else if (!profile.placed) notes.push(`${profile.path} was not placed by moat nova-hook and its domain is running: it is removed once the domain stops and install runs again`);
    else if (fragmentChanged && host.running.has(profile.uuid)) reload.push(profile.path);
  }
  return { changes, reload, errors: [], notes };
}

export function planNovaUninstall(host: NovaHostFiles): NovaPlan {
  const changes: NovaChange[] = [];
  const notes: string[] = [];
  const remove = (path: string): void => {
    if (host.files.has(path)) changes.push({ kind: "remove", path });
  };
  remove(HOOK_FILE);
  remove(HOOK_PROFILE_FILE);
  const local = host.files.get(LIBVIRTD_LOCAL);
  if (local !== undefined && local.split("\n").includes(OVERRIDE_LINE)) changes.push({ kind: "write", path: LIBVIRTD_LOCAL, content: withoutOverride(local), mode: 0o644 });
  for (const path of host.files.keys()) if (path.startsWith(`${FRAGMENT_DIR}/`) || path.startsWith(`${COPY_DIR}/`)) changes.push({ kind: "remove", path });
  const original = host.files.get(TEMPLATE_ORIGINAL);
  if (original !== undefined) {
    changes.push({ kind: "write", path: TEMPLATE_FILE, content: original, mode: 0o644 });
    changes.push({ kind: "remove", path: TEMPLATE_ORIGINAL });
  }
  for (const profile of instanceProfiles(host.files)) {
    if (!profile.placed) continue;
    if (host.running.has(profile.uuid)) notes.push(`${profile.path} is kept while its domain runs; libvirt replaces it from the template at the domain's next start once it is removed`);
    else changes.push({ kind: "remove", path: profile.path });
  }
  return { changes: changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)), reload: [], errors: [], notes };
}
