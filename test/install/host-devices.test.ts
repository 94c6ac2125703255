/**
 * The vm items that name a host device by its address (`pci`, `usb`, `scsi`): compile keeps them
 * symbolic in moat-grants.json, install finds their node under ROOT (sysfs), adds a rule `rw` for it,
 * and proves again that no other tenant reaches that node or shares the PCI device's IOMMU group.
 */
import { describe, expect, it } from "vitest";
import { compile } from "../../src/index.js";
import { planInstall } from "../../src/install/plan-install.js";
import { parseGrantsModel } from "../../src/install/grants-model.js";
import { MemoryHost, type MemEntry } from "./memory-host.js";

const UUID_A = "6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f";
const UUID_B = "0d6b9a8e-2f41-4c7e-8d3a-5b2e7f9c1a04";
const PROFILE_A = `libvirt-${UUID_A}`;

function outputs(policy: string): Map<string, string> {
  const result = compile({ entries: ["/p/main.iso"], readFile: (p) => (p === "/p/main.iso" ? { text: policy } : { error: "no such file" }) });
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) throw new Error(errors.map((d) => d.message).join("\n"));
  return new Map(result.outputs.map((o) => [o.path, o.content]));
}

function codes(plan: ReturnType<typeof planInstall>): string[] {
  return plan.diagnostics.map((d) => `${d.severity} ${d.code}: ${d.message}`);
}

const two = (a: string, b: string): string =>
  `tenant acme {\n  vm gpu01 {\n    uuid "${UUID_A}"\n${a}  }\n}\ntenant globex {\n  vm ci01 {\n    uuid "${UUID_B}"\n${b}  }\n}\n`;

/** A PCI device in IOMMU group `group`, as sysfs shows it. */
function pci(address: string, group: number): Record<string, MemEntry | string> {
  return {
    [`/sys/bus/pci/devices/${address}`]: { link: `../../../devices/pci0000:00/${address}` },
    [`/sys/devices/pci0000:00/${address}/iommu_group`]: { link: `../../../kernel/iommu_groups/${group}` },
    [`/sys/kernel/iommu_groups/${group}/devices/${address}`]: { link: `../../../../devices/pci0000:00/${address}` },
    [`/dev/vfio/${group}`]: "",
  };
}

/** A USB device in sysfs and its node. */
function usb(name: string, bus: number, dev: number, vendor: string, product: string): Record<string, MemEntry | string> {
  const node = `/dev/bus/usb/${String(bus).padStart(3, "0")}/${String(dev).padStart(3, "0")}`;
  return {
    [`/sys/bus/usb/devices/${name}/idVendor`]: `${vendor}\n`,
    [`/sys/bus/usb/devices/${name}/idProduct`]: `${product}\n`,
    [`/sys/bus/usb/devices/${name}/busnum`]: `${bus}\n`,
    [`/sys/bus/usb/devices/${name}/devnum`]: `${dev}\n`,
    [node]: "",
  };
}

const base: Record<string, MemEntry | string> = { "/proc/self/mountinfo": "" };

describe("moat-grants.json carries the devices", () => {
  it("in canonical form, with their lines", () => {
    const files = outputs(two('    pci "0000:03:00.0"\n    usb "3:7"\n    usb vendor "0x046D" product "0xc52b"\n    scsi "0:0:01:0"\n', '    volume "/srv/b.img" rw\n'));
    const parsed = parseGrantsModel(files.get("moat-grants.json")!);
    if ("error" in parsed) throw new Error(parsed.error);
    const acme = parsed.model.profiles.find((p) => p.tenant === "acme")!;
    expect(acme.devices.map((d) => [d.bus, d.address ?? `${d.vendor}:${d.product}`, d.line])).toEqual([
      ["pci", "0000:03:00.0", 4],
      ["usb", "003:007", 5],
      ["usb", "0x046d:0xc52b", 6],
      ["scsi", "0:0:1:0", 7],
    ]);
    expect(parsed.model.profiles.find((p) => p.tenant === "globex")!.devices).toEqual([]);
  });
});

