/**
 * One libvirt domain document -> one vm: its name, uuid and tenant, and an item for every element that
 * gives QEMU a host path (devices.ts). Invariant: every attribute or text of the domain that holds a host
 * path is either read by a mapping or reported (MOAT703, naming its element); nothing is dropped
 * silently. A domain that cannot be a vm (its name is no moat name, no uuid, no tenant) is MOAT702.
 */
import type { Element } from "@xmldom/xmldom";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Source } from "../source.js";
import { IDENTIFIER_MAX_LENGTH } from "../syntax/limits.js";
import { IDENTIFIER, keywordTokens } from "../syntax/tokens.js";
import { DomainReader, mapChardev, mapDisk, mapFilesystem, mapGraphics, mapHostdev, mapInput, mapInterface, mapMemoryDevice, mapRng, mapShmem, mapTpm } from "./devices.js";
import { commentSafe, shown, type ImportItem } from "./items.js";
import { attr, childElement, childElements, parseXml, XmlSpans } from "./xml.js";

/** Nova's instance metadata namespace (nova/virt/libvirt/config.py). */
export const NOVA_NAMESPACE = "http://openstack.org/xmlns/libvirt/nova/1.1";

export interface ImportedDomain {
  readonly name: string;
  readonly uuid: string;
  readonly tenant: string;
  /** Nova's project, when the tenant was taken from it: its id and the name Nova recorded. */
  readonly project?: { readonly id: string; readonly name: string };
  readonly items: readonly ImportItem[];
  readonly source: string;
}

export interface ImportOptions {
  /** The tenant of every domain, instead of Nova's project. */
  readonly tenant?: string;
}

const NAME = new RegExp(`^${IDENTIFIER.source}$`);
const KEYWORDS = new Set(keywordTokens.map((t) => (t.LABEL ?? "").slice(1, -1)));
const UUID = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;

/** Why `name` cannot name a tenant or workload, or undefined when it can. */
export function nameProblem(name: string): string | undefined {
  if (!NAME.test(name)) return "a moat name is a letter followed by letters, digits, '_' or '-'";
  if (name.length > IDENTIFIER_MAX_LENGTH) return `a moat name has at most ${IDENTIFIER_MAX_LENGTH} characters`;
  if (KEYWORDS.has(name)) return `${name} is a keyword of the policy language`;
  return undefined;
}

/** Elements whose content is no host path QEMU opens: free text, another program's metadata, the guest's side of a device. */
const NOT_CONFIGURATION = new Set(["metadata", "description", "title", "seclabel", "target"]);

export function importDomain(source: Source, options: ImportOptions): { readonly domain?: ImportedDomain; readonly diagnostics: Diagnostic[] } {
  const parsed = parseXml(source.text);
  const whole = { file: source.path, start: 0, end: 0 };
  if ("problem" in parsed) return { diagnostics: [diagnostic("MOAT701", whole, { detail: parsed.problem })] };
  const root = parsed.doc.documentElement!;
  const spans = new XmlSpans(source);
  if (root.localName !== "domain" || root.namespaceURI !== null) {
    return { diagnostics: [diagnostic("MOAT701", spans.of(root), { detail: `the root element is <${root.tagName}>, not <domain>` })] };
  }
  const name = childElement(root, "name")?.textContent?.trim() ?? "";
  const refuse = (detail: string, at: Element = root): { diagnostics: Diagnostic[] } => ({
    diagnostics: [diagnostic("MOAT702", spans.of(at), { name: name === "" ? "(unnamed)" : shown(name), detail })],
  });
  const nameIssue = nameProblem(name);
  if (nameIssue !== undefined) return refuse(`its name is no moat vm name (${nameIssue}); rename the domain or write its vm by hand`, childElement(root, "name") ?? root);
  const uuidElement = childElement(root, "uuid");
  const uuidText = uuidElement?.textContent?.trim() ?? "";
  if (!UUID.test(uuidText)) return refuse(uuidText === "" ? "it has no <uuid>: a vm's profile is named after it" : `its uuid ${shown(uuidText)} is not a UUID`, uuidElement ?? root);
  const uuid = canonicalUuid(uuidText);

  const project = novaProject(root);
  let tenant = options.tenant;
  if (tenant === undefined) {
    if (project === undefined) return refuse("it has no Nova project metadata (<nova:owner><nova:project uuid=…>): give its tenant with --tenant NAME");
    const candidate = `project-${project.id}`;
    // Keystone ids are 1-64 of [A-Za-z0-9_-] (the policy's `project` item takes no other).
    const issue = /^[A-Za-z0-9_-]{1,64}$/.test(project.id) ? nameProblem(candidate) : "a project id is 1 to 64 letters, digits, '_' or '-'";
    if (issue !== undefined) return refuse(`its Nova project id ${shown(project.id)} does not make a tenant name (${issue}): give its tenant with --tenant NAME`, project.element);
    tenant = candidate;
  }

  const r = new DomainReader(name, uuid);
  mapOs(r, root);
  const backing = childElement(root, "memoryBacking");
  if (childElement(backing, "hugepages") !== undefined) r.add({ kind: "hugepages", note: "memoryBacking hugepages" });
  if (attr(childElement(backing, "source"), "type") === "file") r.add({ kind: "memory-backing", note: "memoryBacking source file" });
  // fw_cfg blobs QEMU reads and hands to the guest (Ignition configs, SMBIOS tables).
  for (const sysinfo of childElements(root, "sysinfo")) {
    for (const entry of childElements(sysinfo, "entry")) r.path(entry, r.take(entry, "file"), (glob) => ({ kind: "read", glob, note: `sysinfo ${commentSafe(attr(entry, "name") ?? "")}`.trim() }));
  }
  const devices = childElement(root, "devices");
  for (const device of devices === undefined ? [] : childElements(devices)) mapDevice(r, device);
  for (const e of childElements(root)) reportUnread(r, e);
  for (const e of foreignElements(root)) {
    if (e.localName === "commandline" || e.localName === "capabilities" || e.localName === "override") {
      r.warn(e, "it passes options to QEMU that moat import cannot read: review what they open and add items for it");
    }
  }
  const diagnostics = r.warnings.map((w) => diagnostic("MOAT703", spans.of(w.element), { element: `<${w.element.tagName}>`, detail: w.detail }));
  return {
    domain: { name, uuid, tenant, ...(project === undefined || options.tenant !== undefined ? {} : { project: { id: project.id, name: project.name } }), items: r.items, source: source.path },
    diagnostics,
  };
}

