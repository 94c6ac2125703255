/**
 * The pure planner of `moat install` on an in-memory host: how links resolve inside the root, which
 * spellings a glob is resolved as, the host checks that need sysfs (by real device numbers here, as on a
 * host without --root), PCI passthrough claims, the attached binary's owner, and the installed text.
 */
import { describe, expect, it } from "vitest";
import { compile } from "../../src/index.js";
import type { GrantsModel } from "../../src/install/grants-model.js";
import { Resolver } from "../../src/install/host-view.js";
import { planInstall } from "../../src/install/plan-install.js";
import { expandFinite } from "../../src/install/resolve-grants.js";
import { parseGlob } from "../../src/glob/parse.js";
import { fromBytes } from "../../src/glob/bytes.js";
import { MemoryHost, type MemEntry } from "./memory-host.js";

const UUID_A = "6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f";
const UUID_B = "0d6b9a8e-2f41-4c7e-8d3a-5b2e7f9c1a04";

/** The outputs of compiling `policy` in memory (the library, no file system). */
function outputs(policy: string): Map<string, string> {
  const result = compile({ entries: ["/p/main.iso"], readFile: (p) => (p === "/p/main.iso" ? { text: policy } : { error: "no such file" }) });
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) throw new Error(errors.map((d) => d.message).join("\n"));
  return new Map(result.outputs.map((o) => [o.path, o.content]));
}

function codes(plan: ReturnType<typeof planInstall>): string[] {
  return plan.diagnostics.map((d) => `${d.severity} ${d.code}: ${d.message}`);
}

describe("the resolver", () => {
  const host = new MemoryHost({
    "/dev/vg0/a": { link: "../dm-1" },
    "/dev/dm-1": "",
    "/srv/abs": { link: "/images/x" },
    "/images/x": "",
    "/srv/up": { link: "../../../../../../images/x" },
    "/srv/loop1": { link: "/srv/loop2" },
    "/srv/loop2": { link: "loop1" },
    "/srv/file": "",
    "/var/run": { link: "/run" },
    "/run/libvirt": { dir: true },
  });
  const r = new Resolver(host);

  it("follows relative and absolute links from the root, and `..` stops at the root", () => {
    expect(r.resolve("/dev/vg0/a")).toEqual({ path: "/dev/dm-1", exists: true });
    expect(r.resolve("/srv/abs")).toEqual({ path: "/images/x", exists: true });
    expect(r.resolve("/srv/up")).toEqual({ path: "/images/x", exists: true });
    expect(r.resolve("/var/run/libvirt/x.sock")).toEqual({ path: "/run/libvirt/x.sock", exists: false });
  });

  it("reports a loop, and a file where a folder should be", () => {
    expect(r.resolve("/srv/loop1")).toMatchObject({ loop: true, exists: false });
    expect(r.resolve("/srv/file/x")).toEqual({ path: "/srv/file/x", exists: false });
  });

  it("never asks the host about a path through a link", () => {
    for (const p of ["/dev/vg0/a", "/srv/abs", "/srv/up", "/var/run/libvirt/x.sock", "/srv/loop1"]) r.resolve(p);
    const links = ["/dev/vg0/a", "/srv/abs", "/srv/up", "/srv/loop1", "/srv/loop2", "/var/run"];
    for (const asked of host.asked) for (const l of links) expect(asked.startsWith(`${l}/`), asked).toBe(false);
  });
});

describe("which spellings of a glob are resolved", () => {
  const expand = (g: string): string[] | undefined => {
    const parsed = parseGlob(g);
    if (!parsed.ok) throw new Error(parsed.reason);
    return expandFinite(parsed.glob)?.map(fromBytes);
  };
  it("alternatives and classes, up to the limit; never a wildcard", () => {
    expect(expand("/dev/vg0/db-{data,wal}")).toEqual(["/dev/vg0/db-data", "/dev/vg0/db-wal"]);
    expect(expand("/dev/vfio/{3,4{1,2}}")).toEqual(["/dev/vfio/3", "/dev/vfio/41", "/dev/vfio/42"]);
    expect(expand("/x/[0-9]")).toHaveLength(10);
    expect(expand("/x/[0-9][0-9]")).toBeUndefined();
    expect(expand("/x/*")).toBeUndefined();
  });
});

