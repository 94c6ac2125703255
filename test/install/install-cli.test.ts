/**
 * `moat install` end to end, in-process, on staged host trees under --root: real temporary folders
 * with links, sysfs attributes and mountinfo, a compiled output folder, and a fake apparmor_parser that
 * records its arguments. Every folder is removed afterwards.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { faultyFs } from "../cli/helpers.js";
import { apparmorParser, checkProfiles, describeWithValidators } from "../support/validators.js";
import { blockDevice, cleanUp, compileInto, fakeParser, mountinfo, run, stage, temp, tree, type Entry } from "./host-tree.js";

afterEach(cleanUp);

const UUID_A = "6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f";
const UUID_B = "0d6b9a8e-2f41-4c7e-8d3a-5b2e7f9c1a04";
const PROFILE_A = `libvirt-${UUID_A}`;
const PROFILE_B = `libvirt-${UUID_B}`;

function vm(tenant: string, name: string, uuid: string, items: string): string {
  return `tenant ${tenant} {\n  vm ${name} {\n    uuid "${uuid}"\n${items
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => `    ${l.trim()}`)
    .join("\n")}\n  }\n}\n`;
}

/** A host with LVM volume web01-data on dm-3 and the root file system on dm-0. */
const LVM_HOST: Record<string, Entry> = {
  "/dev/vg0/web01-data": { link: "../dm-3" },
  "/dev/mapper/vg0-web01--data": { link: "../dm-3" },
  "/dev/dm-3": "",
  "/dev/dm-0": "",
  ...blockDevice("dm-3", "253:3"),
  ...blockDevice("dm-0", "253:0"),
  ...mountinfo([["253:0", "/", "/dev/mapper/vg0-root"]]),
};

interface Setup {
  readonly dir: string;
  readonly root: string;
  readonly parser: ReturnType<typeof fakeParser>;
  install(...args: string[]): Promise<{ code: number; out: string; err: string }>;
  installWith(env: Record<string, string>, extra: Parameters<typeof run>[3], ...args: string[]): Promise<{ code: number; out: string; err: string }>;
}

async function setup(policy: Record<string, string>, host: Record<string, Entry>): Promise<Setup> {
  const dir = temp();
  await compileInto(dir, policy);
  const root = temp("moat-root-");
  stage(root, host);
  const parser = fakeParser(dir);
  const installWith = (env: Record<string, string>, extra: Parameters<typeof run>[3], ...args: string[]) =>
    run(dir, ["install", "--root", root, ...args], { MOAT_APPARMOR_PARSER: parser.program, ...env }, extra);
  return { dir, root, parser, installWith, install: (...args: string[]) => installWith({}, {}, ...args) };
}

const installedPath = (s: Setup, name: string): string => path.join(s.root, "etc", "apparmor.d", name);

