/**
 * moat-grants.json: what `moat install` needs to know of the policy, so that it reads the output folder
 * only, never the policy sources. For every profile: its file in the output folder, its profile name,
 * whose it is (tenant, workload, kind), its `exec`, the seclabel snippet of a VM, and each path grant
 * with the permissions its rules give and the line it comes from; plus the policy's `protect` globs
 * and `shared` statements, which the re-proof on the host's nodes needs. Its shape is
 * grammar/grants.schema.json; src/install/grants-model.ts reads it back.
 *
 * Globs are written in the policy's glob syntax (glob/text.ts globToText, which parseGlob reads back
 * to the same glob). Abstract sockets are left out: they are no paths, and no host resolves them.
 * Deterministic like every output: profiles by path, grants in a fixed order, one grant per line so
 * that a changed grant is a changed line in a review.
 */
import type { OutputFile } from "./output-file.js";
import { globToText } from "../glob/text.js";
import { relativeToRoot } from "../model/compilation-root.js";
import type { HostDevice, Model, Resource, Workload } from "../model/types.js";
import { getLocation, type Source, type Span } from "../source.js";
import { fileRules } from "../model/grant-table.js";

export const GRANTS_PATH = "moat-grants.json";
/** Bumped when the file's shape changes incompatibly. */
export const GRANTS_FORMAT = 1;

/** Where something is written in the policy: file relative to the compilation root, 1-based line and column. */
export interface GrantLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

export interface GrantEntry {
  readonly kind: Resource["kind"];
  readonly access: Resource["access"];
  /** For an implied rule: what it is for ("libvirt log"). */
  readonly note?: string;
  readonly glob: string;
  /** The permissions of the allowing rule the grant becomes. */
  readonly perms: string;
  /** The permissions a deny rule beside it takes away (a read-only volume: "w"). */
  readonly deny?: string;
  readonly line: number;
  readonly column: number;
  /** Absent when it is the profile's file. */
  readonly file?: string;
}

/**
 * A vm's `pci`, `usb` or `scsi` item: a device by its address (canonical, model/host-devices.ts), which
 * install turns into its node (`/dev/vfio/<group>`, `/dev/bus/usb/BBB/DDD`, `/dev/sgN`) and grants `rw`.
 */
export interface DeviceEntry {
  readonly bus: HostDevice["bus"];
  readonly address?: string;
  readonly vendor?: string;
  readonly product?: string;
  readonly line: number;
  readonly column: number;
  /** Absent when it is the profile's file. */
  readonly file?: string;
}

export interface ProfileEntry {
  readonly path: string;
  readonly profile: string;
  readonly kind: Workload["kind"];
  readonly tenant: string;
  readonly workload: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly mode: Workload["mode"];
  readonly uuid?: string;
  readonly seclabel?: string;
  readonly exec?: { readonly glob: string } & GrantLocation;
  readonly grants: readonly GrantEntry[];
  /** A vm's devices by address, in written order; absent when it has none. */
  readonly devices?: readonly DeviceEntry[];
}

export interface GrantsFile {
  readonly format: number;
  readonly generator: "moat";
  readonly version: string;
  readonly policy: string | null;
  readonly protect: readonly ({ readonly glob: string } & GrantLocation)[];
  readonly shared: readonly ({ readonly glob: string; readonly tenants: readonly string[] } & GrantLocation)[];
  readonly profiles: readonly ProfileEntry[];
}

/** A profile's place in the output folder, as emit-outputs.ts names it. */
export interface ProfileOutput {
  readonly path: string;
  readonly profile: string;
  readonly workload: Workload;
  readonly seclabel?: string;
}

class Locator {
  private readonly sources = new Map<string, Source>();
  constructor(private readonly model: Model) {
    for (const s of model.sources) if (!this.sources.has(s.path)) this.sources.set(s.path, s);
  }

