/**
 * Two tenants' logical volumes of one volume group: whether they share data is in their device-mapper
 * tables (staged under --root at ROOT/.moat-staged/dmsetup-table/dm-N, as `dmsetup table` prints them),
 * and a disk mounted only in another mount namespace counts as mounted.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { firstOverlap, parseDmTable, piecesOf } from "../../src/install/dm-extents.js";
import { blockDevice, cleanUp, compileInto, fakeParser, mountinfo, run, stage, temp, type Entry } from "./host-tree.js";

afterEach(cleanUp);

const UUID_A = "6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f";
const UUID_B = "0d6b9a8e-2f41-4c7e-8d3a-5b2e7f9c1a04";

function vm(tenant: string, name: string, uuid: string, item: string): string {
  return `tenant ${tenant} {\n  vm ${name} {\n    uuid "${uuid}"\n    ${item}\n  }\n}\n`;
}

const POLICY = vm("acme", "web01", UUID_A, 'volume "/dev/vg0/acme" rw') + vm("globex", "ci01", UUID_B, 'volume "/dev/vg0/globex" rw');

const table = (name: string, text: string): Record<string, Entry> => ({ [`/.moat-staged/dmsetup-table/${name}`]: `${text}\n` });

/** vg0 on loop0 (7:0): acme's volume dm-3, globex's dm-4, with the tables given; the root file system elsewhere. */
function vgHost(acme: string | undefined, globex: string | undefined, more: Record<string, Entry> = {}): Record<string, Entry> {
  return {
    "/dev/vg0/acme": { link: "../dm-3" },
    "/dev/vg0/globex": { link: "../dm-4" },
    "/dev/dm-3": "",
    "/dev/dm-4": "",
    ...blockDevice("loop0", "7:0", { holders: ["dm-3", "dm-4"] }),
    ...blockDevice("dm-3", "253:3", { slaves: ["loop0"] }),
    ...blockDevice("dm-4", "253:4", { slaves: ["loop0"] }),
    ...blockDevice("sda", "8:0"),
    ...(acme === undefined ? {} : table("dm-3", acme)),
    ...(globex === undefined ? {} : table("dm-4", globex)),
    ...mountinfo([["8:0", "/", "/dev/sda"]]),
    ...more,
  };
}

async function install(host: Record<string, Entry>, policy = POLICY): Promise<{ code: number; err: string; etc: string[] }> {
  const dir = temp();
  await compileInto(dir, { "main.iso": policy });
  const root = temp("moat-root-");
  stage(root, host);
  const r = await run(dir, ["install", "--root", root], { MOAT_APPARMOR_PARSER: fakeParser(dir).program });
  const etc = path.join(root, "etc", "apparmor.d");
  return { code: r.code, err: r.err, etc: fs.existsSync(etc) ? fs.readdirSync(etc) : [] };
}

const GRANTS = 'main.iso:4:12: error MOAT501: volume "/dev/vg0/acme" of acme/web01 (/dev/dm-3) and volume "/dev/vg0/globex" of globex/ci01 (/dev/dm-4) reach one disk\'s data on this host: dm-3 and dm-4 share data on';
const RELATED = '\n  main.iso:10:12: note: volume "/dev/vg0/globex" of globex/ci01 (/dev/dm-4)\n';

