/**
 * The grants the isolation rules reason about: every resource of every workload, paired with its
 * owner, seen the way overlap checks must see it. Host-shared device nodes are left out (they never overlap),
 * and an LVM volume is also seen under its other name (rule 3, see lvm.ts), so that one logical volume
 * granted under both names is recognized as one resource.
 */
import type { Glob } from "../glob/ast.js";
import { fromBytes, toBytes } from "../glob/bytes.js";
import { literalBytes } from "../glob/text.js";
import { HOST_SHARED_DEVICES } from "../model/builtin.js";
import { otherLvmName } from "./lvm.js";
import { forEachResource } from "./resources.js";
import type { Model, Namespace, Resource, Workload } from "../model/types.js";

export interface Grant {
  readonly workload: Workload;
  readonly resource: Resource;
  readonly namespace: Namespace;
  /** What overlap checks compare: the resource's glob, or the alias it stands for. */
  readonly glob: Glob;
  /** For an alias: the other name of the same logical volume (/dev/VG/LV or /dev/mapper/VG-LV). */
  readonly alias?: string;
  /**
   * Position in the model (tenants, their workloads, their resources, in model order). Rules choose
   * whom to report a grant against by this order, not by source positions: a policy and its JSON form
   * lay the same workloads out differently, and must get the same findings.
   */
  readonly order: number;
}

const HOST_SHARED = new Set(HOST_SHARED_DEVICES.map(toBytes));

/**
 * Whether a resource only reads what it matches and owns none of it: a `read` (exactly `r`) or a `run`
 * (a program started as a child). Such grants never clash with each other, whatever their tenants;
 * against another tenant's owned grant they clash like a read-only grant (cross-tenant-overlap.ts).
 * They take no part in the checks of what a workload owns (host-critical paths, overlaps within a
 * tenant), and explain lists no one as a path's owner through them.
 */
export function readsOnly(resource: Resource): boolean {
  return resource.kind === "read" || resource.kind === "run";
}

/**
 * Whether a resource lets its workload write (or append to) what it matches: a `rw` volume or device,
 * a filesystem socket, or a rule libvirt implies with `w` or `a`. Host-shared devices write nothing of
 * anyone's.
 */
export function grantsWrite(resource: Resource): boolean {
  if (resource.namespace !== "path" || isHostShared(resource) || readsOnly(resource)) return false;
  return resource.kind === "implied" ? /[wa]/.test(resource.perms ?? "") : resource.access === "rw";
}

export function isHostShared(resource: Resource): boolean {
  if (resource.namespace !== "path") return false;
  const literal = literalBytes(resource.path.glob);
  return literal !== undefined && HOST_SHARED.has(literal);
}

/** Every grant that takes part in overlap checks, in model order (a compile's rules share it: CheckContext). */
export function overlapGrants(model: Model): readonly Grant[] {
  const list: Grant[] = [];
  forEachResource(model, (resource, workload) => {
    if (isHostShared(resource)) return;
    list.push({ workload, resource, namespace: resource.namespace, glob: resource.path.glob, order: list.length });
    const literal = resource.namespace === "path" ? literalBytes(resource.path.glob) : undefined;
    // One logical volume, two names: each literal name is also seen under the other, so that a
    // glob over either folder meets it.
    const alias = literal === undefined ? undefined : otherLvmName(literal);
    if (alias !== undefined) {
      list.push({
        workload,
        resource,
        namespace: "path",
        glob: { parts: [{ kind: "literal", bytes: alias }] },
        alias: fromBytes(alias),
        order: list.length,
      });
    }
  });
  return list;
}

/** "volume", "device", "socket", or what an implied rule is for. */
export function describeResource(resource: Resource): string {
  return resource.item ?? (resource.kind === "implied" ? (resource.note ?? "implied rule") : resource.kind);
}
