/**
 * Model -> the views the profile templates render. This is where SPEC section 3's grant table lives:
 * which AppArmor rules each kind of resource becomes. Order is fixed here too, so that a profile's
 * bytes depend on the policy only, never on the order in which files, tenants or items arrived.
 */
import type { Glob } from "../glob/ast.js";
import { parseGlob } from "../glob/parse.js";
import { fromBytes } from "../glob/bytes.js";
import { literalPrefix } from "../glob/text.js";
import { BUILTIN_PROTECTED } from "../model/builtin.js";
import { lxcName, type Model, type Resource, type Workload } from "../model/types.js";
import { getLocation, type Source } from "../source.js";
import { relativeToRoot } from "../model/load-files.js";
import { aaGlobBody } from "./apparmor-text.js";
import type { ContainerProfileView, FileRuleView, GrantView, LxcConfView, ProfileView, RuleView, UnixRuleView } from "./templates.js";

/**
 * The rules owning an abstract socket `@NAME` gives (docs/security.md, "Unix sockets"): a socket at the
 * name may bind and listen, and accept, send and receive with unbound peers only (the clients that
 * connect to it); an unbound socket may connect, send and receive to the name. No rule lets a socket at
 * the name reach a peer at any other address, and none reaches another address from an unbound
 * socket: every permission that involves a peer carries a peer condition (templates.ts enforces it).
 * The parser's reading of these rules is shown in docs/security.md; test/emit/unix-peers.test.ts
 * checks it.
 */
export const ABSTRACT_SOCKET_RULES: readonly Omit<UnixRuleView, "glob">[] = Object.freeze([
  Object.freeze({ perms: Object.freeze(["bind", "listen"]), addr: "name", peer: null }),
  Object.freeze({ perms: Object.freeze(["accept", "send", "receive"]), addr: "name", peer: "none" }),
  Object.freeze({ perms: Object.freeze(["connect", "send", "receive"]), addr: "none", peer: "name" }),
] as const);

/**
 * What a socket bound at an owned abstract name may do, as moat explain reports it (SPEC section 1,
 * `socket`). The full rules, with their peer conditions and the client side's connect, are
 * ABSTRACT_SOCKET_RULES.
 */
export const ABSTRACT_SOCKET_PERMS: readonly string[] = ["bind", "listen", "accept", "send", "receive"];

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

/** The file rules a path resource becomes (exported for moat explain, which must agree with the profiles). */
export function fileRules(resource: Resource): FileRuleView[] {
  const glob = resource.path.glob;
  const allow = (perms: string): FileRuleView => ({ deny: false, glob, perms });
  switch (resource.kind) {
    case "volume":
      // QEMU locks read-only images too; the deny keeps refused writes out of the audit log, as libvirt does.
      return resource.access === "ro" ? [allow("rk"), { deny: true, glob, perms: "w" }] : [allow("rwk")];
    case "device":
      return [allow(resource.access === "ro" ? "r" : "rw")];
    case "socket":
      return [allow("rw")];
    case "read":
      return [allow("r")];
    case "run":
      // inherit: the child stays in this profile; own: it moves to the profile attached to the program,
      // a service of the same tenant (model/resolve.ts checkRunTargets). Never an unconfined mode.
      return [allow(resource.run === "own" ? "Px" : "ix")];
    case "implied":
      if (resource.perms === undefined) throw new Error("internal: an implied resource without permissions");
      return [allow(resource.perms)];
  }
}

