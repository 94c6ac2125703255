/**
 * Model -> the views the profile templates render. This is where the grant table lives:
 * which AppArmor rules each kind of resource becomes. Order is fixed here too, so that a profile's
 * bytes depend on the policy only, never on the order in which files, tenants or items arrived.
 */
import type { Glob } from "../glob/ast.js";
import { fromBytes } from "../glob/bytes.js";
import { literalPrefix } from "../glob/text.js";
import { relativeToRoot } from "../model/compilation-root.js";
import { ABSTRACT_SOCKET_RULES, fileRules, type FileRule, type UnixRule } from "../model/grant-table.js";
import { impliedRank } from "../model/implied.js";
import { BUILTIN_PROTECTED_GLOBS } from "../model/protected.js";
import { hostDeviceText, lxcName, type Model, type Resource, type Workload } from "../model/types.js";
import { getLocation, type Source } from "../source.js";
import { aaGlobBody } from "./apparmor-text.js";
import type { ContainerProfileView, GrantView, LxcConfView, ProfileView } from "./templates.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The profile (and seclabel label) of a vm: libvirt's AppArmor driver names it after the uuid. */
function vmProfileName(vm: Workload): string {
  const uuid = vm.uuid?.toLowerCase();
  if (uuid === undefined || !UUID.test(uuid)) throw new Error(`internal: vm ${vm.name} has no valid uuid`);
  return `libvirt-${uuid}`;
}

/** The profile of a service or a container: `moat.<tenant>.<name>`. */
function serviceProfileName(service: Workload): string {
  return `moat.${service.tenant}.${service.name}`;
}

interface FileIndex {
  readonly display: string;
  readonly source: Source | undefined;
}

/** Per model: each source path's display name and Source, so that a grant's location is a map lookup. */
const fileIndexes = new WeakMap<Model, Map<string, FileIndex>>();

function fileIndex(model: Model, file: string): FileIndex {
  let byPath = fileIndexes.get(model);
  if (byPath === undefined) {
    byPath = new Map();
    // Filled from the sources at once: finding each file's Source by a scan was quadratic in files.
    for (const source of model.sources) {
      if (!byPath.has(source.path)) byPath.set(source.path, { display: relativeToRoot(model.root, source.path), source });
    }
    fileIndexes.set(model, byPath);
  }
  let entry = byPath.get(file);
  if (entry === undefined) {
    entry = { display: relativeToRoot(model.root, file), source: undefined };
    byPath.set(file, entry);
  }
  return entry;
}

/** `file:line` of a workload item, relative to the compilation root. */
function where(model: Model, span: { file: string; start: number }): string {
  const { display, source } = fileIndex(model, span.file);
  return source === undefined ? display : `${display}:${getLocation(source, span.start).line}`;
}

function grantView(workload: Workload, resource: Resource, at: string): GrantView {
  let title: string;
  if (resource.item !== undefined) {
    title = `${resource.item}${resource.item === "share" ? ` ${resource.access}` : ""} (${at})`;
  } else if (resource.kind === "implied") {
    title = `${resource.note ?? "rule"}: implied by libvirt for domain ${workload.name} (${at})`;
  } else if (resource.kind === "socket" || resource.kind === "read") {
    title = `${resource.kind} (${at})`;
  } else if (resource.kind === "run") {
    title = `run ${resource.run ?? "inherit"} (${at})`;
  } else {
    title = `${resource.kind} ${resource.access} (${at})`;
  }
  const abstract = resource.namespace === "abstract";
  if (abstract && resource.kind !== "socket") throw new Error("internal: only sockets have abstract names");
  const glob = resource.path.glob;
  const rules: (FileRule | UnixRule)[] = abstract ? ABSTRACT_SOCKET_RULES.map((r) => ({ ...r, glob })) : fileRules(resource);
  return { title, rules };
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Declared grants in source order (file, then position), then a vm's implied ones in the order of
 * libvirt's table (model/implied.ts impliedRank, virt-aa-helper's order). No two declared grants share
 * a position, and the implied ones share the vm's, so the order depends neither on the order in which
 * resources arrive nor on the vm's name.
 */
