/**
 * `moat install`, the pure part: from the verified output folder and a view of the host, what to write
 * into /etc/apparmor.d and what stops the install. The grants file says which grant is whose; each
 * grant is resolved on the host (resolve-grants.ts), isolation is proved again on what the host resolved
 * (reprove.ts, device-checks.ts), the services' binaries are checked (exec-check.ts), and each profile
 * gets its installed text (profile-text.ts). No file is written here: src/cli/ does that, and only when
 * this finds no error.
 */
import { diagnostic, hasErrors, sortDiagnostics, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Source } from "../source.js";
import { BlockGraph } from "./block-devices.js";
import { checkBlocks, checkIommu, grantedBlocks, type PciClaim } from "./device-checks.js";
import { resolveDevices } from "./host-devices.js";
import { checkExecs } from "./exec-check.js";
import { NOVA_FRAGMENT_DIR } from "../emit/nova-fragments.js";
import { GRANTS_PATH, parseGrantsModel, type GrantsModel, type InstallProfile } from "./grants-model.js";
import { Resolver, type HostView } from "./host-view.js";
import { sha256 } from "./installed-record.js";
import { LocationBook } from "./locations.js";
import type { WantedFile } from "./plan-changes.js";
import { installedText } from "./profile-text.js";
import { describeGrant, reproveResolved } from "./reprove.js";
import { resolveGrants, type ResolvedRule } from "./resolve-grants.js";

export interface InstallInput {
  /** The output folder's files (verified against its manifest), by path relative to it. */
  readonly files: ReadonlyMap<string, string>;
  readonly host: HostView;
  /** A path or exec missing on the host is an error, not a warning. */
  readonly strict: boolean;
  /** More devices claimed by PCI address than the grants file's `pci` items (tests stage claims with it). */
  readonly pciClaims?: (model: GrantsModel) => readonly PciClaim[];
}

export interface ResolvedReport {
  readonly profile: string;
  readonly path: string;
  readonly node: string;
}

export interface StaticLabelVm {
  readonly domain: string;
  readonly uuid: string;
  readonly label: string;
  readonly tenant: string;
  readonly seclabel: string;
}

export interface InstallPlan {
  readonly model?: GrantsModel;
  readonly wanted: readonly WantedFile[];
  readonly resolved: readonly ResolvedReport[];
  readonly vms: readonly StaticLabelVm[];
  readonly diagnostics: readonly Diagnostic[];
  /** Stand-in sources for the policy files diagnostics point at (locations.ts). */
  readonly sources: readonly Source[];
}

function failed(diagnostics: Diagnostic[], sources: readonly Source[] = []): InstallPlan {
  return { wanted: [], resolved: [], vms: [], diagnostics: sortDiagnostics(diagnostics), sources };
}

