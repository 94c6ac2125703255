/**
 * AppArmor mediates the path a symlink resolves to, not the link. LVM names (`/dev/VG/LV`,
 * `/dev/mapper/VG-LV`) and `/dev/disk/by-*` names are links to `/dev/dm-N` or `/dev/sdX`, whose name is
 * known only on the host at run time, so a rule on the link alone lets nothing through. `moat install`
 * resolves them on the host and grants the node; this rule says, once per compile, how many grants it
 * will resolve there, at the first of them. A fleet of ten thousand LVM-backed VMs gets one line, not
 * ten thousand; `moat explain` still tells per path.
 */
import { diagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";
import { fromBytes } from "../../glob/bytes.js";
import { literalPrefix } from "../../glob/text.js";
import { hostDeviceText, type HostDevice, type Resource } from "../../model/types.js";
import { quote } from "../../model/paths.js";
import { symlinkTarget } from "../host-links.js";
import { forEachResource } from "../resources.js";
import type { CheckContext } from "../context.js";
import type { IsolationRule } from "../rule.js";

export const symlinkedDevice: IsolationRule = {
  name: "symlinked-device",
  check({ model }: CheckContext): Diagnostic[] {
    let count = 0;
    let first: { resource: Resource; target: string } | undefined;
    forEachResource(model, (resource, workload) => {
      // A container's profile gets no rule for its storage (install adds none): its links are not counted.
      if (resource.namespace !== "path" || resource.kind === "implied" || resource.kind === "socket" || workload.kind === "container") return;
      // Every link symlinkTarget knows is under /dev/ or /var/run/, and a path text that starts with them
      // has a literal prefix that does: most grants of a fleet are ruled out here without decoding anything.
      const prefixBytes = literalPrefix(resource.path.glob);
      if (!prefixBytes.startsWith("/dev/") && !prefixBytes.startsWith("/var/run")) return;
      // Judge by the literal folder part: `/dev/vg0/acme-*` is as much an LVM link as `/dev/vg0/acme-web01`.
      const prefix = fromBytes(prefixBytes);
      const target = symlinkTarget(prefix.endsWith("/") ? prefix + "x" : resource.path.text);
      if (target === undefined) return;
      count++;
      // The first in model order (tenants, then workloads, by name): a policy and its JSON form lay
      // their lines out differently and must get the same finding.
      if (first === undefined) first = { resource, target };
    });
    // The vm items that name a device by its address: install finds their node too.
    let devices = 0;
    let firstDevice: HostDevice | undefined;
    for (const tenant of model.tenants) {
      for (const workload of tenant.workloads) {
        for (const device of workload.hostDevices ?? []) {
          devices++;
          firstDevice ??= device;
        }
      }
    }
    if (first === undefined && firstDevice === undefined) return [];
    const path = first === undefined ? undefined : quote(first.resource.path.text);
    const links = first === undefined ? "" : count === 1 ? `${path} names a link on the host (to ${first.target})` : `${count} grants name links on the host, the first ${path} (to ${first.target})`;
    const named =
      firstDevice === undefined ? "" : devices === 1 ? `${hostDeviceText(firstDevice)} names a device by its address` : `${devices} items name devices by their address, the first ${hostDeviceText(firstDevice)}`;
    const what = links === "" ? named : named === "" ? links : `${links}; ${named}`;
    return [
      diagnostic("MOAT307", first?.resource.path.span ?? firstDevice!.span, { what, count: count + devices }, {
        // dm-N numbers are handed out at activation, so no build-time profile can name the node.
        hint: "moat install resolves each link and device address on the host and grants the node it leads to; moat explain --path P tells which grants name a link",
      }),
    ];
  },
};
