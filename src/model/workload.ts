/**
 * Resolves one `vm`, `service` or `container` block: which items each kind takes, which may be given
 * once, the uuid's and the LXC name's form, capability and network names, and every path. Cross-workload
 * checks (duplicate names, uuids and LXC names, `run … own` targets) are in resolve.ts.
 */
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Span } from "../source.js";
import type { HostDeviceItem, Identifier, Item, MemoryKind, WorkloadBlock, WorkloadKind } from "../syntax/ast.js";
import { canonicalAddress, canonicalUsbId, malformedAddress } from "./host-devices.js";
import type { LetScope } from "./lets.js";
import { checkedAbstractSocket, checkedPath, quote } from "./paths.js";
import { impliedVmResources, memoryFolderResource } from "./implied.js";
import {
  CAPABILITIES,
  CAPABILITY_NAMES,
  didYouMean,
  NETWORK_FAMILIES,
  NETWORK_FAMILY_NAMES,
  NETWORK_TYPE_NAMES,
  NETWORK_TYPES,
  type KernelName,
} from "./kernel-names.js";
import type { HostDevice, Mode, Named, NetworkRule, PathValue, Resource, Workload } from "./types.js";

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const UPPER_HEX = /[A-F]/;
const ABSTRACTION = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;
/**
 * An LXC container name as moat accepts it: what `lxc-create` accepts for the names OpenStack-Ansible
 * gives, narrowed to characters that need no quoting in the LXC config file (no '#', '=', blank or line
 * break) nor in a comment, at most 64 characters (a host name's limit, which LXC uses as the default
 * utsname).
 */
const LXC_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const LXC_NAME_MAX = 64;

/** Items that name one property of the workload rather than a grant. */
const SINGLE: Readonly<Partial<Record<Item["kind"], string>>> = { Uuid: "uuid", Exec: "exec", Mode: "mode", Lxc: "lxc" };
const ALL: readonly WorkloadKind[] = ["vm", "service", "container"];
/** The kinds of workload each item is allowed in. */
const ALLOWED_IN: Readonly<Record<Item["kind"], readonly WorkloadKind[]>> = {
  Uuid: ["vm"],
  Exec: ["service"],
  Lxc: ["container"],
  Volume: ALL,
  Device: ALL,
  Mode: ALL,
  Socket: ["vm", "service"],
  Abstraction: ["vm", "service"],
  Read: ["vm", "service"],
  Run: ["service"],
  Capability: ["service"],
  Network: ["service"],
  VmFile: ["vm"],
  Share: ["vm"],
  Memory: ["vm"],
  HostDevice: ["vm"],
};
/** Why an item a kind does not take has no place there, where that is worth saying. */
const WHY_NOT: Readonly<Partial<Record<WorkloadKind, string>>> = {
  container:
    "inside a container, lxc/container-base already allows all file access, capabilities and network (paths there are the container's own); a container declares its LXC name and its host-side storage (volume, device)",
  vm: "a vm's profile includes abstractions/libvirt-qemu, which grants QEMU the programs, capabilities and sockets it needs; run, capability and network are for services",
};