describe("moat install: resolving what only the host knows", () => {
  it("grants an LVM volume's dm node, with a comment naming the grant, and records and loads it", async () => {
    const s = await setup({ "main.iso": vm("acme", "web01", UUID_A, 'volume "/dev/vg0/web01-data" rw') }, LVM_HOST);
    const r = await s.install("--format", "json");
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out) as Record<string, unknown>;
    expect(doc).toEqual({
      installed: [PROFILE_A],
      unchanged: [],
      removed: [],
      loaded: [PROFILE_A],
      resolved: [{ profile: PROFILE_A, path: "/dev/vg0/web01-data", node: "/dev/dm-3" }],
      diagnostics: [],
    });
    const text = fs.readFileSync(installedPath(s, PROFILE_A), "utf8");
    const compiled = fs.readFileSync(path.join(s.dir, "generated", "apparmor.d", PROFILE_A), "utf8");
    expect(text).toBe(`${compiled.slice(0, -2)}\n  # moat install: the nodes this host resolves these grants to\n\n  # volume rw (main.iso:4): /dev/vg0/web01-data -> /dev/dm-3\n  "/dev/dm-3" rwk,\n}\n`);
    expect(s.parser.calls()).toEqual([`-r -W ${installedPath(s, PROFILE_A)}`]);
    const record = JSON.parse(fs.readFileSync(path.join(s.root, "var/lib/moat/installed.json"), "utf8")) as { files: { name: string; profiles: string[] }[] };
    expect(record.files.map((f) => [f.name, f.profiles])).toEqual([[PROFILE_A, [PROFILE_A]]]);
  });

  it("a read-only volume's node gets the deny too; /var/run leads to /run; a glob's linked folder is re-rooted", async () => {
    const policy = vm(
      "acme",
      "web01",
      UUID_A,
      `volume "/dev/mapper/vg0-web01--data" ro
       socket "/var/run/acme/web01.sock"
       volume "/srv/acme/{,**}" rw`,
    );
    const s = await setup({ "main.iso": policy }, { ...LVM_HOST, "/var/run": { link: "../run" }, "/run/acme": { dir: true }, "/srv/acme": { link: "/data/acme" }, "/data/acme": { dir: true } });
    const r = await s.install("--format", "json");
    expect(r.code, r.err).toBe(0);
    expect((JSON.parse(r.out) as { resolved: unknown[] }).resolved).toEqual([
      { profile: PROFILE_A, path: "/dev/mapper/vg0-web01--data", node: "/dev/dm-3" },
      { profile: PROFILE_A, path: "/srv/acme/", node: "/data/acme/{,**}" },
      { profile: PROFILE_A, path: "/var/run/acme/web01.sock", node: "/run/acme/web01.sock" },
    ]);
    const text = fs.readFileSync(installedPath(s, PROFILE_A), "utf8");
    expect(text).toContain('  # volume ro (main.iso:4): /dev/mapper/vg0-web01--data -> /dev/dm-3\n  "/dev/dm-3" rk,\n  deny "/dev/dm-3" w,\n');
    expect(text).toContain('  # socket (main.iso:5): /var/run/acme/web01.sock -> /run/acme/web01.sock\n  "/run/acme/web01.sock" rw,\n');
    expect(text).toContain('  "/data/acme/{,**}" rwk,\n');
  });

  it("resolves libvirt's implied rules too: a linked /run/libvirt gets the pid file and migration rules re-rooted", async () => {
    const s = await setup({ "main.iso": vm("acme", "web01", UUID_A, 'volume "/srv/a.img" rw') }, { "/srv/a.img": "", "/run/libvirt": { link: "/srv/libvirt-run" }, "/srv/libvirt-run": { dir: true } });
    const r = await s.install("--no-load", "--format", "json");
    expect(r.code, r.err).toBe(0);
    expect((JSON.parse(r.out) as { resolved: { node: string }[] }).resolved.map((x) => x.node)).toEqual(["/srv/libvirt-run/**/*.tunnelmigrate.dest.web01", "/srv/libvirt-run/**/web01.pid"]);
    const text = fs.readFileSync(installedPath(s, PROFILE_A), "utf8");
    expect(text).toContain('  # libvirt pid file: implied by libvirt (main.iso:2): /run/libvirt/ -> /srv/libvirt-run/**/web01.pid\n  "/srv/libvirt-run/**/web01.pid" rwk,\n');
  });

  it("a container's profile gets no added rule (its storage is reached through its mounts), but its host paths are checked", async () => {
    const policy = `tenant galera {\n  container galera {\n    lxc "infra1_galera_container-3ea2d8f4"\n    volume "/dev/lxc/galera" rw\n  }\n}\n`;
    const host = { "/dev/lxc/galera": { link: "../dm-4" }, "/dev/dm-4": "", ...blockDevice("dm-4", "253:4"), ...mountinfo([]) };
    const s = await setup({ "main.iso": policy }, host);
    const r = await s.install("--no-load", "--format", "json");
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ installed: ["moat.galera.galera"], resolved: [] });
    expect(fs.readFileSync(installedPath(s, "moat.galera.galera"), "utf8")).toBe(fs.readFileSync(path.join(s.dir, "generated/apparmor.d/moat.galera.galera"), "utf8"));
    const mounted = await setup({ "main.iso": policy }, { ...host, ...mountinfo([["253:4", "/", "/dev/mapper/lxc-galera"]]) });
    const m = await mounted.install("--no-load");
    expect(m.code).toBe(1);
    expect(m.err).toContain('error MOAT503: volume "/dev/lxc/galera" of galera/galera reaches block device /dev/dm-4 (dm-4, 253:4), which is mounted on the host at /');
  });

  it("resolves an absolute link inside ROOT, and `..` never climbs above it", async () => {
    const s = await setup(
      { "main.iso": vm("acme", "web01", UUID_A, 'volume "/srv/acme/a.img" rw\nvolume "/srv/acme/b.img" rw') },
      { "/srv/acme/a.img": { link: "/images/a.img" }, "/images/a.img": "", "/srv/acme/b.img": { link: "../../../../../../../../images/b.img" }, "/images/b.img": "" },
    );
    const r = await s.install("--format", "json", "--no-load");
    expect(r.code, r.err).toBe(0);
    expect((JSON.parse(r.out) as { resolved: unknown[]; loaded: unknown[] }).resolved).toEqual([
      { profile: PROFILE_A, path: "/srv/acme/a.img", node: "/images/a.img" },
      { profile: PROFILE_A, path: "/srv/acme/b.img", node: "/images/b.img" },
    ]);
    expect(s.parser.calls()).toEqual([]);
  });

  it("expands a glob of alternatives and resolves each spelling; a wildcard over a folder of links resolves the links it matches", async () => {
    const s = await setup(
      { "main.iso": vm("acme", "db01", UUID_A, 'volume "/dev/vg0/db01-{data,wal,log}" rw\nvolume "/dev/mapper/vg1-acme--*" rw') },
      {
        "/dev/vg0/db01-data": { link: "../dm-4" },
        "/dev/vg0/db01-wal": { link: "../dm-5" },
        "/dev/mapper/vg1-acme--x": { link: "../dm-6" },
        "/dev/mapper/vg1-other": { link: "../dm-7" },
        "/dev/mapper/control": "",
        ...Object.fromEntries(["dm-4", "dm-5", "dm-6", "dm-7"].map((d) => [`/dev/${d}`, ""])),
        ...blockDevice("dm-4", "253:4"),
        ...blockDevice("dm-5", "253:5"),
        ...blockDevice("dm-6", "253:6"),
        ...mountinfo([]),
      },
    );
    const r = await s.install("--format", "json");
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out) as { resolved: { node: string }[]; diagnostics: { code: string; message: string; line: number }[] };
    expect(doc.resolved.map((x) => x.node)).toEqual(["/dev/dm-6", "/dev/dm-4", "/dev/dm-5"]);
    // Each spelling is a path of its own: the one the host lacks is said.
    expect(doc.diagnostics.map((d) => [d.code, d.line, d.message])).toEqual([["MOAT505", 4, 'volume "/dev/vg0/db01-{data,wal,log}" of acme/db01: "/dev/vg0/db01-log": nothing is there on this host']]);
  });
});

