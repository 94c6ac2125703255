/**
 * The rules libvirt's virt-aa-helper adds to every QEMU domain's profile for the domain itself. A moat
 * VM profile replaces the one virt-aa-helper would write, so it must hold them too, or QEMU cannot
 * write its log, open its monitor or pid file, or accept an incoming migration. They are the VM's
 * grants like any other, so the isolation rules see two tenants' VMs clash through them.
 *
 * The strings are those of Debian bookworm's libvirt 9.0.0, confirmed by running its virt-aa-helper in
 * dry-run mode (`virt-aa-helper -d -r -u libvirt-UUID < domain.xml`) on a minimal QEMU domain:
 *
 *   "/var/log/libvirt/**\/NAME.log" w,
 *   "/var/lib/libvirt/qemu/domain-NAME/monitor.sock" rw,
 *   "/var/lib/libvirt/qemu/domain--1-SHORT/*" rw,
 *   "/run/libvirt/**\/NAME.pid" rwk,
 *   "/run/libvirt/**\/*.tunnelmigrate.dest.NAME" rw,
 *   "/dev/vhost-net" rw,
 */
import type { Span } from "../source.js";
import type { Resource } from "./types.js";
import type { MemoryKind } from "../syntax/ast.js";
import type { Glob, GlobPart } from "../glob/ast.js";
import { toBytes } from "../glob/bytes.js";
import { parseGlob } from "../glob/parse.js";

/**
 * libvirt's per-domain directory is named by virDomainDefGetShortName(): `<id>-<name>` with the name
 * cut to VIR_DOMAIN_SHORT_NAME_MAX (20) characters. The cut is by characters for a multibyte name, and
 * moat's names are ASCII, so it is the first 20 bytes: two VMs whose names share their first 20
 * characters share this directory, and the isolation checks report it, as they should.
 */
const SHORT_NAME_MAX = 20;

/**
 * The domain id is only known while the domain runs (virt-aa-helper writes `-1` in a dry run). libvirt
 * formats it with %d: one to ten digits for a running domain. AppArmor globs cannot say "one or more
 * digits", and the tempting `domain-[0-9]*-NAME` is wrong for isolation: its `*` can take a `-` and
 * more, so vm `web` would also reach `domain-3-acme-web/`, the directory of vm `acme-web`. A digit
 * followed by nested optional digits (`[0-9]{,[0-9]{,...}}`, up to ten) is exact; since names start
 * with a letter, the id and the name cannot trade characters.
 */
const DOMAIN_ID_GLOB = "[0-9]" + "{,[0-9]".repeat(9) + "}".repeat(9);

interface ImpliedRule {
  /**
   * The glob source before and after the domain's name (full or short), which is inserted with its
   * glob characters escaped; a rule without a name is `before` alone.
   */
  readonly before: string;
  readonly name?: "full" | "short";
  readonly after?: string;
  readonly perms: string;
  readonly note: string;
}

const RULES: readonly ImpliedRule[] = [
  { before: "/var/log/libvirt/**/", name: "full", after: ".log", perms: "w", note: "libvirt log" },
  { before: "/var/lib/libvirt/qemu/domain-", name: "full", after: "/monitor.sock", perms: "rw", note: "libvirt monitor socket" },
  {
    before: `/var/lib/libvirt/qemu/domain-${DOMAIN_ID_GLOB}-`,
    name: "short",
    after: "/*",
    perms: "rw",
    note: "libvirt per-domain directory",
  },
  { before: "/run/libvirt/**/", name: "full", after: ".pid", perms: "rwk", note: "libvirt pid file" },
  { before: "/run/libvirt/**/*.tunnelmigrate.dest.", name: "full", after: "", perms: "rw", note: "libvirt migration tunnel" },
  { before: "/dev/vhost-net", perms: "rw", note: "vhost-net device" },
];

/**
 * A rule's glob with the name left out, parsed once: a fleet has thousands of VMs, and parsing six globs
 * for each was most of the model phase. A name inserted escaped parses to one literal of its bytes,
 * joined to the literals on either side of it, so the glob is `head`, one literal `before` + name +
 * `after`, then `tail`: what parseGlob would give for the whole text.
 */
interface Template {
  readonly head: readonly GlobPart[];
  readonly before: string;
  readonly after: string;
  readonly tail: readonly GlobPart[];
}

function parsedParts(source: string): GlobPart[] {
  const parsed = parseGlob(source);
  if (!parsed.ok) throw new Error(`implied rule piece ${source} does not parse: ${parsed.reason}`);
  return [...parsed.glob.parts];
}