export function grants(model: Model, workload: Workload): GrantView[] {
  const resources = [...workload.resources].sort((a, b) => {
    const sa = a.path.span;
    const sb = b.path.span;
    return (
      Number(a.kind === "implied") - Number(b.kind === "implied") ||
      compareStrings(sa.file, sb.file) ||
      sa.start - sb.start ||
      (a.kind === "implied" && b.kind === "implied" ? impliedRank(a.note) - impliedRank(b.note) : 0)
    );
  });
  const views: GrantView[] = [];
  // A vm's six implied rules share one span: its location is looked up once.
  let lastSpan: Resource["path"]["span"] | undefined;
  let lastAt = "";
  for (const r of resources) {
    const span = r.path.span;
    if (span !== lastSpan) {
      lastSpan = span;
      lastAt = where(model, span);
    }
    views.push(grantView(workload, r, lastAt));
  }
  return views;
}

const BUILTIN_DENIES: readonly Glob[] = BUILTIN_PROTECTED_GLOBS.map((p) => p.glob);

/**
 * The built-in protected paths in their documented order, then the policy's own, sorted; no repeats.
 * Frozen: every profile shares this list, and the templates render its block once (templates.ts).
 */
export function protectedDenies(model: Model): readonly Glob[] {
  const seen = new Set<string>();
  const out: Glob[] = [];
  const add = (glob: Glob): void => {
    const key = aaGlobBody(glob);
    if (seen.has(key)) return;
    seen.add(key);
    out.push(glob);
  };
  BUILTIN_DENIES.forEach(add);
  [...model.protect]
    .map((p) => ({ glob: p.glob, key: aaGlobBody(p.glob) }))
    .sort((a, b) => compareStrings(a.key, b.key))
    .forEach((p) => add(p.glob));
  return Object.freeze(out);
}

const NONE: readonly string[] = Object.freeze([]);

export function abstractions(workload: Workload): readonly string[] {
  if (workload.abstractions.length === 0) return NONE;
  return [...new Set(workload.abstractions.map((a) => a.name))].sort(compareStrings);
}

/**
 * The flags=() lists, by kind and mode, shared by every profile. A container's are those of LXC's own
 * container profiles: attach_disconnected (paths outside the container's mount namespace) and
 * mediate_deleted (files deleted while open).
 */
const FLAGS = {
  vm: { enforce: Object.freeze(["attach_disconnected"]), complain: Object.freeze(["attach_disconnected", "complain"]) },
  service: { enforce: NONE, complain: Object.freeze(["complain"]) },
  container: {
    enforce: Object.freeze(["attach_disconnected", "mediate_deleted"]),
    complain: Object.freeze(["attach_disconnected", "mediate_deleted", "complain"]),
  },
} as const;

/**
 * A service's capability and network rules, each a grant of its own under a comment naming its line,
 * ahead of the path grants: sorted by name (family, then type, every type first), so that their place
 * in the profile does not depend on where the items are written (the JSON form writes them elsewhere).
 */
function kernelGrants(model: Model, workload: Workload): GrantView[] {
  const views: GrantView[] = [];
  const capabilities = [...(workload.capabilities ?? [])].sort((a, b) => compareStrings(a.name, b.name));
  for (const c of capabilities) views.push({ title: `capability (${where(model, c.span)})`, rules: [{ capability: c.name }] });
  const networks = [...(workload.networks ?? [])].sort((a, b) => compareStrings(a.family, b.family) || compareStrings(a.type ?? "", b.type ?? ""));
  for (const n of networks) views.push({ title: `network (${where(model, n.span)})`, rules: [{ family: n.family, type: n.type ?? null }] });
  return views;
}