describe("moat install: volumes that share a lower device", () => {
  it("installs two linear volumes whose extents are apart", async () => {
    const r = await install(vgHost("0 8192 linear 7:0 0", "0 8192 linear 7:0 8192"));
    expect(r.err).not.toContain("error");
    expect(r.code).toBe(0);
    expect(r.etc.sort()).toEqual([`libvirt-${UUID_A}`, `libvirt-${UUID_B}`].sort());
  });

  it("refuses two linear volumes whose extents overlap (MOAT501, both grants and the shared device named), and installs nothing", async () => {
    const r = await install(vgHost("0 8192 linear 7:0 0", "0 4096 linear 7:0 16384\n4096 4096 linear 7:0 4096"));
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${GRANTS} loop0 (7:0): both map sectors 4096-8191 of loop0${RELATED}`);
    expect(r.etc).toEqual([]);
  });

  it("refuses striped volumes whose stripes overlap, and installs striped ones that are apart", async () => {
    const host = (globex: string): Record<string, Entry> => ({
      ...vgHost("0 8192 striped 2 128 7:0 0 7:16 0", globex),
      ...blockDevice("loop1", "7:16", { holders: ["dm-3", "dm-4"] }),
      ...blockDevice("dm-3", "253:3", { slaves: ["loop0", "loop1"] }),
      ...blockDevice("dm-4", "253:4", { slaves: ["loop0", "loop1"] }),
    });
    const apart = await install(host("0 8192 striped 2 128 7:0 4096 7:16 4096"));
    expect(apart.err).not.toContain("error");
    expect(apart.code).toBe(0);
    const over = await install(host("0 8192 linear 7:16 2048"));
    expect(over.code).toBe(1);
    expect(over.err).toContain(`${GRANTS} loop1 (7:16): both map sectors 2048-4095 of loop1`);
    expect(over.etc).toEqual([]);
  });

  it("refuses a snapshot and its origin: the -real device in dm/uuid, or the snapshot target itself", async () => {
    const snapshot = (uuid: boolean): Record<string, Entry> => ({
      ...vgHost("0 8192 snapshot-origin 253:1", "0 8192 snapshot 253:1 253:2 P 8"),
      ...blockDevice("loop0", "7:0", { holders: ["dm-1", "dm-2"] }),
      ...blockDevice("dm-1", "253:1", { slaves: ["loop0"], holders: ["dm-3", "dm-4"] }),
      ...blockDevice("dm-2", "253:2", { slaves: ["loop0"], holders: ["dm-4"] }),
      ...blockDevice("dm-3", "253:3", { slaves: ["dm-1"] }),
      ...blockDevice("dm-4", "253:4", { slaves: ["dm-1", "dm-2"] }),
      ...table("dm-1", "0 8192 linear 7:0 0"),
      ...table("dm-2", "0 1024 linear 7:0 8192"),
      ...(uuid ? { "/sys/class/block/dm-1/dm/uuid": "LVM-Wk3Jd0aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789abcdefghijklmnopq-real\n" } : {}),
    });
    const byUuid = await install(snapshot(true));
    expect(byUuid.code).toBe(1);
    expect(byUuid.err).toContain(`${GRANTS} dm-1 (253:1): dm-1 is an LVM snapshot's -real device (uuid LVM-Wk3Jd0aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789abcdefghijklmnopq-real): an origin and its snapshots read the same data`);
    expect(byUuid.etc).toEqual([]);
    const byTable = await install(snapshot(false));
    expect(byTable.code).toBe(1);
    expect(byTable.err).toContain(`${GRANTS} dm-1 (253:1): dm-3's table has a snapshot-origin target, which may map any data of what it sits on`);
    expect(byTable.etc).toEqual([]);
  });

  it("installs two thin volumes of one pool (separate block maps), refuses one thin device under two names, and volumes whose table cannot be read", async () => {
    const apart = await install(vgHost("0 8192 thin 7:0 1", "0 8192 thin 7:0 2"));
    expect(apart.err).not.toContain("error");
    expect(apart.code).toBe(0);
    const same = await install(vgHost("0 8192 thin 7:0 1", "0 8192 thin 7:0 1"));
    expect(same.code).toBe(1);
    expect(same.err).toContain(`${GRANTS} loop0 (7:0): both are thin device 1 of pool 7:0`);
    expect(same.etc).toEqual([]);
    // A thin volume beside a linear one of the same lower device is still compared as before: refused.
    const mixed = await install(vgHost("0 8192 thin 7:0 1", "0 8192 linear 7:0 8192"));
    expect(mixed.code).toBe(1);
    expect(mixed.err).toContain(`${GRANTS} loop0 (7:0): dm-3's table has a thin target, which may map any data of what it sits on`);
    const unread = await install(vgHost("0 8192 linear 7:0 0", undefined));
    expect(unread.code).toBe(1);
    expect(unread.err).toContain(`${GRANTS} loop0 (7:0): the device-mapper table of dm-4 cannot be read (no table is staged at /.moat-staged/dmsetup-table/dm-4)`);
    expect(unread.etc).toEqual([]);
  });

  it("refuses a volume whose extents overlap the host's mounted root volume (MOAT503)", async () => {
    const host = vgHost("0 8192 linear 7:0 0", "0 8192 linear 7:0 8192", {
      "/dev/dm-0": "",
      ...blockDevice("loop0", "7:0", { holders: ["dm-0", "dm-3", "dm-4"] }),
      ...blockDevice("dm-0", "253:0", { slaves: ["loop0"] }),
      ...table("dm-0", "0 16384 linear 7:0 8192"),
      ...mountinfo([["253:0", "/", "/dev/mapper/vg0-root"]]),
    });
    const r = await install(host, vm("globex", "ci01", UUID_B, 'volume "/dev/vg0/globex" rw'));
    expect(r.code).toBe(1);
    expect(r.err).toContain('error MOAT503: volume "/dev/vg0/globex" of globex/ci01 reaches block device /dev/dm-4 (dm-4, 253:4), which shares data with dm-0 (253:0), mounted on the host at /: both map sectors 8192-16383 of loop0');
    expect(r.etc).toEqual([]);
  });
});