describe("the host checks on an in-memory host", () => {
  const sysfs = (name: string, dev: string, extra: Record<string, MemEntry | string> = {}): Record<string, MemEntry | string> => ({
    [`/sys/class/block/${name}/dev`]: `${dev}\n`,
    [`/sys/class/block/${name}/holders`]: { dir: true },
    [`/sys/class/block/${name}/slaves`]: { dir: true },
    ...extra,
  });

  it("a node known by its device number that holds the mounted root file system: MOAT503", () => {
    const files = outputs(`tenant acme {\n  vm web01 {\n    uuid "${UUID_A}"\n    volume "/dev/vg0/root" rw\n  }\n}\n`);
    const host = new MemoryHost({
      "/dev/vg0/root": { link: "../dm-0" },
      "/dev/dm-0": { block: "253:0" },
      ...sysfs("dm-0", "253:0"),
      "/proc/self/mountinfo": "22 1 253:0 / / rw,relatime shared:1 - ext4 /dev/mapper/vg0-root rw\n",
    });
    const plan = planInstall({ files, host, strict: false });
    expect(codes(plan)).toEqual(['error MOAT503: volume "/dev/vg0/root" of acme/web01 reaches block device /dev/dm-0 (dm-0, 253:0), which is mounted on the host at /']);
    expect(plan.wanted).toEqual([]);
  });

  it("volumes of one volume group, another's mounted: no finding (distinct extents, as their tables say)", () => {
    const files = outputs(`tenant acme {\n  vm web01 {\n    uuid "${UUID_A}"\n    volume "/dev/vg0/web01" rw\n  }\n}\n`);
    const host = new MemoryHost({
      "/dev/vg0/web01": { link: "../dm-3" },
      "/dev/dm-3": { block: "253:3" },
      ...sysfs("dm-3", "253:3", { "/sys/class/block/dm-3/slaves/sda2": { link: "../../sda2" } }),
      ...sysfs("dm-0", "253:0", { "/sys/class/block/dm-0/slaves/sda2": { link: "../../sda2" } }),
      ...sysfs("sda", "8:0"),
      ...sysfs("sda2", "8:2", { "/sys/class/block/sda2/partition": "2\n", "/sys/class/block/sda/sda2": { dir: true }, "/sys/class/block/sda2/holders/dm-0": { link: "../../dm-0" } }),
      "/proc/self/mountinfo": "22 1 253:0 / / rw - ext4 /dev/mapper/vg0-root rw\n",
      "/.moat-staged/dmsetup-table/dm-0": "0 8192 linear 8:2 2048\n",
      "/.moat-staged/dmsetup-table/dm-3": "0 4096 linear 8:2 10240\n",
    });
    const plan = planInstall({ files, host, strict: false });
    expect(codes(plan)).toEqual([]);
    expect(plan.wanted.map((w) => w.text.split("\n").filter((l) => l.includes("dm-3")))).toEqual([["  # volume rw (main.iso:4): /dev/vg0/web01 -> /dev/dm-3", '  "/dev/dm-3" rwk,']]);
  });

  it("a device-mapper device over a whole disk whose partition is mounted: MOAT503; a disk and a volume on its partition of two tenants: MOAT501", () => {
    const files = outputs(`tenant acme {\n  vm web01 {\n    uuid "${UUID_A}"\n    volume "/dev/vg1/over-disk" rw\n    volume "/dev/vg1/on-part" rw\n  }\n}\ntenant globex {\n  vm ci01 {\n    uuid "${UUID_B}"\n    device "/dev/sdf" rw\n  }\n}\n`);
    const host = new MemoryHost({
      "/dev/vg1/over-disk": { link: "../dm-8" },
      "/dev/vg1/on-part": { link: "../dm-9" },
      "/dev/dm-8": { block: "253:8" },
      "/dev/dm-9": { block: "253:9" },
      "/dev/sdf": { block: "8:80" },
      ...sysfs("dm-8", "253:8", { "/sys/class/block/dm-8/slaves/sde": { link: "../../sde" } }),
      ...sysfs("dm-9", "253:9", { "/sys/class/block/dm-9/slaves/sdf1": { link: "../../sdf1" } }),
      ...sysfs("sde", "8:64", { "/sys/class/block/sde/sde1": { dir: true } }),
      ...sysfs("sde1", "8:65", { "/sys/class/block/sde1/partition": "1\n" }),
      ...sysfs("sdf", "8:80", { "/sys/class/block/sdf/sdf1": { dir: true } }),
      ...sysfs("sdf1", "8:81", { "/sys/class/block/sdf1/partition": "1\n" }),
      "/proc/self/mountinfo": "22 1 8:65 / /srv/data rw - ext4 /dev/sde1 rw\n",
    });
    expect(codes(planInstall({ files, host, strict: false }))).toEqual([
      'error MOAT503: volume "/dev/vg1/over-disk" of acme/web01 reaches block device /dev/dm-8 (dm-8, 253:8), which shares data with sde1 (8:65), mounted on the host at /srv/data',
      "error MOAT501: volume \"/dev/vg1/on-part\" of acme/web01 (/dev/dm-9) and device \"/dev/sdf\" of globex/ci01 reach one disk's data on this host: dm-9 and sdf share data",
    ]);
  });

  it("a PCI device passed through by address, whose group holds a device no grant claims or another tenant's: MOAT504", () => {
    const files = outputs(`tenant acme {\n  vm gpu01 {\n    uuid "${UUID_A}"\n    volume "/srv/a.img" rw\n  }\n}\ntenant globex {\n  vm ci01 {\n    uuid "${UUID_B}"\n    volume "/srv/b.img" rw\n  }\n}\n`);
    const host = new MemoryHost({
      "/srv/a.img": "",
      "/srv/b.img": "",
      "/sys/bus/pci/devices/0000:03:00.0": { link: "../../../devices/pci0000:00/0000:03:00.0" },
      "/sys/bus/pci/devices/0000:03:00.1": { link: "../../../devices/pci0000:00/0000:03:00.1" },
      "/sys/devices/pci0000:00/0000:03:00.0/iommu_group": { link: "../../../kernel/iommu_groups/7" },
      "/sys/devices/pci0000:00/0000:03:00.1/iommu_group": { link: "../../../kernel/iommu_groups/7" },
      "/sys/kernel/iommu_groups/7/devices/0000:03:00.0": { link: "../../../../devices/pci0000:00/0000:03:00.0" },
      "/sys/kernel/iommu_groups/7/devices/0000:03:00.1": { link: "../../../../devices/pci0000:00/0000:03:00.1" },
      "/proc/self/mountinfo": "",
    });
    const claim = (tenant: string, address: string) => (model: GrantsModel) => {
      const profile = model.profiles.find((p) => p.tenant === tenant)!;
      return [{ ref: { profile, grant: profile.grants[0]! }, address }];
    };
    expect(codes(planInstall({ files, host, strict: false, pciClaims: claim("acme", "0000:03:00.0") }))).toEqual([
      'error MOAT504: volume "/srv/a.img" of acme/gpu01 passes through IOMMU group 7, which also holds 0000:03:00.1: no grant of the tenant claims it, yet it goes to the guest with the group',
    ]);
    const both = (model: GrantsModel) => [...claim("acme", "0000:03:00.0")(model), ...claim("globex", "0000:03:00.1")(model)];
    expect(codes(planInstall({ files, host, strict: false, pciClaims: both }))).toEqual([
      'error MOAT504: volume "/srv/a.img" of acme/gpu01 passes through IOMMU group 7, which also holds 0000:03:00.1: volume "/srv/b.img" of globex/ci01 passes it through too',
      'error MOAT504: volume "/srv/b.img" of globex/ci01 passes through IOMMU group 7, which also holds 0000:03:00.0: volume "/srv/a.img" of acme/gpu01 passes it through too',
    ]);
    const whole = (model: GrantsModel) => [...claim("acme", "0000:03:00.0")(model), ...claim("acme", "0000:03:00.1")(model)];
    expect(codes(planInstall({ files, host, strict: false, pciClaims: whole }))).toEqual([]);
  });

  it("an exec owned by a user other than root: MOAT506", () => {
    const files = outputs(`tenant acme {\n  service agent {\n    exec "/opt/acme/agent"\n    volume "/srv/acme/{,**}" rw\n  }\n}\n`);
    const host = new MemoryHost({ "/opt/acme/agent": { file: "", mode: 0o755, uid: 1000 }, "/srv/acme": { dir: true } });
    expect(codes(planInstall({ files, host, strict: false }))).toEqual(['error MOAT506: exec "/opt/acme/agent" of acme/agent: the binary is owned by uid 1000, not root: that user can replace it']);
    const sticky = new MemoryHost({ "/tmp": { dir: true, mode: 0o1777 }, "/opt/acme/agent": { file: "", mode: 0o755 }, "/srv/acme": { dir: true } });
    expect(codes(planInstall({ files, host: sticky, strict: false }))).toEqual([]);
  });

  it("a profile with nothing to resolve is installed as compiled, byte for byte", () => {
    const files = outputs(`tenant acme {\n  vm web01 {\n    uuid "${UUID_A}"\n    volume "/srv/a.img" rw\n  }\n}\n`);
    const plan = planInstall({ files, host: new MemoryHost({ "/srv/a.img": "" }), strict: false });
    expect(plan.wanted.map((w) => w.text)).toEqual([files.get(`apparmor.d/libvirt-${UUID_A}`)]);
  });

  it("refuses a grants file that names a profile the folder lacks, or a profile that does not end as moat's do", () => {
    const files = outputs(`tenant acme {\n  vm web01 {\n    uuid "${UUID_A}"\n    volume "/srv/a.img" rw\n  }\n}\n`);
    const profile = `apparmor.d/libvirt-${UUID_A}`;
    const truncated = new Map(files);
    truncated.set(profile, files.get(profile)!.slice(0, -2));
    expect(codes(planInstall({ files: truncated, host: new MemoryHost({}), strict: false }))).toContain(`error MOAT507: ${profile} does not end as moat's profiles do ("}" on its last line); nothing was installed`);
    const lacking = new Map(files);
    lacking.delete(profile);
    expect(codes(planInstall({ files: lacking, host: new MemoryHost({}), strict: false }))).toEqual([`error MOAT507: moat-grants.json names ${profile}, which the output folder does not hold`]);
  });
});
