/**
 * Which host paths each grant names, and where they lead on this host. AppArmor mediates the object a
 * path resolves to, so a grant that names a link (an LVM volume, `/dev/disk/by-*`, `/var/run/...`, any
 * link the host has) matches nothing until the node it leads to is granted too. What is resolved:
 *
 * - a literal path: the whole path, every link on the way (`/var/run` -> `/run`, `/dev/vg0/web01` ->
 *   `/dev/dm-3`);
 * - a glob of alternatives only (`/dev/vg0/db-{data,wal}`, `/dev/vfio/{33,34}`): each of its at most
 *   MAX_EXPANSIONS spellings, as a literal;
 * - any other glob (`*`, `**`, `?`): its literal folder part (the text before the last `/` ahead of the
 *   first wildcard), re-rooted where that folder is a link (`/srv/acme/{,**}` with `/srv/acme` ->
 *   `/data/acme` gives `/data/acme/{,**}`); and when the wildcard part is one path component
 *   (`/dev/mapper/vg0-acme--*`), each entry of that folder it matches that is a link, as a literal. Links
 *   deeper in a `**` are not followed, and entries made after the install are not seen until the next
 *   install (it runs at boot and after each deploy).
 *
 * Every resolved path is a new rule with the grant's permissions; the planner re-proves isolation on
 * them. A declared volume or device that is not on the host is reported (MOAT505); a socket only when
 * its folder is missing (the workload makes the socket); libvirt's implied rules never (QEMU makes them).
 */
import type { Glob, GlobPart } from "../glob/ast.js";
import { fromBytes, toBytes } from "../glob/bytes.js";
import { matchesPath } from "../glob/match.js";
import { literalBytes, literalPrefix } from "../glob/text.js";
import type { InstallGrant, InstallProfile } from "./grants-model.js";
import type { Resolver } from "./host-view.js";

/** A grant and the profile it is in. */
export interface GrantRef {
  readonly profile: InstallProfile;
  readonly grant: InstallGrant;
}

/** A rule install adds: the grant's permissions on the node (or folder) its path leads to. */
export interface ResolvedRule {
  readonly ref: GrantRef;
  /** What was resolved: a path the grant names, or its literal folder part. */
  readonly path: string;
  /** Where it leads: a host path, or for a re-rooted glob that glob's text. */
  readonly node: string;
  readonly glob: Glob;
}

/** A path a grant names, as the host has it: the block-device and IOMMU checks look at these. */
export interface GrantedHostPath {
  readonly ref: GrantRef;
  readonly path: string;
  readonly node: string;
}

export interface MissingPath {
  readonly ref: GrantRef;
  readonly path: string;
  readonly reason: string;
}

export interface GrantResolution {
  readonly rules: readonly ResolvedRule[];
  readonly hostPaths: readonly GrantedHostPath[];
  readonly missing: readonly MissingPath[];
}

/** A glob of alternatives with more spellings than this has its folder resolved, like a wildcard glob. */
export const MAX_EXPANSIONS = 64;

/** The spellings of a glob without wildcards (byte strings), or undefined when it has one or too many. */
export function expandFinite(glob: Glob, limit = MAX_EXPANSIONS): string[] | undefined {
  let out: string[] = [""];
  const extend = (parts: readonly GlobPart[], prefixes: string[]): string[] | undefined => {
    let current = prefixes;
    for (const part of parts) {
      let next: string[] = [];
      if (part.kind === "literal") next = current.map((p) => p + part.bytes);
      else if (part.kind === "class") {
        for (const p of current) for (const [lo, hi] of part.ranges) for (let b = lo; b <= hi; b++) next.push(p + String.fromCharCode(b));
      } else if (part.kind === "alt") {
        for (const branch of part.branches) {
          const e = extend(branch.parts, current);
          if (e === undefined) return undefined;
          next.push(...e);
        }
      } else return undefined;
      if (next.length > limit) return undefined;
      current = next;
    }
    return current;
  };
  const all = extend(glob.parts, out);
  if (all === undefined) return undefined;
  out = [...new Set(all)];
  return out.length > limit ? undefined : out;
}

function literalGlob(path: string): Glob {
  return { parts: [{ kind: "literal", bytes: toBytes(path) }] };
}

