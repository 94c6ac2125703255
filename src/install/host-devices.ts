/**
 * The vm items that name a host device by its address (`pci`, `usb`, `scsi`), turned into the node
 * QEMU opens, as libvirt finds it (sysfs under ROOT):
 * - pci `DDDD:BB:SS.F`: `/sys/bus/pci/devices/ADDR/iommu_group` links to `/sys/kernel/iommu_groups/N`;
 *   the node is `/dev/vfio/N` (a claim of the device, which device-checks.ts checkIommu proves no
 *   other tenant's device, and no device of no tenant, shares the group with);
 * - usb `BBB:DDD`: `/dev/bus/usb/BBB/DDD`;
 * - usb by id: the devices of `/sys/bus/usb/devices/*` whose `idVendor` and `idProduct` match, by their
 *   `busnum` and `devnum`; more than one is refused as libvirt refuses it ("Multiple USB devices");
 * - scsi `H:B:T:U`: the one entry `sgN` of `/sys/bus/scsi/devices/H:B:T:U/scsi_generic/`: `/dev/sgN`.
 * Each node becomes a rule `rw` (what virt-aa-helper writes for a hostdev's files) that the re-proof
 * compares with every other tenant's grants and nodes (reprove.ts). A device that is not on this host is
 * reported like a missing path (MOAT505: a warning, with --strict an error).
 */
import { toBytes } from "../glob/bytes.js";
import { deviceText, type InstallDevice, type InstallGrant, type InstallProfile } from "./grants-model.js";
import type { Resolver } from "./host-view.js";
import type { PciClaim } from "./device-checks.js";
import type { GrantedHostPath, MissingPath, ResolvedRule } from "./resolve-grants.js";

export interface DeviceResolution {
  readonly rules: readonly ResolvedRule[];
  readonly hostPaths: readonly GrantedHostPath[];
  readonly pciClaims: readonly PciClaim[];
  readonly missing: readonly MissingPath[];
}

/** The permissions of a device node: virt-aa-helper's for a hostdev's files. */
export const DEVICE_NODE_PERMS = "rw";

/** The stand-in grant of a device item: its rules and messages go through the same code as grants'. */
function deviceGrant(device: InstallDevice, node: string): InstallGrant {
  return {
    kind: "device",
    access: "rw",
    text: node,
    glob: { parts: [{ kind: "literal", bytes: toBytes(node) }] },
    perms: DEVICE_NODE_PERMS,
    device: deviceText(device),
    file: device.file,
    line: device.line,
    column: device.column,
  };
}

const trimmed = (s: string | undefined): string | undefined => s?.trim();

/** The node of each device found by vendor and product id: `/dev/bus/usb/BBB/DDD`. */
function usbByIdNodes(device: InstallDevice, resolver: Resolver): string[] {
  const nodes: string[] = [];
  const base = "/sys/bus/usb/devices";
  for (const name of [...(resolver.readdir(base) ?? [])].sort()) {
    const vendor = trimmed(resolver.readFile(`${base}/${name}/idVendor`))?.toLowerCase();
    const product = trimmed(resolver.readFile(`${base}/${name}/idProduct`))?.toLowerCase();
    if (`0x${vendor}` !== device.vendor || `0x${product}` !== device.product) continue;
    const bus = Number(trimmed(resolver.readFile(`${base}/${name}/busnum`)));
    const dev = Number(trimmed(resolver.readFile(`${base}/${name}/devnum`)));
    if (!Number.isInteger(bus) || !Number.isInteger(dev) || bus < 1 || dev < 1) continue;
    nodes.push(`/dev/bus/usb/${String(bus).padStart(3, "0")}/${String(dev).padStart(3, "0")}`);
  }
  return nodes;
}

/** The node of one device, or why there is none on this host. */
function nodeOf(device: InstallDevice, resolver: Resolver): { node: string } | { reason: string } {
  const address = device.address;
  if (device.bus === "pci") {
    const group = resolver.resolve(`/sys/bus/pci/devices/${address}/iommu_group`);
    const n = group.exists ? group.path.slice(group.path.lastIndexOf("/") + 1) : undefined;
    if (n === undefined || !/^\d+$/.test(n)) {
      return { reason: resolver.view.lstat(`/sys/bus/pci/devices/${address}`) === undefined ? "no such PCI device on this host" : "the PCI device has no IOMMU group on this host (is the IOMMU on?)" };
    }
    return { node: `/dev/vfio/${n}` };
  }
  if (device.bus === "usb" && address !== undefined) {
    const [bus, dev] = address.split(":");
    return { node: `/dev/bus/usb/${bus}/${dev}` };
  }
  if (device.bus === "usb") {
    const nodes = usbByIdNodes(device, resolver);
    if (nodes.length === 0) return { reason: "no USB device with this vendor and product id on this host" };
    if (nodes.length > 1) return { reason: `${nodes.length} USB devices have this vendor and product id (${nodes.join(", ")}); libvirt refuses such a domain: name the device by bus and device number` };
    return { node: nodes[0]! };
  }
  const generic = [...(resolver.readdir(`/sys/bus/scsi/devices/${address}/scsi_generic`) ?? [])].filter((n) => /^sg\d+$/.test(n));
  if (generic.length !== 1) {
    return { reason: resolver.view.lstat(`/sys/bus/scsi/devices/${address}`) === undefined ? "no such SCSI device on this host" : "the SCSI device has no generic node (is the sg driver loaded?)" };
  }
  return { node: `/dev/${generic[0]!}` };
}

export function resolveDevices(profiles: readonly InstallProfile[], resolver: Resolver): DeviceResolution {
  const rules: ResolvedRule[] = [];
  const hostPaths: GrantedHostPath[] = [];
  const pciClaims: PciClaim[] = [];
  const missing: MissingPath[] = [];
  for (const profile of profiles) {
    for (const device of profile.devices) {
      const found = nodeOf(device, resolver);
      if ("reason" in found) {
        missing.push({ ref: { profile, grant: deviceGrant(device, deviceText(device)) }, path: deviceText(device), reason: found.reason });
        continue;
      }
      const grant = deviceGrant(device, found.node);
      const ref = { profile, grant };
      rules.push({ ref, path: deviceText(device), node: found.node, glob: grant.glob });
      // A pci item claims one device of its group (checkIommu); as a granted path /dev/vfio/N would
      // claim the whole group, and other devices there would pass unchecked.
      if (device.bus === "pci") pciClaims.push({ ref, address: device.address! });
      else hostPaths.push({ ref, path: found.node, node: found.node });
      // The group node appears when the device is bound to vfio-pci; a usb or scsi node when it is plugged in.
      if (resolver.view.lstat(found.node) === undefined) {
        const why = device.bus === "pci" ? " (is the device bound to vfio-pci?)" : "";
        missing.push({ ref, path: found.node, reason: `${found.node} is not there on this host${why}` });
      }
    }
  }
  return { rules, hostPaths, pciClaims, missing };
}
