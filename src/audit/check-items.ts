/**
 * Whether suggested items would pass moat's isolation checks: the very rules a compile runs
 * (check/rules.ts), on the compiled policy rebuilt from moat-grants.json with the items added to their
 * workloads. An item that would reach another tenant's path (under any name the rules see: an LVM
 * volume's other name, a glob that meets another's), a protected or host-critical path, or be
 * over-broad is refused with the compiler's own message, so a suggestion is never wider than the
 * compiler allows and never one that would stop the next compile. Items of two tenants that meet each
 * other are both refused.
 *
 * The grants file holds every path grant but not abstract sockets and `run` items, so the rules see
 * the file system side of the policy; capability and network items are not paths and are not checked.
 */
import { checkIsolation } from "../check/run-rules.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { parseGlob } from "../glob/parse.js";
import type { GrantsModel, InstallProfile } from "../install/grants-model.js";
import { LocationBook } from "../install/locations.js";
import type { Model, PathValue, Resource, Shared, Tenant, Workload } from "../model/types.js";
import type { Span } from "../source.js";
import type { IsoItem } from "./iso-line.js";

/** The stand-in file the suggested items are placed in, one a line. */
const SUGGESTED = "(suggested)";

export interface ItemToCheck {
  /** The profile of the workload the item is for. */
  readonly profile: string;
  readonly item: IsoItem;
}

export interface ItemCheck {
  /** The first error the rules give it: the item is refused. */
  readonly error?: Diagnostic;
  /** Warnings about it (MOAT303: another workload of its tenant writes there too). */
  readonly warnings: readonly Diagnostic[];
}

/** For each item, in order, what the rules say of it. */
export function checkItems(grants: GrantsModel, items: readonly ItemToCheck[]): ItemCheck[] {
  const book = new LocationBook();
  for (const p of grants.profiles) {
    book.add(p);
    if (p.exec !== undefined) book.add(p.exec);
    for (const g of p.grants) book.add(g);
  }
  for (const x of [...grants.protect, ...grants.shared]) book.add(x);
  const at = (loc: Parameters<LocationBook["span"]>[0]): Span => book.span(loc);

  // Each item on its own line of the stand-in file: its span's start says which item a finding is about.
  const spans: (Span | undefined)[] = [];
  const added = new Map<string, Resource[]>();
  let offset = 0;
  let text = "";
  for (const { profile, item } of items) {
    const glob = item.glob === undefined ? undefined : parseGlob(item.glob);
    if (glob === undefined || !glob.ok || item.kind === "capability" || item.kind === "network") {
      spans.push(undefined);
      continue;
    }
    const span = { file: SUGGESTED, start: offset, end: offset + item.glob!.length };
    text += `${item.glob}\n`;
    offset = text.length;
    spans.push(span);
    const resource: Resource = {
      kind: item.kind === "run" ? "run" : item.kind,
      access: item.access ?? (item.kind === "read" || item.kind === "run" ? "ro" : "rw"),
      namespace: "path",
      path: { text: item.glob!, glob: glob.glob, span },
      ...(item.kind === "run" ? { run: "inherit" as const } : {}),
    };
    added.set(profile, [...(added.get(profile) ?? []), resource]);
  }
  if (spans.every((s) => s === undefined)) return items.map(() => ({ warnings: [] }));

  const pathValue = (loc: { readonly text: string; readonly glob: PathValue["glob"] } & Parameters<LocationBook["span"]>[0]): PathValue => ({ text: loc.text, glob: loc.glob, span: at(loc) });
  const workload = (p: InstallProfile): Workload => ({
    kind: p.kind,
    tenant: p.tenant,
    name: p.workload,
    span: at(p),
    ...(p.uuid === undefined ? {} : { uuid: p.uuid }),
    ...(p.exec === undefined ? {} : { exec: pathValue(p.exec) }),
    mode: p.mode,
    abstractions: [],
    resources: [
      ...p.grants.map(
        (g): Resource => ({
          kind: g.kind,
          access: g.access,
          namespace: "path",
          path: pathValue(g),
          ...(g.kind === "implied" ? { perms: g.perms } : {}),
          ...(g.note === undefined ? {} : { note: g.note }),
        }),
      ),
      ...(added.get(p.profile) ?? []),
    ],
  });
  const byTenant = new Map<string, Workload[]>();
  for (const p of grants.profiles) byTenant.set(p.tenant, [...(byTenant.get(p.tenant) ?? []), workload(p)]);
  const tenants: Tenant[] = [...byTenant]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, workloads]) => ({ name, spans: workloads.map((w) => w.span), workloads: workloads.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) }));
  const shared: Shared[] = grants.shared.map((s) => ({ path: pathValue(s), tenants: s.tenants.map((t) => ({ name: t, span: at(s) })), span: at(s) }));
  const model: Model = {
    protect: grants.protect.map(pathValue),
    tenants,
    shared,
    sources: [...book.sources(), { path: SUGGESTED, text, hideText: true }],
    root: "",
  };

  const verdicts: { error?: Diagnostic; warnings: Diagnostic[] }[] = items.map(() => ({ warnings: [] }));
  const byStart = new Map<number, number>();
  spans.forEach((s, i) => {
    if (s !== undefined) byStart.set(s.start, i);
  });
  for (const d of checkIsolation(model)) {
    for (const span of [d.span, ...d.related.map((r) => r.span)]) {
      if (span?.file !== SUGGESTED) continue;
      const i = byStart.get(span.start);
      if (i === undefined) continue;
      if (d.severity === "warning") verdicts[i]!.warnings.push(d);
      else verdicts[i]!.error ??= d;
    }
  }
  return verdicts;
}