export function resolveWorkload(tenant: string, block: WorkloadBlock, lets: LetScope, diagnostics: Diagnostic[]): Workload {
  const kind = block.workloadKind.value;
  const name = block.name.name;
  const seen: { [K in Item["kind"]]?: Span } = {}; // a single item's first span; a plain object costs less than a Map per workload
  const resources: Resource[] = [];
  const abstractions: Named[] = [];
  let uuid: string | undefined;
  let exec: PathValue | undefined;
  let mode: Mode = "enforce";

  const capabilities: Named[] = [];
  const networks: NetworkRule[] = [];
  let lxc: Named | undefined;
  const memory: MemoryKind[] = [];
  const memoryResources: Resource[] = [];
  const hostDevices: HostDevice[] = [];

  let grants = 0; // counted on the items written, so that a grant refused for its own error does not also draw MOAT220
  for (const item of block.items) {
    if (GRANTS.has(item.kind)) grants++;
    const single = SINGLE[item.kind];
    if (!ALLOWED_IN[item.kind].includes(kind)) {
      const why = item.kind === "Uuid" || item.kind === "Exec" ? undefined : WHY_NOT[kind];
      diagnostics.push(diagnostic("MOAT210", item.span, { item: single ?? itemWord(item), kind }, why === undefined ? {} : { hint: why }));
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
      case "Read": {
        const text = lets.resolve(item.path);
        const path = text === undefined ? undefined : checkedPath(text, item.path.span, diagnostics);
        if (path !== undefined) resources.push({ kind: "read", access: "ro", namespace: "path", path });
        break;
      }
      case "Run": {
        const text = lets.resolve(item.path);
        const path = text === undefined ? undefined : checkedPath(text, item.path.span, diagnostics);
        if (path !== undefined) resources.push({ kind: "run", access: "ro", namespace: "path", path, run: item.mode.value });
        break;
      }
      case "Lxc": {
        const text = lets.resolve(item.value);
        if (text === undefined) break;
        const problem = lxcNameProblem(text);
        if (problem !== undefined) diagnostics.push(diagnostic("MOAT223", item.value.span, { name: quote(text), reason: problem }));
        else lxc = { name: text, span: item.value.span };
        break;
      }
      case "Capability":
        for (const name of item.names) {
          if (!known(name, CAPABILITY_NAMES, CAPABILITIES, "MOAT224", {}, diagnostics)) continue;
          if (!capabilities.some((c) => c.name === name.name)) capabilities.push({ name: name.name, span: name.span });
        }
        break;
      case "VmFile": {
        const text = lets.resolve(item.path);
        const path = text === undefined ? undefined : checkedPath(text, item.path.span, diagnostics);
        if (path === undefined) break;
        const what = item.item.value;
        const read = what === "firmware" || what === "kernel" || what === "initrd" || what === "dtb";
        resources.push({ kind: read ? "read" : what === "serial" ? "device" : "volume", access: read ? "ro" : "rw", namespace: "path", path, item: what });
        break;
      }
      case "Share": {
        const written = lets.resolve(item.path);
        // DIR and DIR/ are one folder: the rules are DIR/ and DIR/**.
        const text = written !== undefined && written.length > 1 && written.endsWith("/") ? written.slice(0, -1) : written;
        const dir = text === undefined ? undefined : checkedPath(text, item.path.span, diagnostics);
        if (dir === undefined) break;
        const inFolder = (suffix: string): PathValue | undefined => checkedPath(text + suffix, item.path.span, diagnostics);
        const self = inFolder("/");
        const tree = inFolder("/**");
        const both = inFolder("/{,**}");
        if (self === undefined || tree === undefined || both === undefined) break;
        resources.push({ kind: "volume", access: item.access.value, namespace: "path", path: { ...both, text: dir.text }, item: "share", share: { dir: self.glob, tree: tree.glob } });
        break;
      }
      case "Memory":
        if (memory.includes(item.value.value)) break; // the same folder twice is one rule
        memory.push(item.value.value);
        memoryResources.push(memoryFolderResource(item.value.value, name, item.span));
        break;
      case "HostDevice": {
        const device = hostDevice(item, lets, diagnostics);
        if (device !== undefined) hostDevices.push(device);
        break;
      }
      case "Network": {
        const family = known(item.family, NETWORK_FAMILY_NAMES, NETWORK_FAMILIES, "MOAT225", { what: "family" }, diagnostics);
        const type = item.type === undefined || known(item.type, NETWORK_TYPE_NAMES, NETWORK_TYPES, "MOAT225", { what: "type" }, diagnostics);
        if (!family || !type) break;
        const rule: NetworkRule = item.type === undefined ? { family: item.family.name, span: item.span } : { family: item.family.name, type: item.type.name, span: item.span };
        if (!networks.some((n) => n.family === rule.family && n.type === rule.type)) networks.push(rule);
        break;
      }
    }
  }

  if (kind === "vm" && uuid === undefined && seen.Uuid === undefined) {
    diagnostics.push(diagnostic("MOAT209", block.name.span, { name }));
  }
  // A VM is never empty: its profile carries libvirt's rules for the domain itself, and a VM booted from
  // the network (PXE, an iSCSI root the guest mounts) needs no grant of its own.
  if (grants === 0 && kind !== "vm") diagnostics.push(diagnostic("MOAT220", block.name.span, { kind, name }));

  const workload: { -readonly [K in keyof Workload]: Workload[K] } = {
    kind,
    tenant,
    name,
    span: block.name.span,
    mode,
    // Exact sizes: an array grown by push keeps room for 17 or more elements, and the model lives to the end.
    abstractions: abstractions.length === 0 ? abstractions : abstractions.slice(),
    // A vm's implied rules follow its declared resources.
    resources: kind === "vm" ? resources.concat(memoryResources, impliedVmResources(name, block.name.span)) : resources.slice(),
  };
  if (uuid !== undefined) workload.uuid = uuid;
  if (exec !== undefined) workload.exec = exec;
  if (seen.Mode !== undefined) workload.modeSpan = seen.Mode;
  if (lxc !== undefined) workload.lxc = lxc;
  if (capabilities.length > 0) workload.capabilities = capabilities.slice();
  if (networks.length > 0) workload.networks = networks.slice();
  if (memory.length > 0) workload.memory = memory.slice();
  if (hostDevices.length > 0) workload.hostDevices = hostDevices.slice();
  return workload;
}

