/**
 * What only sysfs knows, checked on every block device and VFIO group a grant reaches on this host:
 * - a granted block device that shares data with a mounted host file system: it is mounted, a partition
 *   of it is, something stacked on it is, or it is stacked on what is mounted (MOAT503);
 * - two tenants' block devices that share data (a disk and a partition of it, a disk and a volume on it,
 *   one device under two node names, two volumes whose device-mapper extents overlap or cannot be told
 *   apart: a snapshot and its origin, thin volumes) (MOAT501);
 * - a passed-through IOMMU group that also holds a PCI device another tenant's block device is on, or the
 *   host's own mounted disks, or another tenant's passed-through device; and, for a single device
 *   passed through by its PCI address, any device of its group no grant of that tenant claims (MOAT504).
 *   A `device "/dev/vfio/N"` grant claims a whole group; a vm's `pci "ADDR"` item claims one device
 *   (a PciClaim, from host-devices.ts).
 */
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import { mountPlace, type BlockGraph } from "./block-devices.js";
import type { Resolver } from "./host-view.js";
import type { LocationBook } from "./locations.js";
import { describeGrant } from "./reprove.js";
import type { GrantedHostPath, GrantRef } from "./resolve-grants.js";

export interface GrantedBlock {
  readonly ref: GrantRef;
  readonly node: string;
  readonly name: string;
}

/** A device passed through by its PCI address (the vm item `pci "0000:03:00.0"`). */
export interface PciClaim {
  readonly ref: GrantRef;
  readonly address: string;
}

