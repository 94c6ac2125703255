/**
 * Every resource of every workload, in model order, for the rules that look at each grant on its own.
 * The loops are indexed: a fleet has a hundred thousand resources, and in code the JIT has not yet
 * optimized, for...of allocates an iterator result per item (docs/performance.md, "Loops").
 */
import { checkedWorkloads, type Model, type Resource, type Workload } from "../model/types.js";

export function forEachResource(model: Model, visit: (resource: Resource, workload: Workload) => void): void {
  const tenants = model.tenants;
  for (let t = 0; t < tenants.length; t++) {
    const workloads = checkedWorkloads(tenants[t]!); // a tenant's Nova grants too
    for (let w = 0; w < workloads.length; w++) {
      const workload = workloads[w]!;
      const resources = workload.resources;
      for (let r = 0; r < resources.length; r++) visit(resources[r]!, workload);
    }
  }
}