export function profileView(model: Model, workload: Workload, version: string, denies: readonly Glob[]): ProfileView {
  if (workload.kind === "container") throw new Error(`internal: container ${workload.name} has a profile of its own kind`);
  const vm = workload.kind === "vm";
  const flags = FLAGS[vm ? "vm" : "service"][workload.mode === "complain" ? "complain" : "enforce"];
  const pathGrants = grants(model, workload);
  if (workload.hostDevices !== undefined) pathGrants.push(...hostDeviceViews(model, workload));
  return {
    version,
    source: fileIndex(model, workload.span.file).display,
    tenant: workload.tenant,
    workload: workload.name,
    name: vm ? vmProfileName(workload) : serviceProfileName(workload),
    exec: vm ? null : (workload.exec?.glob ?? null),
    flags,
    abstractions: abstractions(workload),
    grants: workload.capabilities === undefined && workload.networks === undefined ? pathGrants : [...kernelGrants(model, workload), ...pathGrants],
    denies,
  };
}

/**
 * A vm's `pci`, `usb` and `scsi` items: a comment each and no rule. Their node (`/dev/vfio/N`,
 * `/dev/bus/usb/BBB/DDD`, `/dev/sgN`) is only known on the host; `moat install` adds its rule there
 * from moat-grants.json (install/host-devices.ts).
 */
function hostDeviceViews(model: Model, workload: Workload): GrantView[] {
  return (workload.hostDevices ?? []).map((d) => ({ title: `${hostDeviceText(d)} (${where(model, d.span)}): its node is granted by moat install on the host`, rules: [] }));
}

/** The folders of kernel interfaces: one object in every mount namespace, unlike host files. */
const KERNEL_FOLDERS = ["/proc/", "/sys/", "/dev/"];
const containerDenyLists = new WeakMap<readonly Glob[], readonly Glob[]>();

/**
 * The protected globs a container's profile denies: those under /proc, /sys and /dev (the kernel's
 * interfaces, the same objects whatever the mount namespace), in the order of `denies`. The rest name
 * host files: inside a container, whose paths are its own, `/etc/shadow` or `/root/**` would be the
 * container's own files (its package scripts write one, Ansible works in the other), and the host's are
 * not in its view. Its host-side storage is where the host's protected paths are guarded: the
 * protected-paths rule refuses a container volume that reaches one. Frozen and computed once per list.
 */
export function containerDenies(denies: readonly Glob[]): readonly Glob[] {
  let out = containerDenyLists.get(denies);
  if (out === undefined) {
    out = Object.freeze(denies.filter((glob) => KERNEL_FOLDERS.some((folder) => fromBytes(literalPrefix(glob)).startsWith(folder))));
    containerDenyLists.set(denies, out);
  }
  return out;
}

/** A container's profile: its name, its flags, its host-side storage as comments, the kernel denies. */
export function containerProfileView(model: Model, container: Workload, version: string, denies: readonly Glob[]): ContainerProfileView {
  if (container.kind !== "container") throw new Error(`internal: ${container.kind} ${container.name} is not a container`);
  return {
    version,
    source: fileIndex(model, container.span.file).display,
    tenant: container.tenant,
    workload: container.name,
    lxc: lxcName(container),
    name: serviceProfileName(container),
    flags: FLAGS.container[container.mode === "complain" ? "complain" : "enforce"],
    storage: container.resources.map((r) => `${r.kind} ${r.access} ${r.path.text} (${where(model, r.path.span)})`),
    denies: containerDenies(denies),
  };
}

/** A container's LXC config lines: the profile it runs under, and no nesting. */
export function lxcConfView(model: Model, container: Workload, version: string): LxcConfView {
  return {
    version,
    source: fileIndex(model, container.span.file).display,
    tenant: container.tenant,
    workload: container.name,
    lxc: lxcName(container),
    profile: serviceProfileName(container),
  };
}
