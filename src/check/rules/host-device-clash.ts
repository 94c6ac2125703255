/**
 * A host device goes to one tenant: two tenants' vms naming the same device by its address (`pci`
 * "0000:03:00.0", `usb "3:7"`, `usb vendor … product …`, `scsi "0:0:1:0"`) is an error (MOAT314), like
 * two tenants granting one path. Addresses are compared in their canonical form (model/host-devices.ts),
 * so `usb "3:7"` and `usb "003:007"` are one device. What compile cannot see (a usb by id and one by
 * bus:device that are the same device, two PCI devices in one IOMMU group) `moat install` checks on the
 * host's nodes.
 */
import { diagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";
import { hostDeviceText, type HostDevice, type Workload } from "../../model/types.js";
import type { CheckContext } from "../context.js";
import type { IsolationRule } from "../rule.js";

/** The device's identity: bus and canonical address, or bus and vendor:product. */
function identity(d: HostDevice): string {
  return d.address !== undefined ? `${d.bus} ${d.address}` : `${d.bus} id ${d.vendor}:${d.product}`;
}

export const hostDeviceClash: IsolationRule = {
  name: "host-device-clash",
  check({ model }: CheckContext): Diagnostic[] {
    const diagnostics: Diagnostic[] = [];
    const first = new Map<string, { readonly device: HostDevice; readonly workload: Workload }>();
    const reported = new Set<string>();
    for (const tenant of model.tenants) {
      for (const workload of tenant.workloads) {
        for (const device of workload.hostDevices ?? []) {
          const key = identity(device);
          const earlier = first.get(key);
          if (earlier === undefined) {
            first.set(key, { device, workload });
            continue;
          }
          if (earlier.workload.tenant === workload.tenant || reported.has(`${key}\0${workload.tenant}`)) continue;
          reported.add(`${key}\0${workload.tenant}`);
          diagnostics.push(
            diagnostic(
              "MOAT314",
              device.span,
              { device: hostDeviceText(device), tenantA: workload.tenant, workloadA: workload.name, tenantB: earlier.workload.tenant, workloadB: earlier.workload.name },
              {
                related: [{ span: earlier.device.span, message: `${earlier.workload.tenant}/${earlier.workload.name} passes it through here` }],
                hint: "a passed-through device is the guest's alone: give each tenant's vms their own devices",
              },
            ),
          );
        }
      }
    }
    return diagnostics;
  },
};