function grantView(workload: Workload, resource: Resource, at: string): GrantView {
  let title: string;
  if (resource.kind === "implied") {
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
  const rules: (FileRuleView | UnixRuleView)[] = abstract ? ABSTRACT_SOCKET_RULES.map((r) => ({ ...r, glob })) : fileRules(resource);
  return { title, rules };
}

/** A rule's line for the sort key: its kind's own words, glob bodies as the profile writes them. */
function ruleKey(r: RuleView): string {
  if ("deny" in r) return `${r.deny ? "deny " : ""}${aaGlobBody(r.glob)} ${r.perms}\n`;
  if ("capability" in r) return `capability ${r.capability}\n`;
  if ("family" in r) return `network ${r.family} ${r.type ?? ""}\n`;
  return `unix ${r.addr} ${r.peer ?? "-"} @${aaGlobBody(r.glob)}\n`;
}

/** The last tie-breaker of the grant order: each rule's line, then the title, joined by newlines. */
function keyOf(view: GrantView): string {
  let key = "";
  for (const r of view.rules) key += ruleKey(r);
  return key + view.title;
}

/** The glob body a grant's key starts with when its first rule is an allowing file rule, else null. */
function leadingBody(view: GrantView): string | null {
  const first = view.rules[0];
  // An allowing file rule in first place starts its key with its glob body.
  return first !== undefined && "deny" in first && !first.deny ? aaGlobBody(first.glob) : null;
}

/**
 * Orders two grants' keys as compareStrings(keyOf(a), keyOf(b)) does, given their leading bodies. Nearly
 * every comparison is decided within those: the model lists a vm's implied rules in another order than
 * this one, so all six are sorted in every vm, and building their keys cost more than comparing them.
 */
function compareKeys(a: GrantView, b: GrantView, x: string | null, y: string | null): number {
  if (x !== null && y !== null) {
    const n = Math.min(x.length, y.length);
    for (let k = 0; k < n; k++) {
      const d = x.charCodeAt(k) - y.charCodeAt(k);
      if (d !== 0) return d < 0 ? -1 : 1;
    }
  }
  return compareStrings(keyOf(a), keyOf(b));
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Declared grants in source order (file, then position), then the implied ones; views and resources by
 * index, so that the usual, already sorted, list needs no object per grant to be checked.
 */
function grants(model: Model, workload: Workload): GrantView[] {
  const resources = workload.resources;
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
  // Each grant's leading body, looked up once however many comparisons it takes part in.
  const leading: (string | null | undefined)[] = [];
  const lead = (i: number): string | null => (leading[i] === undefined ? (leading[i] = leadingBody(views[i]!)) : leading[i]!);
  const compare = (i: number, j: number): number => {
    const a = resources[i]!;
    const b = resources[j]!;
    const sa = a.path.span;
    const sb = b.path.span;
    return (
      Number(a.kind === "implied") - Number(b.kind === "implied") ||
      (sa.file === sb.file ? 0 : compareStrings(sa.file, sb.file)) ||
      sa.start - sb.start ||
      compareKeys(views[i]!, views[j]!, lead(i), lead(j))
    );
  };
  // Resources mostly arrive in this order already (model/types.ts); a sorted list is left as it is,
  // which is what the stable sort would give.
  const n = views.length;
  let i = 1;
  while (i < n && compare(i - 1, i) <= 0) i++;
  if (i === n) return views;
  // The model lists a vm's implied rules, its last grants, in the reverse of their order here (for most
  // names), and the general sort below cost as much as building all the views. A sorted head followed
  // by a strictly descending tail is sorted by reversing the tail: the head is sorted up to i - 1, so
  // the tail starts there, and with no two of its grants equal the result is the stable sort's.
  const tail = i - 1;
  let descending = true;
  for (let j = i + 1; j < n && descending; j++) descending = compare(j - 1, j) > 0;
  if (descending && (tail === 0 || compare(tail - 1, n - 1) <= 0)) {
    const out = views.slice(0, tail);
    for (let j = n - 1; j >= tail; j--) out.push(views[j]!);
    return out;
  }
  return views
    .map((_, i) => i)
    .sort(compare)
    .map((i) => views[i]!);
}

function parseBuiltin(text: string): Glob {
  const parsed = parseGlob(text);
  if (!parsed.ok) throw new Error(`internal: built-in protected path ${text} does not parse: ${parsed.reason}`);
  return parsed.glob;
}

const BUILTIN_DENIES: readonly Glob[] = BUILTIN_PROTECTED.map(parseBuiltin);

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

function abstractions(workload: Workload): readonly string[] {
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