describe("moat install: mounts of every mount namespace", () => {
  const host = (otherMount: string): Record<string, Entry> => ({
    ...vgHost("0 8192 linear 7:0 0", "0 8192 linear 7:0 8192"),
    "/proc/self/ns/mnt": { link: "mnt:[4026531841]" },
    "/proc/1/ns/mnt": { link: "mnt:[4026531841]" },
    "/proc/1/mountinfo": "20 1 253:3 / /ignored rw - ext4 /dev/dm-3 rw\n",
    "/proc/812/ns/mnt": { link: "mnt:[4026532455]" },
    "/proc/812/mountinfo": `20 1 8:0 / / rw - ext4 /dev/sda rw\n21 20 ${otherMount} / /var/lib/data rw - ext4 /dev/${otherMount === "253:4" ? "dm-4" : "sdb"} rw\n`,
  });

  it("refuses a volume mounted only in another process's mount namespace (MOAT503), and reads one process per namespace", async () => {
    const r = await install(host("253:4"));
    expect(r.code).toBe(1);
    expect(r.err.match(/error MOAT503: [^\n]*/g)).toEqual([
      'error MOAT503: volume "/dev/vg0/globex" of globex/ci01 reaches block device /dev/dm-4 (dm-4, 253:4), which is mounted on the host at /var/lib/data in the mount namespace of process 812',
    ]);
    expect(r.etc).toEqual([]);
  });

  it("installs when no namespace mounts a granted volume", async () => {
    const r = await install(host("8:16"));
    expect(r.err).not.toContain("error");
    expect(r.code).toBe(0);
  });
});

describe("device-mapper tables", () => {
  it("parses dmsetup's lines and follows linear, striped and crypt targets only", () => {
    const segs = parseDmTable("0 100 linear 7:0 50\n100 200 striped 2 8 7:0 1000 7:16 0\n300 10 crypt aes-xts-plain64 :64:logon:cryptsetup:x 0 8:3 4096\n310 5 thin 253:9 1\n")!;
    expect(segs.map((s) => s.target)).toEqual(["linear", "striped", "crypt", "thin"]);
    expect(piecesOf(segs[0]!, 10, 20)).toEqual([{ dev: "7:0", offset: 60, length: 10 }]);
    expect(piecesOf(segs[1]!, 100, 300)).toEqual([{ dev: "7:0", offset: 1000, length: 100 }, { dev: "7:16", offset: 0, length: 100 }]);
    expect(piecesOf(segs[2]!, 300, 310)).toEqual([{ dev: "8:3", offset: 4096, length: 10 }]);
    expect(piecesOf(segs[3]!, 310, 315)).toBeUndefined();
    expect(parseDmTable("")).toBeUndefined();
    expect(parseDmTable("not a table")).toBeUndefined();
    expect(firstOverlap([[0, 10]], [[10, 20]])).toBeUndefined();
    expect(firstOverlap([[0, 10], [30, 40]], [[35, 50], [5, 12]])).toEqual([5, 10]);
  });
});