export function planInstall(input: InstallInput): InstallPlan {
  const grantsText = input.files.get(GRANTS_PATH);
  if (grantsText === undefined) return failed([diagnostic("MOAT507", undefined, { detail: `the output folder has no ${GRANTS_PATH}` })]);
  const parsed = parseGrantsModel(grantsText);
  if ("error" in parsed) return failed([diagnostic("MOAT507", undefined, { detail: `${parsed.error}; nothing was installed` })]);
  const model = parsed.model;

  const consistency: Diagnostic[] = [];
  const profilePaths = new Set(model.profiles.map((p) => p.path));
  for (const p of model.profiles) {
    if (!input.files.has(p.path)) consistency.push(diagnostic("MOAT507", undefined, { detail: `${GRANTS_PATH} names ${p.path}, which the output folder does not hold` }));
    if (p.seclabel !== undefined && !input.files.has(p.seclabel)) consistency.push(diagnostic("MOAT507", undefined, { detail: `${GRANTS_PATH} names ${p.seclabel}, which the output folder does not hold` }));
    if (p.fileName !== p.profile) consistency.push(diagnostic("MOAT507", undefined, { detail: `${p.path} holds profile ${p.profile}: moat names each profile file after its profile` }));
  }
  for (const path of input.files.keys()) {
    // The Nova fragments are rule files, not profiles: install --nova places them (docs/nova.md).
    if (path.startsWith(`${NOVA_FRAGMENT_DIR}/`)) continue;
    if (path.startsWith("apparmor.d/") && !profilePaths.has(path)) consistency.push(diagnostic("MOAT507", undefined, { detail: `${path} is not in ${GRANTS_PATH}: install cannot tell whose it is` }));
  }
  if (consistency.length > 0) return failed(consistency);

  const book = new LocationBook();
  for (const p of model.profiles) {
    book.add(p);
    if (p.exec !== undefined) book.add(p.exec);
    for (const g of p.grants) book.add(g);
    for (const d of p.devices) book.add(d);
  }
  for (const x of [...model.protect, ...model.shared]) book.add(x);

  const resolver = new Resolver(input.host);
  const byPath = resolveGrants(model.profiles, resolver);
  const devices = resolveDevices(model.profiles, resolver);
  const resolution = { rules: [...byPath.rules, ...devices.rules], hostPaths: [...byPath.hostPaths, ...devices.hostPaths], missing: [...byPath.missing, ...devices.missing] };
  const diagnostics: Diagnostic[] = [];
  const missing = (at: Parameters<LocationBook["span"]>[0], grant: string, detail: string): void => {
    const d = diagnostic("MOAT505", book.span(at), { grant, detail }, {
      hint: input.strict ? "make it exist on the host before installing, or drop --strict to install anyway" : "the grant matches nothing on this host until it exists (--strict makes this an error)",
    });
    diagnostics.push(input.strict ? { ...d, severity: "error" } : d);
  };
  for (const m of resolution.missing) {
    missing(m.ref.grant, describeGrant(m.ref), m.path === m.ref.grant.text || m.ref.grant.device !== undefined ? m.reason : `${JSON.stringify(m.path)}: ${m.reason}`);
  }

  diagnostics.push(...reproveResolved(model, resolution.rules, book));
  const graph = new BlockGraph(resolver);
  const blocks = grantedBlocks(resolution.hostPaths, graph, resolver);
  diagnostics.push(...checkBlocks(blocks, graph, book));
  diagnostics.push(...checkIommu(resolution.hostPaths, [...devices.pciClaims, ...(input.pciClaims?.(model) ?? [])], blocks, graph, resolver, book));
  diagnostics.push(...checkExecs(model.profiles, resolver, book, (at, workload, detail) => missing(at, `exec of ${workload}`, detail)));

  // A container's profile has no rules for its storage: the container reaches it through its mounts,
  // where paths are the container's own. Its host paths are checked above; nothing is added to it.
  const added = resolution.rules.filter((r) => r.ref.profile.kind !== "container");
  const byProfile = new Map<InstallProfile, ResolvedRule[]>();
  for (const r of added) byProfile.set(r.ref.profile, [...(byProfile.get(r.ref.profile) ?? []), r]);
  const wanted: WantedFile[] = [];
  for (const p of model.profiles) {
    const text = installedText(input.files.get(p.path)!, byProfile.get(p) ?? []);
    if (text === undefined) {
      diagnostics.push(diagnostic("MOAT507", undefined, { detail: `${p.path} does not end as moat's profiles do ("}" on its last line); nothing was installed` }));
      continue;
    }
    wanted.push({ name: p.fileName, text, sha256: sha256(text), profiles: [p.profile] });
  }
  const resolved = added
    .map((r) => ({ profile: r.ref.profile.profile, path: r.path, node: r.node }))
    .sort((a, b) => (a.profile < b.profile ? -1 : a.profile > b.profile ? 1 : a.path < b.path ? -1 : a.path > b.path ? 1 : a.node < b.node ? -1 : a.node > b.node ? 1 : 0))
    .filter((r, i, all) => i === 0 || JSON.stringify(r) !== JSON.stringify(all[i - 1]));
  const vms = model.profiles
    .filter((p) => p.kind === "vm")
    .map((p) => ({ domain: p.workload, uuid: p.uuid!, label: p.profile, tenant: p.tenant, seclabel: input.files.get(p.seclabel!)! }));
  const sorted = sortDiagnostics(diagnostics);
  return { model, wanted: hasErrors(sorted) ? [] : wanted, resolved, vms, diagnostics: sorted, sources: book.sources() };
}
