/**
 * What `moat audit` knows of the policy, from the compiled output folder alone (moat-grants.json, read
 * by install/grants-model.ts) and, on an installed host, the nodes install granted: which profile is
 * whose workload, and who owns a path. Ownership is decided as the isolation checks decide it: the
 * grants' globs matched by the glob engine (glob/match.ts), an LVM volume under both of its names
 * (check/lvm.ts), host-shared devices owned by nobody (model/builtin.ts), a `read` owning nothing.
 * Records arrive by the million, so paths are looked up through an index of the grants' literal
 * folders rather than tried against every grant.
 */
import { otherLvmName } from "../check/lvm.js";
import type { Glob } from "../glob/ast.js";
import { toBytes } from "../glob/bytes.js";
import { matchesPath } from "../glob/match.js";
import { parseGlob } from "../glob/parse.js";
import { literalBytes, literalPrefix } from "../glob/text.js";
import type { GrantsModel, InstallGrant, InstallProfile } from "../install/grants-model.js";
import { installedGrantName } from "../install/profile-text.js";
import { HOST_SHARED_DEVICES } from "../model/builtin.js";
import { BUILTIN_PROTECTED_GLOBS } from "../model/protected.js";
import type { InstalledNode } from "./installed-nodes.js";

/** A policy line: file relative to the compilation root, 1-based line. */
export interface PolicyLine {
  readonly file: string;
  readonly line: number;
}

export interface AuditWorkload extends PolicyLine {
  readonly profile: string;
  readonly tenant: string;
  readonly name: string;
  readonly kind: InstallProfile["kind"];
  readonly mode: InstallProfile["mode"];
  /** The grants file's entry, for the suggestion checks (suggest.ts). */
  readonly entry: InstallProfile;
}

/** A path some workload's profile reaches: a grant, the other name of an LVM grant, a node install resolved, or a service's exec. */
export interface PathEntry extends PolicyLine {
  readonly workload: AuditWorkload;
  /** A grant; absent for an exec. */
  readonly grant?: InstallGrant;
  /** As the policy writes it: `volume "/dev/vg0/web01" rw`, `exec "/opt/x"`, `libvirt log "/var/log/…"`. */
  readonly what: string;
  readonly glob: Glob;
  /** How the record's path comes to the grant: the node install resolved (`/dev/vg0/web01 -> /dev/dm-7`), the LVM alias. */
  readonly via?: string;
  /** Host-shared devices (/dev/kvm, /dev/null, …): granted, owned by nobody. */
  readonly hostShared: boolean;
}

export interface ProtectedEntry {
  readonly text: string;
  readonly glob: Glob;
  /** Why it is protected (the built-in table), or where the policy protects it. */
  readonly reason?: string;
  readonly at?: PolicyLine;
}

export interface SharedEntry extends PolicyLine {
  readonly text: string;
  readonly glob: Glob;
  readonly tenants: readonly string[];
}

export interface AuditPolicy {
  readonly grants: GrantsModel;
  readonly protect: readonly ProtectedEntry[];
  readonly shared: readonly SharedEntry[];
  workload(profile: string): AuditWorkload | undefined;
  /** Every entry whose glob matches `path` (a byte string), under its own name or an LVM volume's other name. */
  entriesFor(path: string): readonly PathEntry[];
}

/** The built-in protected paths, with their reasons: the table of model/builtin.ts, parsed once. */
const BUILTIN_PROTECTED: readonly ProtectedEntry[] = BUILTIN_PROTECTED_GLOBS.map((p) => ({ text: p.text, glob: p.glob, reason: p.reason ?? "" }));
const HOST_SHARED = new Set(HOST_SHARED_DEVICES.map(toBytes));

/** A grant as the policy writes it: `volume "/x" rw`, `read "/etc/x"`, `socket "/run/x"`; an implied rule by what it is for. */
export function grantText(grant: InstallGrant): string {
  const path = JSON.stringify(grant.text);
  if (grant.kind === "implied") return `${grant.note ?? "implied rule"} ${path} (implied by libvirt)`;
  if (grant.kind === "socket" || grant.kind === "read") return `${grant.kind} ${path}`;
  return `${grant.kind} ${path} ${grant.access}`;
}