function template(rule: ImpliedRule): Template {
  const head = parsedParts(rule.before);
  const tail = parsedParts(rule.after ?? "");
  const last = head[head.length - 1];
  const first = tail[0];
  const before = last?.kind === "literal" ? (head.pop(), last.bytes) : "";
  const after = first?.kind === "literal" ? (tail.shift(), first.bytes) : "";
  return { head, before, after, tail };
}

const TEMPLATES: readonly Template[] = RULES.map(template);

const RANKS: ReadonlyMap<string, number> = new Map(RULES.map((rule, i) => [rule.note, i]));

/**
 * Where an implied rule (by its note) stands among a vm's six: the order of the table above, which is
 * virt-aa-helper's. Profiles list them so, whatever order they reach the emitter in.
 */
export function impliedRank(note: string | undefined): number {
  return RANKS.get(note ?? "") ?? RULES.length;
}
/** Globs are immutable, so a rule without a name shares one Glob between VMs. */
const CONSTANT: readonly (Glob | undefined)[] = RULES.map((rule) => (rule.name === undefined ? { parts: parsedParts(rule.before) } : undefined));

/** Makes every glob character of a name literal (names are grammar-restricted; this keeps it so). */
function globLiteral(text: string): string {
  return /[*?{}[\],\\"]/.test(text) ? text.replace(/[*?{}[\],\\"]/g, (c) => "\\" + c) : text;
}

function ruleGlob(t: Template, nameBytes: string): Glob {
  const bytes = t.before + nameBytes + t.after;
  // Filled by index at its exact size: the model keeps it to the end of the compile, and an array grown
  // by push keeps room for 17 elements (concat, exact too, is slow with an object argument).
  const parts: GlobPart[] = new Array<GlobPart>(t.head.length + (bytes === "" ? 0 : 1) + t.tail.length);
  let k = 0;
  for (const part of t.head) parts[k++] = part;
  if (bytes !== "") parts[k++] = { kind: "literal", bytes };
  for (const part of t.tail) parts[k++] = part;
  return { parts };
}

/**
 * The per-domain memory folders libvirt makes at start (qemuProcessBuildDestroyMemoryPaths): for
 * `hugepages` the hugetlbfs mount's `libvirt/qemu/<id>-SHORT` (Debian's mount is /dev/hugepages), for
 * `memory-backing` memory_backing_dir's (`/var/lib/libvirt/qemu/ram/<id>-SHORT`). virt-aa-helper writes
 * no rule for them at start: libvirt's AppArmor driver adds each at run time (AppArmorSetPathLabel with
 * a subtree: `virt-aa-helper -r -F "DIR/{,**}"`, which the helper writes `rwk`). A moat profile is
 * loaded as it is, so it holds that rule from the start.
 */
const MEMORY_FOLDERS: Readonly<Record<MemoryKind, { readonly before: string; readonly note: string }>> = {
  hugepages: { before: "/dev/hugepages/libvirt/qemu/", note: "hugepages folder" },
  "memory-backing": { before: "/var/lib/libvirt/qemu/ram/", note: "memory backing folder" },
};

/** The rule of a `hugepages` or `memory-backing` item of vm `vmName`, at the item's `span`. */
export function memoryFolderResource(kind: MemoryKind, vmName: string, span: Span): Resource {
  const folder = MEMORY_FOLDERS[kind];
  const text = `${folder.before}${DOMAIN_ID_GLOB}-${globLiteral(vmName.slice(0, SHORT_NAME_MAX))}/{,**}`;
  const parsed = parseGlob(text);
  if (!parsed.ok) throw new Error(`internal: memory folder glob ${text} does not parse: ${parsed.reason}`);
  return { kind: "implied", access: "rw", namespace: "path", path: { text, glob: parsed.glob, span }, perms: "rwk", note: folder.note };
}

/** The rules virt-aa-helper would add for domain `vmName`, as the vm's own (implied) grants at `span`. */
export function impliedVmResources(vmName: string, span: Span): Resource[] {
  const shortName = vmName.slice(0, SHORT_NAME_MAX);
  const name = globLiteral(vmName);
  const short = globLiteral(shortName);
  const nameBytes = toBytes(vmName);
  const shortBytes = shortName === vmName ? nameBytes : toBytes(shortName);
  return RULES.map((rule, i) => {
    const full = rule.name === "full";
    const text = rule.name === undefined ? rule.before : rule.before + (full ? name : short) + rule.after!;
    const glob = CONSTANT[i] ?? ruleGlob(TEMPLATES[i]!, full ? nameBytes : shortBytes);
    return {
      kind: "implied",
      // Every implied rule may write; "rw" is what the overlap rules need to know.
      access: "rw",
      namespace: "path",
      path: { text, glob, span },
      perms: rule.perms,
      note: rule.note,
    };
  });
}