  at(span: Span): GrantLocation {
    const source = this.sources.get(span.file);
    const { line, column } = source === undefined ? { line: 1, column: 1 } : getLocation(source, span.start);
    return { file: relativeToRoot(this.model.root, span.file), line, column };
  }
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The kinds of grant whose paths install resolves: what a workload owns or reads. A `run` rule (an exec
 * transition) is matched by the kernel on the resolved binary too, but its permissions are no file
 * permissions install could repeat on a node; it is left out.
 */
const RESOLVED_KINDS: ReadonlySet<string> = new Set(["volume", "device", "socket", "implied", "read"]);

/**
 * The entries of a grant: one per allowing rule, with the deny rule on the same glob beside it. Most
 * grants are one rule; a share is two (`DIR/ r` and `DIR/** rk` or `rwlk`), each resolved on its own.
 */
function grantEntries(resource: Resource, where: GrantLocation, profileFile: string): GrantEntry[] {
  const rules = fileRules(resource);
  const allows = rules.filter((r) => !r.deny);
  if (allows.length === 0) throw new Error("internal: a grant without an allowing rule");
  return allows.map((allow) => {
    const deny = rules.find((r) => r.deny && r.glob === allow.glob);
    return {
      kind: resource.kind,
      access: resource.access,
      ...(resource.note === undefined ? {} : { note: resource.note }),
      glob: globToText(allow.glob),
      perms: allow.perms,
      ...(deny === undefined ? {} : { deny: deny.perms }),
      line: where.line,
      column: where.column,
      ...(where.file === profileFile ? {} : { file: where.file }),
    };
  });
}

function deviceEntry(device: HostDevice, where: GrantLocation, profileFile: string): DeviceEntry {
  return {
    bus: device.bus,
    ...(device.address === undefined ? { vendor: device.vendor!, product: device.product! } : { address: device.address }),
    line: where.line,
    column: where.column,
    ...(where.file === profileFile ? {} : { file: where.file }),
  };
}

/** Declared grants by place in the sources, then the implied ones; ties by glob and note, so that any input order gives one order. */
function sortedGrants(entries: { readonly entry: GrantEntry; readonly span: Span }[]): GrantEntry[] {
  return entries
    .sort(
      (a, b) =>
        Number(a.entry.kind === "implied") - Number(b.entry.kind === "implied") ||
        compareStrings(a.span.file, b.span.file) ||
        a.span.start - b.span.start ||
        compareStrings(a.entry.glob, b.entry.glob) ||
        compareStrings(a.entry.note ?? "", b.entry.note ?? ""),
    )
    .map((x) => x.entry);
}

function profileEntry(out: ProfileOutput, locate: Locator): ProfileEntry {
  const w = out.workload;
  const at = locate.at(w.span);
  const grants: { entry: GrantEntry; span: Span }[] = [];
  for (const r of w.resources) {
    if (r.namespace !== "path" || !RESOLVED_KINDS.has(r.kind)) continue;
    for (const entry of grantEntries(r, locate.at(r.path.span), at.file)) grants.push({ entry, span: r.path.span });
  }
  const devices = (w.hostDevices ?? []).map((d) => deviceEntry(d, locate.at(d.span), at.file));
  return {
    path: out.path,
    profile: out.profile,
    kind: w.kind,
    tenant: w.tenant,
    workload: w.name,
    file: at.file,
    line: at.line,
    column: at.column,
    mode: w.mode,
    ...(w.uuid === undefined ? {} : { uuid: w.uuid.toLowerCase() }),
    ...(out.seclabel === undefined ? {} : { seclabel: out.seclabel }),
    ...(w.exec === undefined ? {} : { exec: { glob: globToText(w.exec.glob), ...locate.at(w.exec.span) } }),
    grants: sortedGrants(grants),
    ...(devices.length === 0 ? {} : { devices }),
  };
}

function byGlobThenPlace<T extends { readonly glob: string } & GrantLocation>(a: T, b: T): number {
  return compareStrings(a.glob, b.glob) || compareStrings(a.file, b.file) || a.line - b.line || a.column - b.column;
}

/**
 * The text: two-space indented like the manifest, except that each grant, protect and shared entry is one
 * line (a fleet has hundreds of thousands of grants; one line each keeps the file and its diffs short).
 */
function render(file: GrantsFile): string {
  const one = (value: unknown): string => JSON.stringify(value);
  const list = (items: readonly unknown[], indent: string): string =>
    items.length === 0 ? "[]" : `[\n${items.map((i) => `${indent}  ${one(i)}`).join(",\n")}\n${indent}]`;
  const profile = (p: ProfileEntry): string => {
    const { grants, devices, ...head } = p;
    const fields = Object.entries(head).map(([k, v]) => `      ${one(k)}: ${one(v)}`);
    fields.push(`      "grants": ${list(grants, "      ")}`);
    if (devices !== undefined) fields.push(`      "devices": ${list(devices, "      ")}`);
    return `    {\n${fields.join(",\n")}\n    }`;
  };
  const lines = [
    `  "format": ${one(file.format)}`,
    `  "generator": ${one(file.generator)}`,
    `  "version": ${one(file.version)}`,
    `  "policy": ${one(file.policy)}`,
    `  "protect": ${list(file.protect, "  ")}`,
    `  "shared": ${list(file.shared, "  ")}`,
    `  "profiles": ${file.profiles.length === 0 ? "[]" : `[\n${file.profiles.map(profile).join(",\n")}\n  ]`}`,
  ];
  return `{\n${lines.join(",\n")}\n}\n`;
}

/** moat-grants.json for a model whose profiles are `profiles` (any order). */
export function grantsFile(model: Model, version: string, profiles: readonly ProfileOutput[]): OutputFile {
  const locate = new Locator(model);
  const file: GrantsFile = {
    format: GRANTS_FORMAT,
    generator: "moat",
    version,
    policy: model.policy?.name ?? null,
    protect: model.protect.map((p) => ({ glob: globToText(p.glob), ...locate.at(p.span) })).sort(byGlobThenPlace),
    shared: model.shared
      .map((s) => ({ glob: globToText(s.path.glob), tenants: [...new Set(s.tenants.map((t) => t.name))].sort(compareStrings), ...locate.at(s.span) }))
      .sort(byGlobThenPlace),
    profiles: [...profiles].sort((a, b) => compareStrings(a.path, b.path)).map((p) => profileEntry(p, locate)),
  };
  return { path: GRANTS_PATH, content: render(file) };
}
