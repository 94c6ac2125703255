/**
 * `moat import` as a pure function: libvirt domain documents -> the text of one `.iso` policy, one vm
 * per domain, the domains of a tenant in one tenant block, laid out as `moat fmt` lays it out. A domain
 * that cannot become a vm is left out with its MOAT702; anything of a domain that cannot be expressed is
 * a MOAT703 warning and the rest of the domain is still written. The text is returned even when every
 * domain was refused (then it holds only its header), so the caller decides what to write.
 */
import { sortDiagnostics, type Diagnostic } from "../diagnostics/diagnostic.js";
import { formatSource } from "../format/format-source.js";
import type { Source } from "../source.js";
import { importDomain, type ImportedDomain, type ImportOptions } from "./domain.js";
import { commentSafe, itemLine, type ImportItem } from "./items.js";

export { nameProblem, NOVA_NAMESPACE, type ImportedDomain, type ImportOptions } from "./domain.js";
export type { ImportItem } from "./items.js";

export interface ImportResult {
  /** The policy text; undefined when no domain could be imported. */
  readonly text?: string;
  readonly domains: readonly ImportedDomain[];
  readonly diagnostics: readonly Diagnostic[];
}

export function importDomains(sources: readonly Source[], options: ImportOptions = {}): ImportResult {
  const domains: ImportedDomain[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const source of sources) {
    const one = importDomain(source, options);
    diagnostics.push(...one.diagnostics);
    if (one.domain !== undefined) domains.push(one.domain);
  }
  if (domains.length === 0) return { domains, diagnostics: sortDiagnostics(diagnostics) };
  const raw = renderPolicy(domains);
  // moat fmt's layout; the text is already valid policy, so a failure here leaves it as rendered.
  const formatted = formatSource({ path: "import.iso", text: raw }).text;
  return { text: formatted ?? raw, domains, diagnostics: sortDiagnostics(diagnostics) };
}

/** The policy text of the domains: tenants in order of first appearance, each domain's items in document order. */
export function renderPolicy(domains: readonly ImportedDomain[]): string {
  const tenants = new Map<string, ImportedDomain[]>();
  for (const d of domains) tenants.set(d.tenant, [...(tenants.get(d.tenant) ?? []), d]);
  const out: string[] = [
    "# Written by moat import from libvirt domain XML. Review it before compiling: every device",
    "# QEMU opens on the host is an item below; what import could not express was reported (MOAT703).",
  ];
  for (const [tenant, members] of tenants) {
    out.push("", `tenant ${tenant} {`);
    const projects = [...new Map(members.flatMap((d) => (d.project === undefined ? [] : [[d.project.id, d.project] as const]))).values()];
    for (const p of projects) out.push(`  project "${p.id}"${p.name === "" ? "" : `  # Nova calls it ${p.name}`}`);
    members.forEach((d, i) => {
      if (i > 0) out.push("");
      out.push(`  vm ${d.name} {`, `    uuid "${d.uuid}"  # from ${commentSafe(d.source)}`);
      for (const item of mergeItems(d.items)) out.push(`    ${itemLine(item)}  # ${item.note}`);
      out.push("  }");
    });
    out.push("}");
  }
  return `${out.join("\n")}\n`;
}

/**
 * One item per line: the same path reached twice (a disk and its backing store, two serial ports on one
 * file) is written once, with the wider access and the first note.
 */
function mergeItems(items: readonly ImportItem[]): ImportItem[] {
  const out: ImportItem[] = [];
  const index = new Map<string, number>();
  for (const item of items) {
    const key = "glob" in item ? `${item.kind} ${item.glob}` : itemLine(item);
    const at = index.get(key);
    if (at === undefined) {
      index.set(key, out.length);
      out.push(item);
      continue;
    }
    const prior = out[at]!;
    if ("access" in prior && "access" in item && item.access === "rw" && prior.access === "ro") out[at] = { ...prior, access: "rw" };
  }
  return out;
}