/** How an item is named in messages: its keyword (`volume`, `firmware`, `pci`). */
function itemWord(item: Item): string {
  switch (item.kind) {
    case "VmFile":
      return item.item.value;
    case "Share":
      return "share";
    case "Memory":
      return item.value.value;
    case "HostDevice":
      return item.bus.value;
    default:
      return item.kind.toLowerCase();
  }
}

/** A `pci`, `usb` or `scsi` item with its address checked (host-devices.ts), or undefined when it is malformed. */
function hostDevice(item: HostDeviceItem, lets: LetScope, diagnostics: Diagnostic[]): HostDevice | undefined {
  const bus = item.bus.value;
  if (item.address !== undefined) {
    const text = lets.resolve(item.address);
    if (text === undefined) return undefined;
    const address = canonicalAddress(bus, text);
    if (address === undefined) {
      malformedAddress(bus, `${bus} address`, text, item.address.span, diagnostics);
      return undefined;
    }
    return { bus, address, span: item.span };
  }
  const ids: string[] = [];
  for (const [what, literal] of [["vendor", item.vendor], ["product", item.product]] as const) {
    const text = literal === undefined ? undefined : lets.resolve(literal);
    if (literal === undefined || text === undefined) return undefined;
    const id = canonicalUsbId(text);
    if (id === undefined) {
      malformedAddress("usb-id", `usb ${what} id`, text, literal.span, diagnostics);
      return undefined;
    }
    ids.push(id);
  }
  return { bus, vendor: ids[0]!, product: ids[1]!, span: item.span };
}

/** The items that grant something: a service or container with none of them draws MOAT220. */
const GRANTS: ReadonlySet<Item["kind"]> = new Set<Item["kind"]>(["Volume", "Device", "Socket", "Read", "Run", "Capability", "Network", "VmFile", "Share", "Memory", "HostDevice"]);

/** Why `text` cannot name an LXC container, or undefined when it can. */
export function lxcNameProblem(text: string): string | undefined {
  if (text.length > LXC_NAME_MAX) return `it is ${text.length} characters long; at most ${LXC_NAME_MAX} are allowed`;
  if (!LXC_NAME.test(text)) return "a name starts with a letter or digit and holds only letters, digits, '.', '_' and '-'";
  return undefined;
}

/** Whether `name` is in the table; reports it (with the nearest known name) when it is not. */
function known(
  name: Identifier,
  names: ReadonlySet<string>,
  table: readonly KernelName[],
  code: "MOAT224" | "MOAT225",
  params: Readonly<Record<string, string>>,
  diagnostics: Diagnostic[],
): boolean {
  if (names.has(name.name)) return true;
  const near = didYouMean(name.name, table);
  const hint =
    code === "MOAT224"
      ? "capabilities are written as AppArmor writes them, lower case without CAP_ (net_admin, sys_ptrace); docs/language.md lists Linux's 41"
      : "families are AppArmor's (inet, inet6, unix, netlink, packet, …) and types stream, dgram, seqpacket, raw, rdm or packet; docs/language.md lists them";
  diagnostics.push(diagnostic(code, name.span, { ...params, name: name.name, suggestion: near === undefined ? "" : `; did you mean ${near}?` }, { hint }));
  return false;
}