describe("install resolves devices by address", () => {
  it("pci, usb (by address and by id) and scsi become rw rules on their nodes", () => {
    const files = outputs(two('    pci "0000:03:00.0"\n    usb "3:7"\n    usb vendor "0x046d" product "0xc52b"\n    scsi "0:0:1:0"\n', '    volume "/srv/b.img" rw\n'));
    const host = new MemoryHost({
      ...base,
      "/srv/b.img": "",
      ...pci("0000:03:00.0", 12),
      ...usb("3-1", 3, 7, "1d6b", "0002"),
      ...usb("1-2", 1, 4, "046d", "c52b"),
      "/sys/bus/scsi/devices/0:0:1:0/scsi_generic/sg2": { dir: true },
      "/dev/sg2": "",
    });
    const plan = planInstall({ files, host, strict: true });
    expect(codes(plan)).toEqual([]);
    expect(plan.resolved.filter((r) => r.profile === PROFILE_A).map((r) => `${r.path} -> ${r.node}`)).toEqual([
      'pci "0000:03:00.0" -> /dev/vfio/12',
      'scsi "0:0:1:0" -> /dev/sg2',
      'usb "003:007" -> /dev/bus/usb/003/007',
      'usb vendor "0x046d" product "0xc52b" -> /dev/bus/usb/001/004',
    ]);
    const text = plan.wanted.find((w) => w.name === PROFILE_A)!.text;
    expect(text).toContain('  # pci "0000:03:00.0" (main.iso:4) -> /dev/vfio/12\n  "/dev/vfio/12" rw,\n');
    expect(text).toContain('  "/dev/bus/usb/001/004" rw,\n');
    expect(text).toContain('  "/dev/sg2" rw,\n');
  });

  it("a device that is not on the host is MOAT505, a warning, an error with --strict", () => {
    const files = outputs(two('    pci "0000:03:00.0"\n    scsi "1:0:0:0"\n    usb vendor "0x046d" product "0xc52b"\n', '    volume "/srv/b.img" rw\n'));
    const host = new MemoryHost({ ...base, "/srv/b.img": "" });
    expect(codes(planInstall({ files, host, strict: false }))).toEqual([
      'warning MOAT505: pci "0000:03:00.0" of acme/gpu01: no such PCI device on this host',
      'warning MOAT505: scsi "1:0:0:0" of acme/gpu01: no such SCSI device on this host',
      'warning MOAT505: usb vendor "0x046d" product "0xc52b" of acme/gpu01: no USB device with this vendor and product id on this host',
    ]);
    const strict = planInstall({ files, host, strict: true });
    expect(strict.diagnostics.map((d) => d.severity)).toEqual(["error", "error", "error"]);
    expect(strict.wanted).toEqual([]);
  });

  it("two USB devices with one id: refused as libvirt refuses it", () => {
    const files = outputs(two('    usb vendor "0x046d" product "0xc52b"\n', '    volume "/srv/b.img" rw\n'));
    const host = new MemoryHost({ ...base, "/srv/b.img": "", ...usb("1-2", 1, 4, "046d", "c52b"), ...usb("1-3", 1, 5, "046d", "c52b") });
    expect(codes(planInstall({ files, host, strict: false }))).toEqual([
      'warning MOAT505: usb vendor "0x046d" product "0xc52b" of acme/gpu01: 2 USB devices have this vendor and product id (/dev/bus/usb/001/004, /dev/bus/usb/001/005); libvirt refuses such a domain: name the device by bus and device number',
    ]);
  });

  it("a PCI device whose group holds a device of no tenant: MOAT504", () => {
    const files = outputs(two('    pci "0000:03:00.0"\n', '    volume "/srv/b.img" rw\n'));
    const host = new MemoryHost({ ...base, "/srv/b.img": "", ...pci("0000:03:00.0", 7), ...pci("0000:03:00.1", 7) });
    expect(codes(planInstall({ files, host, strict: false }))).toEqual([
      'error MOAT504: pci "0000:03:00.0" of acme/gpu01 passes through IOMMU group 7, which also holds 0000:03:00.1: no grant of the tenant claims it, yet it goes to the guest with the group',
    ]);
    const both = outputs(two('    pci "0000:03:00.0"\n    pci "0000:03:00.1"\n', '    volume "/srv/b.img" rw\n'));
    expect(codes(planInstall({ files: both, host, strict: false }))).toEqual([]);
  });

  it("two tenants' PCI devices in one group: MOAT504 for each", () => {
    const files = outputs(two('    pci "0000:03:00.0"\n', '    pci "0000:03:00.1"\n'));
    const host = new MemoryHost({ ...base, ...pci("0000:03:00.0", 7), ...pci("0000:03:00.1", 7) });
    expect(codes(planInstall({ files, host, strict: false }))).toEqual([
      'error MOAT504: pci "0000:03:00.0" of acme/gpu01 passes through IOMMU group 7, which also holds 0000:03:00.1: pci "0000:03:00.1" of globex/ci01 passes it through too',
      'error MOAT501: pci "0000:03:00.1" of globex/ci01 (/dev/vfio/7 on this host) and pci "0000:03:00.0" of acme/gpu01 (/dev/vfio/7 on this host) reach one node on this host: "/dev/vfio/7"',
      'error MOAT504: pci "0000:03:00.1" of globex/ci01 passes through IOMMU group 7, which also holds 0000:03:00.0: pci "0000:03:00.0" of acme/gpu01 passes it through too',
    ]);
  });

  it("a USB device by id and another tenant's by bus and device are one node: MOAT501", () => {
    const files = outputs(two('    usb vendor "0x046d" product "0xc52b"\n', '    usb "1:4"\n'));
    const host = new MemoryHost({ ...base, ...usb("1-2", 1, 4, "046d", "c52b") });
    const found = codes(planInstall({ files, host, strict: false }));
    expect(found).toHaveLength(1);
    expect(found[0]).toContain('usb vendor "0x046d" product "0xc52b" of acme/gpu01 (/dev/bus/usb/001/004 on this host)');
    expect(found[0]).toMatch(/^error MOAT501: .*usb "001:004" of globex\/ci01/);
  });

  it("a scsi device and another tenant's device grant of its node: MOAT501", () => {
    const files = outputs(two('    scsi "0:0:1:0"\n', '    device "/dev/sg2" rw\n'));
    const host = new MemoryHost({ ...base, "/sys/bus/scsi/devices/0:0:1:0/scsi_generic/sg2": { dir: true }, "/dev/sg2": "" });
    const found = codes(planInstall({ files, host, strict: false }));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^error MOAT501: scsi "0:0:1:0" of acme\/gpu01 .*device "\/dev\/sg2" of globex\/ci01/);
  });
});
