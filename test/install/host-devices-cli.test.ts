/**
 * `moat install --root` with a staged host tree (real folders, links and sysfs files): the vm items
 * `pci`, `usb` and `scsi` resolved to their nodes, the rules added to the installed profile, the
 * re-proof refusing a group shared with a device of no tenant, and a device missing on the host.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cleanUp, compileInto, fakeParser, mountinfo, run, stage, temp, type Entry } from "./host-tree.js";

afterEach(cleanUp);

const UUID_A = "6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f";
const PROFILE_A = `libvirt-${UUID_A}`;

const policy = (items: string): Record<string, string> => ({ "main.iso": `tenant acme {\n  vm gpu01 {\n    uuid "${UUID_A}"\n${items}  }\n}\n` });

/** sysfs and /dev for a PCI device in IOMMU group `group`, as a host has them. */
function pci(address: string, group: number): Record<string, Entry> {
  return {
    [`/sys/devices/pci0000:00/${address}/iommu_group`]: { link: `../../../kernel/iommu_groups/${group}` },
    [`/sys/bus/pci/devices/${address}`]: { link: `../../../devices/pci0000:00/${address}` },
    [`/sys/kernel/iommu_groups/${group}/devices/${address}`]: { link: `../../../../devices/pci0000:00/${address}` },
    [`/dev/vfio/${group}`]: "",
  };
}

const HOST: Record<string, Entry> = {
  ...pci("0000:03:00.0", 12),
  "/sys/devices/pci0000:00/usb1/1-2/idVendor": "046d\n",
  "/sys/devices/pci0000:00/usb1/1-2/idProduct": "c52b\n",
  "/sys/devices/pci0000:00/usb1/1-2/busnum": "1\n",
  "/sys/devices/pci0000:00/usb1/1-2/devnum": "4\n",
  "/sys/bus/usb/devices/1-2": { link: "../../../devices/pci0000:00/usb1/1-2" },
  "/dev/bus/usb/001/004": "",
  "/dev/bus/usb/003/007": "",
  "/sys/devices/pci0000:00/host0/target0:0:1/0:0:1:0/scsi_generic/sg2": { dir: true },
  "/sys/bus/scsi/devices/0:0:1:0": { link: "../../../devices/pci0000:00/host0/target0:0:1/0:0:1:0" },
  "/dev/sg2": "",
  ...mountinfo([]),
};

async function install(items: string, host: Record<string, Entry>, ...args: string[]) {
  const dir = temp();
  await compileInto(dir, policy(items));
  const root = temp("moat-root-");
  stage(root, host);
  const parser = fakeParser(dir);
  const result = await run(dir, ["install", "--root", root, "--no-load", ...args], { MOAT_APPARMOR_PARSER: parser.program });
  return { ...result, root };
}

describe("moat install --root: devices by address", () => {
  it("adds the nodes of pci, usb and scsi items to the installed profile", async () => {
    const r = await install('    pci "0000:03:00.0"\n    usb "3:7"\n    usb vendor "0x046d" product "0xc52b"\n    scsi "0:0:1:0"\n', HOST, "--format", "json");
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out) as { resolved: { profile: string; path: string; node: string }[] };
    expect(report.resolved.map((x) => `${x.path} -> ${x.node}`)).toEqual([
      'pci "0000:03:00.0" -> /dev/vfio/12',
      'scsi "0:0:1:0" -> /dev/sg2',
      'usb "003:007" -> /dev/bus/usb/003/007',
      'usb vendor "0x046d" product "0xc52b" -> /dev/bus/usb/001/004',
    ]);
    const text = fs.readFileSync(path.join(r.root, "etc", "apparmor.d", PROFILE_A), "utf8");
    for (const node of ["/dev/vfio/12", "/dev/sg2", "/dev/bus/usb/003/007", "/dev/bus/usb/001/004"]) expect(text).toContain(`  "${node}" rw,\n`);
  });

  it("refuses a PCI device whose IOMMU group holds a device no grant claims, and installs nothing", async () => {
    const r = await install('    pci "0000:03:00.0"\n', { ...HOST, ...pci("0000:03:00.1", 12) });
    expect(r.code).toBe(1);
    expect(r.err).toContain("error MOAT504");
    expect(fs.existsSync(path.join(r.root, "etc", "apparmor.d", PROFILE_A))).toBe(false);
  });

  it("a device missing on the host: a warning, an error with --strict", async () => {
    const loose = await install('    scsi "2:0:0:0"\n', HOST);
    expect(loose.code).toBe(0);
    expect(loose.err).toContain('warning MOAT505: scsi "2:0:0:0" of acme/gpu01: no such SCSI device on this host');
    const strict = await install('    scsi "2:0:0:0"\n', HOST, "--strict");
    expect(strict.code).toBe(1);
    expect(strict.err).toContain("error MOAT505");
  });
});