/** Entries by the literal folder every path they match starts with; literals by their bytes. */
class PathIndex {
  private readonly literals = new Map<string, PathEntry[]>();
  private readonly byFolder = new Map<string, PathEntry[]>();

  add(entry: PathEntry): void {
    const literal = literalBytes(entry.glob);
    const prefix = literal ?? literalPrefix(entry.glob);
    const key = literal ?? prefix.slice(0, prefix.lastIndexOf("/") + 1);
    const map = literal === undefined ? this.byFolder : this.literals;
    const list = map.get(key);
    if (list === undefined) map.set(key, [entry]);
    else list.push(entry);
  }

  collect(path: string, out: PathEntry[]): void {
    const exact = this.literals.get(path);
    if (exact !== undefined) for (const e of exact) out.push(e);
    for (let i = path.indexOf("/"); i >= 0; i = path.indexOf("/", i + 1)) {
      const list = this.byFolder.get(path.slice(0, i + 1));
      if (list === undefined) continue;
      for (const e of list) if (matchesPath(e.glob, path)) out.push(e);
    }
    const none = this.byFolder.get("");
    if (none !== undefined) for (const e of none) if (matchesPath(e.glob, path)) out.push(e);
  }
}

/**
 * The audit's view of a compiled policy. `installed` holds, per profile name, the nodes install
 * granted on this host (installed-nodes.ts); a node whose grant the grants file does not hold is left out.
 */
export function auditPolicy(grants: GrantsModel, installed: ReadonlyMap<string, readonly InstalledNode[]> = new Map()): AuditPolicy {
  const workloads = new Map<string, AuditWorkload>();
  const index = new PathIndex();
  for (const p of grants.profiles) {
    const w: AuditWorkload = { profile: p.profile, tenant: p.tenant, name: p.workload, kind: p.kind, mode: p.mode, file: p.file, line: p.line, entry: p };
    workloads.set(p.profile, w);
    for (const grant of p.grants) {
      const literal = literalBytes(grant.glob);
      const base = { workload: w, grant, what: grantText(grant), file: grant.file, line: grant.line, hostShared: literal !== undefined && HOST_SHARED.has(literal) };
      index.add({ ...base, glob: grant.glob });
      const alias = literal === undefined ? undefined : otherLvmName(literal);
      if (alias !== undefined) index.add({ ...base, glob: { parts: [{ kind: "literal", bytes: alias }] }, via: `${grant.text} is also ${alias}` });
    }
    if (p.exec !== undefined) {
      index.add({ workload: w, what: `exec ${JSON.stringify(p.exec.text)}`, glob: p.exec.glob, file: p.exec.file, line: p.exec.line, hostShared: false });
    }
    for (const node of installed.get(p.profile) ?? []) {
      const grant = p.grants.find((g) => g.file === node.file && g.line === node.line && installedGrantName(g) === node.what);
      if (grant === undefined) continue;
      let glob: Glob = { parts: [{ kind: "literal", bytes: toBytes(node.node) }] };
      if (!node.literal) {
        const g = parseGlob(node.node);
        if (!g.ok) continue;
        glob = g.glob;
      }
      index.add({ workload: w, grant, what: grantText(grant), file: grant.file, line: grant.line, glob, via: `${node.path} -> ${node.node} on this host`, hostShared: false });
    }
  }
  return {
    grants,
    protect: [...BUILTIN_PROTECTED, ...grants.protect.map((p) => ({ text: p.text, glob: p.glob, at: { file: p.file, line: p.line } }))],
    shared: grants.shared.map((s) => ({ text: s.text, glob: s.glob, tenants: s.tenants, file: s.file, line: s.line })),
    workload: (profile) => workloads.get(profile),
    entriesFor(path) {
      const out: PathEntry[] = [];
      index.collect(path, out);
      const alias = otherLvmName(path);
      if (alias !== undefined) index.collect(alias, out);
      return out;
    },
  };
}

/** A policy with no workloads: every record is foreign (audit without an output folder only parses). */
export function emptyPolicy(): AuditPolicy {
  return auditPolicy({ version: "", policy: null, protect: [], shared: [], profiles: [] });
}
