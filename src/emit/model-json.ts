/**
 * Model -> the JSON form (grammar/policy.schema.json): what `moat compile --emit-model` prints. Lets
 * are already substituted in the model and every path is glob source, so the strings go out as they
 * are; compiling the result gives the same model and outputs. Tenants and workloads come in the
 * model's (sorted) order, resources and abstractions in declared order. A vm's implied resources are
 * left out: the model derives them from the vm, and would derive them again.
 */
import type { HostBus, MemoryKind, Model, Resource, Shared, Tenant, VmItemKind, Workload } from "../model/types.js";

export interface JsonResource {
  kind: "volume" | "device" | "socket" | "read" | "run" | VmItemKind;
  path: string;
  access?: "ro" | "rw";
  mode?: "inherit" | "own";
}

export interface JsonNetwork {
  family: string;
  type?: string;
}

export interface JsonWorkload {
  kind: "vm" | "service" | "container";
  name: string;
  uuid?: string;
  exec?: string;
  lxc?: string;
  mode: "enforce" | "complain";
  abstractions?: string[];
  capabilities?: string[];
  network?: JsonNetwork[];
  resources: JsonResource[];
  memory?: MemoryKind[];
  devices?: JsonHostDevice[];
}

export interface JsonHostDevice {
  bus: HostBus;
  address?: string;
  vendor?: string;
  product?: string;
}

export interface JsonTenant {
  name: string;
  workloads: JsonWorkload[];
  projects?: string[];
  abstractions?: string[];
  resources?: JsonResource[];
}

export interface JsonNova {
  instances: string;
  unknownProject: "refuse" | "unassigned";
}

export interface JsonShared {
  path: string;
  access: "ro";
  tenants: string[];
}

export interface JsonPolicy {
  policy?: string;
  protect?: string[];
  tenants: JsonTenant[];
  shared?: JsonShared[];
  nova?: JsonNova;
}

export function modelToJson(model: Model): JsonPolicy {
  // Properties are added in the schema's order, which JSON.stringify keeps.
  const json: JsonPolicy = {} as JsonPolicy;
  if (model.policy !== undefined) json.policy = model.policy.name;
  if (model.protect.length > 0) json.protect = model.protect.map((p) => p.text);
  json.tenants = model.tenants.map(tenantToJson);
  if (model.shared.length > 0) json.shared = model.shared.map(sharedToJson);
  // A written nova statement, with its settings (the defaults are written out: the same model either way).
  if (model.nova?.span !== undefined) json.nova = { instances: model.nova.instances, unknownProject: model.nova.unknownProject };
  return json;
}

/** The JSON text of the model: 2-space indent, a final newline; the same model gives the same bytes. */
export function formatModelJson(model: Model): string {
  return JSON.stringify(modelToJson(model), null, 2) + "\n";
}

function tenantToJson(tenant: Tenant): JsonTenant {
  const json: JsonTenant = { name: tenant.name, workloads: tenant.workloads.map(workloadToJson) };
  if (tenant.projects !== undefined) json.projects = tenant.projects.map((p) => p.name);
  const instances = tenant.instances;
  if (instances !== undefined && instances.abstractions.length > 0) json.abstractions = instances.abstractions.map((a) => a.name);
  if (instances !== undefined && instances.resources.length > 0) json.resources = instances.resources.flatMap(resourceToJson);
  return json;
}

function workloadToJson(workload: Workload): JsonWorkload {
  const json = { kind: workload.kind, name: workload.name } as JsonWorkload;
  if (workload.uuid !== undefined) json.uuid = workload.uuid;
  if (workload.exec !== undefined) json.exec = workload.exec.text;
  if (workload.lxc !== undefined) json.lxc = workload.lxc.name;
  json.mode = workload.mode;
  if (workload.abstractions.length > 0) json.abstractions = workload.abstractions.map((a) => a.name);
  if (workload.capabilities !== undefined) json.capabilities = workload.capabilities.map((c) => c.name);
  if (workload.networks !== undefined) json.network = workload.networks.map((n) => (n.type === undefined ? { family: n.family } : { family: n.family, type: n.type }));
  json.resources = workload.resources.flatMap(resourceToJson);
  if (workload.memory !== undefined) json.memory = [...workload.memory];
  if (workload.hostDevices !== undefined) {
    json.devices = workload.hostDevices.map((d) => (d.address !== undefined ? { bus: d.bus, address: d.address } : { bus: d.bus, vendor: d.vendor!, product: d.product! }));
  }
  return json;
}

function resourceToJson(resource: Resource): JsonResource[] {
  if (resource.item === "share") return [{ kind: "share", path: resource.path.text, access: resource.access }];
  if (resource.item !== undefined) return [{ kind: resource.item, path: resource.path.text }];
  switch (resource.kind) {
    case "implied":
      return [];
    case "socket":
      return [{ kind: "socket", path: resource.path.text }];
    case "read":
      return [{ kind: "read", path: resource.path.text }];
    case "run":
      return [{ kind: "run", path: resource.path.text, mode: resource.run ?? "inherit" }];
    case "volume":
    case "device":
      return [{ kind: resource.kind, path: resource.path.text, access: resource.access }];
  }
}

function sharedToJson(shared: Shared): JsonShared {
  return { path: shared.path.text, access: "ro", tenants: shared.tenants.map((t) => t.name) };
}