/** The parts of a glob after its first `bytes` bytes of literal prefix. */
function partsAfter(glob: Glob, bytes: number): GlobPart[] {
  const out: GlobPart[] = [];
  let skip = bytes;
  for (const part of glob.parts) {
    if (skip > 0 && part.kind === "literal") {
      if (part.bytes.length <= skip) {
        skip -= part.bytes.length;
        continue;
      }
      out.push({ kind: "literal", bytes: part.bytes.slice(skip) });
      skip = 0;
      continue;
    }
    out.push(part);
  }
  return out;
}

/** Whether the parts can only match within one path component (no `/`, no `**`). */
function oneComponent(parts: readonly GlobPart[]): boolean {
  return parts.every((p) => {
    if (p.kind === "literal") return !p.bytes.includes("/");
    if (p.kind === "globstar") return false;
    if (p.kind === "alt") return p.branches.every((b) => oneComponent(b.parts));
    return true;
  });
}

function joinPath(dir: string, name: string): string {
  return dir === "/" ? `/${name}` : `${dir}/${name}`;
}

export function resolveGrants(profiles: readonly InstallProfile[], resolver: Resolver): GrantResolution {
  const rules: ResolvedRule[] = [];
  const hostPaths: GrantedHostPath[] = [];
  const missing: MissingPath[] = [];
  const view = resolver.view;

  const literal = (ref: GrantRef, path: string, report: boolean): void => {
    const r = resolver.resolve(path);
    if (r.loop === true) {
      if (report) missing.push({ ref, path, reason: "its links form a loop" });
      return;
    }
    if (!r.exists && report) {
      if (ref.grant.kind !== "socket") missing.push({ ref, path, reason: "nothing is there on this host" });
      else if (resolver.resolveDir(path.slice(0, Math.max(1, path.lastIndexOf("/")))) === undefined) missing.push({ ref, path, reason: "its folder is not there on this host" });
    }
    hostPaths.push({ ref, path, node: r.path });
    if (r.path !== path) rules.push({ ref, path, node: r.path, glob: literalGlob(r.path) });
  };

  for (const profile of profiles) {
    for (const grant of profile.grants) {
      const ref = { profile, grant };
      const report = grant.kind !== "implied";
      const bytes = literalBytes(grant.glob);
      const finite = bytes === undefined ? expandFinite(grant.glob) : [bytes];
      if (finite !== undefined) {
        for (const b of finite) literal(ref, fromBytes(b), report);
        continue;
      }
      // A wildcard glob: its literal folder part, and the links of that folder it matches.
      const prefix = literalPrefix(grant.glob);
      const slash = prefix.lastIndexOf("/");
      const folderBytes = prefix.slice(0, slash + 1);
      const folder = fromBytes(folderBytes);
      const folderPath = folder.length > 1 ? folder.slice(0, -1) : "/";
      const dir = resolver.resolveDir(folderPath);
      if (dir === undefined) {
        if (report) missing.push({ ref, path: folder, reason: "this folder is not there on this host" });
        continue;
      }
      const rest = partsAfter(grant.glob, folderBytes.length);
      if (dir !== folderPath) {
        const base = toBytes(dir === "/" ? "/" : `${dir}/`);
        const first = rest[0];
        const parts: GlobPart[] = first?.kind === "literal" ? [{ kind: "literal", bytes: base + first.bytes }, ...rest.slice(1)] : [{ kind: "literal", bytes: base }, ...rest];
        const glob = { parts };
        rules.push({ ref, path: folder, node: fromBytes(base) + globTail(grant.text, folder), glob });
      }
      if (!oneComponent(rest)) continue;
      for (const name of view.readdir(dir) ?? []) {
        const asGranted = joinPath(folderPath, name);
        if (!matchesPath(grant.glob, toBytes(asGranted))) continue;
        if (view.lstat(joinPath(dir, name))?.kind !== "link") continue;
        literal(ref, asGranted, false);
      }
    }
  }
  return { rules, hostPaths, missing };
}

/** The text of a glob after its literal folder (for display of a re-rooted glob). */
function globTail(text: string, folder: string): string {
  return text.startsWith(folder) ? text.slice(folder.length) : text;
}
