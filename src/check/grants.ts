/**
 * The grants the isolation rules reason about: every resource of every workload, paired with its
 * owner, seen the way overlap checks must see it. Host-shared device nodes are left out (SPEC §2 rule 5),
 * and an LVM volume named through /dev/mapper is also seen under its /dev/VG/LV name (rule 3), so
 * that one logical volume granted under both names is recognized as one resource.
 */
import type { Glob } from "../glob/ast.js";
import { fromBytes, toBytes } from "../glob/bytes.js";
import { literalBytes } from "../glob/text.js";
import { HOST_SHARED_DEVICES } from "../model/builtin.js";
import type { Model, Namespace, Resource, Workload } from "../model/types.js";

export interface Grant {
  readonly workload: Workload;
  readonly resource: Resource;
  readonly namespace: Namespace;
  /** What overlap checks compare: the resource's glob, or the alias it stands for. */
  readonly glob: Glob;
  /** For an alias: the /dev/VG/LV path the mapper name stands for. */
  readonly alias?: string;
}

const HOST_SHARED = new Set(HOST_SHARED_DEVICES.map(toBytes));

export function isHostShared(resource: Resource): boolean {
  if (resource.namespace !== "path") return false;
  const literal = literalBytes(resource.path.glob);
  return literal !== undefined && HOST_SHARED.has(literal);
}

/**
 * `/dev/mapper/VG-LV` -> `/dev/VG/LV`. device-mapper joins VG and LV with one hyphen and doubles any
 * hyphen inside either name, so the first single hyphen splits them. Only literal names are
 * translated: a glob over mapper names has no exact /dev/VG/LV equivalent.
 */
export function mapperAlias(bytes: string): string | undefined {
  const match = /^\/dev\/mapper\/(.+)$/.exec(bytes);
  if (match === null) return undefined;
  const name = match[1]!;
  if (name.includes("/")) return undefined;
  let i = 0;
  while (i < name.length) {
    if (name[i] === "-") {
      if (name[i + 1] === "-") {
        i += 2;
        continue;
      }
      const vg = name.slice(0, i).replace(/--/g, "-");
      const lv = name.slice(i + 1).replace(/--/g, "-");
      if (vg === "" || lv === "" || lv.startsWith("-")) return undefined;
      return `/dev/${vg}/${lv}`;
    }
    i++;
  }
  return undefined;
}

const cache = new WeakMap<Model, readonly Grant[]>();

/** Every grant that takes part in overlap checks, in model order. */
export function overlapGrants(model: Model): readonly Grant[] {
  let grants = cache.get(model);
  if (grants !== undefined) return grants;
  const list: Grant[] = [];
  for (const tenant of model.tenants) {
    for (const workload of tenant.workloads) {
      for (const resource of workload.resources) {
        if (isHostShared(resource)) continue;
        list.push({ workload, resource, namespace: resource.namespace, glob: resource.path.glob });
        const literal = resource.namespace === "path" ? literalBytes(resource.path.glob) : undefined;
        const alias = literal === undefined ? undefined : mapperAlias(literal);
        if (alias !== undefined) {
          list.push({
            workload,
            resource,
            namespace: "path",
            glob: { parts: [{ kind: "literal", bytes: alias }] },
            alias: fromBytes(alias),
          });
        }
      }
    }
  }
  grants = list;
  cache.set(model, grants);
  return grants;
}

/** "volume", "device", "socket", or what an implied rule is for. */
export function describeResource(resource: Resource): string {
  return resource.kind === "implied" ? (resource.note ?? "implied rule") : resource.kind;
}