/** The block devices the granted host paths are. */
export function grantedBlocks(paths: readonly GrantedHostPath[], graph: BlockGraph, resolver: Resolver): GrantedBlock[] {
  const out: GrantedBlock[] = [];
  const seen = new Set<string>();
  for (const p of paths) {
    if (!p.node.startsWith("/dev/")) continue;
    const st = resolver.view.lstat(p.node);
    if (st === undefined) continue;
    const name = graph.nodeName(p.node, st.kind === "block" ? st.rdev : undefined);
    if (name === undefined) continue;
    const key = `${p.ref.profile.path}|${p.ref.grant.line}:${p.ref.grant.column}|${name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ ref: p.ref, node: p.node, name });
  }
  return out;
}

function shownBlock(b: GrantedBlock): string {
  return `${describeGrant(b.ref)}${b.node === b.ref.grant.text ? "" : ` (${b.node})`}`;
}

export function checkBlocks(blocks: readonly GrantedBlock[], graph: BlockGraph, book: LocationBook): Diagnostic[] {
  if (blocks.length === 0) return [];
  const out: Diagnostic[] = [];
  const mounts = graph.mounts();
  if (mounts === null) {
    const first = blocks[0]!;
    out.push(
      diagnostic("MOAT503", book.span(first.ref.grant), { grant: describeGrant(first.ref), node: first.node, device: first.name, how: "cannot be checked: /proc/self/mountinfo cannot be read, so which host file systems are mounted is unknown" }),
    );
    return out;
  }
  const reach = new Map<string, Set<string>>();
  const reachOf = (name: string): Set<string> => {
    let r = reach.get(name);
    if (r === undefined) reach.set(name, (r = graph.reach(name)));
    return r;
  };
  const mounted = [...mounts.byName.keys()].sort();
  for (const b of blocks) {
    let hit = mounted.find((n) => reachOf(b.name).has(n));
    let through = "";
    if (hit === undefined) {
      // A device of the same volume group (or any device sharing a lower one) whose extents may overlap.
      for (const n of mounted) {
        const shared = graph.sharedData(b.name, n);
        if (shared === undefined) continue;
        hit = n;
        through = `: ${shared.why}`;
        break;
      }
    }
    if (hit === undefined) continue;
    const m = mounts.byName.get(hit)![0]!;
    const how = hit === b.name ? `is mounted on the host at ${mountPlace(m)}` : `shares data with ${hit} (${graph.device(hit)?.dev ?? "?"}), mounted on the host at ${mountPlace(m)}${through}`;
    out.push(
      diagnostic("MOAT503", book.span(b.ref.grant), { grant: describeGrant(b.ref), node: b.node, device: `${b.name}, ${graph.device(b.name)?.dev ?? "?"}`, how }, {
        hint: "a workload must never get a device the host's own file systems live on: grant the workload's own disk or volume",
      }),
    );
  }
  const reported = new Set<string>();
  for (let i = 0; i < blocks.length; i++) {
    for (let j = i + 1; j < blocks.length; j++) {
      const a = blocks[i]!;
      const b = blocks[j]!;
      if (a.ref.profile.tenant === b.ref.profile.tenant) continue;
      // One node under one path is the glob re-proof's finding (reprove.ts); here: one device under two nodes, or nested devices.
      if (a.node === b.node) continue;
      const key = [a, b].map((x) => `${x.ref.profile.path}|${x.ref.grant.line}:${x.ref.grant.column}`).sort().join("||");
      if (reported.has(key)) continue;
      let node: string;
      if (a.name === b.name) node = a.name;
      else if (reachOf(a.name).has(b.name) || reachOf(b.name).has(a.name)) node = `${b.name} and ${a.name} share data`;
      else {
        // Two volumes of one volume group: their device-mapper tables say whether their extents meet.
        const shared = graph.sharedData(b.name, a.name);
        if (shared === undefined) continue;
        node = `${b.name} and ${a.name} share data on ${shared.lower} (${graph.device(shared.lower)?.dev ?? "?"}): ${shared.why}`;
      }
      reported.add(key);
      const what = a.name === b.name ? "block device" : "disk's data";
      out.push(
        diagnostic("MOAT501", book.span(b.ref.grant), { a: shownBlock(b), b: shownBlock(a), what, node }, {
          related: [{ span: book.span(a.ref.grant), message: shownBlock(a) }],
          hint: "give each tenant its own disk or volume: a disk holds its partitions and the volumes on them",
        }),
      );
    }
  }
  return out;
}

const VFIO_GROUP = /^\/dev\/vfio\/(\d+)$/;

interface GroupClaim {
  readonly ref: GrantRef;
  readonly group: string;
  /** The PCI address, for a claim of one device; undefined for a whole group (/dev/vfio/N). */
  readonly address?: string;
}

export function checkIommu(paths: readonly GrantedHostPath[], pciClaims: readonly PciClaim[], blocks: readonly GrantedBlock[], graph: BlockGraph, resolver: Resolver, book: LocationBook): Diagnostic[] {
  const claims: GroupClaim[] = [];
  for (const p of paths) {
    const m = VFIO_GROUP.exec(p.node);
    if (m !== null) claims.push({ ref: p.ref, group: m[1]! });
  }
  const out: Diagnostic[] = [];
  for (const c of pciClaims) {
    const group = resolver.resolve(`/sys/bus/pci/devices/${c.address}/iommu_group`);
    const n = group.exists ? group.path.slice(group.path.lastIndexOf("/") + 1) : undefined;
    if (n === undefined || !/^\d+$/.test(n)) {
      out.push(diagnostic("MOAT505", book.span(c.ref.grant), { grant: describeGrant(c.ref), detail: `PCI device ${c.address} has no IOMMU group on this host` }));
      continue;
    }
    claims.push({ ref: c.ref, group: n, address: c.address });
  }
  if (claims.length === 0) return out;

  // Who else holds each PCI device: tenants' block devices, and the host's mounted file systems.
  const users = new Map<string, string[]>();
  const use = (address: string, who: string): void => {
    users.set(address, [...(users.get(address) ?? []), who]);
  };
  for (const b of blocks) for (const a of graph.pciOf(b.name)) use(a, `${b.ref.profile.tenant}\u0000${shownBlock(b)} is on it`);
  const mounts = graph.mounts();
  if (mounts !== null) {
    for (const [name, ms] of mounts.byName) for (const a of graph.pciOf(name)) use(a, `\u0000the host's file system at ${mountPlace(ms[0]!)} is on it`);
  }

  const byGroup = new Map<string, GroupClaim[]>();
  for (const c of claims) byGroup.set(c.group, [...(byGroup.get(c.group) ?? []), c]);
  for (const [group, groupClaims] of [...byGroup].sort(([a], [b]) => Number(a) - Number(b))) {
    const members = [...(resolver.readdir(`/sys/kernel/iommu_groups/${group}/devices`) ?? [])].sort();
    for (const claim of groupClaims) {
      const tenant = claim.ref.profile.tenant;
      const report = (device: string, how: string): void => {
        out.push(
          diagnostic("MOAT504", book.span(claim.ref.grant), { grant: describeGrant(claim.ref), group, device, how }, {
            hint: "the devices of an IOMMU group go to a guest together: pass through only groups whose every device is the tenant's",
          }),
        );
      };
      const other = groupClaims.find((c) => c.ref.profile.tenant !== tenant);
      if (other !== undefined) {
        report(other.address ?? `/dev/vfio/${group}`, `${describeGrant(other.ref)} passes it through too`);
        continue;
      }
      const wholeGroup = groupClaims.some((c) => c.address === undefined);
      for (const device of members) {
        const foreign = (users.get(device) ?? []).find((u) => !u.startsWith(`${tenant}\u0000`));
        if (foreign !== undefined) {
          report(device, foreign.slice(foreign.indexOf("\u0000") + 1));
          break;
        }
        if (!wholeGroup && !groupClaims.some((c) => c.address === device)) {
          report(device, "no grant of the tenant claims it, yet it goes to the guest with the group");
          break;
        }
      }
    }
  }
  return out;
}