function canonicalUuid(text: string): string {
  const hex = text.replace(/-/g, "").toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function novaProject(root: Element): { id: string; name: string; element: Element } | undefined {
  const metadata = childElement(root, "metadata");
  if (metadata === undefined) return undefined;
  const projects = metadata.getElementsByTagNameNS(NOVA_NAMESPACE, "project");
  for (let i = 0; i < projects.length; i++) {
    const p = projects.item(i)!;
    const parent = p.parentNode as Element | null;
    if (parent?.localName !== "owner" || parent.namespaceURI !== NOVA_NAMESPACE) continue;
    const id = p.getAttribute("uuid");
    if (id === null || id === "") continue;
    return { id, name: commentSafe(p.textContent?.trim() ?? ""), element: p };
  }
  return undefined;
}

function mapOs(r: DomainReader, root: Element): void {
  const os = childElement(root, "os");
  if (os === undefined) return;
  const loader = childElement(os, "loader");
  r.path(loader ?? os, r.takeText(loader), (glob) => ({ kind: "firmware", glob, note: "os loader" }));
  const nvram = childElement(os, "nvram");
  // The template is copied by libvirtd when it creates the nvram file; QEMU never opens it.
  r.take(nvram, "template");
  if (nvram !== undefined) {
    const type = attr(nvram, "type");
    if (type === undefined || type === "file") r.path(nvram, r.takeText(nvram) ?? r.take(childElement(nvram, "source"), "file"), (glob) => ({ kind: "nvram", glob, note: "os nvram" }));
    else if (type === "block") r.path(nvram, r.take(childElement(nvram, "source"), "dev"), (glob) => ({ kind: "nvram", glob, note: "os nvram" }));
  }
  for (const kind of ["kernel", "initrd", "dtb"] as const) {
    const e = childElement(os, kind);
    if (e !== undefined) r.path(e, r.takeText(e), (glob) => ({ kind, glob, note: `os ${kind}` }));
  }
  for (const table of childElements(childElement(os, "acpi") ?? os, "table")) {
    r.path(table, r.takeText(table), (glob) => ({ kind: "read", glob, note: `os acpi table ${commentSafe(attr(table, "type") ?? "")}`.trim() }));
  }
}

function mapDevice(r: DomainReader, device: Element): void {
  switch (device.localName) {
    case "disk":
      return mapDisk(r, device);
    case "filesystem":
      return mapFilesystem(r, device);
    case "hostdev":
      return mapHostdev(r, device);
    case "serial":
    case "parallel":
    case "console":
    case "channel":
    case "redirdev":
    case "smartcard":
      return mapChardev(r, device, device.localName);
    case "interface":
      return mapInterface(r, device);
    case "tpm":
      return mapTpm(r, device);
    case "graphics":
      return mapGraphics(r, device);
    case "shmem":
      return mapShmem(r, device);
    case "memory":
      return mapMemoryDevice(r, device);
    case "input":
      return mapInput(r, device);
    case "rng":
      return mapRng(r, device);
    case "emulator":
      // QEMU itself: abstractions/libvirt-qemu lets it run.
      r.takeText(device);
      return;
    default:
    // controller, video, watchdog, memballoon…: no host path, or one reportUnread reports.
  }
}

/** MOAT703 for every attribute or text under `e` that holds a host path no mapping read. */
function reportUnread(r: DomainReader, e: Element): void {
  if (NOT_CONFIGURATION.has(e.localName ?? "") || e.namespaceURI !== null) return;
  const found: string[] = [];
  for (let i = 0; i < e.attributes.length; i++) {
    const a = e.attributes.item(i)!;
    const value = a.value ?? "";
    if (value.startsWith("/") && !r.isUsed(a)) found.push(`${a.name}=${shown(value)}`);
  }
  const own = ownText(e);
  if (own.startsWith("/") && !r.isUsed(e)) found.push(`text ${shown(own)}`);
  if (found.length > 0) r.warn(e, `it holds the host path ${found.join(", ")}, which moat import does not map`);
  for (const child of childElements(e)) reportUnread(r, child);
}

function ownText(e: Element): string {
  let text = "";
  for (let n = e.firstChild; n !== null; n = n.nextSibling) if (n.nodeType === 3 || n.nodeType === 4) text += n.nodeValue ?? "";
  return text.trim();
}

function foreignElements(root: Element): Element[] {
  const out: Element[] = [];
  for (let n = root.firstChild; n !== null; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).namespaceURI !== null) out.push(n as Element);
  }
  return out;
}