describe("moat install: isolation proved again on the host's nodes", () => {
  it("two tenants whose grants lead to one node: MOAT501, nothing installed", async () => {
    const policy = vm("acme", "web01", UUID_A, 'volume "/dev/vg0/web01-data" rw') + vm("globex", "ci01", UUID_B, 'volume "/dev/disk/by-id/dm-name-vg0-web01--data" rw');
    const s = await setup({ "main.iso": policy }, { ...LVM_HOST, "/dev/disk/by-id/dm-name-vg0-web01--data": { link: "../../dm-3" } });
    const r = await s.install();
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      'main.iso:10:12: error MOAT501: volume "/dev/disk/by-id/dm-name-vg0-web01--data" of globex/ci01 ("/dev/disk/by-id/dm-name-vg0-web01--data" leads to /dev/dm-3) and volume "/dev/vg0/web01-data" of acme/web01 ("/dev/vg0/web01-data" leads to /dev/dm-3) reach one node on this host: "/dev/dm-3"',
    );
    expect(r.err).toContain("  main.iso:4:12: note: volume");
    expect(tree(s.root)["etc"]).toBeUndefined();
    expect(s.parser.calls()).toEqual([]);
  });

  it("a shared read-only statement still allows both tenants' read-only grants of one node", async () => {
    const policy = (other: string): string =>
      vm("acme", "web01", UUID_A, 'volume "/srv/base.img" ro') + vm("globex", "ci01", UUID_B, `volume "${other}" ro`) + 'shared "/srv/base.img" ro with acme, globex\n';
    const host = { "/srv/base.img": { link: "/images/base.img" }, "/images/base.img": "", "/srv/globex.img": { link: "/images/base.img" } };
    const s = await setup({ "main.iso": policy("/srv/base.img") }, host);
    const r = await s.install("--no-load");
    expect(r.code, r.err).toBe(0);
    // Another name for the node, which the shared statement does not cover, is still a clash.
    const t = await setup({ "main.iso": policy("/srv/globex.img") }, host);
    const clash = await t.install("--no-load");
    expect(clash.code).toBe(1);
    expect(clash.err).toContain("error MOAT501: ");
  });

  it("a link to a protected path: MOAT502", async () => {
    const s = await setup({ "main.iso": vm("acme", "web01", UUID_A, 'volume "/srv/acme/disk.img" rw') }, { "/srv/acme/disk.img": { link: "/etc/shadow" }, "/etc/shadow": "x" });
    const r = await s.install();
    expect(r.code).toBe(1);
    expect(r.err).toContain('error MOAT502: volume "/srv/acme/disk.img" of acme/web01 resolves on this host to "/etc/shadow", which reaches protected host path /etc/shadow');
  });

  it("a granted block device that is mounted, whose partition is mounted, or that sits on a mounted partition: MOAT503", async () => {
    const policy = vm("acme", "web01", UUID_A, 'volume "/dev/vg0/root" rw\ndevice "/dev/sdb" rw\nvolume "/dev/vg0/over-boot" rw');
    const s = await setup(
      { "main.iso": policy },
      {
        "/dev/vg0/root": { link: "../dm-0" },
        "/dev/vg0/over-boot": { link: "../dm-7" },
        "/dev/sdb": "",
        "/dev/dm-0": "",
        "/dev/dm-7": "",
        ...blockDevice("dm-0", "253:0"),
        ...blockDevice("dm-7", "253:7", { slaves: ["sda1"] }),
        ...blockDevice("sda", "8:0"),
        ...blockDevice("sda1", "8:1", { partitionOf: "sda", holders: ["dm-7"] }),
        ...blockDevice("sdb", "8:16"),
        ...blockDevice("sdb1", "8:17", { partitionOf: "sdb" }),
        ...mountinfo([
          ["253:0", "/", "/dev/mapper/vg0-root"],
          ["8:17", "/srv/data", "/dev/sdb1"],
          ["8:1", "/boot", "/dev/sda1"],
        ]),
      },
    );
    const r = await s.install();
    expect(r.code).toBe(1);
    const found = r.err.match(/error MOAT503: [^\n]*/g);
    expect(found).toEqual([
      'error MOAT503: volume "/dev/vg0/root" of acme/web01 reaches block device /dev/dm-0 (dm-0, 253:0), which is mounted on the host at /',
      'error MOAT503: device "/dev/sdb" of acme/web01 reaches block device /dev/sdb (sdb, 8:16), which shares data with sdb1 (8:17), mounted on the host at /srv/data',
      'error MOAT503: volume "/dev/vg0/over-boot" of acme/web01 reaches block device /dev/dm-7 (dm-7, 253:7), which shares data with sda1 (8:1), mounted on the host at /boot',
    ]);
  });

  it("a disk of one tenant and a partition of it granted to another: MOAT501", async () => {
    const policy = vm("acme", "web01", UUID_A, 'device "/dev/sdc" rw') + vm("globex", "ci01", UUID_B, 'device "/dev/sdc2" rw');
    const s = await setup({ "main.iso": policy }, { "/dev/sdc": "", "/dev/sdc2": "", ...blockDevice("sdc", "8:32"), ...blockDevice("sdc2", "8:34", { partitionOf: "sdc" }), ...mountinfo([]) });
    const r = await s.install();
    expect(r.code).toBe(1);
    expect(r.err).toContain(`main.iso:4:12: error MOAT501: device "/dev/sdc" of acme/web01 and device "/dev/sdc2" of globex/ci01 reach one disk's data on this host: sdc and sdc2 share data\n  main.iso:10:12: note: device "/dev/sdc2" of globex/ci01\n`);
  });

  it("an IOMMU group that holds the PCI device another tenant's disk is on, or the host's root disk: MOAT504", async () => {
    const pci = "pci0000:00/0000:00:1d.0/0000:05:00.0";
    const host: Record<string, Entry> = {
      "/dev/vfio/12": "",
      "/dev/nvme1n1": "",
      ...blockDevice("nvme1n1", "259:1", { under: `${pci}/nvme/nvme1` }),
      "/sys/kernel/iommu_groups/12/devices/0000:05:00.0": { link: `../../../../devices/${pci}` },
      "/sys/kernel/iommu_groups/12/devices/0000:05:00.1": { link: "../../../../devices/pci0000:00/0000:00:1d.0/0000:05:00.1" },
      ...mountinfo([]),
    };
    const policy = vm("acme", "gpu01", UUID_A, 'device "/dev/vfio/12" rw') + vm("globex", "db01", UUID_B, 'device "/dev/nvme1n1" rw');
    const s = await setup({ "main.iso": policy }, host);
    const r = await s.install();
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      'error MOAT504: device "/dev/vfio/12" of acme/gpu01 passes through IOMMU group 12, which also holds 0000:05:00.0: device "/dev/nvme1n1" of globex/db01 is on it',
    );

    const alone = await setup({ "main.iso": vm("acme", "gpu01", UUID_A, 'device "/dev/vfio/12" rw') }, { ...host, ...mountinfo([["259:1", "/", "/dev/nvme1n1"]]) });
    const h = await alone.install();
    expect(h.code).toBe(1);
    expect(h.err).toContain("which also holds 0000:05:00.0: the host's file system at / is on it");
  });

  it("a granted path missing on the host is a warning, an error with --strict", async () => {
    const s = await setup({ "main.iso": vm("acme", "web01", UUID_A, 'volume "/srv/acme/web01.img" rw') }, { "/srv": { dir: true } });
    const r = await s.install("--no-load");
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('main.iso:4:12: warning MOAT505: volume "/srv/acme/web01.img" of acme/web01: nothing is there on this host');
    const strict = await (await setup({ "main.iso": vm("acme", "web01", UUID_A, 'volume "/srv/acme/web01.img" rw') }, { "/srv": { dir: true } })).install("--strict");
    expect(strict.code).toBe(1);
    expect(strict.err).toContain("error MOAT505");
  });

  it("a service's exec writable by others, or in a folder others can write: MOAT506; an exec that is a link: MOAT512", async () => {
    const policy = `tenant acme {\n  service agent {\n    exec "/opt/acme/bin/agent"\n    volume "/srv/acme/{,**}" rw\n  }\n  service tool {\n    exec "/opt/tools/tool"\n    volume "/srv/tools/{,**}" rw\n  }\n  service link {\n    exec "/usr/local/bin/linked"\n    volume "/srv/link/{,**}" rw\n  }\n}\n`;
    const s = await setup(
      { "main.iso": policy },
      {
        "/opt/acme/bin/agent": { file: "#!/bin/sh\n", mode: 0o757 },
        "/opt/tools": { dir: true, mode: 0o777 },
        "/opt/tools/tool": { file: "#!/bin/sh\n", mode: 0o755 },
        "/usr/local/bin/linked": { link: "/opt/real/linked" },
        "/opt/real/linked": { file: "#!/bin/sh\n", mode: 0o755 },
        "/srv/acme": { dir: true },
        "/srv/tools": { dir: true },
        "/srv/link": { dir: true },
      },
    );
    const r = await s.install();
    expect(r.code).toBe(1);
    expect(r.err).toContain('main.iso:3:10: error MOAT506: exec "/opt/acme/bin/agent" of acme/agent: the binary is writable by others (mode 0757): whoever can write it can replace it');
    expect(r.err).toContain('main.iso:7:10: error MOAT506: exec "/opt/tools/tool" of acme/tool: the folder "/opt/tools" above it is writable by its group and others (mode 0777): whoever can write it can put another binary in its place');
    expect(r.err).toContain('main.iso:11:10: warning MOAT512: exec "/usr/local/bin/linked" of acme/link is a link on this host to "/opt/real/linked"');
    if (process.getuid?.() === 0) {
      fs.chmodSync(path.join(s.root, "opt/acme/bin/agent"), 0o755);
      fs.chmodSync(path.join(s.root, "opt/tools"), 0o755);
      fs.chownSync(path.join(s.root, "opt/real/linked"), 4242, 0);
      const owner = await s.install();
      expect(owner.code).toBe(1);
      expect(owner.err.match(/error MOAT506: [^\n]*/g)).toEqual(['error MOAT506: exec "/usr/local/bin/linked" of acme/link: the binary is owned by uid 4242, not root: that user can replace it']);
    }
  });
});

