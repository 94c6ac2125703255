/**
 * What the kernel suite's `moat install` tests share: VMs with a logical volume each, made in the guest
 * as LVM makes them (dm-mod and loop from the kernel package, one loop device, a device-mapper table a
 * volume, and the links udev's LVM rules make), their policy, and its compiled output folder.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO, type GuestProfile } from "./harness.js";

export interface VolumeVm {
  readonly tenant: string;
  readonly vm: string;
  readonly uuid: string;
  /** The LV name in vg0. */
  readonly lv: string;
  /** Its device-mapper table, over /dev/loop0. */
  readonly table: string;
}

/** dmsetup's name for vg0/LV: dashes in the LV name doubled, as LVM does. */
export const dmName = (lv: string): string => `vg0-${lv.replace(/-/g, "--")}`;

/** A policy granting each VM its volume by LV name. */
export function volumePolicy(name: string, vms: readonly VolumeVm[]): string {
  return [`policy ${name}`, ...vms.flatMap((v) => [`tenant ${v.tenant} {`, `  vm ${v.vm} {`, `    uuid "${v.uuid}"`, `    volume "/dev/vg0/${v.lv}" rw`, "  }", "}"]), ""].join("\n");
}

/** The guest's setup lines: modules, a loop device, the volumes, and the links udev would make for LVM. */
export function makeVolumes(vms: readonly VolumeVm[]): string[] {
  return [
    "set -e",
    "insmod /moat/modules/loop.ko",
    "insmod /moat/modules/dm-mod.ko",
    "dd if=/dev/zero of=/tmp/pv.img bs=1M count=16 2>/dev/null",
    "losetup /dev/loop0 /tmp/pv.img",
    ...vms.map((v) => `DM_DISABLE_UDEV=1 dmsetup create ${dmName(v.lv)} --table "${v.table}"`),
    "mkdir -p /dev/vg0",
    // udev's LVM rules: /dev/mapper/NAME and /dev/VG/LV are links to ../dm-N (dmsetup without udev makes nodes).
    "for d in /sys/block/dm-*; do n=${d##*/}; name=$(cat $d/dm/name); rm -f /dev/mapper/$name; ln -s ../$n /dev/mapper/$name; done",
    ...vms.map((v) => `ln -s ../$(readlink /dev/mapper/${dmName(v.lv)} | sed 's|.*/||') /dev/vg0/${v.lv}`),
    "ls -l /dev/vg0 /dev/mapper",
    "dmsetup table",
    ...vms.map((v) => `test -b /dev/vg0/${v.lv}`),
  ];
}

/** Compiles the policy into `work`/out with the CLI (as a deployment does); returns the folder and its profiles. */
export function compileVolumes(work: string, policy: string): { out: string; profiles: GuestProfile[] } {
  writeFileSync(join(work, "main.iso"), policy);
  const out = join(work, "out");
  const compiled = spawnSync(process.execPath, [join(REPO, "bin", "moat.js"), "compile", work, "--out", out], { encoding: "utf8" });
  if (compiled.status !== 0) throw new Error(`compile failed (${compiled.status}): ${compiled.stderr}`);
  const profiles = readdirSync(join(out, "apparmor.d")).map((name) => ({ name, content: readFileSync(join(out, "apparmor.d", name), "utf8") }));
  return { out, profiles };
}