describe("moat install: what it writes, loads and removes", () => {
  it("a second run writes nothing and loads nothing", async () => {
    const s = await setup({ "main.iso": vm("acme", "web01", UUID_A, 'volume "/dev/vg0/web01-data" rw') }, LVM_HOST);
    expect((await s.install()).code).toBe(0);
    const before = tree(s.root);
    const stat = fs.statSync(installedPath(s, PROFILE_A));
    const record = fs.statSync(path.join(s.root, "var/lib/moat/installed.json"));
    const again = await s.install("--format", "json");
    expect(again.code, again.err).toBe(0);
    expect(JSON.parse(again.out)).toMatchObject({ installed: [], unchanged: [PROFILE_A], removed: [], loaded: [] });
    expect(tree(s.root)).toEqual(before);
    expect(fs.statSync(installedPath(s, PROFILE_A)).ino).toBe(stat.ino);
    expect(fs.statSync(path.join(s.root, "var/lib/moat/installed.json")).ino).toBe(record.ino);
    expect(s.parser.calls()).toHaveLength(1);
  });

  it("a profile written under --no-load is loaded by the next install that loads, once", async () => {
    const s = await setup({ "main.iso": vm("acme", "web01", UUID_A, 'volume "/dev/vg0/web01-data" rw') }, LVM_HOST);
    expect(JSON.parse((await s.install("--no-load", "--format", "json")).out)).toMatchObject({ installed: [PROFILE_A], loaded: [] });
    expect(fs.readFileSync(path.join(s.root, "var/lib/moat/installed.json"), "utf8")).toContain('"notLoaded": true');
    expect(JSON.parse((await s.install("--format", "json")).out)).toMatchObject({ installed: [], unchanged: [PROFILE_A], loaded: [PROFILE_A] });
    expect(fs.readFileSync(path.join(s.root, "var/lib/moat/installed.json"), "utf8")).not.toContain("notLoaded");
    expect(JSON.parse((await s.install("--format", "json")).out)).toMatchObject({ loaded: [] });
    expect(s.parser.calls()).toEqual([`-r -W ${installedPath(s, PROFILE_A)}`]);
  });

  it("reloads only the profile whose text changed, unloads and removes one no longer shipped, and never touches other files", async () => {
    const s = await setup({ "a.iso": vm("acme", "web01", UUID_A, 'volume "/srv/a.img" rw'), "b.iso": vm("globex", "ci01", UUID_B, 'volume "/srv/b.img" rw') }, { "/srv/a.img": "", "/srv/b.img": "" });
    stage(s.root, { "/etc/apparmor.d/usr.sbin.libvirtd": "# the distribution's\n", "/etc/apparmor.d/abstractions/base": "# base\n" });
    expect((await s.install()).code).toBe(0);
    expect(s.parser.calls()).toHaveLength(2);

    fs.writeFileSync(path.join(s.dir, "policy", "a.iso"), vm("acme", "web01", UUID_A, 'volume "/srv/a.img" ro'));
    fs.rmSync(path.join(s.dir, "policy", "b.iso"));
    expect((await run(s.dir, ["compile", "policy", "--out", "generated"])).code).toBe(0);
    const r = await s.install("--format", "json");
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ installed: [PROFILE_A], unchanged: [], removed: [PROFILE_B], loaded: [PROFILE_A] });
    expect(s.parser.calls().slice(2)).toEqual([`-R ${installedPath(s, PROFILE_B)}`, `-r -W ${installedPath(s, PROFILE_A)}`]);
    expect(fs.existsSync(installedPath(s, PROFILE_B))).toBe(false);
    expect(fs.readFileSync(path.join(s.root, "etc/apparmor.d/usr.sbin.libvirtd"), "utf8")).toBe("# the distribution's\n");
    expect(fs.readFileSync(path.join(s.root, "etc/apparmor.d/abstractions/base"), "utf8")).toBe("# base\n");
    expect(Object.keys(tree(path.join(s.root, "etc/apparmor.d")))).toEqual(["abstractions", "abstractions/base", PROFILE_A, "usr.sbin.libvirtd"]);
  });

  it("refuses a file it did not install at a target path (MOAT401), and one changed since it installed it (MOAT402)", async () => {
    const s = await setup({ "main.iso": vm("acme", "web01", UUID_A, 'volume "/srv/a.img" rw') }, { "/srv/a.img": "", [`/etc/apparmor.d/${PROFILE_A}`]: "# hand-written\n" });
    const r = await s.install();
    expect(r.code).toBe(1);
    expect(r.err).toContain(`error MOAT401: ${path.relative(s.dir, installedPath(s, PROFILE_A))} exists but moat did not write it; refusing to overwrite or delete it`);
    expect(fs.readFileSync(installedPath(s, PROFILE_A), "utf8")).toBe("# hand-written\n");
    expect(fs.existsSync(path.join(s.root, "var/lib/moat/installed.json"))).toBe(false);

    fs.rmSync(installedPath(s, PROFILE_A));
    expect((await s.install()).code).toBe(0);
    fs.appendFileSync(installedPath(s, PROFILE_A), "# an edit on the host\n");
    fs.writeFileSync(path.join(s.dir, "policy", "main.iso"), vm("acme", "web01", UUID_A, 'volume "/srv/a.img" ro'));
    expect((await run(s.dir, ["compile", "policy", "--out", "generated"])).code).toBe(0);
    const edited = await s.install();
    expect(edited.code).toBe(1);
    expect(edited.err).toContain("error MOAT402: ");
    expect(fs.readFileSync(installedPath(s, PROFILE_A), "utf8")).toMatch(/# an edit on the host\n$/);
  });

  it("a failure halfway (the third rename) leaves the previous installation, files and record", async () => {
    const s = await setup({ "a.iso": vm("acme", "web01", UUID_A, 'volume "/srv/a.img" rw'), "b.iso": vm("globex", "ci01", UUID_B, 'volume "/srv/b.img" rw') }, { "/srv/a.img": "", "/srv/b.img": "" });
    expect((await s.install()).code).toBe(0);
    const before = tree(s.root);
    fs.writeFileSync(path.join(s.dir, "policy", "a.iso"), vm("acme", "web01", UUID_A, 'volume "/srv/a.img" ro'));
    fs.writeFileSync(path.join(s.dir, "policy", "b.iso"), vm("globex", "ci01", UUID_B, 'volume "/srv/b.img" ro'));
    expect((await run(s.dir, ["compile", "policy", "--out", "generated"])).code).toBe(0);
    const faulty = faultyFs("rename", 3);
    const r = await s.installWith({}, { outputFs: faulty });
    expect(faulty.fired).toBe(true);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/error MOAT404: cannot update .*: input\/output error; the previous profiles are in place and loaded/);
    expect(tree(s.root)).toEqual(before);
    expect(s.parser.calls()).toHaveLength(2);
    const retry = await s.install("--format", "json");
    expect(retry.code, retry.err).toBe(0);
    expect(JSON.parse(retry.out)).toMatchObject({ installed: [PROFILE_B, PROFILE_A].sort(), loaded: [PROFILE_B, PROFILE_A].sort() });
  });

  it("a profile apparmor_parser refuses: the files go back and the profiles loaded in this run are reloaded or removed", async () => {
    const s = await setup({ "a.iso": vm("acme", "web01", UUID_A, 'volume "/srv/a.img" rw') }, { "/srv/a.img": "", "/srv/b.img": "" });
    expect((await s.install()).code).toBe(0);
    const before = tree(s.root);
    fs.writeFileSync(path.join(s.dir, "policy", "a.iso"), vm("acme", "web01", UUID_A, 'volume "/srv/a.img" ro'));
    fs.writeFileSync(path.join(s.dir, "policy", "b.iso"), vm("globex", "ci01", UUID_B, 'volume "/srv/b.img" rw'));
    expect((await run(s.dir, ["compile", "policy", "--out", "generated"])).code).toBe(0);
    // The new profile B sorts first and loads; A is refused.
    const r = await s.installWith({ FAIL_ON: PROFILE_A }, {});
    expect(r.code).toBe(1);
    expect(r.err).toContain(`error MOAT508: apparmor_parser refused ${PROFILE_A}: AppArmor parser error: syntax error in ${PROFILE_A}; the previous profiles are in place and loaded`);
    expect(tree(s.root)).toEqual(before);
    expect(s.parser.calls().slice(1)).toEqual([`-r -W ${installedPath(s, PROFILE_B)}`, `-r -W ${installedPath(s, PROFILE_A)}`, "-R"]);
  });

  it("--dry-run prints what it would do and changes nothing", async () => {
    const s = await setup({ "main.iso": vm("acme", "web01", UUID_A, 'volume "/dev/vg0/web01-data" rw') }, LVM_HOST);
    const before = tree(s.root);
    const r = await s.install("--dry-run");
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe(`resolved ${PROFILE_A}: /dev/vg0/web01-data -> /dev/dm-3\nwould install ${path.relative(s.dir, installedPath(s, PROFILE_A))}\nwould load ${PROFILE_A}\n`);
    expect(r.err).toMatch(/1 to install, 0 unchanged, 0 to remove, 1 to load \(dry run: nothing changed\)/);
    expect(tree(s.root)).toEqual(before);
    expect(s.parser.calls()).toEqual([]);
  });

  it("refuses an output folder with a foreign or altered file (MOAT507), installing nothing", async () => {
    const s = await setup({ "main.iso": vm("acme", "web01", UUID_A, 'volume "/srv/a.img" rw') }, { "/srv/a.img": "" });
    fs.writeFileSync(path.join(s.dir, "generated", "apparmor.d", "moat.acme.agent2"), "profile x /** rwk,\n");
    const foreign = await s.install();
    expect(foreign.code).toBe(1);
    expect(foreign.err).toContain("error MOAT507: generated/apparmor.d/moat.acme.agent2 is not in the manifest (a file); nothing was installed");
    fs.rmSync(path.join(s.dir, "generated", "apparmor.d", "moat.acme.agent2"));
    fs.appendFileSync(path.join(s.dir, "generated", "apparmor.d", PROFILE_A), "  /** rwk,\n");
    const altered = await s.install();
    expect(altered.code).toBe(1);
    expect(altered.err).toContain(`error MOAT507: generated/apparmor.d/${PROFILE_A} differs from the manifest's sha256 (changed since compile); nothing was installed`);
    expect(tree(s.root)["etc"]).toBeUndefined();
  });

  it("skips the seclabel step under --root with a note", async () => {
    const s = await setup({ "main.iso": vm("acme", "web01", UUID_A, 'volume "/srv/a.img" rw') }, { "/srv/a.img": "" });
    const r = await s.install("--no-load");
    expect(r.code).toBe(0);
    expect(r.err).toContain("moat: seclabel step skipped: --root stages a host");
  });
});

describeWithValidators("installed profiles and the real apparmor_parser", ["apparmor_parser", "libvirt-qemu-abstraction"], () => {
  it("every installed profile, with its resolved rules (a hostile node name among them), passes apparmor_parser --warn=all --Werror", async () => {
    const policy = vm("acme", "web01", UUID_A, 'volume "/dev/mapper/vg0-web01--data" ro\nsocket "/var/run/acme/web01.sock"\nvolume "/srv/acme/{,**}" rw\nvolume "/srv/odd.img" rw');
    const s = await setup(
      { "main.iso": policy },
      { ...LVM_HOST, "/var/run": { link: "../run" }, "/run/acme": { dir: true }, "/srv/acme": { link: '/data/a"c, /** rwk,\n#me' }, '/data/a"c, /** rwk,\n#me': { dir: true }, "/srv/odd.img": { link: "/images/{x}*[y]@{z}.img" }, "/images/{x}*[y]@{z}.img": "" },
    );
    const r = await s.install("--no-load", "--format", "json");
    expect(r.code, r.err).toBe(0);
    expect((JSON.parse(r.out) as { resolved: unknown[] }).resolved).toHaveLength(4);
    const text = fs.readFileSync(installedPath(s, PROFILE_A), "utf8");
    // Nothing of the host's names reaches a rule line raw: only comments may show them, on one line each.
    const rules = text.split("\n").filter((l) => !l.trimStart().startsWith("#"));
    expect(rules.filter((l) => l.includes("rwk,") && l.includes("/data/"))).toEqual(['  "/data/a\\042c\\054\\040/\\052\\052\\040rwk\\054\\012\\043me/{,**}" rwk,']);
    expect(rules.some((l) => l.includes("/** rwk"))).toBe(false);
    expect(checkProfiles([{ name: PROFILE_A, content: text }]).filter((p) => !p.ok)).toEqual([]);
  });

  it("apparmor_parser loading /etc/apparmor.d skips an install's working folder", () => {
    const dir = temp();
    stage(dir, { "/moat.t.s": "abi <abi/3.0>,\nprofile moat.t.s {\n}\n", "/.moat-tmp-1-abcd/new/0": "garbage {{\n", "/.moat-tmp-1-abcd/journal.json": "{}" });
    const r = apparmorParser(dir);
    expect(r.status, r.stderr).toBe(0);
  });
});
